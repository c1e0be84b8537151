//! Clues and cases: applying their events, the counters of case numbers, and scoped reads.

use super::queries::corrupt;
use super::{Exec, ReadFn, Row, SqlBackend, Value, query_one, query_opt};
use crate::{CaseQueries, Page, Scope, StoreError};
use async_trait::async_trait;
use chrono::NaiveDate;
use domain::case::clue::{Clue, ClueData, ClueStatus};
use domain::case::registration::{Case, CaseFacts, CaseStage};
use domain::case::triage::PendingExtension;
use domain::{Event, Payload};
use uuid::Uuid;

const INSERT_CLUE: &str = "INSERT INTO clues (id, county_code, source, status, received_on, \
     data, submitted_by, extended, closed_reason, created_at, version) \
     VALUES ($1, $2, $3, 'open', $4, $5, $6, FALSE, NULL, $7, 1)";
const SET_CLUE_STATUS: &str =
    "UPDATE clues SET status = $2, closed_reason = $3, version = version + 1 WHERE id = $1";
const INSERT_CASE: &str = "INSERT INTO cases (id, clue_id, county_code, handling_unit_id, stage, \
     facts, proposed_by, number, registered_on, cancellation_by, cancellation_reason, \
     created_at, version) \
     VALUES ($1, $2, $3, $4, 'pending_registration', $5, $6, NULL, NULL, NULL, NULL, $7, 1)";
const REGISTER_CASE: &str = "UPDATE cases SET stage = 'registered', number = $2, \
     registered_on = $3, version = version + 1 WHERE id = $1";
const SET_CASE_STAGE: &str = "UPDATE cases SET stage = $2, cancellation_by = NULL, \
     cancellation_reason = NULL, version = version + 1 WHERE id = $1";
const PROPOSE_CANCELLATION: &str = "UPDATE cases SET cancellation_by = $2, \
     cancellation_reason = $3, version = version + 1 WHERE id = $1";
/// The counter moves only from the serial before: a second registration that read the same
/// last serial changes no row and the transaction fails (numbers are never given twice).
const TAKE_SERIAL: &str =
    "UPDATE case_counters SET last_serial = $2 WHERE counter_key = $1 AND last_serial = $3";
const NEW_COUNTER: &str = "INSERT INTO case_counters (counter_key, last_serial) VALUES ($1, $2)";
const COUNTER: &str = "SELECT last_serial FROM case_counters WHERE counter_key = $1";

/// The columns `clue_from_row` reads, in its order.
macro_rules! clue_columns {
    () => {
        "SELECT id, data, status, submitted_by, extended, closed_reason, version, merged_into, \
         transfer, extension_by, extension_reason FROM clues "
    };
}
const CLUE_BY_ID: &str = concat!(clue_columns!(), "WHERE id = $1");
/// `$2`: the scope pattern; `$3`: only this submitter's (or '' for all in scope).
const CLUE_IN_SCOPE: &str = concat!(
    clue_columns!(),
    "WHERE id = $1 AND ($2 = '' OR $2 LIKE '%,' || county_code || ',%') \
     AND ($3 = '' OR submitted_by = $3)"
);
/// Clues whose extension waits for a head.
const AWAITING_EXTENSION: &str = concat!(
    clue_columns!(),
    "WHERE extension_by IS NOT NULL AND ($1 = '' OR $1 LIKE '%,' || county_code || ',%') \
     ORDER BY received_on, id"
);
const MERGE_CLUE: &str = "UPDATE clues SET status = 'merged', merged_into = $2, \
     version = version + 1 WHERE id = $1";
const TRANSFER_CLUE: &str = "UPDATE clues SET status = 'transferred', transfer = $2, \
     version = version + 1 WHERE id = $1";
const PROPOSE_EXTENSION: &str = "UPDATE clues SET extension_by = $2, extension_reason = $3, \
     version = version + 1 WHERE id = $1";
const DECIDE_EXTENSION: &str = "UPDATE clues SET extended = $2, extension_by = NULL, \
     extension_reason = NULL, version = version + 1 WHERE id = $1";
const SET_TEAM: &str = "UPDATE cases SET team = $2, version = version + 1 WHERE id = $1";
const CLEAR_OFFICERS: &str = "DELETE FROM case_officers WHERE case_id = $1";
const ADD_OFFICER: &str = "INSERT INTO case_officers (case_id, username, role) VALUES ($1, $2, $3)";
const CASE_RECUSALS: &str = "SELECT recusals FROM cases WHERE id = $1";
const SET_RECUSALS: &str = "UPDATE cases SET recusals = $2, recusal_waiting = $3, \
     version = version + 1 WHERE id = $1";
const INSERT_RECORD: &str = "INSERT INTO case_records (id, case_id, kind, record, recorded_by, \
     recorded_at) VALUES ($1, $2, $3, $4, $5, $6)";
const RECORD_KIND: &str = "SELECT kind FROM case_records WHERE case_id = $1 AND id = $2";
const RECORDS: &str = "SELECT record, recorded_by, recorded_at FROM case_records \
     WHERE case_id = $1 ORDER BY recorded_at, id";
const SET_REPORT: &str = "UPDATE cases SET report = $2, review = NULL, stage = 'under_review', \
     version = version + 1 WHERE id = $1";
const SET_REVIEW: &str =
    "UPDATE cases SET review = $2, stage = $3, version = version + 1 WHERE id = $1";
