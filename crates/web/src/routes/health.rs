use crate::AppState;
use crate::error::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
    /// Events in the log.
    log_size: i64,
}

/// 200 once the database answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Problem)))]
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let log_size = state.app.log_size().await?;
    Ok(Json(Health {
        status: "ok",
        log_size,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz))
}
