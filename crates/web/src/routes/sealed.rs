//! The sealed store over the API: a record of personal data seen unmasked (for a stated purpose,
//! recorded as `sealed.viewed/v1` before the answer) and erased on a lawful request. Records are
//! created only by the commands that take personal data (parties, complainants).

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewBody {
    /// Why the record is needed unmasked (1 to 500 characters); recorded in the ledger.
    purpose: String,
}

#[derive(Serialize, ToSchema)]
pub struct SealedView {
    /// The record as it was sealed (a party's or a complainant's identity and contacts).
    #[schema(value_type = Object)]
    record: serde_json::Value,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    /// The deletion request this erasure answers (1 to 500 characters); recorded in the ledger.
    reason: String,
}

/// Shows a sealed record unmasked to the handling brigade or the detachment; the view (who,
/// which record, why; never the content) is appended to the ledger first.
#[utoipa::path(post, path = "/api/v1/sealed/{reference}/view", tag = "sealed",
    params(("reference" = String, Path, description = "hex SHA-256 of the record's salt and ID")),
    request_body = ViewBody,
    responses((status = 200, body = SealedView), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem),
              (status = 503, body = Problem)),
    security(("bearer" = [])))]
async fn view(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<ViewBody>,
) -> Result<Response, ApiError> {
    let record = state
        .app
        .view_sealed(&auth.actor, &reference, &body.purpose)
        .await?;
    let mut response = Json(SealedView { record }).into_response();
    // Personal data: no cache along the way may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Erases a sealed record on a lawful deletion request (the detachment leader): the record goes,
/// the events that named it stay, and the erasure is appended to the ledger.
#[utoipa::path(post, path = "/api/v1/sealed/{reference}/erase", tag = "sealed",
    params(("reference" = String, Path, description = "hex SHA-256 of the record's salt and ID")),
    request_body = EraseBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn erase(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<EraseBody>,
) -> Result<axum::http::StatusCode, ApiError> {
    state
        .app
        .erase_sealed(&auth.actor, &reference, &body.reason)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(view))
        .routes(routes!(erase))
}