const INSERT_INTERFERENCE: &str = "INSERT INTO interference_records (id, case_id, county_code, \
     month, record, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)";
const INTERFERENCE: &str = "SELECT record FROM interference_records WHERE month = $2 \
     AND ($1 = '' OR $1 LIKE '%,' || county_code || ',%') ORDER BY id";
const CASE_PRESERVATIONS: &str = "SELECT preservations FROM cases WHERE id = $1";
const SET_PRESERVATIONS: &str = "UPDATE cases SET preservations = $2, preservation_waiting = $3, \
     preservation_open = $4, version = version + 1 WHERE id = $1";
const CASE_NOTICES: &str = "SELECT notices FROM cases WHERE id = $1";
const SET_NOTICES: &str = "UPDATE cases SET notices = $2, version = version + 1 WHERE id = $1";
const CASE_PROCEEDINGS: &str = "SELECT proceedings FROM cases WHERE id = $1";
/// The decision moves the case on (its record is in the proceedings).
const SET_DECIDED: &str = "UPDATE cases SET stage = 'decided' WHERE id = $1";
const SET_CLOSED: &str = "UPDATE cases SET stage = 'closed' WHERE id = $1";
const SET_ARCHIVED: &str = "UPDATE cases SET stage = 'archived' WHERE id = $1";
const INSERT_PUBLICATION: &str = "INSERT INTO publications (id, case_id, county_code, year, \
     party, uscc, published_on, withdrawn, record) VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8)";
/// A withdrawn decision is no longer found by the party's name or code.
const WITHDRAW_PUBLICATION: &str = "UPDATE publications SET withdrawn = TRUE, party = '', \
     uscc = '', record = $2 WHERE id = $1";
const PUBLICATION_RECORD: &str = "SELECT record FROM publications WHERE id = $1";
/// The public list: `$1` a fragment of the party's name (lower case, `%`/`_` escaped with `\\`),
/// `$2` a USCC prefix, `$3` the county, `$4` the year (0: any).
macro_rules! publications_where {
    () => {
        "WHERE ($1 = '' OR party LIKE '%' || $1 || '%' ESCAPE '\\') \
         AND ($2 = '' OR uscc LIKE $2 || '%' ESCAPE '\\') AND ($3 = '' OR county_code = $3) \
         AND ($4 = 0 OR year = $4)"
    };
}
const PUBLICATIONS_COUNT: &str =
    concat!("SELECT COUNT(*) FROM publications ", publications_where!());
const PUBLICATIONS_PAGE: &str = concat!(
    "SELECT record FROM publications ",
    publications_where!(),
    " ORDER BY published_on DESC, id DESC LIMIT $5 OFFSET $6"
);
/// The events of a case as its archive counts them (`docs/archive.md` §2): the case's and its
/// clue's, and the registration of every evidence file of either, in log order.
/// The confidential records of interference stay out (their own register, for its readers).
const CASE_LEDGER: &str = "SELECT e.seq, e.event_hash FROM events e WHERE e.id IN \
     (SELECT event_id FROM case_events WHERE subject_id = $1 OR subject_id = $2 \
     UNION SELECT c.event_id FROM evidence_custody c JOIN evidence v ON v.id = c.evidence_id \
     WHERE (v.subject_id = $1 OR v.subject_id = $2) AND c.kind = 'uploaded') \
     AND e.schema <> 'case.interference_recorded/v1' \
     ORDER BY e.seq";
const SET_PROCEEDINGS: &str =
    "UPDATE cases SET proceedings = $2, version = version + 1 WHERE id = $1";
/// Every column `case_from_row` reads, in its order.
macro_rules! case_columns {
    () => {
        "SELECT id, clue_id, county_code, handling_unit_id, stage, facts, proposed_by, number, \
         registered_on, cancellation_by, cancellation_reason, version, team, recusals, report, \
         review, preservations, notices, proceedings FROM cases "
    };
}
const CASE_FACTS: &str = "SELECT facts FROM cases WHERE id = $1";
const SET_CASE_FACTS: &str = "UPDATE cases SET facts = $2, version = version + 1 WHERE id = $1";
const CASE_BY_ID: &str = concat!(case_columns!(), "WHERE id = $1");
const CASE_IN_SCOPE: &str = concat!(
    case_columns!(),
    "WHERE id = $1 AND ($2 = '' OR $2 LIKE '%,' || county_code || ',%')"
);
/// What waits for a head: proposals of registration and of cancellation.
const AWAITING: &str = concat!(
    case_columns!(),
    "WHERE ($1 = '' OR $1 LIKE '%,' || county_code || ',%') \
     AND (stage = 'pending_registration' OR (stage = 'registered' AND cancellation_by IS NOT NULL) \
     OR preservation_waiting OR recusal_waiting) \
     ORDER BY created_at, id"
);

/// Parents before children: cases refer to clues.
pub(super) const TABLES: &[super::Projection] = &[
    crate::projection!("clues", order_by "id"),
    crate::projection!("cases", order_by "id"),
    crate::projection!("case_counters", order_by "counter_key"),
    crate::projection!("case_events", order_by "subject_id, event_id"),
    crate::projection!("case_officers", order_by "case_id, username"),
    crate::projection!("case_records", order_by "id"),
    crate::projection!("interference_records", order_by "id"),
    crate::projection!("publications", order_by "id"),
    super::document::TABLE,
];

