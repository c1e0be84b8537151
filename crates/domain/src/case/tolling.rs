//! Periods that do not count toward the 90-day case deadline: a suspension of the case (中止),
//! a hearing, a public notice, monitoring, testing, assessment, appraisal, determination,
//! service, and the time a suspected crime spends with the police.
//!
//! 《生态环境行政处罚办法》第五十七条 as quoted in `shared/reference/order30.md` (the periods
//! excluded) and 第三十五条 (a suspension takes effect on a head's approval); 《行政执法机关移送
//! 涉嫌犯罪案件的规定》/ the 2017 linkage rules (`rules.md` §8.2, S9 Art. 16: time on a criminal
//! transfer does not count).

use super::clue::stale;
use super::registration::{Case, undecided};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const TOLLING: LegalSource = LegalSource {
    zh_cn: "《生态环境行政处罚办法》第三十五条、第五十七条",
    en: "MEE Order No. 30, Arts. 35 and 57",
};

/// Why a period does not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TollingReason {
    Suspension,
    /// Derived from the hearing itself; never started by hand.
    Hearing,
    PublicNotice,
    Monitoring,
    Testing,
    Assessment,
    Appraisal,
    Determination,
    Service,
    CriminalTransfer,
}

impl TollingReason {
    /// The reasons started by `start-tolling` (the hearing tolls by itself).
    pub const STARTED: [TollingReason; 9] = [
        TollingReason::Suspension,
        TollingReason::PublicNotice,
        TollingReason::Monitoring,
        TollingReason::Testing,
        TollingReason::Assessment,
        TollingReason::Appraisal,
        TollingReason::Determination,
        TollingReason::Service,
        TollingReason::CriminalTransfer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TollingReason::Suspension => "suspension",
            TollingReason::Hearing => "hearing",
            TollingReason::PublicNotice => "public_notice",
            TollingReason::Monitoring => "monitoring",
            TollingReason::Testing => "testing",
            TollingReason::Assessment => "assessment",
            TollingReason::Appraisal => "appraisal",
            TollingReason::Determination => "determination",
            TollingReason::Service => "service",
            TollingReason::CriminalTransfer => "criminal_transfer",
        }
    }

    pub fn parse_started(s: &str) -> Option<TollingReason> {
        TollingReason::STARTED.into_iter().find(|r| r.as_str() == s)
    }
}

/// A period started by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseTolling {
    pub reason: TollingReason,
    pub from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    pub started_by: String,
    /// The head who approved a suspension (set at once when a head started it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The day of the approval: a suspension counts from it, never from before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
}

impl CaseTolling {
    /// The days it tolls: none for a suspension not yet approved, and a suspension from its
    /// approval on (Order 30 Art. 35: it takes effect on a head's approval); none when it
    /// ended before it was approved.
    pub fn in_effect(&self) -> Option<crate::calendar::Tolling> {
        let start = if self.reason == TollingReason::Suspension {
            self.from.max(self.approved_on?)
        } else {
            self.from
        };
        if self.to.is_some_and(|to| to < start) {
            return None;
        }
        Some(crate::calendar::Tolling {
            start,
            end: self.to,
        })
    }

    pub fn is_open(&self) -> bool {
        self.to.is_none()
    }
}

