//! "My tasks" and the deadlines (待办与期限): the open cases I am assigned to where a step waits
//! for me, and the deadlines of a brigade (or of the whole detachment) falling due within a
//! chosen number of days or passed — each list exportable to XLSX.

use super::cases::xlsx_download;
use super::entities::{encode, invalid};
use super::{Chrome, PageCtx, Tr};
use crate::AppState;
use app::AppError;
use app::case::{DueItem, DueKind, Task};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::Actor;
use domain::permission::{Capability, reach};
use domain::unit::{Unit, UnitKind};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The windows offered for "due within".
const WINDOWS: [i64; 4] = [7, 15, 30, 90];

#[derive(Deserialize, Default)]
pub struct DueQuery {
    /// A unit's id; `all` for every unit within reach; absent: the reader's own brigade.
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    within: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

pub struct StepLink {
    pub label: String,
    pub href: String,
}

pub struct TaskRow {
    pub href: String,
    pub number: String,
    pub violation: String,
    pub stage: String,
    pub days_left: Option<i64>,
    pub steps: Vec<StepLink>,
}

pub struct DueRow {
    pub kind: String,
    pub due: String,
    pub days_left: i64,
    pub overdue: bool,
    pub subject: String,
    pub href: String,
    pub county: String,
    pub unit: String,
    pub summary: String,
}

pub struct UnitChoice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    chrome: Chrome,
    tasks: Vec<TaskRow>,
    dues: Vec<DueRow>,
    units: Vec<UnitChoice>,
    windows: Vec<(i64, bool)>,
    /// The deadlines' filter as a query string, for the export link.
    due_query: String,
    overdue_count: usize,
    /// Blank forms to print: link and words.
    blanks: Vec<(String, String)>,
}

fn task_rows(state: &AppState, tr: &Tr, tasks: Vec<Task>) -> Vec<TaskRow> {
    tasks
        .into_iter()
        .map(|t| {
            let href = format!("/cases/{}", t.case.id);
            TaskRow {
                number: t
                    .case
                    .number
                    .clone()
                    .unwrap_or_else(|| tr.t("ui-no_number_yet")),
                violation: t.case.facts.violation.clone(),
                stage: tr.t(&format!("ui-stage_{}", t.case.stage.as_str())),
                days_left: state
                    .app
                    .case_deadline(&t.case)
                    .map(|(_, d)| (d.due - state.app.today()).num_days()),
                steps: t
                    .steps
                    .iter()
                    .map(|s| {
                        // The same words and the same form as the workspace's next steps.
                        let (label, anchor) = super::investigation::step_parts(s.command);
                        StepLink {
                            label: tr.t(label),
                            href: format!("{href}#{anchor}"),
                        }
                    })
                    .collect(),
                href,
            }
        })
        .collect()
}

fn kind_label(tr: &Tr, kind: DueKind) -> String {
    tr.t(match kind {
        DueKind::Registration => "ui-due_registration",
        DueKind::CaseDecision => "ui-due_case_decision",
        DueKind::PreservationDecision => "ui-due_preservation_decision",
        DueKind::PreservationApproval => "ui-due_preservation_approval",
        DueKind::Payment => "ui-due_payment",
    })
}

fn due_rows(tr: &Tr, items: Vec<DueItem>, unit_names: &HashMap<Uuid, String>) -> Vec<DueRow> {
    let english = tr.english();
    items
        .into_iter()
        .map(|i| {
            let (subject, href, summary) = match (&i.case, &i.clue) {
                (Some(c), _) => (
                    c.number.clone().unwrap_or_else(|| tr.t("ui-no_number_yet")),
                    format!("/cases/{}", c.id),
                    c.facts.violation.clone(),
                ),
                (None, Some(c)) => (
                    c.data.place.clone(),
                    format!("/clues/{}", c.id),
                    c.data.description.clone(),
                ),
                (None, None) => Default::default(),
            };
            DueRow {
                kind: kind_label(tr, i.kind),
                due: i.due.to_string(),
                days_left: i.days_left,
                overdue: i.overdue,
                subject,
                href,
                county: app::divisions::name(&i.county_code, english),
                unit: i
                    .unit_id
                    .and_then(|u| unit_names.get(&u).cloned())
                    .unwrap_or_default(),
                summary,
            }
        })
        .collect()
}

