//! What waits to be done, over the API: my tasks (the open cases I am assigned to where a step
//! is open to me) and the deadlines falling due or passed, per unit or for all within reach.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::routes::cases::{CaseView, NextStepView, case_view, next_step_views};
use crate::routes::{invalid_query, number};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Serialize, ToSchema)]
pub struct TaskView {
    case: CaseView,
    /// The steps open to the caller now.
    steps: Vec<NextStepView>,
}

/// My tasks: the open cases I am assigned to as an officer where a step is open to me.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "cases",
    responses((status = 200, body = Vec<TaskView>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn tasks(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<TaskView>>, ApiError> {
    let tasks = state.app.my_tasks(&auth.actor).await?;
    Ok(Json(
        tasks
            .into_iter()
            .map(|t| TaskView {
                case: case_view(&state, t.case),
                steps: next_step_views(t.steps),
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeadlineParams {
    /// A unit's id (a brigade, or the detachment); all within reach when absent.
    unit_id: Option<String>,
    /// Days ahead counted as due soon (0 to 90, default 7).
    within: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DueView {
    /// registration (a clue to decide on), case_decision, preservation_decision,
    /// preservation_approval or payment (a fine to pay; `overdue` once unpaid past its day)
    #[schema(value_type = String)]
    kind: app::case::DueKind,
    due: String,
    /// Negative when passed.
    days_left: i64,
    overdue: bool,
    county_code: String,
    unit_id: Option<String>,
    case_id: Option<String>,
    case_number: Option<String>,
    clue_id: Option<String>,
    /// What it is about: the case's violation or the clue's description.
    summary: String,
}

pub fn due_views(items: Vec<app::case::DueItem>) -> Vec<DueView> {
    items
        .into_iter()
        .map(|i| {
            let overdue = i.overdue;
            let summary = match (&i.case, &i.clue) {
                (Some(c), _) => c.facts.violation.clone(),
                (None, Some(c)) => c.data.description.clone(),
                (None, None) => String::new(),
            };
            DueView {
                kind: i.kind,
                due: i.due.to_string(),
                days_left: i.days_left,
                overdue,
                county_code: i.county_code,
                unit_id: i.unit_id.map(|u| u.to_string()),
                case_id: i.case.as_ref().map(|c| c.id.to_string()),
                case_number: i.case.as_ref().and_then(|c| c.number.clone()),
                clue_id: i.clue.as_ref().map(|c| c.id.to_string()),
                summary,
            }
        })
        .collect()
}

/// Deadlines due within `within` days or passed: clues to decide on (15 days, Order 30
/// Art. 18), cases to decide (90 days, APL Art. 60), preserved evidence to decide on (7 working
/// days, APL Art. 56), emergency preservations still to approve. Most urgent first.
#[utoipa::path(get, path = "/api/v1/deadlines", tag = "cases", params(DeadlineParams),
    responses((status = 200, body = Vec<DueView>), (status = 403, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn deadlines(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<DeadlineParams>, QueryRejection>,
) -> Result<Json<Vec<DueView>>, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let within = number("within", p.within, 7, 0, 90)?;
    let unit = p
        .unit_id
        .filter(|u| !u.is_empty())
        .map(|u| uuid::Uuid::parse_str(&u).map_err(|_| invalid_query("unit_id", "a unit id")))
        .transpose()?;
    if let Some(id) = unit
        && !state.app.units().await?.iter().any(|u| u.id == id)
    {
        return Err(invalid_query("unit_id", "a unit id"));
    }
    let items = state
        .app
        .deadlines(&auth.actor, unit, within as u32)
        .await?;
    Ok(Json(due_views(items)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tasks))
        .routes(routes!(deadlines))
}
