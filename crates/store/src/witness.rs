//! The storage of `ecoenforce witness serve`: per log, the latest checkpoint the witness cosigned,
//! and the checkpoints it refused that show a log signing a tree that does not extend the one it
//! cosigned (evidence of a fork, both notes kept). It is the witness's own database, on another
//! machine than the platform's in production; `store-sqlite` implements it.

use crate::StoreError;
use async_trait::async_trait;
use ledger::Hash;

/// The latest checkpoint a witness cosigned for one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witnessed {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The checkpoint note as submitted, with the witness's cosignature added.
    pub checkpoint: String,
    /// When it was cosigned, in POSIX seconds (the cosignature's time).
    pub cosigned_at: u64,
}

/// A signed checkpoint the witness refused because it does not extend the cosigned one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkEvidence {
    pub origin: String,
    /// `ledger::witness::Evidence::as_str`.
    pub kind: String,
    /// The checkpoint the witness had cosigned.
    pub cosigned: String,
    /// The refused checkpoint, signed by the log.
    pub offered: String,
    /// The consistency proof lines offered with it (base64), one per line.
    pub proof: String,
    pub at: u64,
}

#[async_trait]
pub trait WitnessStore: Send + Sync {
    async fn latest(&self, origin: &str) -> Result<Option<Witnessed>, StoreError>;

    /// Every log the witness has cosigned, by origin.
    async fn logs(&self) -> Result<Vec<Witnessed>, StoreError>;

    /// Makes `next` the latest for its origin if the latest is still of size `expected` (`None`:
    /// nothing cosigned yet), durably, before it returns. `false` when it moved meanwhile.
    async fn advance(&self, expected: Option<u64>, next: &Witnessed) -> Result<bool, StoreError>;

    async fn record_evidence(&self, evidence: &ForkEvidence) -> Result<(), StoreError>;

    /// The evidence kept for a log, oldest first.
    async fn evidence(&self, origin: &str) -> Result<Vec<ForkEvidence>, StoreError>;
}
