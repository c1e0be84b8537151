//! The home dashboard: entities per county and class, certificates about to expire.

use super::{Chrome, PageCtx};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub struct CountyRow {
    pub code: String,
    pub name: String,
    pub key: i64,
    pub general: i64,
}

pub struct Expiring {
    pub name: String,
    pub number: String,
    pub valid_until: String,
    pub expired: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    counties: Vec<CountyRow>,
    expiring: Vec<Expiring>,
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let dashboard = match state.app.dashboard(&auth.actor).await {
        Ok(d) => d,
        Err(e) => return ctx.error(e),
    };
    let english = ctx.tr().english();
    let mut counties: Vec<CountyRow> = Vec::new();
    for (code, class, n) in dashboard.counts {
        if counties.last().is_none_or(|r| r.code != code) {
            counties.push(CountyRow {
                name: app::divisions::name(&code, english),
                code: code.clone(),
                key: 0,
                general: 0,
            });
        }
        if let Some(row) = counties.last_mut() {
            if class == "key" {
                row.key += n;
            } else {
                row.general += n;
            }
        }
    }
    let today = state.app.today();
    let expiring = dashboard
        .expiring
        .into_iter()
        .map(|(u, c)| Expiring {
            name: format!("{} ({})", u.display_name, u.username),
            number: c.number,
            valid_until: c.valid_until.to_string(),
            expired: c.valid_until < today,
        })
        .collect();
    ctx.render(
        StatusCode::OK,
        &HomePage {
            chrome: ctx.chrome(),
            counties,
            expiring,
        },
    )
}
