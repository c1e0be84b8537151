//! Records of the investigation (笔录): on-site inspection (现场检查/勘察笔录), questioning (询问笔录)
//! and sampling (采样记录), each a structured form added to the case by at least two of its
//! officers. A record is never edited: a correcting record names the one it corrects.

use super::clue::stale;
use super::registration::Case;
use super::team::{TWO_OFFICERS, investigating};
use crate::event::Payload;
use crate::permission::{Capability, reach, roles_allow, within};
use crate::refusal::Reasons;
use crate::text::check_texts;
use crate::time::Timestamp;
use crate::user::User;
use crate::{Actor, Reason, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Inspection,
    Questioning,
    Sampling,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Inspection => "inspection",
            RecordKind::Questioning => "questioning",
            RecordKind::Sampling => "sampling",
        }
    }
}

/// The signature of the party (or the person questioned), or why there is none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub signed: bool,
    /// When not signed: what happened (refused, absent), as the officers note it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub refusal: String,
}

/// One question and its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    pub question: String,
    pub answer: String,
}

/// The person questioned: the name, and the sealed record of their identity and contacts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questioned {
    pub name: String,
    /// The sealed record (ID, phone, address, relation to the party).
    pub reference: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id_number_masked: String,
}

/// One sampling point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingPoint {
    pub point: String,
    /// What is measured (e.g. COD, 氨氮).
    pub items: Vec<String>,
    pub container: String,
    pub seal_number: String,
}

/// What a record states, by kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RecordContent {
    Inspection {
        place: String,
        /// Who was present besides the officers (names as they gave them).
        present: Vec<String>,
        observed: String,
    },
    Questioning {
        place: String,
        person: Questioned,
        exchanges: Vec<Exchange>,
    },
    Sampling {
        place: String,
        points: Vec<SamplingPoint>,
        lab: String,
    },
}

impl RecordContent {
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordContent::Inspection { .. } => RecordKind::Inspection,
            RecordContent::Questioning { .. } => RecordKind::Questioning,
            RecordContent::Sampling { .. } => RecordKind::Sampling,
        }
    }
}

/// A record as the case keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: Uuid,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    /// Usernames of the officers who made it (at least two).
    pub officers: Vec<String>,
    pub content: RecordContent,
    pub signature: Signature,
    /// Evidence of the case it refers to (photos, audio, video).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence_ids: Vec<Uuid>,
    /// The record this one corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<Uuid>,
}

#[derive(Clone, Debug)]
pub struct AddRecord {
    pub case_id: Uuid,
    pub record: Record,
    pub expected_version: i64,
}

pub struct AddRecordState {
    pub case: Case,
    /// Each officer named with the user it names, if any.
    pub people: Vec<(String, Option<User>)>,
    /// For each evidence id named: the subject it belongs to, `None` if unknown.
    pub evidence_subjects: Vec<Option<Uuid>>,
    /// The kind of the record named by `corrects`, if it is one of this case's.
    pub corrected_kind: Option<RecordKind>,
    pub now: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordAdded {
    pub case_id: Uuid,
    pub county_code: String,
    pub record: Record,
    pub recorded_by: String,
}

impl crate::event::EventPayload for RecordAdded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// The officers of an act: each an enforcement officer assigned to the case and not recused,
/// with a certificate valid on the act's day; at least two.
///
/// 《中华人民共和国行政处罚法》第四十二条、第五十五条.
pub fn check_act_officers(
    case: &Case,
    officers: &[String],
    people: &[(String, Option<User>)],
    day: chrono::NaiveDate,
    invalid: &mut Reasons,
    unmet: &mut Reasons,
) {
    let acting = case.acting_officers();
    let mut fit = 0;
    for (i, name) in officers.iter().enumerate() {
        let field = format!("officers[{i}]");
        let Some(u) = people
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, u)| u.as_ref())
        else {
            invalid.push(
                Reason::new("team.unknown_user")
                    .field(field)
                    .arg("username", name),
            );
            continue;
        };
        if officers[..i].contains(name) {
            invalid.push(
                Reason::new("team.duplicate_person")
                    .field(field)
                    .arg("username", name),
            );
            continue;
        }
        if !acting.contains(name) {
            unmet.push(
                Reason::new("evidence.not_assigned")
                    .field(field)
                    .arg("username", name)
                    .source(TWO_OFFICERS),
            );
        } else if u.disabled || !roles_allow(&u.roles, Capability::EnforcementAct) {
            unmet.push(
                Reason::new("team.not_an_officer")
                    .field(field)
                    .arg("username", name)
                    .source(TWO_OFFICERS),
            );
        } else if !u.certificate.as_ref().is_some_and(|c| c.valid_on(day)) {
            unmet.push(
                Reason::new("team.certificate_not_valid")
                    .field(field)
                    .arg("username", name)
                    .arg("date", day)
                    .source(TWO_OFFICERS),
            );
        } else {
            fit += 1;
        }
    }
    if fit < 2 {
        unmet.push(
            Reason::new("team.two_officers_required")
                .field("officers")
                .arg("count", fit)
                .source(TWO_OFFICERS),
        );
    }
}

