//! Administration pages, read only: accounts with roles, jurisdictions and certificates (expiry
//! warnings 30 days ahead) and units, for the system and security administrators; the sign-in
//! audit and administration events for the audit administrator. Changes go through the API's
//! `/api/v1/admin/…` routes, each for its own administrator.

use super::account::local;
use super::{Chrome, PageCtx};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub roles: String,
    pub counties: String,
    pub certificate: String,
    pub valid_until: String,
    /// `bad` (expired), `warn` (within 30 days) or empty.
    pub cert_class: &'static str,
    pub disabled: bool,
}

pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub division: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    units: Vec<UnitRow>,
}

pub async fn overview(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (users, units) = match state.app.admin_overview(&auth.actor).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let today = state.app.today();
    let english = ctx.tr().english();
    let page = AdminPage {
        chrome: ctx.chrome(),
        users: users
            .into_iter()
            .map(|u| {
                let (certificate, valid_until, cert_class) = match &u.certificate {
                    None => (String::new(), String::new(), ""),
                    Some(c) => (
                        format!("{} · {}", c.number, c.issuing_authority),
                        format!("{} – {}", c.valid_from, c.valid_until),
                        if c.valid_until < today {
                            "bad"
                        } else if c.valid_until <= today + chrono::Days::new(30) {
                            "warn"
                        } else {
                            ""
                        },
                    ),
                };
                UserRow {
                    roles: u
                        .roles
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    counties: u
                        .counties
                        .as_ref()
                        .map(|c| {
                            c.iter()
                                .map(|x| app::divisions::name(x, english))
                                .collect::<Vec<_>>()
                                .join("、")
                        })
                        .unwrap_or_default(),
                    username: u.username,
                    display_name: u.display_name,
                    certificate,
                    valid_until,
                    cert_class,
                    disabled: u.disabled,
                }
            })
            .collect(),
        units: units
            .into_iter()
            .map(|u| UnitRow {
                code: u.code,
                name: if english { u.name_en } else { u.name_zh },
                division: app::divisions::name(&u.division_code, english),
            })
            .collect(),
    };
    ctx.render(StatusCode::OK, &page)
}

pub struct SigninRow {
    pub at: String,
    pub username: String,
    pub ip: String,
    pub outcome: String,
}

pub struct EventRow {
    pub index: i64,
    pub at: String,
    pub actor: String,
    pub schema: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    signins: Vec<SigninRow>,
    events: Vec<EventRow>,
}

pub async fn audit(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let signins = match state.app.audit_recent_signins(&auth.actor).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let events = match state.app.audit_events(&auth.actor, 0).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let page = AuditPage {
        chrome: ctx.chrome(),
        signins: signins
            .into_iter()
            .map(|s| SigninRow {
                at: local(s.at),
                username: s.username,
                ip: s.ip,
                outcome: s.outcome.as_str().to_owned(),
            })
            .collect(),
        events: events
            .into_iter()
            .rev()
            .map(|r| EventRow {
                index: r.seq,
                at: local(r.event.at),
                actor: r.event.actor.name.clone(),
                schema: r.event.schema().to_owned(),
            })
            .collect(),
    };
    ctx.render(StatusCode::OK, &page)
}
