//! My account: sessions (with revoke) and sign-in history.

use super::{Chrome, PageCtx};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::Timestamp;

pub struct SessionRow {
    pub handle: String,
    pub current: bool,
    pub created: String,
    pub last_seen: String,
    pub expires: String,
}

pub struct SigninRow {
    pub at: String,
    pub ip: String,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    sessions: Vec<SessionRow>,
    signins: Vec<SigninRow>,
}

/// An instant as officers read it: China Standard Time, to the second.
pub fn local(t: Timestamp) -> String {
    t.as_datetime()
        .with_timezone(&domain::time::CHINA_STANDARD_TIME)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let sessions = match state.app.my_sessions(auth).await {
        Ok(s) => s,
        Err(e) => return ctx.error(e),
    };
    let signins = match state.app.my_signins(auth).await {
        Ok(s) => s,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    ctx.render(
        StatusCode::OK,
        &AccountPage {
            chrome: ctx.chrome(),
            sessions: sessions
                .into_iter()
                .map(|s| SessionRow {
                    handle: s.handle,
                    current: s.current,
                    created: local(s.session.created_at),
                    last_seen: local(s.session.last_seen_at),
                    expires: local(s.session.expires_at),
                })
                .collect(),
            signins: signins
                .into_iter()
                .map(|s| SigninRow {
                    at: local(s.at),
                    ip: s.ip,
                    outcome: tr.t(&format!("ui-outcome_{}", s.outcome.as_str())),
                })
                .collect(),
        },
    )
}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(handle): Path<String>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    match state.app.revoke_my_session(auth, &handle).await {
        Ok(()) => super::see_other_flash("/account", "ui-flash_session_revoked"),
        Err(e) => ctx.error(e),
    }
}
