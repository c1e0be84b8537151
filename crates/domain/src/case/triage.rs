//! Triage of a clue besides registering or closing it: merging it into an open case of the same
//! party, transferring it to another competent authority, and extending the time to decide
//! (proposed by an officer, approved by a head).

use super::clue::{Clue, ClueStatus, ORDER30_ART18, stale};
use super::registration::{Case, open};
use crate::calendar::Calendar;
use crate::event::Payload;
use crate::permission::{Capability, allows, reach, within};
use crate::refusal::Reasons;
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who handles the clue's county may triage it (404 outside reach).
fn check_handler(actor: &Actor, clue: &Clue, expected_version: i64) -> Result<(), Refusal> {
    let reach = reach(actor, Capability::CaseRegister)?;
    if !within(&reach, &clue.data.county_code) {
        return Err(Refusal::not_found());
    }
    stale(clue.version, expected_version)
}

fn must_be_open(clue: &Clue, unmet: &mut Reasons) {
    if clue.status != ClueStatus::Open {
        unmet.push(Reason::new("clue.not_open").arg("status", clue.status.as_str()));
    }
}

/// A clue handed to another authority: to whom, why, and the date of the transfer letter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub to: String,
    pub reason: String,
    pub letter_on: NaiveDate,
}

/// An extension of the time to decide, proposed and waiting for a head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingExtension {
    pub proposed_by: String,
    pub reason: String,
}

/// Attaches the clue to an open case of the same party (a second report of the same act).
#[derive(Clone, Debug)]
pub struct MergeClue {
    pub id: Uuid,
    pub case_id: Uuid,
    pub expected_version: i64,
}

pub struct MergeState {
    pub clue: Clue,
    /// The named case, `None` when there is none.
    pub case: Option<Case>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClueMerged {
    pub id: Uuid,
    pub county_code: String,
    pub case_id: Uuid,
}

impl crate::event::EventPayload for ClueMerged {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

pub fn decide_merge_clue(
    state: &MergeState,
    actor: &Actor,
    cmd: &MergeClue,
) -> Result<Vec<Payload>, Refusal> {
    let clue = &state.clue;
    check_handler(actor, clue, cmd.expected_version)?;
    // A case of another county is outside this clue's handling: as unknown as a missing one.
    let Some(case) = state
        .case
        .as_ref()
        .filter(|c| c.county_code == clue.data.county_code)
    else {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("clue.merge_case_unknown").field("case_id"),
        ));
    };
    let mut unmet = Reasons::default();
    must_be_open(clue, &mut unmet);
    if !open(case) {
        unmet.push(Reason::new("clue.merge_case_closed").arg("stage", case.stage.as_str()));
    }
    if let Some(entity) = clue.data.entity_id
        && case.facts.entity_id != Some(entity)
    {
        unmet.push(Reason::new("clue.merge_other_party").field("case_id"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        ClueMerged {
            id: clue.id,
            county_code: clue.data.county_code.clone(),
            case_id: case.id,
        }
        .into(),
    ])
}

/// Hands the clue to the competent authority (outside this bureau's jurisdiction, or to the
/// police for detention or a suspected crime).
#[derive(Clone, Debug)]
pub struct TransferClue {
    pub id: Uuid,
    pub transfer: Transfer,
    pub expected_version: i64,
}

pub struct TransferState {
    pub clue: Clue,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClueTransferred {
    pub id: Uuid,
    pub county_code: String,
    pub transfer: Transfer,
}

impl crate::event::EventPayload for ClueTransferred {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

pub fn decide_transfer_clue(
    state: &TransferState,
    actor: &Actor,
    cmd: &TransferClue,
) -> Result<Vec<Payload>, Refusal> {
    let clue = &state.clue;
    check_handler(actor, clue, cmd.expected_version)?;
    let t = &cmd.transfer;
    check_texts([
        ("to", t.to.as_str(), false),
        ("reason", t.reason.as_str(), true),
    ])?;
    let mut invalid = Reasons::default();
    for (field, text, max) in [("to", &t.to, 100), ("reason", &t.reason, 2000)] {
        if text.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(field));
        } else if text.chars().count() > max {
            invalid.push(Reason::new("field.too_long").field(field).arg("max", max));
        }
    }
    if t.letter_on > state.today || t.letter_on < clue.data.received_on {
        invalid.push(
            Reason::new("clue.letter_date")
                .field("letter_on")
                .arg("received_on", clue.data.received_on),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = Reasons::default();
    must_be_open(clue, &mut unmet);
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        ClueTransferred {
            id: clue.id,
            county_code: clue.data.county_code.clone(),
            transfer: Transfer {
                to: t.to.trim().to_owned(),
                reason: t.reason.trim().to_owned(),
                letter_on: t.letter_on,
            },
        }
        .into(),
    ])
}

/// Asks for another 15 days to decide whether the clue becomes a case.
#[derive(Clone, Debug)]
pub struct ExtendRegistration {
    pub id: Uuid,
    pub reason: String,
    pub expected_version: i64,
}

pub struct ExtendState {
    pub clue: Clue,
    pub calendar: Calendar,
    pub today: NaiveDate,
    /// The days to decide and the extension (settings; Order 30 Art. 18).
    pub days: u32,
    pub extension: u32,
}

/// An extension proposed; `approved` when a head proposed it and so approved it in the same act.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionProposed {
    pub id: Uuid,
    pub county_code: String,
    pub reason: String,
    pub proposed_by: String,
    pub approved: bool,
}

