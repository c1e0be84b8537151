//! Preservation of evidence by registration (先行登记保存): items counted on site and listed,
//! by two officers of the case, with a bureau head's approval first — or at once in an
//! emergency, approved afterwards. Within 7 working days the authority decides what becomes of
//! them; without a decision the measure lapses.

use super::clue::stale;
use super::record::check_act_officers;
use super::registration::Case;
use super::team::investigating;
use crate::calendar::{Calendar, DeadlineRule, Period};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::time::Timestamp;
use crate::user::User;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// 《中华人民共和国行政处罚法》第五十六条: 在证据可能灭失或者以后难以取得的情况下，经行政机关负责人
/// 批准，可以先行登记保存，并应当在七日内及时作出处理决定.
pub const APL_ART56: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第五十六条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 56",
};

/// Working days to decide on preserved items (APL Art. 56; the 2010 Measures count working
/// days).
pub const DECISION_WORKING_DAYS: u32 = 7;

/// One item preserved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub description: String,
    pub quantity: String,
    /// Where it is kept.
    pub kept_at: String,
}

/// What becomes of preserved items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    CopyOrPhotograph,
    Appraisal,
    SealOrSeize,
    Release,
}

/// A preservation as the case keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preservation {
    pub id: Uuid,
    pub items: Vec<Item>,
    pub officers: Vec<String>,
    pub emergency: bool,
    pub proposed_by: String,
    pub proposed_at: Timestamp,
    /// When it took effect: at once in an emergency, else on approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_at: Option<Timestamp>,
    /// The head's approval (or rejection): who, when, and the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<PreservationApproval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Action>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreservationApproval {
    pub approved: bool,
    pub by: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

/// Where a preservation stands, evaluated when read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// pending_approval, in_effect, decided, lapsed or rejected
    pub status: &'static str,
    /// The day by which the decision is due (7 working days from taking effect).
    pub decision_due: Option<NaiveDate>,
    /// An emergency preservation still unapproved past its window.
    pub approval_overdue: bool,
}

