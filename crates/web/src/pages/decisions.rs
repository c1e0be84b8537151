//! The public list of published decisions (行政处罚决定公开, APL Art. 48), without sign-in:
//! `/decisions` searchable by the party's name, USCC, county and year; `/decisions.json` (the
//! feed, the same filters, paged) and `/decisions.xlsx`. A natural person's name is masked, no
//! personal data is ever shown; a withdrawn decision shows only its number and the reason.

use super::{Chrome, PageCtx, Tr};
use crate::AppState;
use app::PublicationFilter;
use app::case::PublicDecision;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

const PER_PAGE: i64 = 50;
const JSON_MAX_PER_PAGE: i64 = 200;
/// The spreadsheet holds the newest this many under the filter (a narrower filter gets the
/// rest; the feed pages through all).
const XLSX_MAX_ROWS: i64 = 2_000;

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DecisionsQuery {
    q: Option<String>,
    uscc: Option<String>,
    county: Option<String>,
    year: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    /// The page's language (read by `PageCtx`).
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

pub struct Row {
    pub number: String,
    pub party: String,
    pub uscc: String,
    pub county: String,
    pub outcome: String,
    pub penalties: String,
    pub summary: String,
    pub decided_on: String,
    pub published_on: String,
    /// The withdrawal's reason and day, when withdrawn.
    pub withdrawn: Option<String>,
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct DecisionsPage {
    chrome: Chrome,
    q: String,
    uscc: String,
    county: String,
    year: String,
    counties: Vec<super::entities::CountyOption>,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    query: String,
}

fn invalid(detail: &str) -> app::AppError {
    app::AppError::from(domain::Refusal::one(
        domain::RefusalKind::Invalid,
        domain::Reason::new("query.invalid")
            .field("query")
            .arg("field", "query")
            .arg("detail", detail),
    ))
}

/// The filter and page a query asks for; `Err` names what is wrong.
fn parse(
    q: &DecisionsQuery,
    counties: &[String],
    per_page_max: i64,
) -> Result<(PublicationFilter, i64, i64), app::AppError> {
    let text = |v: &Option<String>, max: usize, name: &str| -> Result<String, app::AppError> {
        let s = v.clone().unwrap_or_default();
        if s.chars().count() > max || s.chars().any(char::is_control) {
            return Err(invalid(name));
        }
        Ok(s.trim().to_owned())
    };
    let county = text(&q.county, 6, "county")?;
    if !county.is_empty() && !counties.contains(&county) {
        return Err(invalid("county"));
    }
    let year = match q.year.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(y) => y
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| invalid("year"))?,
    };
    let page = match q.page.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| invalid("page"))?,
    };
    let per_page = match q.per_page.as_deref().map(str::trim) {
        None | Some("") => PER_PAGE.min(per_page_max),
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=per_page_max).contains(p))
            .ok_or_else(|| invalid("per_page"))?,
    };
    let uscc = text(&q.uscc, 18, "uscc")?.to_uppercase();
    if !uscc.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(invalid("uscc"));
    }
    Ok((
        PublicationFilter {
            q: text(&q.q, 100, "q")?,
            uscc,
            county,
            year,
        },
        per_page,
        page,
    ))
}

/// The prefecture's counties (the county filter's choices).
fn counties_of(state: &AppState) -> Vec<String> {
    app::divisions::counties_of(&state.app.settings.prefecture_code)
}

fn row(tr: &Tr, p: &PublicDecision) -> Row {
    let d = p.decision.as_ref();
    Row {
        number: p.number.clone(),
        party: d.map(|d| d.party.clone()).unwrap_or_default(),
        uscc: d.and_then(|d| d.uscc.clone()).unwrap_or_default(),
        county: app::divisions::name(&p.county_code, tr.english()),
        outcome: d
            .map(|d| tr.t(&format!("ui-outcome_{}", d.outcome.as_str())))
            .unwrap_or_default(),
        penalties: d
            .map(|d| super::legal_review::penalties_text(tr, &d.penalties))
            .unwrap_or_default(),
        summary: d.map(|d| d.summary.clone()).unwrap_or_default(),
        decided_on: d.map(|d| d.decided_on.to_string()).unwrap_or_default(),
        published_on: p.published_on.to_string(),
        withdrawn: p.withdrawn.as_ref().map(|w| {
            tr.with(
                "ui-decisions_withdrawn",
                &[
                    ("on", w.on.to_string()),
                    ("reason", w.reason.clone()),
                    (
                        "ground",
                        tr.t(&format!("ui-withdrawal_{}", w.ground.as_str())),
                    ),
                ],
            )
        }),
    }
}

