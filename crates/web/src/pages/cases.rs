//! The clue and case pages: the clue inbox (the oldest due first), the clue form (phone-sized
//! for liaisons), triage of a clue, the case list and the case workspace's header with the
//! head's approvals. Every form posts the version it showed, as the API's `If-Match`.

use super::{Chrome, PageCtx, see_other_flash};
use crate::AppState;
use app::AppError;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use domain::case::clue::{Clue, ClueData, ClueSource, ClueStatus};
use domain::case::registration::{Case, CaseFacts, CaseStage, LegalBasis};
use domain::permission::{Capability, allows};
use domain::{Reason, Refusal, RefusalKind};
use serde::Deserialize;

pub struct ClueRow {
    pub id: String,
    pub source: String,
    pub received_on: String,
    pub county: String,
    pub place: String,
    pub description: String,
    pub status: String,
    pub due: String,
    pub overdue: bool,
}

fn clue_row(state: &AppState, ctx: &PageCtx, c: &Clue) -> ClueRow {
    let tr = ctx.tr();
    let (due, overdue) = state.app.registration_due(c);
    ClueRow {
        id: c.id.to_string(),
        source: tr.t(&format!("ui-source_{}", c.data.source.as_str())),
        received_on: c.data.received_on.to_string(),
        county: app::divisions::name(&c.data.county_code, tr.english()),
        place: c.data.place.clone(),
        description: c.data.description.clone(),
        status: tr.t(&format!("ui-clue_status_{}", c.status.as_str())),
        due: due.to_string(),
        overdue: overdue && c.status == ClueStatus::Open,
    }
}

#[derive(Template)]
#[template(path = "clues.html")]
struct CluesPage {
    chrome: Chrome,
    rows: Vec<ClueRow>,
    can_submit: bool,
}

pub async fn inbox(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let filter = app::ClueFilter {
        status: "open".into(),
        ..Default::default()
    };
    let page = match state.app.clues(&auth.actor, filter, 1, 200).await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let mut rows: Vec<ClueRow> = page
        .items
        .iter()
        .map(|c| clue_row(&state, &ctx, c))
        .collect();
    // Due soon first.
    rows.sort_by(|a, b| a.due.cmp(&b.due));
    ctx.render(
        StatusCode::OK,
        &CluesPage {
            chrome: ctx.chrome(),
            rows,
            can_submit: allows(&auth.actor, Capability::ClueSubmit),
        },
    )
}

#[derive(Template)]
#[template(path = "clue_new.html")]
struct NewCluePage {
    chrome: Chrome,
    sources: Vec<(String, String, bool)>,
    counties: Vec<(String, String)>,
    today: String,
    errors: Vec<String>,
    form: ClueForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct ClueForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    county_code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
}

fn new_clue_page(
    state: &AppState,
    ctx: &PageCtx,
    status: StatusCode,
    errors: Vec<String>,
    form: ClueForm,
) -> Response {
    let Some(auth) = ctx.auth.as_ref() else {
        return super::see_other("/login");
    };
    let tr = ctx.tr();
    let partner = auth.actor.has_role(domain::actor::Role::PartnerAgency);
    let liaison = auth.actor.has_role(domain::actor::Role::Liaison);
    let reach = domain::permission::reach(&auth.actor, Capability::ClueSubmit).ok();
    let sources = ClueSource::ALL
        .into_iter()
        .filter(|s| !partner || *s == ClueSource::DepartmentTransfer)
        .map(|s| {
            let chosen = if form.source.is_empty() {
                (liaison && s == ClueSource::TownshipLiaison)
                    || (partner && s == ClueSource::DepartmentTransfer)
            } else {
                form.source == s.as_str()
            };
            (
                s.as_str().to_owned(),
                tr.t(&format!("ui-source_{}", s.as_str())),
                chosen,
            )
        })
        .collect();
    let counties = state
        .app
        .counties()
        .into_iter()
        .filter(|c| {
            reach
                .as_ref()
                .is_some_and(|r| domain::permission::within(r, c))
        })
        .map(|c| (c.clone(), app::divisions::name(&c, tr.english())))
        .collect();
    ctx.render(
        status,
        &NewCluePage {
            chrome: ctx.chrome(),
            sources,
            counties,
            today: state.app.today().to_string(),
            errors,
            form,
        },
    )
}

