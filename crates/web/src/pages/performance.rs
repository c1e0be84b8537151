//! The workspace's performance and closing section (issue 26 points 3–4): what the decision
//! orders paid, what was paid, the due date, the surcharge as of today, "unperformed" and the
//! court's window; the forms to record a payment or another performance with its proof, the
//! party's application to defer or pay in instalments and a head's answer, and the closing.

use super::cases::{after_case_action, field, form_fields, form_version, path_id};
use super::investigation::draft;
use super::proceedings::{Opt, fen_of};
use super::{PageCtx, Tr};
use crate::AppState;
use app::AppError;
use app::people::People;
use axum::extract::{Path, State};
use domain::case::performance::{
    CloseCase, Ground, Instalment, PerformanceKind, RecordPerformance, RequestArrangement,
};
use domain::case::registration::{Case, CaseStage};
use domain::evidence::Evidence;
use domain::{Reason, Refusal, RefusalKind};
use uuid::Uuid;

pub struct PaidRow {
    pub kind: String,
    pub amount: String,
    pub on: String,
    pub note: String,
    pub by: String,
}

pub struct ArrangementRow {
    pub schedule: String,
    pub reason: String,
    /// "waiting", "approved" or "refused"
    pub status: &'static str,
}

pub struct PerformanceSection {
    pub penalty: bool,
    pub amount: String,
    pub paid: String,
    pub due_on: String,
    pub surcharge: String,
    pub outstanding: String,
    pub unperformed: bool,
    pub court: String,
    pub rows: Vec<PaidRow>,
    pub arrangements: Vec<ArrangementRow>,
    pub evidence: Vec<Opt>,
    pub today: String,
    pub record_form: bool,
    pub arrangement_form: bool,
    pub approve_form: bool,
    pub close_form: bool,
    /// (value, label)
    pub grounds: Vec<(&'static str, String)>,
    pub closing: Option<String>,
}

fn yuan(fen: i64) -> String {
    format!("¥{}", domain::case::penalty::yuan(fen))
}

fn ground_name(tr: &Tr, g: Ground) -> String {
    tr.t(&format!("ui-ground_{}", g.as_str()))
}

/// Builds the section for a decided or closed case; `None` before.
pub fn section(
    state: &AppState,
    ctx: &PageCtx,
    case: &Case,
    people: &People,
    evidence: &[Evidence],
    allowed: &[&'static str],
) -> Option<PerformanceSection> {
    if !matches!(
        case.stage,
        CaseStage::Decided | CaseStage::Closed | CaseStage::Archived
    ) {
        return None;
    }
    let tr = ctx.tr();
    let name = |u: &str| ctx.person_name(people, u);
    let p = &case.proceedings;
    let s = state.app.performance(case);
    let penalty = p
        .decision
        .as_ref()
        .is_some_and(|d| d.outcome == domain::case::decision::Outcome::Penalty);
    Some(PerformanceSection {
        penalty,
        amount: yuan(s.amount_fen),
        paid: yuan(s.paid_fen),
        due_on: s.due_on.map(|d| d.to_string()).unwrap_or_default(),
        surcharge: yuan(s.surcharge_fen),
        outstanding: yuan(s.outstanding_fen),
        unperformed: s.unperformed,
        court: match (s.court_from, s.court_until) {
            (Some(a), Some(b)) => tr.with(
                "ui-performance_court",
                &[("from", a.to_string()), ("until", b.to_string())],
            ),
            _ => String::new(),
        },
        rows: p
            .performances
            .iter()
            .map(|x| PaidRow {
                kind: tr.t(match x.kind {
                    PerformanceKind::Payment => "ui-performance_payment",
                    PerformanceKind::Other => "ui-performance_other",
                }),
                amount: x.amount_fen.map(yuan).unwrap_or_default(),
                on: x.on.to_string(),
                note: x.note.clone(),
                by: name(&x.recorded_by),
            })
            .collect(),
        arrangements: p
            .arrangements
            .iter()
            .map(|a| ArrangementRow {
                schedule: a
                    .schedule
                    .iter()
                    .map(|i| format!("{} {}", i.due_on, yuan(i.amount_fen)))
                    .collect::<Vec<_>>()
                    .join(if tr.english() { "; " } else { "；" }),
                reason: a.reason.clone(),
                status: match &a.decision {
                    None => "waiting",
                    Some(d) if d.approved => "approved",
                    Some(_) => "refused",
                },
            })
            .collect(),
        evidence: evidence
            .iter()
            .map(|e| Opt {
                value: e.id.to_string(),
                label: e.data.title.clone(),
                chosen: false,
            })
            .collect(),
        today: state.app.today().to_string(),
        record_form: allowed.contains(&"record-performance"),
        arrangement_form: allowed.contains(&"request-arrangement"),
        approve_form: allowed.contains(&"approve-arrangement"),
        close_form: allowed.contains(&"close-case")
            || (case.stage == CaseStage::Decided
                && domain::permission::allows(
                    ctx.auth
                        .as_ref()
                        .map(|a| &a.actor)
                        .unwrap_or(&domain::Actor::System),
                    domain::permission::Capability::CaseApprove,
                )),
        grounds: Ground::ALL
            .into_iter()
            .map(|g| (g.as_str(), ground_name(&tr, g)))
            .collect(),
        closing: p.closing.as_ref().map(|c| {
            format!(
                "{} · {} · {}{}",
                ground_name(&tr, c.ground),
                name(&c.closed_by),
                c.closed_on,
                if c.reason.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", c.reason)
                }
            )
        }),
    })
}

pub const ACTIONS: &[(&str, &str)] = &[
    ("record-performance", "ui-flash_performance_recorded"),
    ("request-arrangement", "ui-flash_arrangement_requested"),
    ("approve-arrangement", "ui-flash_arrangement_decided"),
    ("close-case", "ui-flash_case_closed"),
];

fn invalid(reason: Reason) -> AppError {
    AppError::Refused(Refusal::one(RefusalKind::Invalid, reason))
}

fn day(name: &str, f: &[(String, String)]) -> Result<chrono::NaiveDate, AppError> {
    field(f, name)
        .trim()
        .parse()
        .map_err(|_| invalid(Reason::new("field.bad_date").field(name)))
}

pub(super) fn evidence_id(name: &str, f: &[(String, String)]) -> Result<Option<Uuid>, AppError> {
    let v = field(f, name);
    if v.trim().is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(v.trim())
        .map(Some)
        .map_err(|_| invalid(Reason::new("record.evidence_unknown").field(name)))
}

async fn run(
    state: &AppState,
    actor: &domain::Actor,
    id: Uuid,
    action: &str,
    f: &[(String, String)],
) -> Result<(), AppError> {
    let v = form_version(f)?;
    let app = &state.app;
    let required_evidence = |name: &str| {
        evidence_id(name, f)?
            .ok_or_else(|| invalid(Reason::new("field.required").field(name.to_owned())))
    };
    match action {
        "record-performance" => {
            let kind = if field(f, "kind") == "other" {
                PerformanceKind::Other
            } else {
                PerformanceKind::Payment
            };
            let amount = field(f, "amount_yuan");
            let amount_fen = match kind {
                PerformanceKind::Payment => Some(fen_of("amount_fen", &amount)?),
                PerformanceKind::Other => None,
            };
            let cmd = RecordPerformance {
                case_id: id,
                kind,
                amount_fen,
                on: day("on", f)?,
                evidence_id: required_evidence("evidence_id")?,
                note: field(f, "note"),
                expected_version: v,
            };
            app.record_performance(actor, id, v, cmd).await?;
        }
        "request-arrangement" => {
            let mut schedule = Vec::new();
            for i in 0..3 {
                let due = field(f, &format!("due_on.{i}"));
                let amount = field(f, &format!("amount_yuan.{i}"));
                if due.trim().is_empty() && amount.trim().is_empty() {
                    continue;
                }
                schedule.push(Instalment {
                    due_on: day(&format!("due_on.{i}"), f)?,
                    amount_fen: fen_of(&format!("schedule[{i}].amount_fen"), &amount)?,
                });
            }
            let cmd = RequestArrangement {
                case_id: id,
                schedule,
                reason: field(f, "reason"),
                received_on: day("received_on", f)?,
                evidence_id: required_evidence("evidence_id")?,
                expected_version: v,
            };
            app.request_arrangement(actor, id, v, cmd).await?;
        }
        "approve-arrangement" => {
            let approved = field(f, "approved") != "no";
            app.approve_arrangement(actor, id, v, approved, field(f, "reason"))
                .await?;
        }
        "close-case" => {
            let ground = Ground::parse(&field(f, "ground"))
                .ok_or_else(|| invalid(Reason::new("field.required").field("ground")))?;
            let cmd = CloseCase {
                case_id: id,
                ground,
                reason: field(f, "reason"),
                evidence_id: evidence_id("evidence_id", f)?,
                expected_version: v,
            };
            app.close_case(actor, id, v, cmd).await?;
        }
        _ => return Err(Refusal::not_found().into()),
    }
    Ok(())
}

/// `POST /cases/{id}/<action>` for the section's forms.
pub fn routes(router: axum::Router<AppState>) -> axum::Router<AppState> {
    ACTIONS.iter().fold(router, |router, (action, flash)| {
        router.route(
            &format!("/cases/{{id}}/{action}"),
            axum::routing::post(
                move |State(state): State<AppState>,
                      ctx: PageCtx,
                      Path(id): Path<String>,
                      body: axum::body::Bytes| async move {
                    let auth = match ctx.require() {
                        Ok(a) => a,
                        Err(r) => return r,
                    };
                    let id = match path_id(&ctx, &id) {
                        Ok(i) => i,
                        Err(r) => return r,
                    };
                    let f = form_fields(&body);
                    let result = run(&state, &auth.actor, id, action, &f).await;
                    after_case_action(&state, &ctx, id, result, flash, draft(action, f)).await
                },
            ),
        )
    })
}
