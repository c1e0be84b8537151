//! The power and responsibility list (权责清单) and the violation catalogue, published without
//! sign-in: `/powers` (the version in force or `?version=`, with what changed from the one
//! before; `?kind=` narrows it), `/powers.xlsx`, `/powers.json` (every version) and
//! `/violations.json` (every catalogue version).

use super::{Chrome, PageCtx};
use crate::AppState;
use app::powers::PowerVersion;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::power::{Power, PowerKind};
use domain::violation::{Catalogue, Hearing};

#[derive(serde::Deserialize, Default)]
pub struct PowersQuery {
    version: Option<String>,
    kind: Option<String>,
}

pub struct Row {
    pub code: String,
    pub kind: String,
    pub name: String,
    pub basis: String,
    pub holder: String,
    pub procedure: String,
    pub supervision: String,
    pub duties: String,
    /// For a penalty: the catalogue's fine range, penalty types, hearing and daily penalty.
    pub fine: String,
    pub penalties: String,
    pub hearing: String,
    pub daily: String,
    pub source: String,
}

pub struct VersionLink {
    pub version: String,
    pub effective_on: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "powers.html")]
struct PowersPage {
    chrome: Chrome,
    version: String,
    effective_on: String,
    catalogue: String,
    catalogue_note: String,
    demo: bool,
    kinds: Vec<(&'static str, String, bool)>,
    rows: Vec<Row>,
    versions: Vec<VersionLink>,
    previous: String,
    added: Vec<(String, String)>,
    removed: Vec<(String, String)>,
    changed: Vec<(String, String, String)>,
    query: String,
    colon: &'static str,
}

fn kind_code(k: PowerKind) -> &'static str {
    match k {
        PowerKind::Penalty => "penalty",
        PowerKind::Coercion => "coercion",
        PowerKind::Inspection => "inspection",
        PowerKind::Other => "other",
    }
}

const KINDS: [PowerKind; 4] = [
    PowerKind::Penalty,
    PowerKind::Coercion,
    PowerKind::Inspection,
    PowerKind::Other,
];

fn row(tr: &super::Tr, p: &Power, catalogue: Option<&Catalogue>) -> Row {
    let v = p
        .violation
        .as_deref()
        .and_then(|c| catalogue.and_then(|cat| cat.item(c)));
    let yes_no = |b: bool| tr.t(if b { "ui-yes" } else { "ui-no" });
    Row {
        code: p.code.clone(),
        kind: if tr.english() {
            p.kind.title_en().to_owned()
        } else {
            p.kind.title_zh().to_owned()
        },
        name: p.name.clone(),
        basis: p
            .basis
            .iter()
            .map(|c| c.text())
            .collect::<Vec<_>>()
            .join("；"),
        holder: p.holder.title_zh().to_owned(),
        procedure: p.procedure.clone(),
        supervision: p.supervision.clone(),
        duties: p.duties.join("；"),
        fine: v.map(|v| v.fine.text_zh()).unwrap_or_default(),
        penalties: v
            .map(|v| {
                v.penalties
                    .iter()
                    .map(|t| t.title_zh())
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default(),
        hearing: v
            .map(|v| {
                tr.t(match v.hearing {
                    Hearing::Always => "ui-powers_hearing_always",
                    Hearing::LargeAmount => "ui-powers_hearing_large_amount",
                    Hearing::Never => "ui-powers_hearing_never",
                })
            })
            .unwrap_or_default(),
        daily: v.map(|v| yes_no(v.daily_penalty)).unwrap_or_default(),
        source: v.map(|v| v.source.clone()).unwrap_or_default(),
    }
}

/// The version asked for (or in force), and an answer for a version that is not published.
fn chosen<'a>(
    ctx: &PageCtx,
    published: &'a app::powers::Published,
    version: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<&'a PowerVersion, Response> {
    let found = match version {
        Some(v) => published.power_version(v),
        None => published
            .powers_on(today)
            .or_else(|| published.powers.first()),
    };
    found.ok_or_else(|| {
        ctx.error(app::AppError::from(domain::Refusal::one(
            domain::RefusalKind::NotFound,
            domain::Reason::new("power.version_unknown").field("version"),
        )))
    })
}

fn parse_kind(ctx: &PageCtx, kind: Option<&str>) -> Result<Option<PowerKind>, Response> {
    match kind.filter(|k| !k.is_empty()) {
        None => Ok(None),
        Some(k) => KINDS
            .into_iter()
            .find(|x| kind_code(*x) == k)
            .map(Some)
            .ok_or_else(|| {
                ctx.error(app::AppError::from(domain::Refusal::one(
                    domain::RefusalKind::Invalid,
                    domain::Reason::new("query.invalid")
                        .field("kind")
                        .arg("field", "kind")
                        .arg("detail", "penalty, coercion, inspection, other"),
                )))
            }),
    }
}

fn bad_query() -> app::AppError {
    app::AppError::from(domain::Refusal::one(
        domain::RefusalKind::Invalid,
        domain::Reason::new("query.invalid")
            .field("query")
            .arg("field", "query")
            .arg("detail", "version, kind"),
    ))
}

/// `GET /powers`.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<PowersQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let tr = ctx.tr();
    let Ok(Query(q)) = query else {
        return ctx.error(bad_query());
    };
    let published = state.app.published();
    let today = state.app.today();
    let v = match chosen(&ctx, &published, q.version.as_deref(), today) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let kind = match parse_kind(&ctx, q.kind.as_deref()) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let catalogue = published
        .catalogues
        .iter()
        .find(|c| c.version == v.list.catalogue);
    let in_force = published.powers_on(today).map(|p| p.list.version.clone());
    let rows = v
        .list
        .powers
        .iter()
        .filter(|p| kind.is_none_or(|k| p.kind == k))
        .map(|p| row(&tr, p, catalogue))
        .collect();
    let mut query = format!("version={}", v.list.version);
    if let Some(k) = kind {
        query.push_str("&kind=");
        query.push_str(kind_code(k));
    }
    let page = PowersPage {
        chrome: ctx.chrome(),
        version: v.list.version.clone(),
        effective_on: v.list.effective_on.to_string(),
        catalogue: v.list.catalogue.clone(),
        catalogue_note: catalogue.map(|c| c.note.clone()).unwrap_or_default(),
        demo: v.list.demo_allocation,
        kinds: KINDS
            .iter()
            .map(|k| {
                (
                    kind_code(*k),
                    if tr.english() {
                        k.title_en().to_owned()
                    } else {
                        k.title_zh().to_owned()
                    },
                    kind == Some(*k),
                )
            })
            .collect(),
        rows,
        versions: published
            .powers
            .iter()
            .rev()
            .map(|p| VersionLink {
                version: p.list.version.clone(),
                effective_on: p.list.effective_on.to_string(),
                current: in_force.as_deref() == Some(p.list.version.as_str()),
            })
            .collect(),
        previous: v.changes.previous.clone().unwrap_or_default(),
        added: v
            .changes
            .added
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect(),
        removed: v
            .changes
            .removed
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect(),
        changed: v
            .changes
            .changed
            .iter()
            .map(|c| {
                let fields = c
                    .fields
                    .iter()
                    .map(|f| tr.t(&format!("ui-powers_col_{f}")))
                    .collect::<Vec<_>>()
                    .join(if tr.english() { ", " } else { "、" });
                (c.code.clone(), c.name.clone(), fields)
            })
            .collect(),
        query,
        colon: if tr.english() { ": " } else { "：" },
    };
    ctx.render(StatusCode::OK, &page)
}