/// A text field: required or not, at most `max` characters.
fn limit(invalid: &mut Reasons, field: &str, text: &str, required: bool, max: usize) {
    if required && text.trim().is_empty() {
        invalid.push(Reason::new("field.required").field(field));
    } else if text.chars().count() > max {
        invalid.push(Reason::new("field.too_long").field(field).arg("max", max));
    }
}

fn text_limits(r: &Record, invalid: &mut Reasons) {
    let mut short = |field: &str, text: &str, required: bool, max: usize| {
        limit(invalid, field, text, required, max)
    };
    match &r.content {
        RecordContent::Inspection {
            place,
            present,
            observed,
        } => {
            short("place", place, true, 200);
            short("observed", observed, true, 20_000);
            for p in present {
                short("present", p, true, 100);
            }
        }
        RecordContent::Questioning {
            place,
            person,
            exchanges,
        } => {
            short("place", place, true, 200);
            short("person", &person.name, true, 100);
            if exchanges.is_empty() {
                short("exchanges", "", true, 0);
            }
            for e in exchanges {
                short("exchanges", &e.question, true, 4000);
                short("exchanges", &e.answer, false, 20_000);
            }
        }
        RecordContent::Sampling { place, points, lab } => {
            short("place", place, true, 200);
            short("lab", lab, true, 200);
            if points.is_empty() {
                short("points", "", true, 0);
            }
            for p in points {
                short("points", &p.point, true, 200);
                short("points", &p.container, true, 100);
                short("points", &p.seal_number, true, 100);
                if p.items.is_empty() {
                    short("points", "", true, 0);
                }
                for i in &p.items {
                    short("points", i, true, 100);
                }
            }
        }
    }
    if !r.signature.signed {
        short("signature", &r.signature.refusal, true, 500);
    }
}