/// The units whose deadlines the reader may list: the brigades of their counties, and the
/// detachment for a reader of the whole prefecture.
fn units_within_reach(actor: &Actor, units: &[Unit]) -> Vec<Unit> {
    let reach = reach(actor, Capability::CaseRead).ok().flatten();
    units
        .iter()
        .filter(|u| match (&reach, u.kind) {
            (None, UnitKind::Brigade | UnitKind::Detachment) => true,
            (Some(counties), UnitKind::Brigade) => counties.contains(&u.division_code),
            _ => false,
        })
        .cloned()
        .collect()
}

/// The unit chosen: the query's (`all`: none), else the reader's own brigade or detachment
/// if it is among those within reach, else all.
fn chosen_unit(actor: &Actor, q: &DueQuery, offered: &[Unit]) -> Result<Option<Uuid>, AppError> {
    match q.unit.as_deref() {
        Some("all" | "") => Ok(None),
        Some(id) => {
            let id = Uuid::parse_str(id).map_err(|_| invalid("unit"))?;
            if offered.iter().any(|u| u.id == id) {
                Ok(Some(id))
            } else {
                Err(invalid("unit"))
            }
        }
        None => Ok(match actor {
            Actor::User(u) => u.unit_id.filter(|id| {
                offered
                    .iter()
                    .any(|o| o.id == *id && o.kind == UnitKind::Brigade)
            }),
            Actor::System => None,
        }),
    }
}

fn within_of(q: &DueQuery) -> Result<i64, AppError> {
    match q.within.as_deref() {
        None | Some("") => Ok(WINDOWS[0]),
        Some(w) => match w.parse::<i64>() {
            Ok(n) if (0..=90).contains(&n) => Ok(n),
            _ => Err(invalid("within")),
        },
    }
}

struct Loaded {
    items: Vec<DueItem>,
    offered: Vec<Unit>,
    unit: Option<Uuid>,
    within: i64,
    unit_names: HashMap<Uuid, String>,
}

async fn load_dues(
    state: &AppState,
    ctx: &PageCtx,
    actor: &Actor,
    query: Result<Query<DueQuery>, QueryRejection>,
) -> Result<Loaded, AppError> {
    let Ok(Query(q)) = query else {
        return Err(invalid("query"));
    };
    let units = state.app.units().await?;
    let offered = units_within_reach(actor, &units);
    let unit = chosen_unit(actor, &q, &offered)?;
    let within = within_of(&q)?;
    let items = state.app.deadlines(actor, unit, within as u32).await?;
    let english = ctx.tr().english();
    let unit_names = units
        .into_iter()
        .map(|u| (u.id, if english { u.name_en } else { u.name_zh }))
        .collect();
    Ok(Loaded {
        items,
        offered,
        unit,
        within,
        unit_names,
    })
}