/// `GET /powers.xlsx`: the version (in force, or `?version=`) as a spreadsheet, its demo label
/// in every row that carries the bureau's allocation.
pub async fn xlsx(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<PowersQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let tr = ctx.tr();
    let Ok(Query(q)) = query else {
        return ctx.error(bad_query());
    };
    let published = state.app.published();
    let v = match chosen(&ctx, &published, q.version.as_deref(), state.app.today()) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let kind = match parse_kind(&ctx, q.kind.as_deref()) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let catalogue = published
        .catalogues
        .iter()
        .find(|c| c.version == v.list.catalogue);
    let header: Vec<String> = [
        "code",
        "kind",
        "name",
        "basis",
        "holder",
        "procedure",
        "supervision",
        "duties",
        "fine",
        "penalties",
        "hearing",
        "daily",
        "source",
        "demo",
    ]
    .iter()
    .map(|c| tr.t(&format!("ui-powers_col_{c}")))
    .collect();
    let demo = if v.list.demo_allocation {
        tr.t("ui-powers_demo_short")
    } else {
        String::new()
    };
    let rows: Vec<Vec<String>> = v
        .list
        .powers
        .iter()
        .filter(|p| kind.is_none_or(|k| p.kind == k))
        .map(|p| {
            let r = row(&tr, p, catalogue);
            vec![
                r.code,
                r.kind,
                r.name,
                r.basis,
                r.holder,
                r.procedure,
                r.supervision,
                r.duties,
                r.fine,
                r.penalties,
                r.hearing,
                r.daily,
                r.source,
                demo.clone(),
            ]
        })
        .collect();
    super::cases::xlsx_download(
        &ctx,
        "powers",
        &format!("powers-{}.xlsx", v.list.version),
        &header,
        &rows,
    )
}

/// `GET /powers.json`: `{versions: [{version, effective_on, catalogue, demo_allocation,
/// powers: [...], changes: {previous, added, removed, changed}}]}`, newest first.
pub async fn json(State(state): State<AppState>) -> Response {
    let published = state.app.published();
    let versions: Vec<&PowerVersion> = published.powers.iter().rev().collect();
    Json(serde_json::json!({ "versions": versions })).into_response()
}

/// `GET /violations.json`: `{versions: [catalogue, …]}`, newest first.
pub async fn violations_json(State(state): State<AppState>) -> Response {
    let published = state.app.published();
    let versions: Vec<&Catalogue> = published.catalogues.iter().rev().collect();
    Json(serde_json::json!({ "versions": versions })).into_response()
}
