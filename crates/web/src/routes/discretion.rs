//! The discretion calculator over the API: public, like the benchmarks it reads
//! (`/discretion.json`); a calculation stores nothing.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// How many facts and circumstances one calculation reads, and how long a code may be.
const MAX_ENTRIES: usize = 50;
const MAX_LEN: usize = 64;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalculateBody {
    /// The item's code (`/discretion.json`).
    item: String,
    /// The benchmark version; absent or empty: the version in force today.
    version: Option<String>,
    /// Factor → tier; a factor not given takes its lowest tier.
    facts: Option<BTreeMap<String, String>>,
    /// The case's circumstances (aggravating, mitigating, no penalty).
    circumstances: Option<Vec<String>>,
}

/// Calculates a fine by a published benchmark and explains it: the legal range, each factor's
/// tier and weight with its source, the circumstances' shifts, and whether a penalty may be
/// left out (APL Art. 33). The same input always gives the same output; nothing is stored.
#[utoipa::path(post, path = "/api/v1/discretion/calculate", tag = "discretion",
    request_body = CalculateBody,
    responses((status = 200, description = "{item, version, amount_fen, legal_min_fen, \
               legal_max_fen, start_weight_bp, total_weight_bp, base_amount_fen, tier, \
               factors: [{factor, tier, lowest_taken, weight_bp, level, source}], shifts: \
               [{circumstance, effect, source}], no_penalty}"),
              (status = 422, body = Problem)))]
async fn calculate(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<CalculateBody>,
) -> Result<Response, ApiError> {
    let facts = b.facts.unwrap_or_default();
    let circumstances = b.circumstances.unwrap_or_default();
    let refuse = |code: &'static str, field: &str| -> ApiError {
        app::AppError::from(domain::Refusal::one(
            domain::RefusalKind::Invalid,
            domain::Reason::new(code).field(field).arg(
                "max",
                if code == "field.too_many" {
                    MAX_ENTRIES
                } else {
                    MAX_LEN
                },
            ),
        ))
        .into()
    };
    if facts.len() > MAX_ENTRIES {
        return Err(refuse("field.too_many", "facts"));
    }
    if circumstances.len() > MAX_ENTRIES {
        return Err(refuse("field.too_many", "circumstances"));
    }
    let named: Vec<String> = (0..circumstances.len())
        .map(|i| format!("circumstances[{i}]"))
        .collect();
    let mut texts = vec![("item", b.item.as_str(), false)];
    if let Some(v) = &b.version {
        texts.push(("version", v.as_str(), false));
    }
    for (k, v) in &facts {
        texts.push(("facts", k.as_str(), false));
        texts.push(("facts", v.as_str(), false));
    }
    for (c, field) in circumstances.iter().zip(&named) {
        texts.push((field.as_str(), c.as_str(), false));
    }
    domain::text::check_texts(texts.iter().copied()).map_err(app::AppError::from)?;
    // Nothing longer than a code is echoed back in a refusal.
    if let Some((field, _, _)) = texts.iter().find(|(_, v, _)| v.chars().count() > MAX_LEN) {
        return Err(refuse("field.too_long", field));
    }
    let c = state
        .app
        .calculate_fine(
            &b.item,
            b.version.as_deref().unwrap_or(""),
            &facts,
            &circumstances,
        )
        .await?;
    Ok(Json(c).into_response())
}

/// Every version proposed (approved or not), for the legal review and the heads.
#[utoipa::path(get, path = "/api/v1/discretion/versions", tag = "discretion",
    responses((status = 200, description = "{items: [{benchmark, proposed_by, approved_by}]}"),
              (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn versions(State(state): State<AppState>, Auth(auth): Auth) -> Result<Response, ApiError> {
    let items = state.app.proposed_benchmarks(&auth.actor).await?;
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

/// A legal reviewer proposes a new version of the benchmark (the bureau's own: `adopted` once
/// a head approves it). The body is a version as `/discretion.json` gives it.
#[utoipa::path(post, path = "/api/v1/discretion/versions", tag = "discretion",
    request_body(content = Object, description = "a version: {version, effective_on, adopted, \
        label, items: [{item, name, law, article, mode, legal_min_fen, legal_max_fen, \
        start_weight_bp?, floor_weight_bp?, ranges?, factors: [{factor, name, tiers: [{tier, \
        name, weight_bp?, level?}]}], excluded_circumstances?, source}]}"),
    responses((status = 201, description = "{events}"), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn propose(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(b): ApiJson<domain::discretion::Benchmark>,
) -> Result<Response, ApiError> {
    let w = state.app.propose_benchmark(&auth.actor, b).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "events": crate::routes::cases::events(w) })),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// YYYY-MM-DD, today or later: the day the version takes effect.
    effective_on: String,
}

/// A bureau head approves a proposed version (not one's own) from a day not before today: it
/// is published from then and never changes.
#[utoipa::path(post, path = "/api/v1/discretion/versions/{version}/approve", tag = "discretion",
    params(("version" = String, Path)), request_body = ApproveBody,
    responses((status = 200, description = "{events}"), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn approve(
    State(state): State<AppState>,
    Auth(auth): Auth,
    axum::extract::Path(version): axum::extract::Path<String>,
    ApiJson(b): ApiJson<ApproveBody>,
) -> Result<Response, ApiError> {
    let effective_on = crate::routes::cases::date("effective_on", &b.effective_on)?;
    let w = state
        .app
        .approve_benchmark(&auth.actor, version, effective_on)
        .await?;
    Ok(Json(serde_json::json!({ "events": crate::routes::cases::events(w) })).into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(calculate))
        .routes(routes!(versions, propose))
        .routes(routes!(approve))
}
