//! Clues and cases over the API: a clue from every source, triage, proposals and a head's
//! approvals, registration with its number (`POST /api/v1/{clues,cases}/{id}/<verb>` with
//! `If-Match`, answering `{"clue" | "case", "events"}` with the new `ETag`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;
use crate::precondition::{Versioned, etag, if_match, parse_id, with_etag};
use crate::routes::{invalid_query, number};
use app::case::Written;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::case::clue::{Clue, ClueData, ClueSource, ClueStatus};
use domain::case::registration::{Case, CaseFacts, CaseStage, LegalBasis};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Serialize, ToSchema)]
pub struct ClueView {
    id: String,
    /// complaint_12369, inspection, online_monitoring, remote_sensing, department_transfer,
    /// assigned_from_above, self_discovered, media or township_liaison
    source: &'static str,
    department: Option<String>,
    received_on: String,
    county_code: String,
    description: String,
    place: String,
    lat: Option<f64>,
    lon: Option<f64>,
    entity_id: Option<String>,
    evidence_ids: Vec<String>,
    /// open, registered, closed, merged or transferred
    status: &'static str,
    submitted_by: String,
    /// The day by which registration must be decided (15 days from receipt, Order 30 Art. 18).
    registration_due: String,
    overdue: bool,
    closed_reason: Option<String>,
    /// The case this clue was merged into.
    merged_into: Option<String>,
    /// Its transfer to another competent authority.
    transfer: Option<TransferView>,
    /// The time to decide was extended by 15 days (Order 30 Art. 18).
    extended: bool,
    /// An extension waiting for a head's approval.
    extension: Option<PendingView>,
    /// The sealed record of a 12369 complainant (`POST /api/v1/sealed/{reference}/view`).
    complainant_reference: Option<String>,
    version: i64,
}

impl Versioned for ClueView {
    fn version(&self) -> i64 {
        self.version
    }
}

