//! The workspace's deadline and decision sections: the case deadline with its warning, the
//! extensions and their forms (an officer asks 1–30 days with a reason; a head approves or
//! refuses); the heads' deliberations and the form a head records one with (the heads listed,
//! each attending one ticked and given an opinion); the decision and the head's form — the
//! outcome, and for a penalty the last notice's penalties, each kept or dropped and never above
//! the notice (the decision refuses anything else, with its article).

use super::cases::{after_case_action, field, field_all, form_fields, form_version, path_id};
use super::investigation::{WsDraft, draft};
use super::{PageCtx, Tr};
use crate::AppState;
use app::AppError;
use app::people::People;
use axum::extract::{Path, State};
use domain::case::decision::Outcome;
use domain::case::deliberation::{MemberOpinion, Purpose};
use domain::case::penalty::Measure;
use domain::case::registration::Case;
use domain::{Reason, Refusal, RefusalKind};
use uuid::Uuid;

pub struct ExtensionRow {
    pub days: u32,
    pub reason: String,
    pub requested_by: String,
    pub requested_on: String,
    /// "waiting", "approved" or "refused"
    pub status: &'static str,
    pub decided_by: String,
    pub decided_on: String,
    pub decision_reason: String,
}

pub struct DeliberationRow {
    pub purpose: String,
    pub recorded_on: String,
    pub attendees: String,
    pub opinions: Vec<(String, String)>,
    pub outcome: String,
}

pub struct HeadInput {
    pub username: String,
    pub name: String,
    pub attending: bool,
    pub opinion: String,
}