fn query_string(f: &PublicationFilter) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", f.q.as_str()),
        ("uscc", f.uscc.as_str()),
        ("county", f.county.as_str()),
    ] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if f.year != 0 {
        s.append_pair("year", &f.year.to_string());
    }
    s.finish()
}

/// `GET /decisions`.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<DecisionsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return ctx.error(invalid("q, uscc, county, year, page"));
    };
    let (f, per_page, page) = match parse(&q, &counties_of(&state), PER_PAGE) {
        Ok(x) => x,
        Err(e) => return ctx.error(e),
    };
    let result = match state
        .app
        .public_decisions(&f, per_page, (page - 1) * per_page)
        .await
    {
        Ok(r) => r,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let counties = counties_of(&state)
        .into_iter()
        .map(|code| super::entities::CountyOption {
            name: app::divisions::name(&code, tr.english()),
            code,
        })
        .collect();
    ctx.render(
        StatusCode::OK,
        &DecisionsPage {
            chrome: ctx.chrome(),
            q: f.q.clone(),
            uscc: f.uscc.clone(),
            county: f.county.clone(),
            year: if f.year == 0 {
                String::new()
            } else {
                f.year.to_string()
            },
            counties,
            rows: result.items.iter().map(|p| row(&tr, p)).collect(),
            total: result.total,
            page,
            pages: ((result.total + per_page - 1) / per_page).max(1),
            query: query_string(&f),
        },
    )
}

/// `GET /decisions.json`: `{items: [publication], total, page, per_page}`, newest first.
pub async fn json(
    State(state): State<AppState>,
    query: Result<Query<DecisionsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return crate::error::ApiError::from(invalid("q, uscc, county, year, page, per_page"))
            .into_response();
    };
    let (f, per_page, page) = match parse(&q, &counties_of(&state), JSON_MAX_PER_PAGE) {
        Ok(x) => x,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    match state
        .app
        .public_decisions(&f, per_page, (page - 1) * per_page)
        .await
    {
        Ok(r) => Json(serde_json::json!({
            "items": r.items, "total": r.total, "page": page, "per_page": per_page,
        }))
        .into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// `GET /decisions.xlsx`: the list under its filter (at most 10,000 rows).
pub async fn xlsx(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<DecisionsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return ctx.error(invalid("q, uscc, county, year"));
    };
    let (f, _, _) = match parse(&q, &counties_of(&state), PER_PAGE) {
        Ok(x) => x,
        Err(e) => return ctx.error(e),
    };
    let result = match state.app.public_decisions(&f, XLSX_MAX_ROWS, 0).await {
        Ok(r) => r,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let header: Vec<String> = [
        "number",
        "party",
        "uscc",
        "county",
        "outcome",
        "penalties",
        "summary",
        "decided_on",
        "published_on",
        "withdrawn",
    ]
    .iter()
    .map(|c| tr.t(&format!("ui-decisions_col_{c}")))
    .collect();
    let rows: Vec<Vec<String>> = result
        .items
        .iter()
        .map(|p| {
            let r = row(&tr, p);
            vec![
                r.number,
                r.party,
                r.uscc,
                r.county,
                r.outcome,
                r.penalties,
                r.summary,
                r.decided_on,
                r.published_on,
                r.withdrawn.unwrap_or_default(),
            ]
        })
        .collect();
    super::cases::xlsx_download(&ctx, "decisions", "decisions.xlsx", &header, &rows)
}
