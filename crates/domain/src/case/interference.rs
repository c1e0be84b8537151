//! Records of interference (干预留痕): anyone's attempt to intervene in a case — who, when, how,
//! what they asked — recorded by an officer of the case. Never edited or deleted; read by the
//! detachment leader, the bureau heads and the audit administrator only, not by the case's
//! other officers (their timeline and the ledger's entries leave them out).

use super::registration::Case;
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::Reasons;
use crate::text::check_texts;
use crate::time::Timestamp;
use crate::{Actor, Reason, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct RecordInterference {
    pub id: Uuid,
    pub case_id: Uuid,
    pub who: String,
    pub when: Timestamp,
    pub how: String,
    pub what_was_asked: String,
}

pub struct InterferenceState {
    pub case: Case,
    pub now: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterferenceRecorded {
    pub id: Uuid,
    pub case_id: Uuid,
    pub county_code: String,
    pub who: String,
    pub when: Timestamp,
    pub how: String,
    pub what_was_asked: String,
    pub recorded_by: String,
}

impl crate::event::EventPayload for InterferenceRecorded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }

    const CONFIDENTIAL: bool = true;
}

/// Any officer in whose reach the case lies records it; the record never waits on the case's
/// stage (interference is recorded whenever it happens).
pub fn decide_record_interference(
    state: &InterferenceState,
    actor: &Actor,
    cmd: &RecordInterference,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::EnforcementAct)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    check_texts([
        ("who", cmd.who.as_str(), false),
        ("how", cmd.how.as_str(), true),
        ("what_was_asked", cmd.what_was_asked.as_str(), true),
    ])?;
    let mut invalid = Reasons::default();
    for (field, text, max) in [
        ("who", &cmd.who, 200),
        ("how", &cmd.how, 2000),
        ("what_was_asked", &cmd.what_was_asked, 4000),
    ] {
        if text.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(field));
        } else if text.chars().count() > max {
            invalid.push(Reason::new("field.too_long").field(field).arg("max", max));
        }
    }
    if cmd.when.as_datetime() > state.now.as_datetime() + chrono::Duration::minutes(5) {
        invalid.push(Reason::new("record.in_future").field("when"));
    }
    invalid.into_result(RefusalKind::Invalid)?;
    Ok(vec![
        InterferenceRecorded {
            id: cmd.id,
            case_id: case.id,
            county_code: case.county_code.clone(),
            who: cmd.who.trim().to_owned(),
            when: cmd.when,
            how: cmd.how.trim().to_owned(),
            what_was_asked: cmd.what_was_asked.trim().to_owned(),
            recorded_by: actor.name().to_owned(),
        }
        .into(),
    ])
}
