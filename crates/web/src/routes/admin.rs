//! Account administration.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::precondition::ClientIp;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Clears a username's failed sign-ins, ending its lock-out (system or security administrator).
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/unlock", tag = "admin",
    params(("username" = String, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn unlock(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ClientIp(ip): ClientIp,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.unlock(&auth.actor, &username, &ip).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(unlock))
}