const LINK_EVENT: &str = "INSERT INTO case_events (subject_id, event_id) VALUES ($1, $2)";
/// The ledger entries of a case and of the clue it came from, in log order.
const TIMELINE: &str = "SELECT e.seq, e.schema, e.at, e.actor FROM case_events c \
     JOIN events e ON e.id = c.event_id WHERE c.subject_id = $1 OR c.subject_id = $2 \
     ORDER BY e.seq";

fn json<T: serde::Serialize>(v: &T) -> Result<Value, StoreError> {
    serde_json::to_string(v).map(Value::from).map_err(corrupt)
}

fn changed(n: u64, what: &str) -> Result<u64, StoreError> {
    if n == 1 {
        Ok(n)
    } else {
        Err(StoreError::Corrupt(format!(
            "{what}: {n} rows changed, expected 1"
        )))
    }
}

/// The clues and cases an event concerns, for their timelines (a merge concerns both).
fn subjects(payload: &Payload) -> Vec<Uuid> {
    match payload {
        Payload::ClueSubmitted(p) => vec![p.id],
        Payload::ClueClosed(p) => vec![p.id],
        Payload::ClueMerged(p) => vec![p.id, p.case_id],
        Payload::ClueTransferred(p) => vec![p.id],
        Payload::ExtensionProposed(p) => vec![p.id],
        Payload::ExtensionDecided(p) => vec![p.id],
        Payload::CaseProposed(p) => vec![p.case_id],
        Payload::CaseRegistered(p) => vec![p.case_id],
        Payload::RegistrationRejected(p) => vec![p.case_id],
        Payload::CancellationProposed(p) => vec![p.case_id],
        Payload::CancellationDecided(p) => vec![p.case_id],
        Payload::PartyIdentified(p) => vec![p.case_id],
        Payload::OfficersAssigned(p) => vec![p.case_id],
        Payload::RecusalRequested(p) => vec![p.case_id],
        Payload::RecusalDecided(p) => vec![p.case_id],
        Payload::RecordAdded(p) => vec![p.case_id],
        Payload::InvestigationReported(p) => vec![p.case_id],
        Payload::CaseReviewed(p) => vec![p.case_id],
        Payload::InterferenceRecorded(p) => vec![p.case_id],
        Payload::PreservationProposed(p) => vec![p.case_id],
        Payload::PreservationApproved(p) => vec![p.case_id],
        Payload::PreservedDecided(p) => vec![p.case_id],
        Payload::DocumentIssued(p) => vec![p.case_id],
        Payload::AdvanceNoticeIssued(p) => vec![p.case_id],
        Payload::DocumentSigned(p) => vec![p.case_id],
        other => domain::case::proceedings::Proceedings::case_of(other)
            .into_iter()
            .collect(),
    }
}

/// Applies a clue or case event; `None` for events of other kinds.
pub(crate) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    let subjects = subjects(&event.payload);
    if subjects.is_empty() {
        return Ok(None);
    }
    for subject in subjects {
        exec.execute(LINK_EVENT, &[subject.into(), event.id.into()])
            .await?;
    }
    apply_state(exec, event).await
}

