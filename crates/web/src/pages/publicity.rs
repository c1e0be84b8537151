//! The workspace's publicity section (issue 26 point 2): whether and by when the decision is
//! published, what the public list shows of it, the form to publish it and a head's form to
//! withdraw it with its public reason.

use super::cases::{after_case_action, field, form_fields, form_version, path_id};
use super::investigation::draft;
use super::{PageCtx, Tr};
use crate::AppState;
use app::AppError;
use app::people::People;
use axum::extract::{Path, State};
use domain::case::publicity::WithdrawalGround;
use domain::case::registration::Case;
use domain::{Reason, Refusal, RefusalKind};
use uuid::Uuid;

pub struct PublishedRow {
    pub number: String,
    pub party: String,
    pub summary: String,
    pub published: String,
    pub late: bool,
    pub withdrawn: Option<String>,
}

pub struct PublicitySection {
    pub required: bool,
    pub due_on: String,
    pub rows: Vec<PublishedRow>,
    pub publish_form: bool,
    pub withdraw_form: bool,
    pub summary: String,
    pub today: String,
    /// (value, label)
    pub grounds: Vec<(&'static str, String)>,
}

fn ground_name(tr: &Tr, g: WithdrawalGround) -> String {
    tr.t(&format!("ui-withdrawal_{}", g.as_str()))
}

/// Builds the section once the case is decided; `None` before.
pub fn section(
    state: &AppState,
    ctx: &PageCtx,
    case: &Case,
    people: &People,
    allowed: &[&'static str],
) -> Option<PublicitySection> {
    let decision = case.proceedings.decision.as_ref()?;
    let tr = ctx.tr();
    let name = |u: &str| ctx.person_name(people, u);
    Some(PublicitySection {
        required: state.app.publication_required(case),
        due_on: state
            .app
            .publication_due(case)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        rows: case
            .proceedings
            .publications
            .iter()
            .map(|p| PublishedRow {
                number: p.number.clone(),
                party: p.party.clone(),
                summary: p.summary.clone(),
                published: format!("{} · {}", name(&p.published_by), p.published_on),
                late: p.late,
                withdrawn: p.withdrawal.as_ref().map(|w| {
                    format!(
                        "{} · {} · {} · {}",
                        ground_name(&tr, w.ground),
                        w.reason,
                        name(&w.withdrawn_by),
                        w.withdrawn_on
                    )
                }),
            })
            .collect(),
        publish_form: allowed.contains(&"publish-decision"),
        withdraw_form: allowed.contains(&"withdraw-publication"),
        summary: if decision.outcome == domain::case::decision::Outcome::Penalty {
            case.facts.violation.clone()
        } else {
            String::new()
        },
        today: state.app.today().to_string(),
        grounds: WithdrawalGround::ALL
            .into_iter()
            .map(|g| (g.as_str(), ground_name(&tr, g)))
            .collect(),
    })
}

pub const ACTIONS: &[(&str, &str)] = &[
    ("publish-decision", "ui-flash_decision_published"),
    ("withdraw-publication", "ui-flash_publication_withdrawn"),
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
    match action {
        "publish-decision" => {
            state
                .app
                .publish_decision(actor, id, v, field(f, "summary"))
                .await?;
        }
        "withdraw-publication" => {
            let ground = WithdrawalGround::parse(&field(f, "ground"))
                .ok_or_else(|| invalid(Reason::new("field.required").field("ground")))?;
            let changed_on = field(f, "changed_on")
                .trim()
                .parse()
                .map_err(|_| invalid(Reason::new("field.bad_date").field("changed_on")))?;
            state
                .app
                .withdraw_publication(actor, id, v, ground, field(f, "reason"), changed_on)
                .await?;
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