pub async fn new_clue(State(state): State<AppState>, ctx: PageCtx) -> Response {
    if let Err(r) = ctx.require() {
        return r;
    }
    new_clue_page(
        &state,
        &ctx,
        StatusCode::OK,
        Vec::new(),
        ClueForm::default(),
    )
}

fn bad_date(field: &str) -> AppError {
    AppError::Refused(Refusal::one(
        RefusalKind::Invalid,
        Reason::new("field.bad_date").field(field),
    ))
}

pub async fn submit_clue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<ClueForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let data = (|| -> Result<ClueData, AppError> {
        Ok(ClueData {
            source: ClueSource::parse(&form.source).ok_or_else(|| {
                AppError::Refused(Refusal::one(
                    RefusalKind::Invalid,
                    Reason::new("clue.unknown_source").field("source"),
                ))
            })?,
            department: Some(form.department.trim().to_owned()).filter(|d| !d.is_empty()),
            received_on: NaiveDate::parse_from_str(&form.received_on, "%Y-%m-%d")
                .map_err(|_| bad_date("received_on"))?,
            county_code: form.county_code.clone(),
            description: form.description.clone(),
            place: form.place.clone(),
            lat_e6: None,
            lon_e6: None,
            entity_id: None,
            complainant: None,
            evidence_ids: Vec::new(),
        })
    })();
    let result = match data {
        Ok(d) => state.app.submit_clue(&auth.actor, d, None).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((clue, _)) => see_other_flash(&format!("/clues/{}", clue.id), "ui-flash_clue_submitted"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => new_clue_page(&state, &ctx, status, errors, form),
            Err(r) => r,
        },
    }
}

#[derive(Template)]
#[template(path = "clue.html")]
struct CluePage {
    chrome: Chrome,
    c: ClueRow,
    version: i64,
    submitted_by: String,
    department: String,
    closed_reason: String,
    can_triage: bool,
    errors: Vec<String>,
}

