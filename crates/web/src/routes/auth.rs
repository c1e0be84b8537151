use crate::AppState;
use crate::auth::AuthAnyPassword;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;
use crate::precondition::ClientIp;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
    /// The 6-digit TOTP code (RFC 6238): required for the three administrators and for anyone
    /// who has a second factor.
    #[serde(default)]
    totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// RFC 3339 UTC.
    expires_at: String,
    /// When true, the token is accepted only for changing the password.
    must_change_password: bool,
}

/// Signs in with a username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem),
              (status = 400, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let outcome = state
        .app
        .login_with_totp(&body.username, &body.password, body.totp.as_deref(), &ip)
        .await?;
    Ok(Json(LoginResponse {
        token: outcome.token,
        expires_at: outcome.expires_at.to_rfc3339(),
        must_change_password: outcome.must_change_password,
    }))
}

/// Ends this session; the token stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn logout(
    State(state): State<AppState>,
    AuthAnyPassword(auth): AuthAnyPassword,
) -> Result<StatusCode, ApiError> {
    state.app.logout(&auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// Changes the caller's password (the one route a must-change sign-in may use). A wrong current
/// password counts as a failed sign-in of the account; while it is locked out, 429.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth",
    request_body = PasswordChange,
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)),
    security(("bearer" = [])))]
async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AuthAnyPassword(auth): AuthAnyPassword,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .change_password(&auth, &body.current, &body.new, &ip)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(change_password))
}
