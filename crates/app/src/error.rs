//! What a command or query can fail with, before the edge turns it into a page or problem+json.

use domain::Refusal;
use store::{StoreError, WriteError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The rules said no; carries every reason.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Not signed in, or the sign-in is not valid (401). The code is a message id.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    /// Too many attempts (429).
    #[error("too many attempts; retry after {retry_after_seconds} s")]
    TooMany { retry_after_seconds: u64 },
    /// The ledger is read-only (a restored data dir awaiting `ledger resume`, or a lost or
    /// diverged tree): nothing may be written (503).
    #[error("the ledger is read-only: {}", .0.code)]
    ReadOnly(domain::Reason),
    /// A service this request needs is not available here now (503).
    #[error("unavailable: {}", .0.code)]
    Unavailable(domain::Reason),
    /// An upload over the size limit (413).
    #[error("the upload exceeds {max} bytes")]
    TooLarge { max: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<WriteError> for AppError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Refused(r) => AppError::Refused(r),
            WriteError::Store(StoreError::NotFound) => AppError::Refused(Refusal::not_found()),
            WriteError::Store(s) => AppError::Store(s),
        }
    }
}
