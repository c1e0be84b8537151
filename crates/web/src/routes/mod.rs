pub mod admin;
pub mod auth;
pub mod cases;
pub mod discretion;
pub mod documents;
pub mod entities;
pub mod evidence;
pub mod health;
pub mod import;
pub mod ledger;
pub mod proceedings;
pub mod sealed;
pub mod tasks;
pub mod units;

use crate::error::ApiError;
use axum::http::StatusCode;
use domain::Reason;

/// A query parameter that is malformed or out of range (422).
pub(crate) fn invalid_query(field: &str, detail: &str) -> ApiError {
    ApiError::one(
        StatusCode::UNPROCESSABLE_ENTITY,
        Reason::new("query.invalid")
            .field(field)
            .arg("field", field)
            .arg("detail", detail),
    )
}

/// A free-text query parameter: one line, no control characters (422 naming it).
pub(crate) fn query_text(field: &str, value: Option<&str>) -> Result<(), ApiError> {
    match value.map(|v| domain::text::check_text(field, v, false)) {
        Some(Err(reason)) => Err(ApiError::one(StatusCode::UNPROCESSABLE_ENTITY, reason)),
        _ => Ok(()),
    }
}

/// An integer query parameter within `min..=max`, or `default` when absent.
pub(crate) fn number(
    field: &str,
    value: Option<String>,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ApiError> {
    match value {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(invalid_query(
                field,
                &format!("an integer from {min} to {max}"),
            )),
        },
    }
}

/// A multipart body, or 415 naming the media type expected (axum's own rejection is plain text).
pub(crate) fn multipart(
    m: Result<crate::multipart::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<crate::multipart::Multipart, ApiError> {
    m.map_err(|_| {
        ApiError::one(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Reason::new("request.unsupported_media_type").arg("expected", "multipart/form-data"),
        )
    })
}