/// A head's decision on a proposed extension (the event's actor is the approver).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDecided {
    pub id: Uuid,
    pub county_code: String,
    pub approved: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl crate::event::EventPayload for ExtensionProposed {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

impl crate::event::EventPayload for ExtensionDecided {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An officer proposes; a head who proposes approves in the same event. The extension is asked
/// for before the first period ends, once.
///
/// 《生态环境行政处罚办法》第十八条: 经机关负责人批准，可以延长十五日.
pub fn decide_extend_registration(
    state: &ExtendState,
    actor: &Actor,
    cmd: &ExtendRegistration,
) -> Result<Vec<Payload>, Refusal> {
    let clue = &state.clue;
    let head = allows(actor, Capability::CaseApprove);
    let capability = if head {
        Capability::CaseApprove
    } else {
        Capability::CaseRegister
    };
    let reach = reach(actor, capability)?;
    if !within(&reach, &clue.data.county_code) {
        return Err(Refusal::not_found());
    }
    stale(clue.version, cmd.expected_version)?;
    check_texts([("reason", cmd.reason.as_str(), true)])?;
    if cmd.reason.trim().is_empty() {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.required").field("reason"),
        ));
    }
    let mut unmet = Reasons::default();
    must_be_open(clue, &mut unmet);
    if clue.extended {
        unmet.push(Reason::new("clue.already_extended").source(ORDER30_ART18));
    }
    if clue.extension.is_some() {
        unmet.push(Reason::new("clue.extension_pending"));
    }
    let due = clue.registration_due(&state.calendar, state.days, state.extension);
    if !clue.extended && state.today > due {
        unmet.push(
            Reason::new("clue.extension_late")
                .arg("due", due)
                .source(ORDER30_ART18),
        );
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        ExtensionProposed {
            id: clue.id,
            county_code: clue.data.county_code.clone(),
            reason: cmd.reason.trim().to_owned(),
            proposed_by: actor.name().to_owned(),
            approved: head,
        }
        .into(),
    ])
}

/// A head approves or rejects a proposed extension (never the proposer).
#[derive(Clone, Debug)]
pub struct DecideExtension {
    pub id: Uuid,
    pub approve: bool,
    pub text: String,
    pub expected_version: i64,
}

pub fn decide_extension(
    clue: &Clue,
    actor: &Actor,
    cmd: &DecideExtension,
) -> Result<Vec<Payload>, Refusal> {
    let reach = reach(actor, Capability::CaseApprove)?;
    if !within(&reach, &clue.data.county_code) {
        return Err(Refusal::not_found());
    }
    stale(clue.version, cmd.expected_version)?;
    let field = if cmd.approve { "comment" } else { "reason" };
    check_texts([(field, cmd.text.as_str(), true)])?;
    let mut unmet = Reasons::default();
    match &clue.extension {
        None => unmet.push(Reason::new("clue.no_extension_pending")),
        Some(p) if p.proposed_by == actor.name() => {
            unmet.push(Reason::new("approval.own_proposal"))
        }
        Some(_) => {}
    }
    must_be_open(clue, &mut unmet);
    unmet.into_result(RefusalKind::Conflict)?;
    if !cmd.approve && cmd.text.trim().is_empty() {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.required").field("reason"),
        ));
    }
    Ok(vec![
        ExtensionDecided {
            id: clue.id,
            county_code: clue.data.county_code.clone(),
            approved: cmd.approve,
            text: cmd.text.trim().to_owned(),
        }
        .into(),
    ])
}
