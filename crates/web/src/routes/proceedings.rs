//! The steps between the advance notice and the decision over the API: service, statement
//! and answer, waiver, hearing, and the periods that do not count toward the case deadline
//! (`POST /api/v1/cases/{id}/<verb>` with `If-Match`, answering `{case, events}`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;
use crate::routes::cases::{CaseAnswer, date, ids, instant, on_case};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::Reason;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

fn one_id(field: &str, s: &str, code: &'static str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s).map_err(|_| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            Reason::new(code).field(field),
        )
    })
}

fn unknown(field: &str, code: &'static str, value: &str) -> ApiError {
    ApiError::one(
        StatusCode::UNPROCESSABLE_ENTITY,
        Reason::new(code).field(field).arg("value", value),
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceBody {
    /// The document served (one of the case's: a notice, a hearing notice, a decision on
    /// recusal, a preservation notice).
    document_id: String,
    /// direct, left_at_address, entrusted, postal, forwarded, public_notice, notarised or
    /// electronic
    method: String,
    /// YYYY-MM-DD, from the document's issue to today.
    served_on: String,
    /// Who received it (the party, its representative, the person it was left with).
    recipient: String,
    /// The proof (the signed 送达回证, the postal receipt, the notice), an evidence item of
    /// the case.
    proof_evidence_id: String,
    /// For a service left at the address (留置): who witnessed it (required then).
    witnesses: Option<Vec<String>>,
    /// For electronic service: the party's prior written consent (required then), an evidence
    /// item of the case.
    consent_evidence_id: Option<String>,
    /// A decision served more than 7 working days after it was made: why (required then).
    late_reason: Option<String>,
    /// For a public notice (公告送达): why no other method could serve the party (required
    /// then); it counts as served `app.public_notice_days` after the day given as `served_on`.
    notice_grounds: Option<String>,
}

/// Records the service of a document on the party; the party's periods run from its day.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-service", tag = "cases",
    params(("id" = String, Path)), request_body = ServiceBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_service(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ServiceBody>,
) -> Result<Response, ApiError> {
    let method = domain::case::service::ServiceMethod::parse(&b.method)
        .ok_or_else(|| unknown("method", "service.unknown_method", &b.method))?;
    let cmd = domain::case::service::RecordService {
        case_id: Uuid::nil(),
        document_id: one_id("document_id", &b.document_id, "service.document_unknown")?,
        method,
        served_on: date("served_on", &b.served_on)?,
        recipient: b.recipient,
        proof_evidence_id: one_id(
            "proof_evidence_id",
            &b.proof_evidence_id,
            "record.evidence_unknown",
        )?,
        witnesses: b.witnesses.unwrap_or_default(),
        consent_evidence_id: match b.consent_evidence_id.as_deref() {
            None | Some("") => None,
            Some(s) => Some(one_id("consent_evidence_id", s, "record.evidence_unknown")?),
        },
        late_reason: b.late_reason.unwrap_or_default(),
        notice_grounds: b.notice_grounds.unwrap_or_default(),
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.record_service(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementBody {
    /// YYYY-MM-DD, from the notice's service to today.
    received_on: String,
    /// The points the party made, each answered later (at most 50).
    points: Vec<String>,
    /// What the party handed in, as evidence items of the case.
    evidence_ids: Option<Vec<String>>,
}

/// Records the party's statement and defence (陈述、申辩) on the notice in force.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-statement", tag = "cases",
    params(("id" = String, Path)), request_body = StatementBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_statement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<StatementBody>,
) -> Result<Response, ApiError> {
    let cmd = domain::case::statement::RecordStatement {
        case_id: Uuid::nil(),
        received_on: date("received_on", &b.received_on)?,
        points: b.points,
        evidence_ids: ids("evidence_ids", b.evidence_ids)?,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.record_statement(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// The point's number in the statement, from 1.
    point: usize,
    adopted: bool,
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerStatementBody {
    /// One answer for every point of the oldest statement not yet answered.
    answers: Vec<AnswerBody>,
}

/// Answers the statement (复核): every point adopted or not, with the reason (APL Art. 45).
#[utoipa::path(post, path = "/api/v1/cases/{id}/answer-statement", tag = "cases",
    params(("id" = String, Path)), request_body = AnswerStatementBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn answer_statement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AnswerStatementBody>,
) -> Result<Response, ApiError> {
    let mut answers = Vec::new();
    for (i, a) in b.answers.into_iter().enumerate() {
        if a.point == 0 {
            return Err(ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                Reason::new("statement.no_such_point")
                    .field(format!("answers[{i}].point"))
                    .arg("points", "≥ 1"),
            ));
        }
        answers.push(domain::case::statement::Answer {
            point: a.point - 1,
            adopted: a.adopted,
            reason: a.reason,
        });
    }
    let cmd = domain::case::statement::AnswerStatement {
        case_id: Uuid::nil(),
        answers,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.answer_statement(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverBody {
    /// statement or hearing
    right: String,
    /// YYYY-MM-DD, from the notice's service to today.
    received_on: String,
    /// The party's signed waiver, an evidence item of the case.
    evidence_id: String,
}

/// Records the party's written waiver of a right the notice in force stated (a decision may
/// then come before the window ends).
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-waiver", tag = "cases",
    params(("id" = String, Path)), request_body = WaiverBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_waiver(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<WaiverBody>,
) -> Result<Response, ApiError> {
    use domain::case::statement::Right;
    let right = match b.right.as_str() {
        "statement" => Right::Statement,
        "hearing" => Right::Hearing,
        other => return Err(unknown("right", "waiver.unknown_right", other)),
    };
    let cmd = domain::case::statement::RecordWaiver {
        case_id: Uuid::nil(),
        right,
        received_on: date("received_on", &b.received_on)?,
        evidence_id: one_id("evidence_id", &b.evidence_id, "record.evidence_unknown")?,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.record_waiver(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HearingRequestBody {
    /// YYYY-MM-DD: accepted up to the fifth working day after the notice's service.
    received_on: String,
}

/// Records the party's request for a hearing (APL Art. 64: within five working days of the
/// notice's service; refused after, naming the last day).
#[utoipa::path(post, path = "/api/v1/cases/{id}/request-hearing", tag = "cases",
    params(("id" = String, Path)), request_body = HearingRequestBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn request_hearing(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<HearingRequestBody>,
) -> Result<Response, ApiError> {
    let received_on = date("received_on", &b.received_on)?;
    on_case(&state, &id, &headers, |id, v| {
        state.app.request_hearing(&auth.actor, id, v, received_on)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentBody {
    name: String,
    /// The agent's relation to the party (lawyer, employee, relative…).
    relation: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// The host's username: not an investigator of the case, not recused.
    host: String,
    place: String,
    /// RFC 3339: at least seven working days after the hearing notice's service.
    at: String,
    /// The party's agents, one or two (none: the party comes alone).
    agents: Option<Vec<AgentBody>>,
}

/// Sets (or sets again) the hearing the party asked for.
#[utoipa::path(post, path = "/api/v1/cases/{id}/schedule-hearing", tag = "cases",
    params(("id" = String, Path)), request_body = ScheduleBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn schedule_hearing(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ScheduleBody>,
) -> Result<Response, ApiError> {
    let cmd = domain::case::hearing::ScheduleHearing {
        case_id: Uuid::nil(),
        host: b.host,
        place: b.place,
        at: instant("at", &b.at)?,
        agents: b
            .agents
            .unwrap_or_default()
            .into_iter()
            .map(|a| domain::case::hearing::Agent {
                name: a.name,
                relation: a.relation,
            })
            .collect(),
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.schedule_hearing(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HearingRecordBody {
    /// Whether the party (or its agent) came; `false` is an absence without good reason, which
    /// waives the hearing (for an absence with good reason, set the hearing again instead).
    attended: bool,
    /// The party left without the host's permission (a waiver).
    left_without_permission: Option<bool>,
    /// The signed hearing record (or the record of absence), an evidence item of the case.
    record_evidence_id: String,
    /// YYYY-MM-DD: the day the record was signed (the hearing's tolling ends that day).
    signed_on: String,
}

/// Records the hearing held, or the party's absence (a waiver, recorded as such).
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-hearing", tag = "cases",
    params(("id" = String, Path)), request_body = HearingRecordBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_hearing(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<HearingRecordBody>,
) -> Result<Response, ApiError> {
    let cmd = domain::case::hearing::RecordHearing {
        case_id: Uuid::nil(),
        attended: b.attended,
        left_without_permission: b.left_without_permission.unwrap_or(false),
        record_evidence_id: one_id(
            "record_evidence_id",
            &b.record_evidence_id,
            "record.evidence_unknown",
        )?,
        signed_on: date("signed_on", &b.signed_on)?,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.record_hearing(&auth.actor, id, v, cmd)
    })
    .await
}

fn tolling_reason(field: &str, s: &str) -> Result<domain::case::tolling::TollingReason, ApiError> {
    domain::case::tolling::TollingReason::parse_started(s)
        .ok_or_else(|| unknown(field, "tolling.unknown_reason", s))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartTollingBody {
    /// suspension, public_notice, monitoring, testing, assessment, appraisal, determination,
    /// service or criminal_transfer (the hearing tolls by itself)
    reason: String,
    /// YYYY-MM-DD: the first day not counted (from registration to today).
    from: String,
}

/// Starts a period that does not count toward the case deadline; a suspension counts once a
/// bureau head approves it (at once when a head starts it).
#[utoipa::path(post, path = "/api/v1/cases/{id}/start-tolling", tag = "cases",
    params(("id" = String, Path)), request_body = StartTollingBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn start_tolling(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<StartTollingBody>,
) -> Result<Response, ApiError> {
    let cmd = domain::case::tolling::StartTolling {
        case_id: Uuid::nil(),
        reason: tolling_reason("reason", &b.reason)?,
        from: date("from", &b.from)?,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.start_tolling(&auth.actor, id, v, cmd)
    })
    .await
}

/// A bureau head approves the suspension (中止) an officer asked for.
#[utoipa::path(post, path = "/api/v1/cases/{id}/approve-suspension", tag = "cases",
    params(("id" = String, Path)),
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn approve_suspension(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state.app.approve_suspension(&auth.actor, id, v)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndTollingBody {
    /// YYYY-MM-DD: the last day not counted.
    to: String,
    /// Which open period, when more than one is open.
    reason: Option<String>,
}

/// Ends an open period.
#[utoipa::path(post, path = "/api/v1/cases/{id}/end-tolling", tag = "cases",
    params(("id" = String, Path)), request_body = EndTollingBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn end_tolling(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<EndTollingBody>,
) -> Result<Response, ApiError> {
    let cmd = domain::case::tolling::EndTolling {
        case_id: Uuid::nil(),
        reason: b
            .reason
            .as_deref()
            .map(|r| tolling_reason("reason", r))
            .transpose()?,
        to: date("to", &b.to)?,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.end_tolling(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceBody {
    /// payment or other
    kind: String,
    /// A payment's amount, in fen.
    amount_fen: Option<i64>,
    /// YYYY-MM-DD, from the decision's service to today.
    on: String,
    /// The receipt or the proof of performance, an evidence item of the case.
    evidence_id: String,
    /// What was done (required for `other`).
    note: Option<String>,
}

/// An officer records a payment of the decided fine, or another performance, with its proof
/// (APL Arts. 67, 72); the case shows what is still owed, the surcharge as of today, and
/// whether it is unperformed.
#[utoipa::path(post, path = "/api/v1/cases/{id}/record-performance", tag = "cases",
    params(("id" = String, Path)), request_body = PerformanceBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn record_performance(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PerformanceBody>,
) -> Result<Response, ApiError> {
    use domain::case::performance::PerformanceKind;
    let kind = match b.kind.as_str() {
        "payment" => PerformanceKind::Payment,
        "other" => PerformanceKind::Other,
        other => return Err(unknown("kind", "performance.unknown_kind", other)),
    };
    let cmd = domain::case::performance::RecordPerformance {
        case_id: Uuid::nil(),
        kind,
        amount_fen: b.amount_fen,
        on: date("on", &b.on)?,
        evidence_id: one_id("evidence_id", &b.evidence_id, "record.evidence_unknown")?,
        note: b.note.unwrap_or_default(),
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.record_performance(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstalmentBody {
    /// YYYY-MM-DD
    due_on: String,
    amount_fen: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrangementBody {
    /// One instalment for a deferral, several for instalments; together what is still owed.
    schedule: Vec<InstalmentBody>,
    /// The party's reasons.
    reason: String,
    /// YYYY-MM-DD the application was received (before the payment fell due).
    received_on: String,
    /// The written application, an evidence item of the case.
    evidence_id: String,
}

/// An officer records the party's application to pay later or in instalments (APL Art. 66);
/// a head answers it (`approve-arrangement`).
#[utoipa::path(post, path = "/api/v1/cases/{id}/request-arrangement", tag = "cases",
    params(("id" = String, Path)), request_body = ArrangementBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn request_arrangement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ArrangementBody>,
) -> Result<Response, ApiError> {
    let mut schedule = Vec::new();
    for (i, s) in b.schedule.iter().enumerate() {
        schedule.push(domain::case::performance::Instalment {
            due_on: date(&format!("schedule[{i}].due_on"), &s.due_on)?,
            amount_fen: s.amount_fen,
        });
    }
    let cmd = domain::case::performance::RequestArrangement {
        case_id: Uuid::nil(),
        schedule,
        reason: b.reason,
        received_on: date("received_on", &b.received_on)?,
        evidence_id: one_id("evidence_id", &b.evidence_id, "record.evidence_unknown")?,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.request_arrangement(&auth.actor, id, v, cmd)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrangementAnswerBody {
    /// false refuses (a reason is then required); default true.
    approved: Option<bool>,
    reason: Option<String>,
}

/// A head, not the officer who recorded it, approves or refuses the party's application.
#[utoipa::path(post, path = "/api/v1/cases/{id}/approve-arrangement", tag = "cases",
    params(("id" = String, Path)), request_body = ArrangementAnswerBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn approve_arrangement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ArrangementAnswerBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state.app.approve_arrangement(
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
pub struct CloseBody {
    /// performed, enforced, nothing_to_perform, decision_revoked or other_approved
    ground: String,
    /// Required for enforced, decision_revoked and other_approved.
    reason: Option<String>,
    /// The court's enforcement ruling or the revoking decision (required for those grounds),
    /// an evidence item of the case.
    evidence_id: Option<String>,
}

/// A head closes the decided case (结案, 2010 measures Art. 67), refused (409) while the
/// ground's condition is unmet: the fine and its surcharge paid and other penalties
/// performed, nothing to perform, or the proof of enforcement or revocation.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close-case", tag = "cases",
    params(("id" = String, Path)), request_body = CloseBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn close_case(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CloseBody>,
) -> Result<Response, ApiError> {
    let ground = domain::case::performance::Ground::parse(&b.ground)
        .ok_or_else(|| unknown("ground", "closing.unknown_ground", &b.ground))?;
    let evidence_id = match b.evidence_id.as_deref() {
        None | Some("") => None,
        Some(s) => Some(one_id("evidence_id", s, "record.evidence_unknown")?),
    };
    let cmd = domain::case::performance::CloseCase {
        case_id: Uuid::nil(),
        ground,
        reason: b.reason.unwrap_or_default(),
        evidence_id,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.close_case(&auth.actor, id, v, cmd)
    })
    .await
}

/// Archives the closed case (归档, 2010 measures Arts. 68–70): binds the main and secondary
/// volumes, each one PDF with its cover, contents and page numbers, and seals them with the
/// case's events in one ledger event (`docs/archive.md`). Refused (409) unless the case is
/// closed; after it the case takes only annexes.
#[utoipa::path(post, path = "/api/v1/cases/{id}/archive", tag = "cases",
    params(("id" = String, Path)),
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn archive(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state.app.archive_case(&auth.actor, id, v)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnexBody {
    /// review (a later administrative review), court (a court's judgment or ruling) or other
    kind: String,
    /// What happened, as the 备考表 records it.
    note: String,
    /// Its proof, an evidence item of the case.
    evidence_id: Option<String>,
}

/// Adds a note to the archived file (备考表), outside the sealed volumes: they and their hashes
/// stay as archived. Numbered 1, 2, … in the order added.
#[utoipa::path(post, path = "/api/v1/cases/{id}/add-annex", tag = "cases",
    params(("id" = String, Path)), request_body = AnnexBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn add_annex(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AnnexBody>,
) -> Result<Response, ApiError> {
    let kind = domain::case::archive::AnnexKind::parse(&b.kind)
        .ok_or_else(|| unknown("kind", "archive.unknown_annex_kind", &b.kind))?;
    let evidence_id = match b.evidence_id.as_deref() {
        None | Some("") => None,
        Some(s) => Some(one_id("evidence_id", s, "record.evidence_unknown")?),
    };
    let cmd = domain::case::archive::AddAnnex {
        case_id: Uuid::nil(),
        kind,
        note: b.note,
        evidence_id,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.add_annex(&auth.actor, id, v, cmd)
    })
    .await
}

/// The archive bundle of an archived case (`docs/archive.md` §2): every event of the case with
/// its inclusion proof in one signed checkpoint, both volumes, every issued PDF and every
/// evidence file's hashes — checkable offline by `ecoenforce ledger verify-archive` and
/// `docs/archive_check.py`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/archive-bundle", tag = "cases",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/json", description = "the bundle"),
              (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
async fn archive_bundle(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    let case_id = crate::precondition::parse_id(&id)?;
    let bundle = state.app.archive_bundle(&auth.actor, case_id).await?;
    let mut r = axum::Json(bundle).into_response();
    let name = format!("attachment; filename=\"archive-{case_id}.json\"");
    if let Ok(v) = axum::http::HeaderValue::from_str(&name) {
        r.headers_mut()
            .insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// A sealed volume of an archived case as one PDF (`main.pdf` or `secondary.pdf`).
#[utoipa::path(get, path = "/api/v1/cases/{id}/archive/{file}", tag = "cases",
    params(("id" = String, Path), ("file" = String, Path, description = "`main.pdf` or `secondary.pdf`")),
    responses((status = 200, content_type = "application/pdf", description = "the volume"),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn archive_volume(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let case_id = crate::precondition::parse_id(&id)?;
    let volume = file.strip_suffix(".pdf").unwrap_or("");
    let (case, _, pdf) = state
        .app
        .archive_volume(&auth.actor, case_id, volume)
        .await?;
    let number = case.number.unwrap_or_else(|| case_id.to_string());
    Ok(crate::routes::documents::pdf_response(
        pdf,
        &format!("{number}-{volume}.pdf"),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The facts and basis as the public reads them; refused if it holds an ID number, a mobile
    /// number or a natural person's name.
    summary: String,
}

/// Publishes the decision (APL Art. 48): its number, the party (an organisation's name and
/// USCC; a natural person's name masked), the penalties and the summary, on the public list
/// `/decisions` without sign-in. Late publication stands, marked for the case file review.
#[utoipa::path(post, path = "/api/v1/cases/{id}/publish-decision", tag = "cases",
    params(("id" = String, Path)), request_body = PublishBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn publish_decision(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PublishBody>,
) -> Result<Response, ApiError> {
    on_case(&state, &id, &headers, |id, v| {
        state.app.publish_decision(&auth.actor, id, v, b.summary)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// changed, revoked, confirmed_unlawful or confirmed_void
    ground: String,
    /// The public reason.
    reason: String,
    /// The day the decision was changed, revoked or confirmed unlawful or void (YYYY-MM-DD).
    changed_on: String,
}

/// A head withdraws the publication in force (APL Art. 48: within 3 working days of the
/// decision's change, with its reason, which the public list shows).
#[utoipa::path(post, path = "/api/v1/cases/{id}/withdraw-publication", tag = "cases",
    params(("id" = String, Path)), request_body = WithdrawBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn withdraw_publication(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<WithdrawBody>,
) -> Result<Response, ApiError> {
    let ground = domain::case::publicity::WithdrawalGround::parse(&b.ground)
        .ok_or_else(|| unknown("ground", "publicity.unknown_ground", &b.ground))?;
    let changed_on = date("changed_on", &b.changed_on)?;
    on_case(&state, &id, &headers, |id, v| {
        state
            .app
            .withdraw_publication(&auth.actor, id, v, ground, b.reason, changed_on)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingBody {
    /// YYYY-MM-DD, between the closing and today.
    filed_on: String,
    /// The filing letter's or the receipt's number.
    reference: String,
    /// The letter or the receipt, an evidence item of the case.
    evidence_id: String,
}

/// Records the filing of a closed case the higher authority supervises (备案, 2010 measures
/// Art. 74: within 20 days after closing; setting `app.filing_upward`). The archive waits for
/// it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/file-upward", tag = "cases",
    params(("id" = String, Path)), request_body = FilingBody,
    responses((status = 200, body = CaseAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn file_upward(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<FilingBody>,
) -> Result<Response, ApiError> {
    let cmd = domain::case::filing::FileUpward {
        case_id: Uuid::nil(),
        filed_on: date("filed_on", &b.filed_on)?,
        reference: b.reference,
        evidence_id: one_id("evidence_id", &b.evidence_id, "record.evidence_unknown")?,
        expected_version: 0,
    };
    on_case(&state, &id, &headers, |id, v| {
        state.app.file_upward(&auth.actor, id, v, cmd)
    })
    .await
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_service))
        .routes(routes!(record_statement))
        .routes(routes!(answer_statement))
        .routes(routes!(record_waiver))
        .routes(routes!(request_hearing))
        .routes(routes!(schedule_hearing))
        .routes(routes!(record_hearing))
        .routes(routes!(start_tolling))
        .routes(routes!(approve_suspension))
        .routes(routes!(end_tolling))
        .routes(routes!(record_performance))
        .routes(routes!(request_arrangement))
        .routes(routes!(approve_arrangement))
        .routes(routes!(close_case))
        .routes(routes!(archive))
        .routes(routes!(add_annex))
        .routes(routes!(archive_bundle))
        .routes(routes!(archive_volume))
        .routes(routes!(publish_decision))
        .routes(routes!(withdraw_publication))
        .routes(routes!(file_upward))
}