async fn clue_page(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    status: StatusCode,
    errors: Vec<String>,
) -> Response {
    let Some(auth) = ctx.auth.as_ref() else {
        return super::see_other("/login");
    };
    let (clue, people) = match tokio::try_join!(state.app.clue(&auth.actor, id), state.app.people())
    {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    ctx.render(
        status,
        &CluePage {
            chrome: ctx.chrome(),
            c: clue_row(state, ctx, &clue),
            version: clue.version,
            submitted_by: ctx.person_name(&people, &clue.submitted_by),
            department: clue.data.department.clone().unwrap_or_default(),
            closed_reason: clue.closed_reason.clone().unwrap_or_default(),
            can_triage: clue.status == ClueStatus::Open
                && allows(&auth.actor, Capability::CaseRegister),
            errors,
        },
    )
}

fn path_id(ctx: &PageCtx, id: &str) -> Result<uuid::Uuid, Response> {
    uuid::Uuid::parse_str(id).map_err(|_| ctx.not_found())
}

pub async fn clue(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    if let Err(r) = ctx.require() {
        return r;
    }
    match path_id(&ctx, &id) {
        Ok(id) => clue_page(&state, &ctx, id, StatusCode::OK, Vec::new()).await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct RegisterForm {
    version: i64,
    law: String,
    article: String,
    act_ended_on: String,
    #[serde(default)]
    endangers: Option<String>,
    violation: String,
}

pub async fn register(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<RegisterForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let result = match NaiveDate::parse_from_str(&form.act_ended_on, "%Y-%m-%d") {
        Ok(act_ended_on) => {
            let facts = CaseFacts {
                legal_basis: vec![LegalBasis {
                    law: form.law,
                    article: form.article,
                }],
                act_ended_on,
                endangers_life_health_or_finance: form.endangers.is_some(),
                violation: form.violation,
                entity_id: None,
                party: None,
                urgent: false,
            };
            state
                .app
                .propose_case(&auth.actor, id, form.version, facts, None)
                .await
        }
        Err(_) => Err(bad_date("act_ended_on")),
    };
    match result {
        Ok((case, _)) => see_other_flash(&format!("/cases/{}", case.id), "ui-flash_case_proposed"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => clue_page(&state, &ctx, id, status, errors).await,
            Err(r) => r,
        },
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    version: i64,
    #[serde(default)]
    text: String,
}

pub async fn close(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    match state
        .app
        .close_clue(&auth.actor, id, form.version, form.text)
        .await
    {
        Ok(_) => see_other_flash(&format!("/clues/{id}"), "ui-flash_saved"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => clue_page(&state, &ctx, id, status, errors).await,
            Err(r) => r,
        },
    }
}

pub struct CaseRow {
    pub id: String,
    pub number: String,
    pub stage: String,
    pub county: String,
    pub violation: String,
    pub days_left: Option<i64>,
    pub due: String,
}

fn case_row(state: &AppState, ctx: &PageCtx, c: &Case) -> CaseRow {
    let tr = ctx.tr();
    let deadline = state.app.case_deadline(c);
    CaseRow {
        id: c.id.to_string(),
        number: c.number.clone().unwrap_or_else(|| tr.t("ui-no_number_yet")),
        stage: tr.t(&format!("ui-stage_{}", c.stage.as_str())),
        county: app::divisions::name(&c.county_code, tr.english()),
        violation: c.facts.violation.clone(),
        days_left: deadline
            .as_ref()
            .filter(|_| c.stage == CaseStage::Registered)
            .map(|(_, d)| (d.due - state.app.today()).num_days()),
        due: deadline.map(|(_, d)| d.due.to_string()).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    rows: Vec<CaseRow>,
}

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let page = match state
        .app
        .cases(&auth.actor, app::CaseFilter::default(), 1, 200)
        .await
    {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let rows = page
        .items
        .iter()
        .map(|c| case_row(&state, &ctx, c))
        .collect();
    ctx.render(
        StatusCode::OK,
        &CasesPage {
            chrome: ctx.chrome(),
            rows,
        },
    )
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    c: CaseRow,
    version: i64,
    legal_basis: String,
    proposed_by: String,
    registered_on: String,
    cancellation: Option<(String, String)>,
    can_decide_registration: bool,
    can_decide_cancellation: bool,
    can_propose_cancellation: bool,
    errors: Vec<String>,
}

async fn case_page(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    status: StatusCode,
    errors: Vec<String>,
) -> Response {
    let Some(auth) = ctx.auth.as_ref() else {
        return super::see_other("/login");
    };
    let (case, people) = match tokio::try_join!(state.app.case(&auth.actor, id), state.app.people())
    {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let head = allows(&auth.actor, Capability::CaseApprove);
    ctx.render(
        status,
        &CasePage {
            chrome: ctx.chrome(),
            c: case_row(state, ctx, &case),
            version: case.version,
            legal_basis: case
                .facts
                .legal_basis
                .iter()
                .map(|b| format!("{}{}", b.law, b.article))
                .collect::<Vec<_>>()
                .join("；"),
            proposed_by: ctx.person(&people, &case.proposed_by),
            registered_on: case
                .registered_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            cancellation: case
                .cancellation
                .as_ref()
                .map(|(by, why)| (ctx.person_name(&people, by), why.clone())),
            can_decide_registration: head && case.stage == CaseStage::PendingRegistration,
            can_decide_cancellation: head
                && case.stage == CaseStage::Registered
                && case.cancellation.is_some(),
            can_propose_cancellation: allows(&auth.actor, Capability::CaseRegister)
                && case.stage == CaseStage::Registered
                && case.cancellation.is_none(),
            errors,
        },
    )
}

pub async fn case(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    if let Err(r) = ctx.require() {
        return r;
    }
    match path_id(&ctx, &id) {
        Ok(id) => case_page(&state, &ctx, id, StatusCode::OK, Vec::new()).await,
        Err(r) => r,
    }
}

pub async fn act(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let app = &state.app;
    let (v, text) = (form.version, form.text);
    let result = match action.as_str() {
        "approve-registration" => {
            app.decide_registration(&auth.actor, id, v, true, text)
                .await
        }
        "reject-registration" => {
            app.decide_registration(&auth.actor, id, v, false, text)
                .await
        }
        "cancel-registration" => app.propose_cancellation(&auth.actor, id, v, text).await,
        "approve-cancellation" => {
            app.decide_cancellation(&auth.actor, id, v, true, text)
                .await
        }
        "reject-cancellation" => {
            app.decide_cancellation(&auth.actor, id, v, false, text)
                .await
        }
        _ => return ctx.not_found(),
    };
    match result {
        Ok(_) => see_other_flash(&format!("/cases/{id}"), "ui-flash_saved"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => case_page(&state, &ctx, id, status, errors).await,
            Err(r) => r,
        },
    }
}