fn clue_view(state: &AppState, c: Clue) -> ClueView {
    let (due, overdue) = state.app.registration_due(&c);
    let d = c.data;
    ClueView {
        id: c.id.to_string(),
        source: d.source.as_str(),
        department: d.department,
        received_on: d.received_on.to_string(),
        county_code: d.county_code,
        description: d.description,
        place: d.place,
        lat: d.lat_e6.map(|v| v as f64 / 1e6),
        lon: d.lon_e6.map(|v| v as f64 / 1e6),
        entity_id: d.entity_id.map(|e| e.to_string()),
        evidence_ids: d.evidence_ids.iter().map(|e| e.to_string()).collect(),
        status: c.status.as_str(),
        submitted_by: c.submitted_by,
        registration_due: due.to_string(),
        overdue: overdue && c.status == ClueStatus::Open,
        closed_reason: c.closed_reason,
        merged_into: c.merged_into.map(|u| u.to_string()),
        transfer: c.transfer.map(|t| TransferView {
            to: t.to,
            reason: t.reason,
            letter_on: t.letter_on.to_string(),
        }),
        extended: c.extended,
        extension: c.extension.map(|e| PendingView {
            proposed_by: e.proposed_by,
            reason: e.reason,
        }),
        complainant_reference: d.complainant,
        version: c.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct TransferView {
    to: String,
    reason: String,
    letter_on: String,
}

/// A step proposed and waiting for a head.
#[derive(Serialize, ToSchema)]
pub struct PendingView {
    proposed_by: String,
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct LegalBasisView {
    law: String,
    article: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    /// How `due` is computed: 90 natural days from registration plus the approved extensions,
    /// rest days moved on.
    rule: String,
    due: String,
    days_left: i64,
    suspended: bool,
    tolled_days: i64,
    /// The periods not counted, with their reasons (`hearing` from the hearing itself; an open
    /// one has no `to`).
    tolled: Vec<TolledView>,
    /// Extensions approved (at most two: MEE Order No. 30 Art. 57).
    extensions: i64,
    /// The counted days the case has: 90 plus the approved extensions, never above 150.
    counted_days: u32,
    /// Due within 10 working days (or passed) while the case is undecided.
    warned: bool,
    /// Passed while the case is undecided.
    overdue: bool,
}

/// Where the decision's performance stands today (a penalty decided and served).
#[derive(Serialize, ToSchema)]
pub struct PerformanceView {
    /// The fines and confiscated gains ordered, in fen.
    amount_fen: i64,
    paid_fen: i64,
    /// The next unpaid due date (15 days from service, or the approved schedule's).
    due_on: Option<String>,
    /// The late-payment surcharge accrued to today (3 % a day, at most the fine).
    surcharge_fen: i64,
    outstanding_fen: i64,
    /// Something owed is past due and unpaid.
    unperformed: bool,
    /// When the court may be asked to enforce (after a demand): from, until.
    court_from: Option<String>,
    court_until: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TolledView {
    /// suspension, hearing, public_notice, monitoring, testing, assessment, appraisal,
    /// determination, service or criminal_transfer
    reason: &'static str,
    from: String,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CancellationView {
    proposed_by: String,
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    id: String,
    clue_id: String,
    number: Option<String>,
    /// pending_registration, registered, registration_rejected or cancelled
    stage: &'static str,
    county_code: String,
    handling_unit_id: Option<String>,
    legal_basis: Vec<LegalBasisView>,
    violation: String,
    act_ended_on: String,
    endangers_life_health_or_finance: bool,
    urgent: bool,
    entity_id: Option<String>,
    /// The party, personal data masked (`reference` opens the sealed record, for who may).
    #[schema(value_type = Object)]
    party: Option<serde_json::Value>,
    proposed_by: String,
    registered_on: Option<String>,
    /// A cancellation waiting for a head's decision.
    cancellation: Option<CancellationView>,
    /// The assigned investigators (usernames), once assigned.
    team: Option<TeamView>,
    /// Requests for recusal and their decisions, in the order made.
    #[schema(value_type = Vec<Object>)]
    recusals: Vec<serde_json::Value>,
    /// The investigation report, once submitted.
    #[schema(value_type = Object)]
    report: Option<serde_json::Value>,
    /// The last case review (a case sent back shows it with its reasons).
    #[schema(value_type = Object)]
    review: Option<serde_json::Value>,
    /// Preservations of evidence, each with where it stands now (`standing`: status
    /// pending_approval, in_effect, decided, lapsed or rejected; decision_due;
    /// approval_overdue).
    #[schema(value_type = Vec<Object>)]
    preservations: Vec<serde_json::Value>,
    /// Advance notices, in the order issued (the last is in force): `{id, penalties: [{type,
    /// amount_fen?, period_days?}], facts, reasons, legal_basis, hearing_grounds, new_facts,
    /// issued_by, issued_on}`; `hearing_grounds` non-empty means the hearing form.
    #[schema(value_type = Vec<Object>)]
    notices: Vec<serde_json::Value>,
    /// After the notice: `{services: [{document_id, kind, subject, method, served_on,
    /// recipient, proof_evidence_id, recorded_by}], statements: [{notice_id, received_on,
    /// points, evidence_ids, recorded_by, answers: [{point (from 0), adopted, reason}],
    /// answered_by}], waivers: [{notice_id, right, received_on, evidence_id}], hearings:
    /// [{notice_id, received_on, schedule: {host, place, at, agents}, revision, outcome:
    /// {attended, left_without_permission, record_evidence_id, signed_on}}], tollings:
    /// [{reason, from, to, started_by, approved_by, ended_by}], legal_reviews: [{submission:
    /// {penalties, triggers, submitted_by, submitted_on, covers}, answer: {points: [{point,
    /// opinion, passed}], passed, reviewed_by, reviewed_on}}]}` (empty lists left out).
    #[schema(value_type = Object)]
    proceedings: serde_json::Value,
    /// The notice in force fines other than its discretion benchmark gives (its reason is on
    /// the notice's `benchmark.departure_reason`), for the legal reviewer.
    departs_from_benchmark: bool,
    /// Assigned officers whose certificate ends before the case falls due (on `GET` of one
    /// case).
    #[serde(skip_serializing_if = "Option::is_none")]
    certificates_expiring: Option<Vec<String>>,
    /// The next lawful steps for the caller (on `GET` of one case): each command with whether
    /// the caller may send it now and, if not, why (with the legal source).
    #[serde(skip_serializing_if = "Option::is_none")]
    next_steps: Option<Vec<NextStepView>>,
    deadline: Option<DeadlineView>,
    /// The decision's performance, once a penalty is decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    performance: Option<PerformanceView>,
    /// The last day the decision is published in time (APL Art. 48; setting `app.publicity`),
    /// while it must be and is not yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    publication_due: Option<String>,
    /// The last day the closed case is filed with the higher authority (setting
    /// `app.filing_upward`), while it must be and is not yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    filing_due: Option<String>,
    version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct NextStepView {
    /// The verb: `POST /api/v1/cases/{id}/<command>`.
    pub command: &'static str,
    pub allowed: bool,
    /// Why not, each with its message in both languages and its legal source.
    pub reasons: Vec<crate::error::ProblemItem>,
    /// Open at any time rather than waiting to be done (asking a recusal, proposing a
    /// cancellation, reassigning a team that can act).
    pub on_demand: bool,
}

pub fn next_step_views(steps: Vec<domain::case::steps::NextStep>) -> Vec<NextStepView> {
    steps
        .into_iter()
        .map(|s| NextStepView {
            command: s.command,
            allowed: s.allowed,
            reasons: s.reasons.iter().map(crate::error::item).collect(),
            on_demand: s.on_demand,
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct TeamView {
    officers: Vec<String>,
    lead: String,
    assistants: Vec<String>,
}

impl Versioned for CaseView {
    fn version(&self) -> i64 {
        self.version
    }
}

pub(crate) fn case_view(state: &AppState, c: Case) -> CaseView {
    let departs_from_benchmark = domain::case::legal_review::departs_from_benchmark(&c);
    let warning = state.app.case_warning(&c);
    let publication_due = state.app.publication_due(&c).map(|d| d.to_string());
    let filing_due = state.app.filing_due(&c).map(|d| d.to_string());
    let performance = c
        .proceedings
        .decision
        .as_ref()
        .filter(|d| d.outcome == domain::case::decision::Outcome::Penalty)
        .map(|_| {
            let s = state.app.performance(&c);
            PerformanceView {
                amount_fen: s.amount_fen,
                paid_fen: s.paid_fen,
                due_on: s.due_on.map(|d| d.to_string()),
                surcharge_fen: s.surcharge_fen,
                outstanding_fen: s.outstanding_fen,
                unperformed: s.unperformed,
                court_from: s.court_from.map(|d| d.to_string()),
                court_until: s.court_until.map(|d| d.to_string()),
            }
        });
    let deadline = state.app.case_deadline(&c).map(|(rule, d)| DeadlineView {
        rule: format!(
            "{} + {} days",
            rule.anchor,
            domain::case::registration::CASE_DAYS + domain::case::extension::approved_days(&c)
        ),
        due: d.due.to_string(),
        days_left: (d.due - state.app.today()).num_days(),
        suspended: d.suspended,
        tolled_days: rule.tolled_days(state.app.today()),
        tolled: c
            .proceedings
            .tolled()
            .into_iter()
            .map(|(reason, t)| TolledView {
                reason: reason.as_str(),
                from: t.start.to_string(),
                to: t.end.map(|e| e.to_string()),
            })
            .collect(),
        extensions: c
            .proceedings
            .extensions
            .iter()
            .filter(|e| e.approved())
            .count() as i64,
        counted_days: domain::case::registration::CASE_DAYS
            + domain::case::extension::approved_days(&c),
        warned: warning.is_some(),
        overdue: warning.is_some_and(|w| w.overdue),
    });
    let f = c.facts;
    CaseView {
        id: c.id.to_string(),
        clue_id: c.clue_id.to_string(),
        number: c.number,
        stage: c.stage.as_str(),
        county_code: c.county_code,
        handling_unit_id: c.handling_unit_id.map(|u| u.to_string()),
        legal_basis: f
            .legal_basis
            .into_iter()
            .map(|b| LegalBasisView {
                law: b.law,
                article: b.article,
            })
            .collect(),
        violation: f.violation,
        act_ended_on: f.act_ended_on.to_string(),
        endangers_life_health_or_finance: f.endangers_life_health_or_finance,
        urgent: f.urgent,
        entity_id: f.entity_id.map(|e| e.to_string()),
        party: f.party.and_then(|p| serde_json::to_value(p).ok()),
        proposed_by: c.proposed_by,
        registered_on: c.registered_on.map(|d| d.to_string()),
        cancellation: c
            .cancellation
            .map(|(proposed_by, reason)| CancellationView {
                proposed_by,
                reason,
            }),
        team: c.team.map(|t| TeamView {
            officers: t.officers,
            lead: t.lead,
            assistants: t.assistants,
        }),
        certificates_expiring: None,
        next_steps: None,
        recusals: c
            .recusals
            .iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect(),
        report: c.report.as_ref().and_then(|r| serde_json::to_value(r).ok()),
        review: c.review.as_ref().and_then(|r| serde_json::to_value(r).ok()),
        preservations: c
            .preservations
            .iter()
            .filter_map(|p| {
                let mut v = serde_json::to_value(p).ok()?;
                v["standing"] = serde_json::to_value(state.app.preservation_standing(p)).ok()?;
                Some(v)
            })
            .collect(),
        notices: c
            .notices
            .iter()
            .filter_map(|n| serde_json::to_value(n).ok())
            .collect(),
        proceedings: serde_json::to_value(&c.proceedings).unwrap_or_default(),
        departs_from_benchmark,
        deadline,
        performance,
        publication_due,
        filing_due,
        version: c.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventRef {
    seq: i64,
    schema: &'static str,
}

pub(crate) fn events(w: Written) -> Vec<EventRef> {
    w.into_iter()
        .map(|(seq, schema)| EventRef { seq, schema })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct ClueAnswer {
    clue: ClueView,
    events: Vec<EventRef>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseAnswer {
    case: CaseView,
    events: Vec<EventRef>,
}

/// The answer with the resource's new `ETag` (and `Location` when it was created).
fn answer(
    status: StatusCode,
    version: i64,
    location: Option<String>,
    body: impl Serialize,
) -> Response {
    let mut r = (status, Json(body)).into_response();
    r.headers_mut().insert(header::ETAG, etag(version));
    if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        r.headers_mut().insert(header::LOCATION, l);
    }
    r
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClueBody {
    /// See `ClueView.source`.
    source: String,
    /// The handing-over department, for department_transfer.
    department: Option<String>,
    /// YYYY-MM-DD
    received_on: String,
    county_code: String,
    description: String,
    place: String,
    lat: Option<f64>,
    lon: Option<f64>,
    entity_id: Option<String>,
    /// For a 12369 complaint: who complained, sealed whole (never in an event or an export).
    complainant: Option<ComplainantBody>,
    /// Evidence already recorded (in the clue's county) that the clue rests on.
    evidence_ids: Option<Vec<String>>,
}

/// A complainant: `id_type` is resident_id, passport or other; all but `name` optional.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplainantBody {
    name: String,
    id_type: Option<String>,
    id_number: Option<String>,
    phone: Option<String>,
    contact: Option<String>,
}

impl ComplainantBody {
    fn into_map(self) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
        if let Some(t) = &self.id_type
            && !["resident_id", "passport", "other"].contains(&t.as_str())
        {
            return Err(ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                domain::Reason::new("clue.complainant_form").field("complainant"),
            ));
        }
        let mut m = serde_json::Map::new();
        m.insert("name".into(), self.name.into());
        for (k, v) in [
            ("id_type", self.id_type),
            ("id_number", self.id_number),
            ("phone", self.phone),
            ("contact", self.contact),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.into());
            }
        }
        Ok(m)
    }
}

pub(crate) fn date(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            domain::Reason::new("field.bad_date").field(field),
        )
    })
}

fn coordinate(v: Option<f64>) -> Option<i64> {
    v.filter(|x| x.is_finite())
        .map(|x| (x * 1e6).round() as i64)
}

fn entity_ref(s: Option<String>) -> Result<Option<uuid::Uuid>, ApiError> {
    s.map(|s| {
        uuid::Uuid::parse_str(&s).map_err(|_| {
            ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                domain::Reason::new("clue.entity_unknown").field("entity_id"),
            )
        })
    })
    .transpose()
}

/// Reports a clue (a township liaison in its county, a partner agency handing one over, an
/// officer).
#[utoipa::path(post, path = "/api/v1/clues", tag = "cases", request_body = ClueBody,
    responses((status = 201, body = ClueAnswer), (status = 403, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn submit(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(b): ApiJson<ClueBody>,
) -> Result<Response, ApiError> {
    let source = ClueSource::parse(&b.source).ok_or_else(|| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            domain::Reason::new("clue.unknown_source").field("source"),
        )
    })?;
    domain::text::check_texts([("county_code", b.county_code.as_str(), false)])?;
    let data = ClueData {
        source,
        department: b.department,
        received_on: date("received_on", &b.received_on)?,
        county_code: b.county_code,
        description: b.description,
        place: b.place,
        lat_e6: coordinate(b.lat),
        lon_e6: coordinate(b.lon),
        entity_id: entity_ref(b.entity_id)?,
        complainant: None,
        evidence_ids: b
            .evidence_ids
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, e)| {
                uuid::Uuid::parse_str(e).map_err(|_| {
                    ApiError::one(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        domain::Reason::new("clue.evidence_unknown")
                            .field(format!("evidence_ids[{i}]")),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let complainant = b.complainant.map(ComplainantBody::into_map).transpose()?;
    let (clue, w) = state
        .app
        .submit_clue(&auth.actor, data, complainant)
        .await?;
    let location = format!("/api/v1/clues/{}", clue.id);
    let view = clue_view(&state, clue);
    Ok(answer(
        StatusCode::CREATED,
        view.version,
        Some(location),
        ClueAnswer {
            clue: view,
            events: events(w),
        },
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClueListParams {
    /// open, registered, closed, merged or transferred
    status: Option<String>,
    source: Option<String>,
    county_code: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClueList {
    items: Vec<ClueView>,
    total: i64,
    page: i64,
    per_page: i64,
}

/// The clues the caller may see, the oldest first (liaisons and partner agencies: their own).
#[utoipa::path(get, path = "/api/v1/clues", tag = "cases", params(ClueListParams),
    responses((status = 200, body = ClueList), (status = 403, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_clues(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<ClueListParams>, QueryRejection>,
) -> Result<Json<ClueList>, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let page = number("page", p.page, 1, 1, i64::MAX / 1000)?;
    let per_page = number("per_page", p.per_page, 50, 1, 200)?;
    let status = p.status.unwrap_or_default();
    if !status.is_empty() && ClueStatus::parse(&status).is_none() {
        return Err(invalid_query(
            "status",
            "open, registered, closed, merged or transferred",
        ));
    }
    let source = p.source.unwrap_or_default();
    if !source.is_empty() && ClueSource::parse(&source).is_none() {
        return Err(invalid_query("source", "a clue source"));
    }
    let county = p.county_code.unwrap_or_default();
    if !county.is_empty() && !state.app.counties().contains(&county) {
        return Err(invalid_query(
            "county_code",
            "a county code of this prefecture",
        ));
    }
    let filter = app::ClueFilter {
        status,
        source,
        county,
        submitted_by: String::new(),
        received_by: None,
    };
    let result = state.app.clues(&auth.actor, filter, page, per_page).await?;
    Ok(Json(ClueList {
        items: result
            .items
            .into_iter()
            .map(|c| clue_view(&state, c))
            .collect(),
        total: result.total,
        page,
        per_page,
    }))
}

/// One clue (404 outside the caller's reach).
#[utoipa::path(get, path = "/api/v1/clues/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = ClueView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_clue(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let clue = state.app.clue(&auth.actor, parse_id(&id)?).await?;
    Ok(with_etag(StatusCode::OK, clue_view(&state, clue)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalBasisBody {
    /// As the law writes it: 《中华人民共和国水污染防治法》
    law: String,
    /// As the law writes it: 第八十三条
    article: String,
}

/// The party: `kind` is `entity` (with `entity_id`), `person` (`name`, `id_type` one of
/// resident_id, passport, other, `id_number`, and optional `address` and `phone` — sealed, never
/// in an event), `organisation` (`name`, optional `uscc`) or `unidentified`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    kind: String,
    entity_id: Option<String>,
    name: Option<String>,
    id_type: Option<String>,
    id_number: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    uscc: Option<String>,
}

fn party_error() -> ApiError {
    ApiError::one(
        StatusCode::UNPROCESSABLE_ENTITY,
        domain::Reason::new("case.party_form").field("party"),
    )
}

impl PartyBody {
    fn into_input(self) -> Result<app::case::PartyInput, ApiError> {
        use app::case::PartyInput;
        use domain::case::party::IdType;
        let texts = [
            &self.entity_id,
            &self.name,
            &self.id_type,
            &self.id_number,
            &self.address,
            &self.phone,
            &self.uscc,
        ];
        domain::text::check_texts(
            texts
                .iter()
                .map(|t| ("party", t.as_deref().unwrap_or(""), false)),
        )?;
        // Only the fields of the party's kind: anything else was meant for another kind.
        let present = |fields: &[&Option<String>]| fields.iter().any(|f| f.is_some());
        let stray = match self.kind.as_str() {
            "entity" => present(&[
                &self.name,
                &self.id_type,
                &self.id_number,
                &self.address,
                &self.phone,
                &self.uscc,
            ]),
            "person" => present(&[&self.entity_id, &self.uscc]),
            "organisation" => present(&[
                &self.entity_id,
                &self.id_type,
                &self.id_number,
                &self.address,
                &self.phone,
            ]),
            _ => present(&texts),
        };
        if stray {
            return Err(party_error());
        }
        Ok(match self.kind.as_str() {
            "entity" => PartyInput::Entity(entity_ref(self.entity_id)?.ok_or_else(party_error)?),
            "person" => PartyInput::Person {
                name: self.name.ok_or_else(party_error)?,
                id_type: match self.id_type.as_deref() {
                    Some("resident_id") => IdType::ResidentId,
                    Some("passport") => IdType::Passport,
                    Some("other") => IdType::Other,
                    _ => return Err(party_error()),
                },
                id_number: self.id_number.ok_or_else(party_error)?,
                address: self.address.unwrap_or_default(),
                phone: self.phone.unwrap_or_default(),
            },
            "organisation" => PartyInput::Organisation {
                name: self.name.ok_or_else(party_error)?,
                uscc: self.uscc,
            },
            "unidentified" => PartyInput::Unidentified,
            _ => return Err(party_error()),
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    legal_basis: Vec<LegalBasisBody>,
    /// YYYY-MM-DD: the day the act ended (the limitation period runs from it).
    act_ended_on: String,
    /// The act involved life and health or financial safety and caused harm (5 years instead
    /// of 2, APL Art. 36).
    endangers_life_health_or_finance: bool,
    violation: String,
    entity_id: Option<String>,
    /// Investigation before registration (先行调查).
    urgent: Option<bool>,
    party: Option<PartyBody>,
}

/// Proposes a case from the clue; a head's approval registers it.
#[utoipa::path(post, path = "/api/v1/clues/{id}/register", tag = "cases",
    params(("id" = String, Path)), request_body = RegisterBody,
    responses((status = 201, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn register(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RegisterBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = if_match(&headers)?;
    let facts = CaseFacts {
        legal_basis: b
            .legal_basis
            .into_iter()
            .map(|l| LegalBasis {
                law: l.law,
                article: l.article,
            })
            .collect(),
        act_ended_on: date("act_ended_on", &b.act_ended_on)?,
        endangers_life_health_or_finance: b.endangers_life_health_or_finance,
        violation: b.violation,
        entity_id: entity_ref(b.entity_id)?,
        party: None,
        urgent: b.urgent.unwrap_or(false),
    };
    let party = b.party.map(PartyBody::into_input).transpose()?;
    let (case, w) = state
        .app
        .propose_case(&auth.actor, id, expected, facts, party)
        .await?;
    let location = format!("/api/v1/cases/{}", case.id);
    let view = case_view(&state, case);
    Ok(answer(
        StatusCode::CREATED,
        view.version,
        Some(location),
        CaseAnswer {
            case: view,
            events: events(w),
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    comment: Option<String>,
}

/// Closes the clue without a case (for a complaint, the reason is what the complainant is told).
#[utoipa::path(post, path = "/api/v1/clues/{id}/close", tag = "cases",
    params(("id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = ClueAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn close(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReasonBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = if_match(&headers)?;
    let (clue, w) = state
        .app
        .close_clue(&auth.actor, id, expected, b.reason)
        .await?;
    let view = clue_view(&state, clue);
    Ok(answer(
        StatusCode::OK,
        view.version,
        None,
        ClueAnswer {
            clue: view,
            events: events(w),
        },
    ))
}

/// A command on a clue: the path's id, the `If-Match` version, the command, the answer.
async fn on_clue<F, Fut>(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    command: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(uuid::Uuid, i64) -> Fut,
    Fut: std::future::Future<Output = Result<(Clue, Written), app::AppError>>,
{
    let id = parse_id(id)?;
    let expected = if_match(headers)?;
    let (clue, w) = command(id, expected).await?;
    let view = clue_view(state, clue);
    Ok(answer(
        StatusCode::OK,
        view.version,
        None,
        ClueAnswer {
            clue: view,
            events: events(w),
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// An open case of the same party, in the clue's county.
    case_id: String,
}

/// Attaches the clue to an open case of the same party (a second report of the same act).
#[utoipa::path(post, path = "/api/v1/clues/{id}/merge", tag = "cases",
    params(("id" = String, Path)), request_body = MergeBody,
    responses((status = 200, body = ClueAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn merge(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<MergeBody>,
) -> Result<Response, ApiError> {
    let case_id = uuid::Uuid::parse_str(&b.case_id).map_err(|_| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            domain::Reason::new("clue.merge_case_unknown").field("case_id"),
        )
    })?;
    on_clue(&state, &id, &headers, |id, v| {
        state.app.merge_clue(&auth.actor, id, v, case_id)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// The competent authority (e.g. 景洪市公安局).
    to: String,
    reason: String,
    /// YYYY-MM-DD: the date of the transfer letter.
    letter_on: String,
}

/// Hands the clue to another competent authority (outside this bureau's jurisdiction; the
/// police for detention or a suspected crime).
#[utoipa::path(post, path = "/api/v1/clues/{id}/transfer", tag = "cases",
    params(("id" = String, Path)), request_body = TransferBody,
    responses((status = 200, body = ClueAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn transfer(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<TransferBody>,
) -> Result<Response, ApiError> {
    let t = domain::case::triage::Transfer {
        to: b.to,
        reason: b.reason,
        letter_on: date("letter_on", &b.letter_on)?,
    };
    on_clue(&state, &id, &headers, |id, v| {
        state.app.transfer_clue(&auth.actor, id, v, t)
    })
    .await
}

/// Asks for another 15 days to decide whether the clue becomes a case (Order 30 Art. 18): an
/// officer proposes and a head approves; a head's own request is approved at once.
#[utoipa::path(post, path = "/api/v1/clues/{id}/extend-registration", tag = "cases",
    params(("id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = ClueAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn extend_registration(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReasonBody>,
) -> Result<Response, ApiError> {
    on_clue(&state, &id, &headers, |id, v| {
        state.app.extend_registration(&auth.actor, id, v, b.reason)
    })
    .await
}

/// A head approves the extension: registration is due 15 days later.
#[utoipa::path(post, path = "/api/v1/clues/{id}/approve-extension", tag = "cases",
    params(("id" = String, Path)), request_body = CommentBody,
    responses((status = 200, body = ClueAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn approve_extension(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CommentBody>,
) -> Result<Response, ApiError> {
    on_clue(&state, &id, &headers, |id, v| {
        let comment = b.comment.unwrap_or_default();
        state
            .app
            .decide_extension(&auth.actor, id, v, true, comment)
    })
    .await
}

/// A head rejects the extension: the first deadline stands.
#[utoipa::path(post, path = "/api/v1/clues/{id}/reject-extension", tag = "cases",
    params(("id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = ClueAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn reject_extension(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReasonBody>,
) -> Result<Response, ApiError> {
    on_clue(&state, &id, &headers, |id, v| {
        state
            .app
            .decide_extension(&auth.actor, id, v, false, b.reason)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifyPartyBody {
    party: PartyBody,
}

/// Names the party of a case opened against an unidentified one (a person's personal data
/// sealed, as at registration).
#[utoipa::path(post, path = "/api/v1/cases/{id}/identify-party", tag = "cases",
    params(("id" = String, Path)), request_body = IdentifyPartyBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn identify_party(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<IdentifyPartyBody>,
) -> Result<Response, ApiError> {
    let party = b.party.into_input()?;
    on_case(&state, &id, &headers, |id, v| {
        state.app.identify_party(&auth.actor, id, v, party)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// Usernames of at least two enforcement officers of the handling unit or the detachment,
    /// with certificates valid today.
    officers: Vec<String>,
    /// One of `officers`: the officer in charge.
    lead: String,
    /// Usernames of auxiliary staff who assist (never counted).
    assistants: Option<Vec<String>>,
}

/// Assigns the case's investigators (the detachment leader, or an officer of the handling
/// brigade); a reassignment replaces the team, and acts recorded before stay valid.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assign-officers", tag = "cases",
    params(("id" = String, Path)), request_body = AssignBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn assign_officers(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AssignBody>,
) -> Result<Response, ApiError> {
    let team = domain::case::team::Team {
        officers: b.officers,
        lead: b.lead,
        assistants: b.assistants.unwrap_or_default(),
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.assign_officers(&auth.actor, id, v, team)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecusalRequestBody {
    /// The username of the officer (or bureau head) asked to step aside.
    officer: String,
    grounds: String,
    /// party or officer: who asked.
    by: String,
}

/// Records a request for recusal; the investigation goes on meanwhile (APL Art. 43).
#[utoipa::path(post, path = "/api/v1/cases/{id}/request-recusal", tag = "cases",
    params(("id" = String, Path)), request_body = RecusalRequestBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn request_recusal(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RecusalRequestBody>,
) -> Result<Response, ApiError> {
    use domain::case::recusal::RecusalBy;
    let by = match b.by.as_str() {
        "party" => RecusalBy::Party,
        "officer" => RecusalBy::Officer,
        _ => {
            return Err(ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                domain::Reason::new("recusal.bad_by").field("by"),
            ));
        }
    };
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .request_recusal(&auth.actor, id, v, b.officer, b.grounds, by)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecusalDecisionBody {
    /// Whose recusal is decided (a pending request).
    officer: String,
    granted: bool,
    reasons: String,
    /// The bureau heads decided together (required for the main head's own recusal).
    collective_deliberation: Option<bool>,
}

/// A bureau head decides a recusal: an officer's by any head, a deputy head's by the main head,
/// the main head's by the heads' collective deliberation.
#[utoipa::path(post, path = "/api/v1/cases/{id}/decide-recusal", tag = "cases",
    params(("id" = String, Path)), request_body = RecusalDecisionBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn decide_recusal(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RecusalDecisionBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state.app.decide_recusal(
            &auth.actor,
            id,
            v,
            b.officer,
            b.granted,
            b.reasons,
            b.collective_deliberation.unwrap_or(false),
        )
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureBody {
    /// The party (or the person questioned) signed.
    signed: bool,
    /// When not signed: what happened (refused to sign, absent).
    refusal: Option<String>,
}

/// A record's body: what every record states (times, officers, signature, evidence, the record
/// it corrects), then its form's own fields.
macro_rules! record_body {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// RFC 3339
            started_at: String,
            /// RFC 3339
            ended_at: String,
            /// Usernames of at least two officers assigned to the case, with certificates valid
            /// that day.
            officers: Vec<String>,
            signature: SignatureBody,
            /// Evidence of this case the record refers to (photos, audio, video).
            evidence_ids: Option<Vec<String>>,
            /// The record this one corrects (records are never edited).
            corrects: Option<String>,
            $($(#[$fdoc])* $field: $ty,)*
        }

        impl $name {
            fn common(&mut self) -> RecordCommon {
                RecordCommon {
                    started_at: std::mem::take(&mut self.started_at),
                    ended_at: std::mem::take(&mut self.ended_at),
                    officers: std::mem::take(&mut self.officers),
                    signature: SignatureBody {
                        signed: self.signature.signed,
                        refusal: self.signature.refusal.take(),
                    },
                    evidence_ids: self.evidence_ids.take(),
                    corrects: self.corrects.take(),
                }
            }
        }
    };
}

/// The fields every record shares, taken from its body.
struct RecordCommon {
    started_at: String,
    ended_at: String,
    officers: Vec<String>,
    signature: SignatureBody,
    evidence_ids: Option<Vec<String>>,
    corrects: Option<String>,
}

pub(crate) fn instant(field: &str, s: &str) -> Result<domain::Timestamp, ApiError> {
    domain::Timestamp::parse(s).map_err(|_| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            domain::Reason::new("field.bad_instant").field(field),
        )
    })
}

pub(crate) fn ids(field: &str, v: Option<Vec<String>>) -> Result<Vec<uuid::Uuid>, ApiError> {
    v.unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            uuid::Uuid::parse_str(s).map_err(|_| {
                ApiError::one(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    domain::Reason::new("record.evidence_unknown").field(format!("{field}[{i}]")),
                )
            })
        })
        .collect()
}

impl RecordCommon {
    fn into_record(
        self,
        content: domain::case::record::RecordContent,
    ) -> Result<domain::case::record::Record, ApiError> {
        Ok(domain::case::record::Record {
            id: uuid::Uuid::nil(),
            started_at: instant("started_at", &self.started_at)?,
            ended_at: instant("ended_at", &self.ended_at)?,
            officers: self.officers,
            content,
            signature: domain::case::record::Signature {
                signed: self.signature.signed,
                refusal: self.signature.refusal.unwrap_or_default(),
            },
            evidence_ids: ids("evidence_ids", self.evidence_ids)?,
            corrects: self
                .corrects
                .map(|c| {
                    uuid::Uuid::parse_str(&c).map_err(|_| {
                        ApiError::one(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            domain::Reason::new("record.corrects_unknown").field("corrects"),
                        )
                    })
                })
                .transpose()?,
        })
    }
}

record_body!(InspectionBody {
    place: String,
    /// Who was present besides the officers.
    present: Vec<String>,
    /// What was seen.
    observed: String,
});

/// Adds an on-site inspection record (现场检查（勘察）笔录) made by two of the case's officers.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-inspection", tag = "cases",
    params(("id" = String, Path)), request_body = InspectionBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_inspection(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(mut b): ApiJson<InspectionBody>,
) -> Result<Response, ApiError> {
    let record = b
        .common()
        .into_record(domain::case::record::RecordContent::Inspection {
            place: b.place,
            present: b.present,
            observed: b.observed,
        })?;
    on_case(&state, &id, &headers, |id, v| {
        state.app.add_record(&auth.actor, id, v, record, None)
    })
    .await
}

/// The person questioned: sealed whole (never in an event); the record keeps the name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionedBody {
    name: String,
    id_type: Option<String>,
    id_number: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    /// Relation to the party (e.g. 法定代表人, 员工).
    relation: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBody {
    question: String,
    answer: String,
}

record_body!(QuestioningBody {
    place: String,
    person: QuestionedBody,
    exchanges: Vec<ExchangeBody>,
});

/// Adds a questioning record (询问笔录); the person questioned is sealed.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-questioning", tag = "cases",
    params(("id" = String, Path)), request_body = QuestioningBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_questioning(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(mut b): ApiJson<QuestioningBody>,
) -> Result<Response, ApiError> {
    let common = b.common();
    let p = b.person;
    let mut person = serde_json::Map::new();
    person.insert("name".into(), p.name.clone().into());
    for (k, v) in [
        ("id_type", p.id_type),
        ("id_number", p.id_number),
        ("phone", p.phone),
        ("address", p.address),
        ("relation", p.relation),
    ] {
        if let Some(v) = v {
            person.insert(k.into(), v.into());
        }
    }
    let record = common.into_record(domain::case::record::RecordContent::Questioning {
        place: b.place,
        person: domain::case::record::Questioned {
            name: p.name,
            reference: String::new(),
            id_number_masked: String::new(),
        },
        exchanges: b
            .exchanges
            .into_iter()
            .map(|e| domain::case::record::Exchange {
                question: e.question,
                answer: e.answer,
            })
            .collect(),
    })?;
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .add_record(&auth.actor, id, v, record, Some(person))
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SamplingPointBody {
    point: String,
    items: Vec<String>,
    container: String,
    seal_number: String,
}

record_body!(SamplingBody {
    place: String,
    points: Vec<SamplingPointBody>,
    /// The laboratory the samples go to.
    lab: String,
});

/// Adds a sampling record (采样记录): points, items, containers, seal numbers, the lab.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-sampling", tag = "cases",
    params(("id" = String, Path)), request_body = SamplingBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_sampling(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(mut b): ApiJson<SamplingBody>,
) -> Result<Response, ApiError> {
    let record = b
        .common()
        .into_record(domain::case::record::RecordContent::Sampling {
            place: b.place,
            points: b
                .points
                .into_iter()
                .map(|p| domain::case::record::SamplingPoint {
                    point: p.point,
                    items: p.items,
                    container: p.container,
                    seal_number: p.seal_number,
                })
                .collect(),
            lab: b.lab,
        })?;
    on_case(&state, &id, &headers, |id, v| {
        state.app.add_record(&auth.actor, id, v, record, None)
    })
    .await
}

#[derive(Serialize, ToSchema)]
pub struct RecordView {
    #[schema(value_type = Object)]
    record: serde_json::Value,
    recorded_by: String,
    recorded_at: String,
}

/// The case's records, in the order recorded.
#[utoipa::path(get, path = "/api/v1/cases/{id}/records", tag = "cases",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<RecordView>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn records(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<RecordView>>, ApiError> {
    let items = state.app.case_records(&auth.actor, parse_id(&id)?).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|e| RecordView {
                record: serde_json::to_value(&e.record).unwrap_or_default(),
                recorded_by: e.recorded_by,
                recorded_at: e.recorded_at.to_rfc3339(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// The facts established.
    facts: String,
    /// The evidence of the case (or of its clue) they rest on.
    evidence_ids: Vec<String>,
    proposed_handling: String,
    legal_basis: Vec<LegalBasisBody>,
    /// The fine proposed, in fen; with a benchmark and none given, the benchmark's amount.
    proposed_fine_fen: Option<i64>,
    /// The discretion benchmark the proposed fine is calculated by (as for the advance
    /// notice); a fine other than its amount needs `departure_reason`.
    benchmark: Option<NoticeBenchmarkBody>,
}

/// An officer of the case reports the end of the investigation (调查终结报告); the case goes to
/// review.
#[utoipa::path(post, path = "/api/v1/cases/{id}/submit-investigation-report", tag = "cases",
    params(("id" = String, Path)), request_body = ReportBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn submit_investigation_report(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReportBody>,
) -> Result<Response, ApiError> {
    let cmd = domain::case::review::SubmitReport {
        case_id: uuid::Uuid::nil(),
        facts: b.facts,
        evidence_ids: ids("evidence_ids", Some(b.evidence_ids))?,
        proposed_handling: b.proposed_handling,
        legal_basis: b
            .legal_basis
            .into_iter()
            .map(|l| LegalBasis {
                law: l.law,
                article: l.article,
            })
            .collect(),
        proposed_fine_fen: b.proposed_fine_fen,
        benchmark: match b.benchmark {
            None => None,
            Some(x) => Some(state.app.benchmark_use(x.into()).await?),
        },
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.submit_report(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltyBody {
    /// warning, public_criticism, fine, confiscate_gains, confiscate_property,
    /// permit_suspension, qualification_downgrade, permit_revocation, licence_application_bar,
    /// production_restriction, rectification_suspension, business_suspension, closure,
    /// practice_restriction or practice_ban
    #[serde(rename = "type")]
    kind: String,
    /// In fen: a fine, or the value confiscated.
    amount_fen: Option<i64>,
    /// In days: a suspension, restriction, bar or ban.
    period_days: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceNoticeBody {
    penalties: Vec<PenaltyBody>,
    facts: String,
    reasons: String,
    legal_basis: Vec<LegalBasisBody>,
    /// After an earlier notice: the facts newly found, stated apart (the penalty may then
    /// differ from the notices before; otherwise it is never heavier than any of them).
    new_facts: Option<String>,
    /// The discretion benchmark the fine is calculated by (`POST /api/v1/discretion/calculate`
    /// inputs); the server calculates it again and keeps it with the notice.
    benchmark: Option<NoticeBenchmarkBody>,
}

impl From<NoticeBenchmarkBody> for app::discretion::BenchmarkInput {
    fn from(x: NoticeBenchmarkBody) -> Self {
        app::discretion::BenchmarkInput {
            item: x.item,
            version: x.version.unwrap_or_default(),
            facts: x.facts.unwrap_or_default(),
            circumstances: x.circumstances.unwrap_or_default(),
            departure_reason: x.departure_reason.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeBenchmarkBody {
    item: String,
    /// Absent: the version in force today.
    version: Option<String>,
    facts: Option<std::collections::BTreeMap<String, String>>,
    circumstances: Option<Vec<String>>,
    /// Required when the notice's fine is not the benchmark's amount: why (for the legal
    /// reviewer; the case is flagged `departs_from_benchmark`).
    departure_reason: Option<String>,
}

/// The advance notice (行政处罚事先告知书; the hearing form when the penalties give a hearing
/// right), by an officer of the case after a review that agreed, to an identified party. On the
/// same facts a later notice is never heavier (APL Art. 45).
#[utoipa::path(post, path = "/api/v1/cases/{id}/issue-advance-notice", tag = "cases",
    params(("id" = String, Path)), request_body = AdvanceNoticeBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn issue_advance_notice(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AdvanceNoticeBody>,
) -> Result<Response, ApiError> {
    let penalties = parse_penalties(b.penalties)?;
    let cmd = domain::case::notice::IssueAdvanceNotice {
        case_id: uuid::Uuid::nil(),
        id: uuid::Uuid::nil(),
        penalties,
        facts: b.facts,
        reasons: b.reasons,
        legal_basis: b
            .legal_basis
            .into_iter()
            .map(|l| LegalBasis {
                law: l.law,
                article: l.article,
            })
            .collect(),
        new_facts: b.new_facts.unwrap_or_default(),
        benchmark: match b.benchmark {
            None => None,
            Some(x) => Some(state.app.benchmark_use(x.into()).await?),
        },
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.issue_advance_notice(&auth.actor, id, v, cmd)
    })
    .await
}

/// The penalties of a body, each type known.
fn parse_penalties(
    list: Vec<PenaltyBody>,
) -> Result<Vec<domain::case::penalty::Penalty>, ApiError> {
    let mut penalties = Vec::new();
    for (i, p) in list.into_iter().enumerate() {
        let kind = domain::case::penalty::PenaltyType::parse(&p.kind).ok_or_else(|| {
            ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                domain::Reason::new("penalty.unknown_type")
                    .field(format!("penalties[{i}].type"))
                    .arg("type", &p.kind),
            )
        })?;
        penalties.push(domain::case::penalty::Penalty {
            kind,
            amount_fen: p.amount_fen,
            period_days: p.period_days,
        });
    }
    Ok(penalties)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalReviewSubmitBody {
    /// The penalties the officers propose to decide.
    penalties: Vec<PenaltyBody>,
}

/// An officer of the case sends it for legal review (法制审核, APL Art. 58) after a case review
/// that agreed, with the penalties proposed; the answer says why review is required.
#[utoipa::path(post, path = "/api/v1/cases/{id}/submit-for-legal-review", tag = "cases",
    params(("id" = String, Path)), request_body = LegalReviewSubmitBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn submit_for_legal_review(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<LegalReviewSubmitBody>,
) -> Result<Response, ApiError> {
    let penalties = parse_penalties(b.penalties)?;
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .submit_for_legal_review(&auth.actor, id, v, penalties)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalReviewPointBody {
    /// authority, facts, evidence, legal_basis, procedure or discretion
    point: String,
    opinion: String,
    passed: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalReviewBody {
    /// The six points, each once, each with an opinion.
    points: Vec<LegalReviewPointBody>,
    /// Passes exactly when every point passed.
    passed: bool,
}

/// A legal reviewer who did not investigate the case, qualified (APL Art. 58), answers the
/// waiting review; a failed review sends the case back to its officers.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-legal-review", tag = "cases",
    params(("id" = String, Path)), request_body = LegalReviewBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_legal_review(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<LegalReviewBody>,
) -> Result<Response, ApiError> {
    use domain::case::legal_review::{Point, PointOpinion};
    let mut points = Vec::new();
    for (i, p) in b.points.into_iter().enumerate() {
        let point = Point::ALL
            .into_iter()
            .find(|x| x.as_str() == p.point)
            .ok_or_else(|| {
                ApiError::one(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    domain::Reason::new("legal_review.unknown_point")
                        .field(format!("points[{i}].point"))
                        .arg("point", &p.point),
                )
            })?;
        points.push(PointOpinion {
            point,
            opinion: p.opinion,
            passed: p.passed,
        });
    }
    let cmd = domain::case::legal_review::RecordLegalReview {
        case_id: uuid::Uuid::nil(),
        points,
        passed: b.passed,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.record_legal_review(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberOpinionBody {
    /// The head's username.
    member: String,
    opinion: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliberationBody {
    /// decision (default) or extension (the second extension of the case deadline)
    purpose: Option<String>,
    /// For an extension (required then): whether the heads decided to extend.
    extend: Option<bool>,
    /// The bureau heads present (usernames): more than half of them by default.
    attendees: Vec<String>,
    /// One opinion from each attendee.
    opinions: Vec<MemberOpinionBody>,
    outcome: String,
}

/// A bureau head records the heads' collective deliberation (集体讨论, MEE Order No. 30
/// Arts. 52 and 57) of the decision or of a second extension of the case deadline.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-deliberation", tag = "cases",
    params(("id" = String, Path)), request_body = DeliberationBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_deliberation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<DeliberationBody>,
) -> Result<Response, ApiError> {
    use domain::case::deliberation::{MemberOpinion, Purpose};
    let purpose = match b.purpose.as_deref() {
        None | Some("decision") => Purpose::Decision,
        Some("extension") => Purpose::Extension,
        Some(other) => {
            return Err(ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                domain::Reason::new("deliberation.unknown_purpose")
                    .field("purpose")
                    .arg("purpose", other),
            ));
        }
    };
    let opinions = b
        .opinions
        .into_iter()
        .map(|o| MemberOpinion {
            member: o.member,
            opinion: o.opinion,
        })
        .collect();
    on_case(&state, &id, &headers, |id, v| {
        state.app.record_deliberation(
            &auth.actor,
            id,
            v,
            purpose,
            b.extend,
            b.attendees,
            opinions,
            b.outcome,
        )
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    /// penalty, no_penalty_minor, no_penalty_first_violation, no_penalty_no_fault,
    /// not_established or transfer_to_judicial
    outcome: String,
    /// For a penalty: the penalties decided (none heavier than the last notice's); none
    /// otherwise.
    #[serde(default)]
    penalties: Vec<PenaltyBody>,
    /// The reasons, as the decision document states them.
    reasons: String,
}

/// A bureau head decides the case (行政处罚决定, APL Arts. 57–62): refused (409, with the
/// article) without a served notice whose windows ended or were waived, above the notice, with
/// two fines for one act, without a passed legal review or the heads' deliberation where
/// required.
#[utoipa::path(post, path = "/api/v1/cases/{id}/decide", tag = "cases",
    params(("id" = String, Path)), request_body = DecideBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn decide(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<DecideBody>,
) -> Result<Response, ApiError> {
    let outcome = domain::case::decision::Outcome::parse(&b.outcome).ok_or_else(|| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            domain::Reason::new("decision.unknown_outcome")
                .field("outcome")
                .arg("outcome", &b.outcome),
        )
    })?;
    let penalties = parse_penalties(b.penalties)?;
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .decide_case(&auth.actor, id, v, outcome, penalties, b.reasons)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendDeadlineBody {
    /// 1 to 30 days.
    days: i64,
    reason: String,
}

/// An officer of the case asks to extend the case deadline (MEE Order No. 30 Art. 57): 1–30
/// days, taking effect on a head's approval; a second only after the heads' deliberation.
#[utoipa::path(post, path = "/api/v1/cases/{id}/extend-deadline", tag = "cases",
    params(("id" = String, Path)), request_body = ExtendDeadlineBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn extend_deadline(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ExtendDeadlineBody>,
) -> Result<Response, ApiError> {
    // Out of range numbers are the decision's to refuse, with the same words as 31.
    let days = u32::try_from(b.days.clamp(0, 10_000)).unwrap_or(0);
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .extend_deadline(&auth.actor, id, v, days, b.reason)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveExtensionBody {
    /// false refuses the request (a reason is then required); default true.
    approved: Option<bool>,
    reason: Option<String>,
}

/// A bureau head, not the officer who asked, approves (or refuses) the waiting extension; the
/// second only after the heads deliberated it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/approve-extension", tag = "cases",
    params(("id" = String, Path)), request_body = ApproveExtensionBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn approve_case_extension(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ApproveExtensionBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state.app.approve_extension(
            &auth.actor,
            id,
            v,
            b.approved.unwrap_or(true),
            b.reason.unwrap_or_default(),
        )
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// agree, supplementary_investigation or other
    opinion: String,
    /// Required unless the opinion is agree.
    reasons: Option<String>,
    /// major_public_interest, major_rights, complex, other_law
    flags: Option<Vec<String>>,
}

/// The case review (案件审查) by the detachment leader or a legal reviewer who did not
/// investigate: agree, send back for supplementary investigation, or another opinion.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-case-review", tag = "cases",
    params(("id" = String, Path)), request_body = ReviewBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_case_review(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<Response, ApiError> {
    use domain::case::review::{Opinion, ReviewFlag};
    let bad = |field: &str| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            domain::Reason::new("review.bad_value").field(field),
        )
    };
    let opinion = match b.opinion.as_str() {
        "agree" => Opinion::Agree,
        "supplementary_investigation" => Opinion::SupplementaryInvestigation,
        "other" => Opinion::Other,
        _ => return Err(bad("opinion")),
    };
    let flags = b
        .flags
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, f)| match f.as_str() {
            "major_public_interest" => Ok(ReviewFlag::MajorPublicInterest),
            "major_rights" => Ok(ReviewFlag::MajorRights),
            "complex" => Ok(ReviewFlag::Complex),
            "other_law" => Ok(ReviewFlag::OtherLaw),
            _ => Err(bad(&format!("flags[{i}]"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cmd = domain::case::review::RecordReview {
        case_id: uuid::Uuid::nil(),
        opinion,
        reasons: b.reasons.unwrap_or_default(),
        flags,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.record_review(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterferenceBody {
    /// Who tried to intervene (name, post, unit).
    who: String,
    /// RFC 3339: when.
    when: String,
    /// How (a call, a visit, a note…).
    how: String,
    what_was_asked: String,
}

#[derive(Serialize, ToSchema)]
pub struct InterferenceAnswer {
    /// The record's id.
    id: String,
    events: Vec<EventRef>,
}

/// Records an attempt to intervene in the case (干预留痕). Never edited or deleted; read by the
/// detachment leader, the bureau heads and the audit administrator only.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-interference", tag = "cases",
    params(("id" = String, Path)), request_body = InterferenceBody,
    responses((status = 201, body = InterferenceAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn record_interference(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<InterferenceBody>,
) -> Result<Response, ApiError> {
    let case_id = parse_id(&id)?;
    let when = instant("when", &b.when)?;
    let (record_id, w) = state
        .app
        .record_interference(&auth.actor, case_id, b.who, when, b.how, b.what_was_asked)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InterferenceAnswer {
            id: record_id.to_string(),
            events: events(w),
        }),
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InterferenceParams {
    /// YYYY-MM (China Standard Time)
    month: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InterferenceView {
    id: String,
    case_id: String,
    county_code: String,
    who: String,
    /// RFC 3339
    when: String,
    how: String,
    what_was_asked: String,
    recorded_by: String,
}

/// The month's records of interference (the detachment leader, the bureau heads, the audit
/// administrator).
#[utoipa::path(get, path = "/api/v1/interference", tag = "cases", params(InterferenceParams),
    responses((status = 200, body = Vec<InterferenceView>), (status = 403, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn interference(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<InterferenceParams>, QueryRejection>,
) -> Result<Json<Vec<InterferenceView>>, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let month = match p.month {
        Some(m) => {
            if NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").is_err() || m.len() != 7 {
                return Err(invalid_query("month", "YYYY-MM"));
            }
            m
        }
        None => state.app.today().format("%Y-%m").to_string(),
    };
    let items = state.app.interference(&auth.actor, &month).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|r| InterferenceView {
                id: r.id.to_string(),
                case_id: r.case_id.to_string(),
                county_code: r.county_code,
                who: r.who,
                when: r.when.to_rfc3339(),
                how: r.how,
                what_was_asked: r.what_was_asked,
                recorded_by: r.recorded_by,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreservedItemBody {
    description: String,
    quantity: String,
    /// Where it is kept.
    kept_at: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreserveBody {
    items: Vec<PreservedItemBody>,
    /// Usernames of at least two officers of the case with certificates valid today.
    officers: Vec<String>,
    /// Taken at once (evidence about to be lost), approved by a head afterwards.
    emergency: Option<bool>,
}

/// Preserves evidence by registration (先行登记保存): on a head's approval, or at once in an
/// emergency; decided within 7 working days (APL Art. 56).
#[utoipa::path(post, path = "/api/v1/cases/{id}/preserve-evidence", tag = "cases",
    params(("id" = String, Path)), request_body = PreserveBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn preserve_evidence(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PreserveBody>,
) -> Result<Response, ApiError> {
    let items = b
        .items
        .into_iter()
        .map(|i| domain::case::preservation::Item {
            description: i.description,
            quantity: i.quantity,
            kept_at: i.kept_at,
        })
        .collect();
    on_case(&state, &id, &headers, |id, v| {
        state.app.preserve_evidence(
            &auth.actor,
            id,
            v,
            items,
            b.officers,
            b.emergency.unwrap_or(false),
        )
    })
    .await
}

fn preservation_ref(s: Option<String>) -> Result<Option<uuid::Uuid>, ApiError> {
    s.map(|s| {
        uuid::Uuid::parse_str(&s).map_err(|_| {
            ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                domain::Reason::new("preservation.which").field("preservation_id"),
            )
        })
    })
    .transpose()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreservationApprovalBody {
    /// The preservation, when more than one waits.
    preservation_id: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreservationRejectionBody {
    preservation_id: Option<String>,
    reason: String,
}

/// A head approves a preservation (beforehand, or afterwards for an emergency).
#[utoipa::path(post, path = "/api/v1/cases/{id}/approve-preservation", tag = "cases",
    params(("id" = String, Path)), request_body = PreservationApprovalBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn approve_preservation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PreservationApprovalBody>,
) -> Result<Response, ApiError> {
    let which = preservation_ref(b.preservation_id)?;
    on_case(&state, &id, &headers, |id, v| {
        state.app.decide_preservation_approval(
            &auth.actor,
            id,
            v,
            which,
            true,
            b.comment.unwrap_or_default(),
        )
    })
    .await
}

/// A head rejects a preservation (an emergency one taken already ends).
#[utoipa::path(post, path = "/api/v1/cases/{id}/reject-preservation", tag = "cases",
    params(("id" = String, Path)), request_body = PreservationRejectionBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn reject_preservation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PreservationRejectionBody>,
) -> Result<Response, ApiError> {
    let which = preservation_ref(b.preservation_id)?;
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .decide_preservation_approval(&auth.actor, id, v, which, false, b.reason)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreservedDecisionBody {
    preservation_id: Option<String>,
    /// copy_or_photograph, appraisal, seal_or_seize or release
    action: String,
}

/// Decides what becomes of preserved items, within 7 working days of taking effect.
#[utoipa::path(post, path = "/api/v1/cases/{id}/decide-preserved", tag = "cases",
    params(("id" = String, Path)), request_body = PreservedDecisionBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn decide_preserved(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PreservedDecisionBody>,
) -> Result<Response, ApiError> {
    use domain::case::preservation::Action;
    let which = preservation_ref(b.preservation_id)?;
    let action = match b.action.as_str() {
        "copy_or_photograph" => Action::CopyOrPhotograph,
        "appraisal" => Action::Appraisal,
        "seal_or_seize" => Action::SealOrSeize,
        "release" => Action::Release,
        _ => {
            return Err(ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                domain::Reason::new("preservation.bad_action").field("action"),
            ));
        }
    };
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .decide_preserved(&auth.actor, id, v, which, action)
    })
    .await
}

/// A command on a case: the path's id, the `If-Match` version, the command, the answer.
pub(crate) async fn on_case<F, Fut>(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    command: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(uuid::Uuid, i64) -> Fut,
    Fut: std::future::Future<Output = Result<(Case, Written), app::AppError>>,
{
    let id = parse_id(id)?;
    let expected = if_match(headers)?;
    Ok(case_answer(state, command(id, expected).await?))
}

fn case_answer(state: &AppState, (case, w): (Case, Written)) -> Response {
    let view = case_view(state, case);
    answer(
        StatusCode::OK,
        view.version,
        None,
        CaseAnswer {
            case: view,
            events: events(w),
        },
    )
}

/// A head approves the registration: the case takes its number, and its deadline starts.
#[utoipa::path(post, path = "/api/v1/cases/{id}/approve-registration", tag = "cases",
    params(("id" = String, Path)), request_body = CommentBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn approve_registration(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CommentBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        let comment = b.comment.unwrap_or_default();
        state
            .app
            .decide_registration(&auth.actor, id, v, true, comment)
    })
    .await
}

/// A head rejects the registration; the clue is open again.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reject-registration", tag = "cases",
    params(("id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn reject_registration(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReasonBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .decide_registration(&auth.actor, id, v, false, b.reason)
    })
    .await
}

/// Proposes to cancel the registration (its conditions turned out not to be met).
#[utoipa::path(post, path = "/api/v1/cases/{id}/cancel-registration", tag = "cases",
    params(("id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn cancel_registration(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReasonBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state.app.propose_cancellation(&auth.actor, id, v, b.reason)
    })
    .await
}

/// A head approves the cancellation: the case keeps its number, marked cancelled.
#[utoipa::path(post, path = "/api/v1/cases/{id}/approve-cancellation", tag = "cases",
    params(("id" = String, Path)), request_body = CommentBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn approve_cancellation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CommentBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        let comment = b.comment.unwrap_or_default();
        state
            .app
            .decide_cancellation(&auth.actor, id, v, true, comment)
    })
    .await
}

/// A head rejects the cancellation: the case goes on.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reject-cancellation", tag = "cases",
    params(("id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn reject_cancellation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReasonBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .decide_cancellation(&auth.actor, id, v, false, b.reason)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseListParams {
    /// pending_registration, registered, registration_rejected or cancelled
    stage: Option<String>,
    county_code: Option<String>,
    /// The unit handling the case (a brigade or the detachment).
    handling_unit_id: Option<String>,
    /// A username: the cases this officer proposed.
    officer: Option<String>,
    /// true: only cases past their deadline (registered, under review or reviewed).
    overdue: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    items: Vec<CaseView>,
    total: i64,
    page: i64,
    per_page: i64,
}

/// The cases the caller may see, the newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseListParams),
    responses((status = 200, body = CaseList), (status = 403, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_cases(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<CaseListParams>, QueryRejection>,
) -> Result<Json<CaseList>, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let page = number("page", p.page, 1, 1, i64::MAX / 1000)?;
    let per_page = number("per_page", p.per_page, 50, 1, 200)?;
    let stage = p.stage.unwrap_or_default();
    if !stage.is_empty() && CaseStage::parse(&stage).is_none() {
        return Err(invalid_query("stage", "a case stage"));
    }
    let county = p.county_code.unwrap_or_default();
    if !county.is_empty() && !state.app.counties().contains(&county) {
        return Err(invalid_query(
            "county_code",
            "a county code of this prefecture",
        ));
    }
    let handling_unit = p
        .handling_unit_id
        .filter(|u| !u.is_empty())
        .map(|u| {
            uuid::Uuid::parse_str(&u).map_err(|_| invalid_query("handling_unit_id", "a unit id"))
        })
        .transpose()?;
    let officer = p.officer.unwrap_or_default();
    domain::text::check_texts([("officer", officer.as_str(), false)])?;
    let registered_by = match p.overdue.as_deref() {
        None | Some("" | "false") => None,
        Some("true") => Some(state.app.overdue_registered_by()),
        Some(_) => return Err(invalid_query("overdue", "true or false")),
    };
    let filter = app::CaseFilter {
        stage,
        county,
        handling_unit,
        officer,
        registered_by,
        preservation_open: false,
    };
    let result = state
        .app
        .listed_cases(&auth.actor, filter, page, per_page)
        .await?;
    Ok(Json(CaseList {
        items: result
            .items
            .into_iter()
            .map(|c| case_view(&state, c))
            .collect(),
        total: result.total,
        page,
        per_page,
    }))
}

/// One case (404 outside the caller's reach).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_case(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let case = state.app.case(&auth.actor, parse_id(&id)?).await?;
    let expiring = state.app.certificates_expiring(&case).await?;
    let steps = state.app.next_steps(&auth.actor, &case).await?;
    let mut view = case_view(&state, case);
    view.certificates_expiring = Some(expiring);
    view.next_steps = Some(next_step_views(steps));
    Ok(with_etag(StatusCode::OK, view))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineItem {
    seq: i64,
    schema: String,
    actor: String,
    at: String,
    /// The entry with its inclusion proof.
    entry: String,
}

/// The case's ledger entries (and its clue's), in order, each with a link to its proof.
#[utoipa::path(get, path = "/api/v1/cases/{id}/timeline", tag = "cases",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<TimelineItem>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn timeline(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<TimelineItem>>, ApiError> {
    let items = state.app.case_timeline(&auth.actor, parse_id(&id)?).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|t| TimelineItem {
                entry: format!("/api/v1/ledger/entries/{}", t.seq),
                seq: t.seq,
                schema: t.schema,
                actor: t.actor,
                at: t.at.to_string(),
            })
            .collect(),
    ))
}

/// One step waiting for a head: `step` is registration, cancellation, preservation, recusal
/// (with `case`) or registration_extension (with `clue`).
#[derive(Serialize, ToSchema)]
pub struct Approval {
    step: &'static str,
    case: Option<CaseView>,
    clue: Option<ClueView>,
}

/// What waits for the signed-in head's approval: registrations and cancellations of cases,
/// extensions of the time to decide on clues.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "cases",
    responses((status = 200, body = Vec<Approval>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn approvals(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Approval>>, ApiError> {
    let (cases, clues) = state.app.approvals(&auth.actor).await?;
    let mut items: Vec<Approval> = Vec::new();
    for c in cases {
        // One case may wait on several steps: its registration, a cancellation, preservations.
        let mut steps = Vec::new();
        if c.stage == CaseStage::PendingRegistration {
            steps.push("registration");
        }
        if c.cancellation.is_some() {
            steps.push("cancellation");
        }
        let waiting = c.preservations.iter().filter(|p| p.approval.is_none());
        steps.extend(waiting.map(|_| "preservation"));
        let recusals = c.recusals.iter().filter(|r| r.decision.is_none());
        steps.extend(recusals.map(|_| "recusal"));
        for step in steps {
            items.push(Approval {
                step,
                case: Some(case_view(&state, c.clone())),
                clue: None,
            });
        }
    }
    items.extend(clues.into_iter().map(|c| Approval {
        step: "registration_extension",
        case: None,
        clue: Some(clue_view(&state, c)),
    }));
    Ok(Json(items))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit, list_clues))
        .routes(routes!(get_clue))
        .routes(routes!(register))
        .routes(routes!(close))
        .routes(routes!(merge))
        .routes(routes!(transfer))
        .routes(routes!(extend_registration))
        .routes(routes!(approve_extension))
        .routes(routes!(reject_extension))
        .routes(routes!(identify_party))
        .routes(routes!(assign_officers))
        .routes(routes!(request_recusal))
        .routes(routes!(decide_recusal))
        .routes(routes!(record_inspection))
        .routes(routes!(record_questioning))
        .routes(routes!(record_sampling))
        .routes(routes!(records))
        .routes(routes!(submit_investigation_report))
        .routes(routes!(record_case_review))
        .routes(routes!(issue_advance_notice))
        .routes(routes!(submit_for_legal_review))
        .routes(routes!(record_legal_review))
        .routes(routes!(record_deliberation))
        .routes(routes!(decide))
        .routes(routes!(extend_deadline))
        .routes(routes!(approve_case_extension))
        .routes(routes!(record_interference))
        .routes(routes!(preserve_evidence))
        .routes(routes!(approve_preservation))
        .routes(routes!(reject_preservation))
        .routes(routes!(decide_preserved))
        .routes(routes!(interference))
        .routes(routes!(list_cases))
        .routes(routes!(get_case))
        .routes(routes!(approve_registration))
        .routes(routes!(reject_registration))
        .routes(routes!(cancel_registration))
        .routes(routes!(approve_cancellation))
        .routes(routes!(reject_cancellation))
        .routes(routes!(approvals))
        .routes(routes!(timeline))
}