impl Preservation {
    pub fn standing(&self, calendar: &Calendar, now: Timestamp, approval_hours: i64) -> Standing {
        let due = self.effective_at.map(|at| {
            let day = at.china_date();
            DeadlineRule::new(day, Period::WorkingDays(DECISION_WORKING_DAYS))
                .evaluate(calendar, now.china_date())
                .due
        });
        let rejected = self.approval.as_ref().is_some_and(|a| !a.approved);
        let approval_overdue = self.emergency
            && self.approval.is_none()
            && now.as_datetime()
                > self.proposed_at.as_datetime() + chrono::Duration::hours(approval_hours);
        let status = if rejected {
            "rejected"
        } else if self.decision.is_some() {
            "decided"
        } else if self.effective_at.is_none() {
            "pending_approval"
        } else if due.is_some_and(|d| now.china_date() > d) {
            "lapsed"
        } else {
            "in_effect"
        };
        Standing {
            status,
            decision_due: due,
            approval_overdue,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Preserve {
    pub case_id: Uuid,
    pub preservation_id: Uuid,
    pub items: Vec<Item>,
    pub officers: Vec<String>,
    pub emergency: bool,
    pub expected_version: i64,
}

pub struct PreserveState {
    pub case: Case,
    pub people: Vec<(String, Option<User>)>,
    pub now: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreservationProposed {
    pub case_id: Uuid,
    pub county_code: String,
    pub preservation: Preservation,
}

impl crate::event::EventPayload for PreservationProposed {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

pub fn decide_preserve(
    state: &PreserveState,
    actor: &Actor,
    cmd: &Preserve,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::EnforcementAct)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let mut texts = Vec::new();
    for i in &cmd.items {
        texts.push(("items", i.description.as_str(), false));
        texts.push(("items", i.quantity.as_str(), false));
        texts.push(("items", i.kept_at.as_str(), false));
    }
    texts.extend(cmd.officers.iter().map(|o| ("officers", o.as_str(), false)));
    check_texts(texts)?;
    let mut invalid = Reasons::default();
    if cmd.items.is_empty() || cmd.items.len() > 200 {
        invalid.push(Reason::new("preservation.items").field("items"));
    }
    for i in &cmd.items {
        if i.description.trim().is_empty()
            || i.quantity.trim().is_empty()
            || i.kept_at.trim().is_empty()
            || i.description.chars().count() > 200
            || i.quantity.chars().count() > 50
            || i.kept_at.chars().count() > 200
        {
            invalid.push(Reason::new("preservation.items").field("items"));
            break;
        }
    }
    let mut unmet = Reasons::default();
    check_act_officers(
        case,
        &cmd.officers,
        &state.people,
        state.now.china_date(),
        &mut invalid,
        &mut unmet,
    );
    invalid.into_result(RefusalKind::Invalid)?;
    if !investigating(case) {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let me = actor.name().to_owned();
    Ok(vec![
        PreservationProposed {
            case_id: case.id,
            county_code: case.county_code.clone(),
            preservation: Preservation {
                id: cmd.preservation_id,
                items: cmd
                    .items
                    .iter()
                    .map(|i| Item {
                        description: i.description.trim().to_owned(),
                        quantity: i.quantity.trim().to_owned(),
                        kept_at: i.kept_at.trim().to_owned(),
                    })
                    .collect(),
                officers: cmd.officers.clone(),
                emergency: cmd.emergency,
                proposed_by: me,
                proposed_at: state.now,
                effective_at: cmd.emergency.then_some(state.now),
                approval: None,
                decision: None,
            },
        }
        .into(),
    ])
}

/// The preservation a command names, or the only one it can mean.
fn target(
    case: &Case,
    id: Option<Uuid>,
    eligible: impl Fn(&Preservation) -> bool,
) -> Result<&Preservation, Refusal> {
    let mut candidates = case
        .preservations
        .iter()
        .filter(|p| id.is_none_or(|id| p.id == id))
        .filter(|p| eligible(p));
    match (candidates.next(), candidates.next()) {
        (Some(p), None) => Ok(p),
        (Some(_), Some(_)) => Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("preservation.which").field("preservation_id"),
        )),
        (None, _) => Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("preservation.none_waiting"),
        )),
    }
}

#[derive(Clone, Debug)]
pub struct DecidePreservationApproval {
    pub case_id: Uuid,
    pub preservation_id: Option<Uuid>,
    pub approve: bool,
    pub text: String,
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreservationApproved {
    pub case_id: Uuid,
    pub county_code: String,
    pub preservation_id: Uuid,
    pub approval: PreservationApproval,
}

impl crate::event::EventPayload for PreservationApproved {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

pub struct ApprovalState {
    pub case: Case,
    pub now: Timestamp,
}

/// A bureau head approves (or rejects) a preservation: beforehand, or afterwards for one taken
/// in an emergency. Never the proposer.
pub fn decide_preservation_approval(
    state: &ApprovalState,
    actor: &Actor,
    cmd: &DecidePreservationApproval,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::CaseApprove)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let field = if cmd.approve { "comment" } else { "reason" };
    check_texts([(field, cmd.text.as_str(), true)])?;
    if !cmd.approve && cmd.text.trim().is_empty() {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.required").field("reason"),
        ));
    }
    let p = target(case, cmd.preservation_id, |p| p.approval.is_none())?;
    let me = actor.name().to_owned();
    if p.proposed_by == me {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("approval.own_proposal"),
        ));
    }
    Ok(vec![
        PreservationApproved {
            case_id: case.id,
            county_code: case.county_code.clone(),
            preservation_id: p.id,
            approval: PreservationApproval {
                approved: cmd.approve,
                by: me,
                at: state.now,
                text: cmd.text.trim().to_owned(),
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct DecidePreserved {
    pub case_id: Uuid,
    pub preservation_id: Option<Uuid>,
    pub action: Action,
    pub expected_version: i64,
}

pub struct DecidePreservedState {
    pub case: Case,
    pub calendar: Calendar,
    pub now: Timestamp,
    pub approval_hours: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreservedDecided {
    pub case_id: Uuid,
    pub county_code: String,
    pub preservation_id: Uuid,
    pub action: Action,
}

impl crate::event::EventPayload for PreservedDecided {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Decides what becomes of the items, within 7 working days of the preservation taking
/// effect; after that the measure has lapsed and there is nothing left to decide.
pub fn decide_preserved(
    state: &DecidePreservedState,
    actor: &Actor,
    cmd: &DecidePreserved,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::EnforcementAct)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let p = target(case, cmd.preservation_id, |p| {
        p.decision.is_none() && p.effective_at.is_some()
    })?;
    let standing = p.standing(&state.calendar, state.now, state.approval_hours);
    let mut unmet = Reasons::default();
    match standing.status {
        "lapsed" => unmet.push(
            Reason::new("preservation.lapsed")
                .arg("due", standing.decision_due.unwrap_or_default())
                .source(APL_ART56),
        ),
        "rejected" => unmet.push(Reason::new("preservation.rejected")),
        _ => {}
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        PreservedDecided {
            case_id: case.id,
            county_code: case.county_code.clone(),
            preservation_id: p.id,
            action: cmd.action,
        }
        .into(),
    ])
}
