//! The workspace's legal review (法制审核) section: every review with its points, the officers'
//! button to send the case (the penalties are the last notice's, or the report's proposed fine:
//! nothing to type), and the reviewer's six points, each passed or not with an opinion; the
//! verdict is the points' (all passed), so it can never disagree with them.

use super::cases::{after_case_action, field, form_fields, form_version, path_id};
use super::investigation::{WsDraft, draft};
use super::{PageCtx, Tr};
use crate::AppState;
use app::AppError;
use app::people::People;
use axum::extract::{Path, State};
use domain::case::legal_review::{Point, PointOpinion, RecordLegalReview, Trigger};
use domain::case::penalty::Penalty;
use domain::case::registration::Case;
use domain::{Reason, Refusal, RefusalKind};
use uuid::Uuid;

pub struct PointRow {
    pub point: &'static str,
    pub title: String,
    pub opinion: String,
    pub passed: bool,
}

pub struct ReviewRow {
    pub submitted_by: String,
    pub submitted_on: String,
    pub penalties: String,
    pub triggers: Vec<String>,
    pub answered: bool,
    pub passed: bool,
    pub reviewed_by: String,
    pub reviewed_on: String,
    pub points: Vec<PointRow>,
}

pub struct PointInput {
    pub point: &'static str,
    pub title: String,
    pub opinion: String,
    /// "yes", "no" or "" (not chosen).
    pub passed: String,
}

pub struct LegalReviewSection {
    pub reviews: Vec<ReviewRow>,
    /// The penalties the officers would send, as words; `None`: no form for the reader.
    pub submit: Option<String>,
    /// Nothing to send yet (no notice, no proposed fine).
    pub nothing_to_send: bool,
    pub record: Option<Vec<PointInput>>,
}

fn trigger_name(tr: &Tr, t: Trigger) -> String {
    let key = match t {
        Trigger::MajorPublicInterest => "major_public_interest",
        Trigger::MajorRightsHeard => "major_rights_heard",
        Trigger::Complex => "complex",
        Trigger::OtherLaw => "other_law",
        Trigger::DepartsFromBenchmark => "departs_from_benchmark",
        Trigger::FineThreshold => "fine_threshold",
        Trigger::PenaltyType => "penalty_type",
    };
    tr.t(&format!("ui-legal_trigger_{key}"))
}

fn point_title(tr: &Tr, p: Point) -> String {
    tr.t(&format!("ui-legal_point_{}", p.as_str()))
}

pub(super) fn penalties_text(tr: &Tr, penalties: &[Penalty]) -> String {
    penalties
        .iter()
        .map(|p| {
            let name = tr.t(&format!("ui-penalty_{}", p.kind.as_str()));
            match (p.amount_fen, p.period_days) {
                (Some(f), _) => format!("{name} ¥{}", domain::case::penalty::yuan(f)),
                (None, Some(d)) => format!("{name} {d}"),
                _ => name,
            }
        })
        .collect::<Vec<_>>()
        .join(if tr.english() { "; " } else { "；" })
}

use domain::case::legal_review::penalties_to_send;

/// Builds the section; `None` when there is nothing to show or do.
pub fn section(
    ctx: &PageCtx,
    case: &Case,
    people: &People,
    draft: &WsDraft,
    allowed: &[&'static str],
) -> Option<LegalReviewSection> {
    let tr = ctx.tr();
    let name = |u: &str| ctx.person_name(people, u);
    let reviews: Vec<ReviewRow> = case
        .proceedings
        .legal_reviews
        .iter()
        .map(|r| ReviewRow {
            submitted_by: name(&r.submission.submitted_by),
            submitted_on: r.submission.submitted_on.to_string(),
            penalties: penalties_text(&tr, &r.submission.penalties),
            triggers: r
                .submission
                .triggers
                .iter()
                .map(|t| trigger_name(&tr, *t))
                .collect(),
            answered: r.answer.is_some(),
            passed: r.answer.as_ref().is_some_and(|a| a.passed),
            reviewed_by: r
                .answer
                .as_ref()
                .map(|a| name(&a.reviewed_by))
                .unwrap_or_default(),
            reviewed_on: r
                .answer
                .as_ref()
                .map(|a| a.reviewed_on.to_string())
                .unwrap_or_default(),
            points: r
                .answer
                .as_ref()
                .map(|a| {
                    a.points
                        .iter()
                        .map(|p| PointRow {
                            point: p.point.as_str(),
                            title: point_title(&tr, p.point),
                            opinion: p.opinion.clone(),
                            passed: p.passed,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let to_send = penalties_to_send(case);
    let submit = allowed
        .contains(&"submit-for-legal-review")
        .then(|| penalties_text(&tr, &to_send));
    let sent = draft.of("record-legal-review");
    let record = allowed.contains(&"record-legal-review").then(|| {
        Point::ALL
            .iter()
            .map(|p| PointInput {
                point: p.as_str(),
                title: point_title(&tr, *p),
                opinion: sent
                    .map(|f| field(f, &format!("opinion.{}", p.as_str())))
                    .unwrap_or_default(),
                passed: sent
                    .map(|f| field(f, &format!("passed.{}", p.as_str())))
                    .unwrap_or_default(),
            })
            .collect()
    });
    if reviews.is_empty() && submit.is_none() && record.is_none() {
        return None;
    }
    Some(LegalReviewSection {
        reviews,
        nothing_to_send: to_send.is_empty(),
        submit,
        record,
    })
}

pub const ACTIONS: &[(&str, &str)] = &[
    ("submit-for-legal-review", "ui-flash_legal_review_submitted"),
    ("record-legal-review", "ui-flash_legal_review_recorded"),
];

async fn run(
    tr: &Tr,
    state: &AppState,
    actor: &domain::Actor,
    id: Uuid,
    action: &str,
    f: &[(String, String)],
) -> Result<(), AppError> {
    let v = form_version(f)?;
    match action {
        "submit-for-legal-review" => {
            let case = state.app.case(actor, id).await?;
            let penalties = penalties_to_send(&case);
            state
                .app
                .submit_for_legal_review(actor, id, v, penalties)
                .await?;
        }
        "record-legal-review" => {
            let mut points = Vec::new();
            for p in Point::ALL {
                let passed = match field(f, &format!("passed.{}", p.as_str())).as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => {
                        return Err(AppError::Refused(Refusal::one(
                            RefusalKind::Invalid,
                            Reason::new("legal_review.point_missing")
                                .field(format!("passed.{}", p.as_str()))
                                .arg("point", point_title(tr, p)),
                        )));
                    }
                };
                points.push(PointOpinion {
                    point: p,
                    opinion: field(f, &format!("opinion.{}", p.as_str())),
                    passed,
                });
            }
            // The verdict is the points': every point passed.
            let passed = points.iter().all(|p| p.passed);
            let cmd = RecordLegalReview {
                case_id: id,
                points,
                passed,
                expected_version: v,
            };
            state.app.record_legal_review(actor, id, v, cmd).await?;
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
                    let result = run(&ctx.tr(), &state, &auth.actor, id, action, &f).await;
                    after_case_action(&state, &ctx, id, result, flash, draft(action, f)).await
                },
            ),
        )
    })
}