/// Who may start and end periods: an enforcement officer of the handling unit or of the
/// detachment (assigned or not), or a bureau head, within reach. Returns whether the actor is
/// a head of the case's reach.
fn check_sender(
    actor: &Actor,
    case: &Case,
    expected_version: i64,
    unit_fits: bool,
) -> Result<bool, Refusal> {
    let head = reach(actor, Capability::CaseApprove)
        .ok()
        .is_some_and(|r| within(&r, &case.county_code));
    let officer = reach(actor, Capability::EnforcementAct)
        .ok()
        .is_some_and(|r| within(&r, &case.county_code));
    if !(head || officer) {
        // Out of reach looks like absence; without either capability, say which is missing.
        if reach(actor, Capability::EnforcementAct).is_ok()
            || reach(actor, Capability::CaseApprove).is_ok()
        {
            return Err(Refusal::not_found());
        }
        reach(actor, Capability::EnforcementAct)?;
    }
    stale(case.version, expected_version)?;
    let mut unmet = Reasons::default();
    if !undecided(case) || case.registered_on.is_none() {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if !head && !unit_fits {
        unmet.push(Reason::new("tolling.outside_unit"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(head)
}

#[derive(Clone, Debug)]
pub struct StartTolling {
    pub case_id: Uuid,
    pub reason: TollingReason,
    pub from: NaiveDate,
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TollingStarted {
    pub case_id: Uuid,
    pub county_code: String,
    pub tolling: CaseTolling,
}

impl crate::event::EventPayload for TollingStarted {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

pub struct TollingState {
    pub case: Case,
    pub today: NaiveDate,
    /// The sender belongs to the handling unit or to the detachment.
    pub unit_fits: bool,
}

pub fn decide_start_tolling(
    state: &TollingState,
    actor: &Actor,
    cmd: &StartTolling,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let head = check_sender(actor, case, cmd.expected_version, state.unit_fits)?;
    let mut invalid = Reasons::default();
    if cmd.reason == TollingReason::Hearing {
        invalid.push(Reason::new("tolling.hearing_by_itself").field("reason"));
    }
    let registered = case.registered_on.unwrap_or(cmd.from);
    if cmd.from < registered || cmd.from > state.today {
        invalid.push(
            Reason::new("tolling.date_out_of_range")
                .field("from")
                .arg("registered_on", registered)
                .arg("today", state.today),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    if case
        .proceedings
        .tollings
        .iter()
        .any(|t| t.reason == cmd.reason && t.is_open())
    {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("tolling.already_open")
                .field("reason")
                .arg("reason", cmd.reason.as_str()),
        ));
    }
    let approved_by =
        (head && cmd.reason == TollingReason::Suspension).then(|| actor.name().to_owned());
    let approved_on = approved_by.as_ref().map(|_| state.today);
    Ok(vec![
        TollingStarted {
            case_id: case.id,
            county_code: case.county_code.clone(),
            tolling: CaseTolling {
                reason: cmd.reason,
                from: cmd.from,
                to: None,
                started_by: actor.name().to_owned(),
                approved_by,
                approved_on,
                ended_by: None,
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct ApproveSuspension {
    pub case_id: Uuid,
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TollingApproved {
    pub case_id: Uuid,
    pub county_code: String,
    pub index: usize,
    pub approved_by: String,
    pub approved_on: NaiveDate,
}

impl crate::event::EventPayload for TollingApproved {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// A bureau head approves the suspension an officer asked for: it counts from its day.
pub fn decide_approve_suspension(
    state: &TollingState,
    actor: &Actor,
    cmd: &ApproveSuspension,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::CaseApprove)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    check_sender(actor, case, cmd.expected_version, true)?;
    let Some(index) = case.proceedings.tollings.iter().position(|t| {
        t.reason == TollingReason::Suspension && t.approved_by.is_none() && t.is_open()
    }) else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("tolling.no_suspension_waiting").source(TOLLING),
        ));
    };
    Ok(vec![
        TollingApproved {
            case_id: case.id,
            county_code: case.county_code.clone(),
            index,
            approved_by: actor.name().to_owned(),
            approved_on: state.today,
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct EndTolling {
    pub case_id: Uuid,
    /// Which open period, when more than one is open.
    pub reason: Option<TollingReason>,
    pub to: NaiveDate,
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TollingEnded {
    pub case_id: Uuid,
    pub county_code: String,
    pub index: usize,
    pub to: NaiveDate,
    pub ended_by: String,
}

impl crate::event::EventPayload for TollingEnded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Ends an open period on `to` (its last tolled day).
pub fn decide_end_tolling(
    state: &TollingState,
    actor: &Actor,
    cmd: &EndTolling,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    check_sender(actor, case, cmd.expected_version, state.unit_fits)?;
    let open: Vec<(usize, &CaseTolling)> = case
        .proceedings
        .tollings
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_open() && cmd.reason.is_none_or(|r| r == t.reason))
        .collect();
    let (index, tolling) = match open.as_slice() {
        [] => {
            return Err(Refusal::one(
                RefusalKind::Conflict,
                Reason::new("tolling.none_open").field("reason"),
            ));
        }
        [one] => *one,
        _ => {
            return Err(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("tolling.which").field("reason"),
            ));
        }
    };
    if cmd.to < tolling.from || cmd.to > state.today {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("tolling.end_out_of_range")
                .field("to")
                .arg("from", tolling.from)
                .arg("today", state.today),
        ));
    }
    Ok(vec![
        TollingEnded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            index,
            to: cmd.to,
            ended_by: actor.name().to_owned(),
        }
        .into(),
    ])
}
