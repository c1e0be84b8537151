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

/// How many facts and circumstances one calculation reads.
const MAX_ENTRIES: usize = 50;

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
    let mut texts = vec![("item", b.item.as_str(), false)];
    if let Some(v) = &b.version {
        texts.push(("version", v.as_str(), false));
    }
    for (k, v) in &facts {
        texts.push(("facts", k.as_str(), false));
        texts.push(("facts", v.as_str(), false));
    }
    for c in &circumstances {
        texts.push(("circumstances", c.as_str(), false));
    }
    domain::text::check_texts(texts).map_err(app::AppError::from)?;
    if facts.len() > MAX_ENTRIES || circumstances.len() > MAX_ENTRIES {
        return Err(app::AppError::from(domain::Refusal::one(
            domain::RefusalKind::Invalid,
            domain::Reason::new("field.too_many")
                .field(if facts.len() > MAX_ENTRIES {
                    "facts"
                } else {
                    "circumstances"
                })
                .arg("max", MAX_ENTRIES),
        ))
        .into());
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
