//! The monthly list of interference records (干预留痕) for those who may read them: the
//! detachment leader, the bureau heads and the audit administrator — never the case's other
//! officers. Exportable to XLSX.

use super::cases::xlsx_download;
use super::entities::invalid;
use super::{Chrome, PageCtx};
use crate::AppState;
use app::AppError;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use domain::case::interference::InterferenceRecorded;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

pub struct InterferenceRow {
    pub when: String,
    pub case: String,
    /// The case's page, for a reader of cases.
    pub href: Option<String>,
    pub county: String,
    pub who: String,
    pub how: String,
    pub what_was_asked: String,
    pub recorded_by: String,
}

#[derive(Template)]
#[template(path = "interference.html")]
struct InterferencePage {
    chrome: Chrome,
    month: String,
    previous: String,
    next: Option<String>,
    rows: Vec<InterferenceRow>,
}

/// The first day of the month asked for (`YYYY-MM`), or of this month.
fn month_of(q: &MonthQuery, today: NaiveDate) -> Result<NaiveDate, AppError> {
    match q.month.as_deref() {
        None | Some("") => Ok(today.with_day(1).unwrap_or(today)),
        Some(m) if m.len() == 7 => {
            NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|_| invalid("month"))
        }
        Some(_) => Err(invalid("month")),
    }
}

async fn load(
    state: &AppState,
    ctx: &PageCtx,
    actor: &domain::Actor,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<(NaiveDate, Vec<InterferenceRow>), AppError> {
    let Ok(Query(q)) = query else {
        return Err(invalid("query"));
    };
    let first = month_of(&q, state.app.today())?;
    let month = first.format("%Y-%m").to_string();
    let records: Vec<InterferenceRecorded> = state.app.interference(actor, &month).await?;
    let (numbers, people) = tokio::try_join!(
        state.app.interference_case_numbers(actor, &records),
        state.app.people()
    )?;
    let reads_cases = domain::permission::allows(actor, domain::permission::Capability::CaseRead);
    let english = ctx.tr().english();
    let rows = records
        .into_iter()
        .map(|r| InterferenceRow {
            when: r
                .when
                .as_datetime()
                .with_timezone(&domain::time::CHINA_STANDARD_TIME)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            case: numbers
                .get(&r.case_id)
                .cloned()
                .unwrap_or_else(|| short(r.case_id)),
            href: reads_cases.then(|| format!("/cases/{}", r.case_id)),
            county: app::divisions::name(&r.county_code, english),
            who: r.who,
            how: r.how,
            what_was_asked: r.what_was_asked,
            recorded_by: ctx.person_name(&people, &r.recorded_by),
        })
        .collect();
    Ok((first, rows))
}

fn short(id: Uuid) -> String {
    id.to_string()[..8].to_owned()
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (first, rows) = match load(&state, &ctx, &auth.actor, query).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let previous = first
        .pred_opt()
        .unwrap_or(first)
        .format("%Y-%m")
        .to_string();
    let this_month = state.app.today().format("%Y-%m").to_string();
    let month = first.format("%Y-%m").to_string();
    let next = (month < this_month).then(|| {
        first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first)
            .format("%Y-%m")
            .to_string()
    });
    ctx.render(
        StatusCode::OK,
        &InterferencePage {
            chrome: ctx.chrome(),
            month,
            previous,
            next,
            rows,
        },
    )
}

pub async fn export(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (first, rows) = match load(&state, &ctx, &auth.actor, query).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let header: Vec<String> = [
        "ui-interference_col_when",
        "ui-case_number",
        "ui-county",
        "ui-interference_col_who",
        "ui-interference_col_how",
        "ui-interference_col_what",
        "ui-recorded_by",
    ]
    .iter()
    .map(|id| tr.t(id))
    .collect();
    let cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            vec![
                r.when,
                r.case,
                r.county,
                r.who,
                r.how,
                r.what_was_asked,
                r.recorded_by,
            ]
        })
        .collect();
    xlsx_download(
        &ctx,
        &tr.t("ui-nav_interference"),
        &format!("interference-{}.xlsx", first.format("%Y-%m")),
        &header,
        &cells,
    )
}