pub struct DeliberateForm {
    /// (value, label, chosen)
    pub purposes: Vec<(&'static str, String, bool)>,
    pub heads: Vec<HeadInput>,
    pub outcome: String,
    /// A second extension waits for the heads: they say whether to extend.
    pub extension: bool,
}

pub struct PenaltyInput {
    pub index: usize,
    pub label: String,
    /// "amount", "period" or "" (a warning, a revocation: nothing to set)
    pub measure: &'static str,
    pub value: String,
    /// The notice's value: the most the form accepts.
    pub max: String,
    pub at_most: String,
    pub kept: bool,
}

pub struct DecideForm {
    /// (value, label, chosen)
    pub outcomes: Vec<(&'static str, String, bool)>,
    pub penalties: Vec<PenaltyInput>,
    pub reasons: String,
    /// What still stands in the way of the proposed penalty, as the decision would say.
    pub blocked: Vec<String>,
}

pub struct DecisionView {
    pub outcome: String,
    pub penalties: String,
    pub reasons: String,
    pub decided_by: String,
    pub decided_on: String,
}

pub struct DecisionSection {
    pub due: String,
    pub days_text: String,
    /// The warning or the overdue notice, in words.
    pub warning_text: String,
    pub warned: bool,
    pub overdue: bool,
    pub extensions: Vec<ExtensionRow>,
    pub extend_form: bool,
    /// The form's values sent back after a refusal: (days, reason).
    pub extend_values: (String, String),
    pub approve_form: bool,
    pub deliberations: Vec<DeliberationRow>,
    pub deliberate_form: Option<DeliberateForm>,
    pub decision: Option<DecisionView>,
    pub decide_form: Option<DecideForm>,
}

fn outcome_label(tr: &Tr, o: Outcome) -> String {
    tr.t(&format!("ui-outcome_{}", o.as_str()))
}

/// Builds the sections; `None` before the case is registered.
pub async fn section(
    state: &AppState,
    ctx: &PageCtx,
    case: &Case,
    people: &People,
    draft: &WsDraft,
    allowed: &[&'static str],
) -> Result<Option<DecisionSection>, AppError> {
    let Some((_, due)) = state.app.case_deadline(case) else {
        return Ok(None);
    };
    let tr = ctx.tr();
    let name = |u: &str| ctx.person_name(people, u);
    let p = &case.proceedings;
    let warning = state.app.case_warning(case);
    let extensions = p
        .extensions
        .iter()
        .map(|e| ExtensionRow {
            days: e.days,
            reason: e.reason.clone(),
            requested_by: name(&e.requested_by),
            requested_on: e.requested_on.to_string(),
            status: match &e.decision {
                None => "waiting",
                Some(d) if d.approved => "approved",
                Some(_) => "refused",
            },
            decided_by: e
                .decision
                .as_ref()
                .map(|d| name(&d.decided_by))
                .unwrap_or_default(),
            decided_on: e
                .decision
                .as_ref()
                .map(|d| d.decided_on.to_string())
                .unwrap_or_default(),
            decision_reason: e
                .decision
                .as_ref()
                .map(|d| d.reason.clone())
                .unwrap_or_default(),
        })
        .collect();
    let deliberations = p
        .deliberations
        .iter()
        .map(|d| DeliberationRow {
            purpose: tr.t(match d.purpose {
                Purpose::Decision => "ui-deliberation_purpose_decision",
                Purpose::Extension => "ui-deliberation_purpose_extension",
            }),
            recorded_on: d.recorded_on.to_string(),
            attendees: d
                .attendees
                .iter()
                .map(|a| name(a))
                .collect::<Vec<_>>()
                .join(if tr.english() { ", " } else { "、" }),
            opinions: d
                .opinions
                .iter()
                .map(|o| (name(&o.member), o.opinion.clone()))
                .collect(),
            outcome: d.outcome.clone(),
        })
        .collect();
    let deliberate_form = if allowed.contains(&"record-deliberation") {
        let sent = draft.of("record-deliberation");
        let heads = state.app.bureau_heads().await?;
        let mut purposes = Vec::new();
        let sent_purpose = sent.map(|f| field(f, "purpose")).unwrap_or_default();
        for (purpose, value, label) in [
            (
                Purpose::Decision,
                "decision",
                "ui-deliberation_purpose_decision",
            ),
            (
                Purpose::Extension,
                "extension",
                "ui-deliberation_purpose_extension",
            ),
        ] {
            if domain::case::deliberation::purpose_unmet(case, purpose).is_none() {
                purposes.push((value, tr.t(label), false));
            }
        }
        // The extension when one waits (it cannot wait long), else the decision.
        let chosen = if purposes.iter().any(|(v, _, _)| *v == sent_purpose) {
            sent_purpose
        } else {
            purposes
                .last()
                .map(|(v, _, _)| (*v).to_owned())
                .unwrap_or_default()
        };
        for p in &mut purposes {
            p.2 = p.0 == chosen;
        }
        let attending = sent.map(|f| field_all(f, "attendees")).unwrap_or_default();
        Some(DeliberateForm {
            purposes,
            heads: heads
                .iter()
                .map(|h| HeadInput {
                    username: h.clone(),
                    name: name(h),
                    attending: sent.is_none() || attending.contains(h),
                    opinion: sent
                        .map(|f| field(f, &format!("opinion.{h}")))
                        .unwrap_or_default(),
                })
                .collect(),
            outcome: sent.map(|f| field(f, "outcome")).unwrap_or_default(),
            extension: domain::case::deliberation::purpose_unmet(case, Purpose::Extension)
                .is_none(),
        })
    } else {
        None
    };
    let decision = p.decision.as_ref().map(|d| DecisionView {
        outcome: outcome_label(&tr, d.outcome),
        penalties: super::legal_review::penalties_text(&tr, &d.penalties),
        reasons: d.reasons.clone(),
        decided_by: name(&d.decided_by),
        decided_on: d.decided_on.to_string(),
    });
    // The form for whoever may decide (a head), with what still blocks the proposed penalty.
    let decider = domain::case::review::agreed(case)
        && domain::case::decision::check_decider(
            ctx.auth
                .as_ref()
                .map(|a| &a.actor)
                .unwrap_or(&domain::Actor::System),
            case,
            &state.app.settings.deciders,
        )
        .is_ok();
    let decide_form = decider.then(|| {
        let sent = draft.of("decide");
        let proposed = domain::case::legal_review::penalties_to_send(case);
        let calendar = state.app.calendar();
        let outcome = if proposed.is_empty() {
            Outcome::NotEstablished
        } else {
            Outcome::Penalty
        };
        let blocked = domain::case::decision::decision_unmet(
            case,
            &state.app.decision_rules(&calendar),
            outcome,
            &proposed,
        )
        .iter()
        .map(|r| {
            let (text, source) = super::investigation::reason_text(ctx.lang, people, r);
            if source.is_empty() {
                text
            } else {
                format!("{text}（{source}）")
            }
        })
        .collect();
        let sent_outcome = sent.map(|f| field(f, "outcome"));
        let chosen = sent_outcome.unwrap_or_else(|| outcome.as_str().to_owned());
        let kept = sent.map(|f| field_all(f, "keep"));
        let notice = case.notices.last();
        DecideForm {
            outcomes: Outcome::ALL
                .into_iter()
                .filter(|o| *o != Outcome::Penalty || notice.is_some())
                .map(|o| (o.as_str(), outcome_label(&tr, o), o.as_str() == chosen))
                .collect(),
            penalties: notice
                .map(|n| {
                    n.penalties
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let (measure, max) =
                                match (p.kind.measure(), p.amount_fen, p.period_days) {
                                    (Measure::Amount, Some(f), _) => {
                                        ("amount", super::proceedings::yuan_input(f))
                                    }
                                    (Measure::Period, _, Some(d)) => ("period", d.to_string()),
                                    _ => ("", String::new()),
                                };
                            PenaltyInput {
                                index: i,
                                label: tr.t(&format!("ui-penalty_{}", p.kind.as_str())),
                                measure,
                                value: sent
                                    .map(|f| field(f, &format!("value.{i}")))
                                    .unwrap_or_else(|| max.clone()),
                                // The ceiling in the words of the rest of the page: a sum
                                // as money (¥6,000.00), not as the input's bare number.
                                at_most: tr.with(
                                    "ui-decide_at_most",
                                    &[(
                                        "max",
                                        match (p.kind.measure(), p.amount_fen) {
                                            (Measure::Amount, Some(f)) => {
                                                format!("¥{}", domain::case::penalty::yuan(f))
                                            }
                                            _ => max.clone(),
                                        },
                                    )],
                                ),
                                max,
                                kept: kept.as_ref().is_none_or(|k| k.contains(&i.to_string())),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default(),
            reasons: sent.map(|f| field(f, "reasons")).unwrap_or_default(),
            blocked,
        }
    });
    let extend_sent = draft.of("extend-deadline");
    let counted_days =
        domain::case::registration::CASE_DAYS + domain::case::extension::approved_days(case);
    Ok(Some(DecisionSection {
        due: due.due.to_string(),
        days_text: tr.with("ui-deadline_days_of", &[("days", counted_days.to_string())]),
        warning_text: match warning {
            Some(w) if w.overdue => tr.with("ui-deadline_overdue", &[("due", w.due.to_string())]),
            Some(w) => tr.with("ui-deadline_warned", &[("due", w.due.to_string())]),
            None => String::new(),
        },
        warned: warning.is_some(),
        overdue: warning.is_some_and(|w| w.overdue),
        extensions,
        extend_form: allowed.contains(&"extend-deadline"),
        extend_values: (
            extend_sent
                .map(|f| field(f, "days"))
                .unwrap_or_else(|| "30".into()),
            extend_sent.map(|f| field(f, "reason")).unwrap_or_default(),
        ),
        approve_form: allowed.contains(&"approve-extension"),
        deliberations,
        deliberate_form,
        decision,
        decide_form: if p.decision.is_some() {
            None
        } else {
            decide_form
        },
    }))
}

pub const ACTIONS: &[(&str, &str)] = &[
    ("record-deliberation", "ui-flash_deliberation_recorded"),
    ("decide", "ui-flash_case_decided"),
    ("extend-deadline", "ui-flash_extension_requested"),
    ("approve-extension", "ui-flash_extension_decided"),
];

fn invalid(reason: Reason) -> AppError {
    AppError::Refused(Refusal::one(RefusalKind::Invalid, reason))
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
    match action {
        "record-deliberation" => {
            let purpose = match field(f, "purpose").as_str() {
                "extension" => Purpose::Extension,
                _ => Purpose::Decision,
            };
            let extend = match (purpose, field(f, "extend").as_str()) {
                (Purpose::Extension, "yes") => Some(true),
                (Purpose::Extension, "no") => Some(false),
                _ => None,
            };
            let attendees = field_all(f, "attendees");
            let opinions = attendees
                .iter()
                .map(|a| MemberOpinion {
                    member: a.clone(),
                    opinion: field(f, &format!("opinion.{a}")),
                })
                .collect();
            app.record_deliberation(
                actor,
                id,
                v,
                purpose,
                extend,
                attendees,
                opinions,
                field(f, "outcome"),
            )
            .await?;
        }
        "decide" => {
            let outcome = Outcome::parse(&field(f, "outcome"))
                .ok_or_else(|| invalid(Reason::new("field.required").field("outcome")))?;
            let mut penalties = Vec::new();
            if outcome == Outcome::Penalty {
                let case = app.case(actor, id).await?;
                let keep = field_all(f, "keep");
                let noticed = case.notices.last().map(|n| n.penalties.clone());
                for (i, p) in noticed.unwrap_or_default().into_iter().enumerate() {
                    if !keep.contains(&i.to_string()) {
                        continue;
                    }
                    let value = field(f, &format!("value.{i}"));
                    let mut decided = p.clone();
                    match p.kind.measure() {
                        Measure::Amount => {
                            decided.amount_fen = Some(super::proceedings::fen_of(
                                &format!("penalties[{i}].amount_fen"),
                                &value,
                            )?)
                        }
                        Measure::Period => {
                            decided.period_days = Some(value.trim().parse().map_err(|_| {
                                invalid(
                                    Reason::new("penalty.measure_out_of_range")
                                        .field(format!("penalties[{i}].period_days")),
                                )
                            })?)
                        }
                        Measure::None => {}
                    }
                    penalties.push(decided);
                }
            }
            app.decide_case(actor, id, v, outcome, penalties, field(f, "reasons"))
                .await?;
        }
        "extend-deadline" => {
            let days = field(f, "days").trim().parse::<u32>().map_err(|_| {
                invalid(
                    Reason::new("extension.days_range")
                        .field("days")
                        .arg("max", domain::case::extension::MAX_DAYS),
                )
            })?;
            app.extend_deadline(actor, id, v, days, field(f, "reason"))
                .await?;
        }
        "approve-extension" => {
            let approved = field(f, "approved") != "no";
            app.approve_extension(actor, id, v, approved, field(f, "reason"))
                .await?;
        }
        _ => return Err(Refusal::not_found().into()),
    }
    Ok(())
}

/// `POST /cases/{id}/<action>` for the sections' forms.
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