async fn apply_state(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    if let Some(n) = super::document::apply(exec, event).await? {
        return Ok(Some(n));
    }
    if let Some(case_id) = domain::case::proceedings::Proceedings::case_of(&event.payload) {
        let row = query_one(exec, CASE_PROCEEDINGS, &[case_id.into()]).await?;
        let mut proceedings: domain::case::proceedings::Proceedings =
            serde_json::from_str(&row.text(0)?).map_err(corrupt)?;
        proceedings
            .apply(&event.payload)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", event.payload.schema())))?;
        let n = changed(
            exec.execute(SET_PROCEEDINGS, &[case_id.into(), json(&proceedings)?])
                .await?,
            "case proceedings",
        )?;
        let stage = match &event.payload {
            Payload::CaseDecided(_) => Some(SET_DECIDED),
            Payload::CaseClosed(_) => Some(SET_CLOSED),
            Payload::CaseArchived(_) => Some(SET_ARCHIVED),
            _ => None,
        };
        if let Some(set) = stage {
            changed(exec.execute(set, &[case_id.into()]).await?, "case stage")?;
        }
        publicity(exec, &event.payload).await?;
        return Ok(Some(n));
    }
    Ok(Some(match &event.payload {
        Payload::ClueSubmitted(p) => {
            let d = &p.data;
            exec.execute(
                INSERT_CLUE,
                &[
                    p.id.into(),
                    d.county_code.as_str().into(),
                    d.source.as_str().into(),
                    d.received_on.to_string().into(),
                    json(d)?,
                    event.actor.name.as_str().into(),
                    event.at.into(),
                ],
            )
            .await?
        }
        Payload::ClueClosed(p) => changed(
            exec.execute(
                SET_CLUE_STATUS,
                &[p.id.into(), "closed".into(), p.reason.as_str().into()],
            )
            .await?,
            "clue.closed",
        )?,
        Payload::ClueMerged(p) => changed(
            exec.execute(MERGE_CLUE, &[p.id.into(), p.case_id.into()])
                .await?,
            "clue.merged",
        )?,
        Payload::ClueTransferred(p) => changed(
            exec.execute(TRANSFER_CLUE, &[p.id.into(), json(&p.transfer)?])
                .await?,
            "clue.transferred",
        )?,
        Payload::ExtensionProposed(p) if p.approved => changed(
            exec.execute(DECIDE_EXTENSION, &[p.id.into(), true.into()])
                .await?,
            "clue.extension_proposed",
        )?,
        Payload::ExtensionProposed(p) => changed(
            exec.execute(
                PROPOSE_EXTENSION,
                &[
                    p.id.into(),
                    p.proposed_by.as_str().into(),
                    p.reason.as_str().into(),
                ],
            )
            .await?,
            "clue.extension_proposed",
        )?,
        Payload::ExtensionDecided(p) => changed(
            exec.execute(DECIDE_EXTENSION, &[p.id.into(), p.approved.into()])
                .await?,
            "clue.extension_decided",
        )?,
        Payload::InterferenceRecorded(p) => {
            exec.execute(
                INSERT_INTERFERENCE,
                &[
                    p.id.into(),
                    p.case_id.into(),
                    p.county_code.as_str().into(),
                    p.when.china_date().format("%Y-%m").to_string().into(),
                    json(p)?,
                    event.at.into(),
                ],
            )
            .await?
        }
        Payload::PreservationProposed(p) => {
            let mut list = preservations(exec, p.case_id).await?;
            list.push(p.preservation.clone());
            set_preservations(exec, p.case_id, &list).await?
        }
        Payload::PreservationApproved(p) => {
            let mut list = preservations(exec, p.case_id).await?;
            let item = list
                .iter_mut()
                .find(|x| x.id == p.preservation_id)
                .ok_or_else(|| StoreError::Corrupt("case.preservation_approved".into()))?;
            if p.approval.approved && item.effective_at.is_none() {
                item.effective_at = Some(p.approval.at);
            }
            item.approval = Some(p.approval.clone());
            set_preservations(exec, p.case_id, &list).await?
        }
        Payload::PreservedDecided(p) => {
            let mut list = preservations(exec, p.case_id).await?;
            let item = list
                .iter_mut()
                .find(|x| x.id == p.preservation_id)
                .ok_or_else(|| StoreError::Corrupt("case.preserved_decided".into()))?;
            item.decision = Some(p.action);
            set_preservations(exec, p.case_id, &list).await?
        }
        Payload::InvestigationReported(p) => changed(
            exec.execute(SET_REPORT, &[p.case_id.into(), json(&p.report)?])
                .await?,
            "case.investigation_reported",
        )?,
        Payload::CaseReviewed(p) => {
            use domain::case::review::Opinion;
            let stage = match p.review.opinion {
                Opinion::SupplementaryInvestigation => "registered",
                Opinion::Agree | Opinion::Other => "reviewed",
            };
            changed(
                exec.execute(
                    SET_REVIEW,
                    &[p.case_id.into(), json(&p.review)?, stage.into()],
                )
                .await?,
                "case.reviewed",
            )?
        }
        Payload::RecordAdded(p) => {
            exec.execute(
                INSERT_RECORD,
                &[
                    p.record.id.into(),
                    p.case_id.into(),
                    p.record.content.kind().as_str().into(),
                    json(&p.record)?,
                    p.recorded_by.as_str().into(),
                    event.at.into(),
                ],
            )
            .await?
        }
        Payload::AdvanceNoticeIssued(p) => {
            let row = query_one(exec, CASE_NOTICES, &[p.case_id.into()]).await?;
            let mut list: Vec<domain::case::notice::AdvanceNotice> =
                serde_json::from_str(&row.text(0)?).map_err(corrupt)?;
            list.push(p.notice.clone());
            changed(
                exec.execute(SET_NOTICES, &[p.case_id.into(), json(&list)?])
                    .await?,
                "case.advance_notice_issued",
            )?
        }
        Payload::RecusalRequested(p) => {
            let mut list = recusals(exec, p.case_id).await?;
            list.push(p.recusal.clone());
            set_recusals(exec, p.case_id, &list).await?
        }
        Payload::RecusalDecided(p) => {
            let mut list = recusals(exec, p.case_id).await?;
            let pending = list
                .iter_mut()
                .find(|r| r.officer == p.officer && r.decision.is_none())
                .ok_or_else(|| StoreError::Corrupt("case.recusal_decided: none pending".into()))?;
            pending.decision = Some(p.decision.clone());
            set_recusals(exec, p.case_id, &list).await?
        }
        Payload::OfficersAssigned(p) => {
            exec.execute(CLEAR_OFFICERS, &[p.case_id.into()]).await?;
            let t = &p.team;
            let roles = t
                .officers
                .iter()
                .map(|o| (o, if *o == t.lead { "lead" } else { "officer" }))
                .chain(t.assistants.iter().map(|a| (a, "assistant")));
            for (username, role) in roles {
                exec.execute(
                    ADD_OFFICER,
                    &[p.case_id.into(), username.as_str().into(), role.into()],
                )
                .await?;
            }
            changed(
                exec.execute(SET_TEAM, &[p.case_id.into(), json(t)?])
                    .await?,
                "case.officers_assigned",
            )?
        }
        Payload::PartyIdentified(p) => {
            let row = query_one(exec, CASE_FACTS, &[p.case_id.into()]).await?;
            let mut facts: CaseFacts = serde_json::from_str(&row.text(0)?).map_err(corrupt)?;
            if let domain::case::party::Party::Entity { entity_id } = &p.party {
                facts.entity_id = Some(*entity_id);
            }
            facts.party = Some(p.party.clone());
            changed(
                exec.execute(SET_CASE_FACTS, &[p.case_id.into(), json(&facts)?])
                    .await?,
                "case.party_identified",
            )?
        }
        Payload::CaseProposed(p) => {
            changed(
                exec.execute(
                    SET_CLUE_STATUS,
                    &[
                        p.clue_id.into(),
                        "registered".into(),
                        Value::from(None::<String>),
                    ],
                )
                .await?,
                "case.proposed (clue)",
            )?;
            exec.execute(
                INSERT_CASE,
                &[
                    p.case_id.into(),
                    p.clue_id.into(),
                    p.county_code.as_str().into(),
                    p.handling_unit_id.into(),
                    json(&p.facts)?,
                    p.proposed_by.as_str().into(),
                    event.at.into(),
                ],
            )
            .await?
        }
        Payload::CaseRegistered(p) => {
            take_serial(exec, &p.counter_key, p.serial).await?;
            changed(
                exec.execute(
                    REGISTER_CASE,
                    &[
                        p.case_id.into(),
                        p.number.as_str().into(),
                        p.registered_on.to_string().into(),
                    ],
                )
                .await?,
                "case.registered",
            )?
        }
        Payload::RegistrationRejected(p) => {
            changed(
                exec.execute(
                    SET_CLUE_STATUS,
                    &[p.clue_id.into(), "open".into(), Value::from(None::<String>)],
                )
                .await?,
                "case.registration_rejected (clue)",
            )?;
            changed(
                exec.execute(
                    SET_CASE_STAGE,
                    &[p.case_id.into(), "registration_rejected".into()],
                )
                .await?,
                "case.registration_rejected",
            )?
        }
        Payload::CancellationProposed(p) => changed(
            exec.execute(
                PROPOSE_CANCELLATION,
                &[
                    p.case_id.into(),
                    p.proposed_by.as_str().into(),
                    p.reason.as_str().into(),
                ],
            )
            .await?,
            "case.cancellation_proposed",
        )?,
        Payload::CancellationDecided(p) => changed(
            exec.execute(
                SET_CASE_STAGE,
                &[
                    p.case_id.into(),
                    if p.approved {
                        "cancelled"
                    } else {
                        "registered"
                    }
                    .into(),
                ],
            )
            .await?,
            "case.cancellation_decided",
        )?,
        _ => return Ok(None),
    }))
}