/// Every text of a record, for the control-character check (before anything is sealed).
pub fn record_texts(r: &Record) -> Vec<(&'static str, &str, bool)> {
    let mut t: Vec<(&'static str, &str, bool)> =
        vec![("signature", r.signature.refusal.as_str(), true)];
    t.extend(r.officers.iter().map(|o| ("officers", o.as_str(), false)));
    match &r.content {
        RecordContent::Inspection {
            place,
            present,
            observed,
        } => {
            t.push(("place", place, false));
            t.push(("observed", observed, true));
            t.extend(present.iter().map(|p| ("present", p.as_str(), false)));
        }
        RecordContent::Questioning {
            place,
            person,
            exchanges,
        } => {
            t.push(("place", place, false));
            t.push(("person", person.name.as_str(), false));
            for e in exchanges {
                t.push(("exchanges", e.question.as_str(), true));
                t.push(("exchanges", e.answer.as_str(), true));
            }
        }
        RecordContent::Sampling { place, points, lab } => {
            t.push(("place", place, false));
            t.push(("lab", lab, false));
            for p in points {
                t.push(("points", p.point.as_str(), false));
                t.push(("points", p.container.as_str(), false));
                t.push(("points", p.seal_number.as_str(), false));
                t.extend(p.items.iter().map(|i| ("points", i.as_str(), false)));
            }
        }
    }
    t
}

/// Adds a record: two assigned, unrecused, certified officers on the day it began; its
/// evidence of this case; a correction names a record of the same kind on this case.
pub fn decide_add_record(
    state: &AddRecordState,
    actor: &Actor,
    cmd: &AddRecord,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::EnforcementAct)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let r = &cmd.record;
    check_texts(record_texts(r))?;
    let mut invalid = Reasons::default();
    text_limits(r, &mut invalid);
    if r.ended_at.as_datetime() < r.started_at.as_datetime() {
        invalid.push(Reason::new("record.ends_before_start").field("ended_at"));
    }
    if r.ended_at.as_datetime() > state.now.as_datetime() + chrono::Duration::minutes(5) {
        invalid.push(Reason::new("record.in_future").field("ended_at"));
    }
    if r.evidence_ids.len() > 100 {
        invalid.push(
            Reason::new("field.too_long")
                .field("evidence_ids")
                .arg("max", 100),
        );
    }
    for (i, subject) in state.evidence_subjects.iter().enumerate() {
        if *subject != Some(case.id) {
            invalid
                .push(Reason::new("record.evidence_unknown").field(format!("evidence_ids[{i}]")));
        }
    }
    if r.corrects.is_some() && state.corrected_kind != Some(r.content.kind()) {
        invalid.push(Reason::new("record.corrects_unknown").field("corrects"));
    }
    let mut unmet = Reasons::default();
    check_act_officers(
        case,
        &r.officers,
        &state.people,
        r.started_at.china_date(),
        &mut invalid,
        &mut unmet,
    );
    invalid.into_result(RefusalKind::Invalid)?;
    if !investigating(case) {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        RecordAdded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            record: r.clone(),
            recorded_by: actor.name().to_owned(),
        }
        .into(),
    ])
}

/// A record with the photo (or other file) taken for it on the spot, sent together from the
/// record form: both are written, or neither is.
pub struct AddRecordWithEvidence {
    pub evidence: Option<crate::evidence::RegisterEvidence>,
    pub record: AddRecord,
}

pub struct AddRecordWithEvidenceState {
    pub evidence: Option<crate::evidence::RegisterState>,
    pub record: AddRecordState,
}

/// Both decisions, each on its own rules; a refusal of either refuses both, with every reason
/// of the two (so the officer fixes the form once). Who may not act at all (403, 404) or a
/// stale form (412) is answered alone.
pub fn decide_add_record_with_evidence(
    state: &AddRecordWithEvidenceState,
    actor: &Actor,
    cmd: &AddRecordWithEvidence,
) -> Result<Vec<Payload>, Refusal> {
    let evidence = match (&state.evidence, &cmd.evidence) {
        (Some(s), Some(c)) => crate::evidence::decide_register(s, actor, c),
        _ => Ok(Vec::new()),
    };
    let record = decide_add_record(&state.record, actor, &cmd.record);
    match (evidence, record) {
        (Ok(mut e), Ok(r)) => {
            e.extend(r);
            Ok(e)
        }
        (Err(x), Ok(_)) | (Ok(_), Err(x)) => Err(x),
        (Err(a), Err(b)) => {
            let alone = |k: RefusalKind| {
                matches!(
                    k,
                    RefusalKind::Forbidden | RefusalKind::NotFound | RefusalKind::Stale
                )
            };
            if alone(b.kind) {
                return Err(b);
            }
            if alone(a.kind) {
                return Err(a);
            }
            let kind = if a.kind == RefusalKind::Invalid || b.kind == RefusalKind::Invalid {
                RefusalKind::Invalid
            } else {
                RefusalKind::Conflict
            };
            // The officers are checked by both: each reason once.
            let mut reasons = a.reasons;
            for r in b.reasons {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
            Err(Refusal::new(kind, reasons))
        }
    }
}
