//! Shared pieces of resource routes: path ids, ETags and If-Match, the client address.

use crate::error::ApiError;
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Reason;
use serde::Serialize;
use std::net::SocketAddr;
use uuid::Uuid;

/// A path id that is not a UUID names nothing: 404, like any row that does not exist.
pub fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id)
        .map_err(|_| ApiError::one(StatusCode::NOT_FOUND, Reason::new("request.not_found")))
}

/// A resource view that carries the version its ETag names.
pub trait Versioned: Serialize {
    fn version(&self) -> i64;
}

/// The view as JSON with its version as the ETag (for the next If-Match).
pub fn with_etag(status: StatusCode, view: impl Versioned) -> Response {
    let tag = etag(view.version());
    let mut response = (status, Json(view)).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

pub fn etag(version: i64) -> HeaderValue {
    // Digits and quotes only: always a valid header value.
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version named by `If-Match` (428 without one). A value that names no version of ours can
/// never match, so it becomes -1 and the change is refused as stale.
pub fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let value = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::one(
                StatusCode::PRECONDITION_REQUIRED,
                Reason::new("request.if_match_required"),
            )
        })?;
    Ok(value
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .unwrap_or(-1))
}

/// The peer address of the connection (no proxy headers are trusted).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".to_owned()),
        ))
    }
}