async fn recusals(
    exec: &mut dyn Exec,
    case_id: Uuid,
) -> Result<Vec<domain::case::recusal::Recusal>, StoreError> {
    let row = query_one(exec, CASE_RECUSALS, &[case_id.into()]).await?;
    serde_json::from_str(&row.text(0)?).map_err(corrupt)
}

/// Everyone named as an officer of a case's records, and who recorded them (the people who
/// investigated, whatever the team is now).
pub(crate) async fn record_officers(
    exec: &mut dyn Exec,
    case_id: Uuid,
) -> Result<Vec<String>, StoreError> {
    let mut out: Vec<String> = Vec::new();
    for r in exec.query(RECORDS, &[case_id.into()]).await? {
        let record: domain::case::record::Record =
            serde_json::from_str(&r.text(0)?).map_err(corrupt)?;
        for name in record.officers.into_iter().chain([r.text(1)?]) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    Ok(out)
}

/// The public list of decisions follows their publication and withdrawal.
async fn publicity(exec: &mut dyn Exec, payload: &Payload) -> Result<(), StoreError> {
    use chrono::Datelike;
    match payload {
        Payload::DecisionPublished(p) => {
            let x = &p.publication;
            exec.execute(
                INSERT_PUBLICATION,
                &[
                    x.id.into(),
                    p.case_id.into(),
                    x.county_code.as_str().into(),
                    i64::from(x.decided_on.year()).into(),
                    x.party.to_lowercase().into(),
                    x.uscc.clone().unwrap_or_default().into(),
                    x.published_on.to_string().into(),
                    json(x)?,
                ],
            )
            .await?;
        }
        Payload::PublicationWithdrawn(p) => {
            let row = query_one(exec, PUBLICATION_RECORD, &[p.publication_id.into()]).await?;
            let mut x: domain::case::publicity::Publication =
                serde_json::from_str(&row.text(0)?).map_err(corrupt)?;
            x.withdrawal = Some(p.withdrawal.clone());
            // Only the number and the withdrawal stay public (APL Art. 48 para. 2).
            x.party.clear();
            x.uscc = None;
            x.penalties.clear();
            x.summary.clear();
            changed(
                exec.execute(WITHDRAW_PUBLICATION, &[p.publication_id.into(), json(&x)?])
                    .await?,
                "case.publication_withdrawn",
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Filters of the public list of decisions; empty strings and 0 mean no filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicationFilter {
    /// A fragment of the party's name (as published).
    pub q: String,
    /// The beginning of a unified social credit code.
    pub uscc: String,
    pub county: String,
    /// The year of the decision.
    pub year: i64,
}

fn like_escaped(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The log positions and hashes of a case's events ([`CASE_LEDGER`]).
pub(crate) async fn case_ledger(
    exec: &mut dyn Exec,
    case_id: Uuid,
    clue_id: Uuid,
) -> Result<Vec<(i64, ledger::Hash)>, StoreError> {
    exec.query(CASE_LEDGER, &[case_id.into(), clue_id.into()])
        .await?
        .iter()
        .map(|r| Ok((r.i64(0)?, super::queries::hash32(r.bytes(1)?)?)))
        .collect()
}

pub(crate) async fn record_kind(
    exec: &mut dyn Exec,
    case_id: Uuid,
    record_id: Uuid,
) -> Result<Option<domain::case::record::RecordKind>, StoreError> {
    use domain::case::record::RecordKind;
    Ok(
        match query_opt(exec, RECORD_KIND, &[case_id.into(), record_id.into()]).await? {
            None => None,
            Some(r) => Some(match r.text(0)?.as_str() {
                "inspection" => RecordKind::Inspection,
                "questioning" => RecordKind::Questioning,
                "sampling" => RecordKind::Sampling,
                other => return Err(StoreError::Corrupt(format!("record kind {other}"))),
            }),
        },
    )
}

async fn set_recusals(
    exec: &mut dyn Exec,
    case_id: Uuid,
    list: &[domain::case::recusal::Recusal],
) -> Result<u64, StoreError> {
    let waiting = list.iter().any(|r| r.decision.is_none());
    changed(
        exec.execute(
            SET_RECUSALS,
            &[case_id.into(), json(&list)?, waiting.into()],
        )
        .await?,
        "case recusals",
    )
}

async fn preservations(
    exec: &mut dyn Exec,
    case_id: Uuid,
) -> Result<Vec<domain::case::preservation::Preservation>, StoreError> {
    let row = query_one(exec, CASE_PRESERVATIONS, &[case_id.into()]).await?;
    serde_json::from_str(&row.text(0)?).map_err(corrupt)
}

async fn set_preservations(
    exec: &mut dyn Exec,
    case_id: Uuid,
    list: &[domain::case::preservation::Preservation],
) -> Result<u64, StoreError> {
    let waiting = list.iter().any(|p| p.approval.is_none());
    // In effect and undecided (lapsed or not: the deadline lists show both).
    let open = list.iter().any(|p| {
        p.effective_at.is_some()
            && p.decision.is_none()
            && p.approval.as_ref().is_none_or(|a| a.approved)
    });
    changed(
        exec.execute(
            SET_PRESERVATIONS,
            &[case_id.into(), json(&list)?, waiting.into(), open.into()],
        )
        .await?,
        "case preservations",
    )
}

fn date(s: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    s.map(|d| d.parse().map_err(corrupt)).transpose()
}

fn clue_from_row(r: &Row) -> Result<Clue, StoreError> {
    let data: ClueData = serde_json::from_str(&r.text(1)?).map_err(corrupt)?;
    Ok(Clue {
        id: r.uuid(0)?,
        data,
        status: ClueStatus::parse(&r.text(2)?)
            .ok_or_else(|| StoreError::Corrupt("clue status".into()))?,
        submitted_by: r.text(3)?,
        extended: r.bool(4)?,
        closed_reason: r.opt_text(5)?,
        version: r.i64(6)?,
        merged_into: r.opt_uuid(7)?,
        transfer: r
            .opt_text(8)?
            .map(|t| serde_json::from_str(&t).map_err(corrupt))
            .transpose()?,
        extension: match (r.opt_text(9)?, r.opt_text(10)?) {
            (Some(proposed_by), Some(reason)) => Some(PendingExtension {
                proposed_by,
                reason,
            }),
            _ => None,
        },
    })
}

fn case_from_row(r: &Row) -> Result<Case, StoreError> {
    let facts: CaseFacts = serde_json::from_str(&r.text(5)?).map_err(corrupt)?;
    let cancellation = match (r.opt_text(9)?, r.opt_text(10)?) {
        (Some(by), Some(why)) => Some((by, why)),
        _ => None,
    };
    Ok(Case {
        id: r.uuid(0)?,
        clue_id: r.uuid(1)?,
        county_code: r.text(2)?,
        handling_unit_id: r.opt_uuid(3)?,
        stage: CaseStage::parse(&r.text(4)?)
            .ok_or_else(|| StoreError::Corrupt("case stage".into()))?,
        facts,
        proposed_by: r.text(6)?,
        number: r.opt_text(7)?,
        registered_on: date(r.opt_text(8)?)?,
        cancellation,
        version: r.i64(11)?,
        team: r
            .opt_text(12)?
            .map(|t| serde_json::from_str(&t).map_err(corrupt))
            .transpose()?,
        recusals: serde_json::from_str(&r.text(13)?).map_err(corrupt)?,
        report: r
            .opt_text(14)?
            .map(|t| serde_json::from_str(&t).map_err(corrupt))
            .transpose()?,
        review: r
            .opt_text(15)?
            .map(|t| serde_json::from_str(&t).map_err(corrupt))
            .transpose()?,
        preservations: serde_json::from_str(&r.text(16)?).map_err(corrupt)?,
        notices: serde_json::from_str(&r.text(17)?).map_err(corrupt)?,
        proceedings: serde_json::from_str(&r.text(18)?).map_err(corrupt)?,
    })
}

pub(crate) async fn clue_by_id(exec: &mut dyn Exec, id: Uuid) -> Result<Option<Clue>, StoreError> {
    query_opt(exec, CLUE_BY_ID, &[id.into()])
        .await?
        .as_ref()
        .map(clue_from_row)
        .transpose()
}

pub(crate) async fn case_by_id(exec: &mut dyn Exec, id: Uuid) -> Result<Option<Case>, StoreError> {
    query_opt(exec, CASE_BY_ID, &[id.into()])
        .await?
        .as_ref()
        .map(case_from_row)
        .transpose()
}

/// Moves a counter of numbers (case numbers, 文号) from `serial - 1` to `serial`, or fails the
/// transaction.
pub(super) async fn take_serial(
    exec: &mut dyn Exec,
    key: &str,
    serial: i64,
) -> Result<(), StoreError> {
    let taken = if serial == 1 {
        exec.execute(NEW_COUNTER, &[key.into(), 1i64.into()])
            .await?
    } else {
        exec.execute(
            TAKE_SERIAL,
            &[key.into(), serial.into(), (serial - 1).into()],
        )
        .await?
    };
    changed(taken, "number counter")?;
    Ok(())
}

pub(crate) async fn counter(exec: &mut dyn Exec, key: &str) -> Result<i64, StoreError> {
    Ok(match query_opt(exec, COUNTER, &[key.into()]).await? {
        Some(r) => r.i64(0)?,
        None => 0,
    })
}

/// Filters of the clue list; empty strings mean no filter.
#[derive(Clone, Debug, Default)]
pub struct ClueFilter {
    pub status: String,
    pub source: String,
    pub county: String,
    /// Only the clues this user submitted (liaisons, partner agencies).
    pub submitted_by: String,
    /// Only clues received on or before this day (the deadline lists).
    pub received_by: Option<NaiveDate>,
}

/// Filters of the case list; empty strings and `None` mean no filter.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub stage: String,
    pub county: String,
    pub handling_unit: Option<Uuid>,
    /// Cases this officer proposed or is assigned to.
    pub officer: String,
    /// Only cases running against their deadline (registered, under review, reviewed) and
    /// registered on or before this day: the caller turns "overdue" or "due within n days"
    /// into the last registration day whose deadline falls in range (the calendar stays in
    /// `domain`, evaluated when read).
    pub registered_by: Option<NaiveDate>,
    /// Only cases with a preservation of evidence in effect and undecided.
    pub preservation_open: bool,
}

/// `$1`–`$7` of [`case_filter!`].
fn case_filter_values(scope: &Scope, f: &CaseFilter) -> Vec<Value> {
    vec![
        scope.pattern().into(),
        f.stage.as_str().into(),
        f.county.as_str().into(),
        f.handling_unit.into(),
        f.officer.as_str().into(),
        f.registered_by
            .map(|d| d.to_string())
            .unwrap_or_default()
            .into(),
        f.preservation_open.into(),
    ]
}

#[async_trait]
impl<B: SqlBackend> CaseQueries for B {
    async fn clue(
        &self,
        scope: &Scope,
        only_submitted_by: &str,
        id: Uuid,
    ) -> Result<Option<Clue>, StoreError> {
        let values: Vec<Value> = vec![id.into(), scope.pattern().into(), only_submitted_by.into()];
        run!(self, |e| query_opt(e, CLUE_IN_SCOPE, &values)
            .await?
            .as_ref()
            .map(clue_from_row)
            .transpose())
    }

    async fn clues(
        &self,
        scope: &Scope,
        f: &ClueFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Clue>, StoreError> {
        let values: Vec<Value> = vec![
            scope.pattern().into(),
            f.submitted_by.as_str().into(),
            f.status.as_str().into(),
            f.source.as_str().into(),
            f.county.as_str().into(),
            f.received_by
                .map(|d| d.to_string())
                .unwrap_or_default()
                .into(),
        ];
        run!(self, |e| {
            let total = query_one(e, CLUES_COUNT, &values).await?.i64(0)?;
            let mut v = values.clone();
            v.push(limit.into());
            v.push(offset.into());
            let items = e
                .query(CLUES_PAGE, &v)
                .await?
                .iter()
                .map(clue_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page { items, total })
        })
    }

    async fn case(&self, scope: &Scope, id: Uuid) -> Result<Option<Case>, StoreError> {
        let values: Vec<Value> = vec![id.into(), scope.pattern().into()];
        run!(self, |e| query_opt(e, CASE_IN_SCOPE, &values)
            .await?
            .as_ref()
            .map(case_from_row)
            .transpose())
    }

    async fn cases(
        &self,
        scope: &Scope,
        f: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Case>, StoreError> {
        let values = case_filter_values(scope, f);
        run!(self, |e| {
            let total = query_one(e, CASES_COUNT, &values).await?.i64(0)?;
            let mut v = values.clone();
            v.push(limit.into());
            v.push(offset.into());
            let items = e
                .query(CASES_PAGE, &v)
                .await?
                .iter()
                .map(case_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page { items, total })
        })
    }

    async fn cases_after(
        &self,
        scope: &Scope,
        f: &CaseFilter,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Case>, StoreError> {
        let mut values = case_filter_values(scope, f);
        // The nil id sorts before every id on both databases, so the condition stays a plain
        // range the primary key's index serves (`$8 IS NULL OR id > $8` made SQLite scan the
        // index from its start for every chunk, a sweep quadratic in the cases).
        values.push(after.unwrap_or(Uuid::nil()).into());
        values.push(limit.into());
        run!(self, |e| e
            .query(CASES_AFTER, &values)
            .await?
            .iter()
            .map(case_from_row)
            .collect::<Result<Vec<_>, _>>())
    }

    async fn case_ledger(
        &self,
        case_id: Uuid,
        clue_id: Uuid,
    ) -> Result<Vec<(i64, ledger::Hash)>, StoreError> {
        run!(self, |e| case_ledger(e, case_id, clue_id).await)
    }

    async fn publications(
        &self,
        f: &PublicationFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<domain::case::publicity::Publication>, StoreError> {
        let values: Vec<Value> = vec![
            like_escaped(&f.q.trim().to_lowercase()).into(),
            like_escaped(f.uscc.trim()).into(),
            f.county.as_str().into(),
            f.year.into(),
        ];
        run!(self, |e| {
            let total = query_one(e, PUBLICATIONS_COUNT, &values).await?.i64(0)?;
            let mut v = values.clone();
            v.push(limit.into());
            v.push(offset.into());
            let items = e
                .query(PUBLICATIONS_PAGE, &v)
                .await?
                .iter()
                .map(|r| serde_json::from_str(&r.text(0)?).map_err(corrupt))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page { items, total })
        })
    }

    async fn case_timeline(
        &self,
        case_id: Uuid,
        clue_id: Uuid,
    ) -> Result<Vec<crate::TimelineEntry>, StoreError> {
        let values: Vec<Value> = vec![case_id.into(), clue_id.into()];
        run!(self, |e| e
            .query(TIMELINE, &values)
            .await?
            .iter()
            .map(|r| {
                let actor: domain::actor::ActorRef =
                    serde_json::from_str(&r.text(3)?).map_err(corrupt)?;
                Ok(crate::TimelineEntry {
                    seq: r.i64(0)?,
                    schema: r.text(1)?,
                    at: r.time(2)?,
                    actor: actor.name,
                })
            })
            .collect())
    }

    async fn case_records(&self, case_id: Uuid) -> Result<Vec<crate::RecordEntry>, StoreError> {
        let values: Vec<Value> = vec![case_id.into()];
        run!(self, |e| e
            .query(RECORDS, &values)
            .await?
            .iter()
            .map(|r| {
                Ok(crate::RecordEntry {
                    record: serde_json::from_str(&r.text(0)?).map_err(corrupt)?,
                    recorded_by: r.text(1)?,
                    recorded_at: r.time(2)?,
                })
            })
            .collect())
    }

    async fn interference(
        &self,
        scope: &Scope,
        month: &str,
    ) -> Result<Vec<domain::case::interference::InterferenceRecorded>, StoreError> {
        let values: Vec<Value> = vec![scope.pattern().into(), month.into()];
        run!(self, |e| {
            let mut list = e
                .query(INTERFERENCE, &values)
                .await?
                .iter()
                .map(|r| {
                    serde_json::from_str::<domain::case::interference::InterferenceRecorded>(
                        &r.text(0)?,
                    )
                    .map_err(corrupt)
                })
                .collect::<Result<Vec<_>, _>>()?;
            list.sort_by_key(|r| (r.when.as_datetime(), r.id));
            Ok(list)
        })
    }

    async fn extensions_awaiting_approval(&self, scope: &Scope) -> Result<Vec<Clue>, StoreError> {
        let values: Vec<Value> = vec![scope.pattern().into()];
        run!(self, |e| e
            .query(AWAITING_EXTENSION, &values)
            .await?
            .iter()
            .map(clue_from_row)
            .collect())
    }

    async fn awaiting_approval(&self, scope: &Scope) -> Result<Vec<Case>, StoreError> {
        let values: Vec<Value> = vec![scope.pattern().into()];
        run!(self, |e| e
            .query(AWAITING, &values)
            .await?
            .iter()
            .map(case_from_row)
            .collect())
    }
}

/// `$6` received on or before (YYYY-MM-DD sorts as text).
macro_rules! clue_filter {
    () => {
        "WHERE ($1 = '' OR $1 LIKE '%,' || county_code || ',%') \
         AND ($2 = '' OR submitted_by = $2) AND ($3 = '' OR status = $3) \
         AND ($4 = '' OR source = $4) AND ($5 = '' OR county_code = $5) \
         AND ($6 = '' OR received_on <= $6) "
    };
}
const CLUES_COUNT: &str = concat!("SELECT COUNT(*) FROM clues ", clue_filter!());
const CLUES_PAGE: &str = concat!(
    clue_columns!(),
    clue_filter!(),
    "ORDER BY received_on, id LIMIT $7 OFFSET $8"
);
/// `$4` handling unit, `$5` officer, `$6` registered on or before (YYYY-MM-DD sorts as text).
macro_rules! case_filter {
    () => {
        "WHERE ($1 = '' OR $1 LIKE '%,' || county_code || ',%') \
         AND ($2 = '' OR stage = $2) AND ($3 = '' OR county_code = $3) \
         AND ($4 IS NULL OR handling_unit_id = $4) AND ($5 = '' OR proposed_by = $5 \
         OR id IN (SELECT case_id FROM case_officers WHERE username = $5)) \
         AND ($6 = '' OR (stage IN ('registered', 'under_review', 'reviewed') \
         AND registered_on <= $6)) AND ($7 = FALSE OR preservation_open) "
    };
}
const CASES_COUNT: &str = concat!("SELECT COUNT(*) FROM cases ", case_filter!());
const CASES_PAGE: &str = concat!(
    case_columns!(),
    case_filter!(),
    "ORDER BY created_at DESC, id DESC LIMIT $8 OFFSET $9"
);
const CASES_AFTER: &str = concat!(
    case_columns!(),
    case_filter!(),
    "AND id > $8 ORDER BY id LIMIT $9"
);
