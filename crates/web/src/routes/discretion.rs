//! The discretion calculator over the API: public, like the benchmarks it reads
//! (`/discretion.json`); a calculation stores nothing.

use crate::AppState;
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
    let c = state.app.calculate_fine(
        &b.item,
        b.version.as_deref().unwrap_or(""),
        &facts,
        &circumstances,
    )?;
    Ok(Json(c).into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(calculate))
}
