//! The `Actor` of an API request, from its bearer token. `/api/v1` accepts bearer tokens only.

use crate::AppState;
use crate::error::ApiError;
use app::auth::Authenticated;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use domain::Reason;

/// A signed-in caller whose password needs no change.
pub struct Auth(pub Authenticated);

/// A signed-in caller, even one who must still change an initial password (for logout and the
/// password change itself).
pub struct AuthAnyPassword(pub Authenticated);

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Authenticated, ApiError> {
    let Some(token) = bearer(parts) else {
        return Err(ApiError::one(
            StatusCode::UNAUTHORIZED,
            Reason::new("auth.required"),
        ));
    };
    Ok(state.app.authenticate(token).await?)
}

impl FromRequestParts<AppState> for AuthAnyPassword {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await.map(AuthAnyPassword)
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = authenticate(parts, state).await?;
        if auth.must_change_password {
            return Err(ApiError::one(
                StatusCode::FORBIDDEN,
                Reason::new("auth.password_change_required"),
            ));
        }
        Ok(Auth(auth))
    }
}