/// My tasks and the deadlines of my brigade (or the one chosen, or all).
pub async fn tasks(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<DueQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let loaded = match load_dues(&state, &ctx, &auth.actor, query).await {
        Ok(l) => l,
        Err(e) => return ctx.error(e),
    };
    let tasks = match state.app.my_tasks(&auth.actor).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let english = tr.english();
    let mut units = vec![UnitChoice {
        value: "all".into(),
        label: tr.t("ui-due_all_units"),
        chosen: loaded.unit.is_none(),
    }];
    units.extend(loaded.offered.iter().map(|u| UnitChoice {
        value: u.id.to_string(),
        label: if english {
            u.name_en.clone()
        } else {
            u.name_zh.clone()
        },
        chosen: loaded.unit == Some(u.id),
    }));
    let dues = due_rows(&tr, loaded.items, &loaded.unit_names);
    let page = TasksPage {
        tasks: task_rows(&state, &tr, tasks),
        overdue_count: dues.iter().filter(|d| d.overdue).count(),
        blanks: BLANK_FORMS
            .iter()
            .map(|(kind, words)| (format!("/documents/blank/{kind}.pdf"), tr.t(words)))
            .collect(),
        dues,
        units,
        windows: {
            // A window typed into the address stays chosen.
            let mut w: Vec<i64> = WINDOWS.to_vec();
            if !w.contains(&loaded.within) {
                w.push(loaded.within);
                w.sort_unstable();
            }
            w.into_iter().map(|w| (w, w == loaded.within)).collect()
        },
        due_query: format!(
            "unit={}&within={}",
            encode(&loaded.unit.map(|u| u.to_string()).unwrap_or("all".into())),
            loaded.within
        ),
        chrome: ctx.chrome(),
    };
    ctx.render(StatusCode::OK, &page)
}

/// The deadlines under the page's filter as a spreadsheet.
pub async fn export_deadlines(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<DueQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let loaded = match load_dues(&state, &ctx, &auth.actor, query).await {
        Ok(l) => l,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let rows: Vec<Vec<String>> = due_rows(&tr, loaded.items, &loaded.unit_names)
        .into_iter()
        .map(|d| {
            vec![
                d.kind,
                d.subject,
                d.summary,
                d.county,
                d.unit,
                d.due,
                d.days_left.to_string(),
                if d.overdue {
                    tr.t("ui-yes")
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let header: Vec<String> = [
        "ui-due_kind",
        "ui-due_subject",
        "ui-due_summary",
        "ui-county",
        "ui-handling_unit",
        "ui-due_on",
        "ui-days_left",
        "ui-overdue",
    ]
    .iter()
    .map(|id| tr.t(id))
    .collect();
    xlsx_download(
        &ctx,
        &tr.t("ui-due_title"),
        "deadlines.xlsx",
        &header,
        &rows,
    )
}

/// My tasks as a spreadsheet.
pub async fn export_tasks(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let tasks = match state.app.my_tasks(&auth.actor).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let rows: Vec<Vec<String>> = task_rows(&state, &tr, tasks)
        .into_iter()
        .map(|t| {
            vec![
                t.number,
                t.violation,
                t.stage,
                t.days_left.map(|d| d.to_string()).unwrap_or_default(),
                t.steps
                    .into_iter()
                    .map(|s| s.label)
                    .collect::<Vec<_>>()
                    .join("；"),
            ]
        })
        .collect();
    let header: Vec<String> = [
        "ui-case_number",
        "ui-violation",
        "ui-stage",
        "ui-days_left",
        "ui-tasks_steps",
    ]
    .iter()
    .map(|id| tr.t(id))
    .collect();
    xlsx_download(&ctx, &tr.t("ui-tasks_mine"), "tasks.xlsx", &header, &rows)
}

/// The blank forms an officer prints before a field visit (the tasks page lists them).
const BLANK_FORMS: [(&str, &str); 8] = [
    ("inspection_record", "ui-blank_inspection_record"),
    ("questioning_record", "ui-blank_questioning_record"),
    ("sampling_record", "ui-blank_sampling_record"),
    ("preservation_notice", "ui-blank_preservation_notice"),
    ("registration_approval", "ui-blank_registration_approval"),
    ("investigation_report", "ui-blank_investigation_report"),
    ("review_opinion", "ui-blank_review_opinion"),
    ("recusal_decision", "ui-blank_recusal_decision"),
];

/// A blank form as PDF (`/documents/blank/{kind}.pdf`), for any reader of cases.
pub async fn blank_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let kind = file.strip_suffix(".pdf").unwrap_or(&file);
    match state.app.blank_form(&auth.actor, kind).await {
        Ok(pdf) => super::entities::download("application/pdf", &file, pdf.bytes),
        Err(e) => ctx.error(e),
    }
}
