//! Statement and defence (陈述、申辩): after the advance notice is served the party may state
//! and defend; the authority hears every point, answers each (复核), adopts what holds, and
//! may not make the penalty heavier because the party defended itself. A party may also waive
//! the rights the notice stated, in writing.
//!
//! 《中华人民共和国行政处罚法》第七条 (the right), 第四十五条 (every point heard and checked;
//! adopted when it holds; no heavier penalty for a defence).

use super::clue::stale;
use super::notice::AdvanceNotice;
use super::registration::{Case, undecided};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const DEFENCE: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第四十五条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 45",
};

/// Points one statement may make, and their length.
pub const MAX_POINTS: usize = 50;
const POINT_MAX: usize = 5000;
const REASON_MAX: usize = 5000;

/// An answer to one point of a statement (复核意见).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The point's position in the statement, from 0.
    pub point: usize,
    pub adopted: bool,
    pub reason: String,
}

/// A statement and defence received, and once answered its answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The notice it answers (the last served when it came).
    pub notice_id: Uuid,
    pub received_on: NaiveDate,
    pub points: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence_ids: Vec<Uuid>,
    pub recorded_by: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
}

impl Statement {
    pub fn answered(&self) -> bool {
        self.answered_by.is_some()
    }
}

/// A right the notice stated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    Statement,
    Hearing,
}

/// A right waived by the party in writing (the evidence is the signed waiver).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub notice_id: Uuid,
    pub right: Right,
    pub received_on: NaiveDate,
    /// The signed waiver; `None` for a hearing waived by not attending (the record says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<Uuid>,
    pub recorded_by: String,
}

/// The last notice and the day it was served, when it was.
pub fn served_notice(case: &Case) -> Option<(&AdvanceNotice, NaiveDate)> {
    let last = case.notices.last()?;
    let served = case.proceedings.notice_served_on(last.id)?;
    Some((last, served))
}

/// The last notice must be served before the party's acts under it are recorded.
fn notice_in_force(case: &Case) -> Result<(&AdvanceNotice, NaiveDate), Reason> {
    served_notice(case).ok_or_else(|| Reason::new("statement.notice_not_served"))
}

fn check_received(
    received_on: NaiveDate,
    served_on: NaiveDate,
    today: NaiveDate,
    invalid: &mut Reasons,
) {
    if received_on < served_on || received_on > today {
        invalid.push(
            Reason::new("statement.date_out_of_range")
                .field("received_on")
                .arg("served_on", served_on)
                .arg("today", today),
        );
    }
}

fn check_officer(actor: &Actor, case: &Case, expected_version: i64) -> Result<(), Refusal> {
    let r = reach(actor, Capability::EnforcementAct)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, expected_version)?;
    if !undecided(case) {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()),
        ));
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct RecordStatement {
    pub case_id: Uuid,
    pub received_on: NaiveDate,
    pub points: Vec<String>,
    pub evidence_ids: Vec<Uuid>,
    pub expected_version: i64,
}

pub struct RecordStatementState {
    pub case: Case,
    /// The case each named evidence belongs to, in order (`None`: unknown or of no case).
    pub evidence_cases: Vec<Option<Uuid>>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementRecorded {
    pub case_id: Uuid,
    pub county_code: String,
    pub statement: Statement,
}

impl crate::event::EventPayload for StatementRecorded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An officer records what the party stated (in writing, or told and written down).
pub fn decide_record_statement(
    state: &RecordStatementState,
    actor: &Actor,
    cmd: &RecordStatement,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    check_officer(actor, case, cmd.expected_version)?;
    check_texts(cmd.points.iter().map(|p| ("points", p.as_str(), true)))?;
    let mut invalid = Reasons::default();
    if cmd.points.iter().all(|p| p.trim().is_empty()) {
        invalid.push(Reason::new("field.required").field("points"));
    }
    if cmd.points.len() > MAX_POINTS {
        invalid.push(
            Reason::new("field.too_many")
                .field("points")
                .arg("max", MAX_POINTS),
        );
    }
    for (i, p) in cmd.points.iter().enumerate() {
        if p.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(format!("points[{i}]")));
        } else if p.chars().count() > POINT_MAX {
            invalid.push(
                Reason::new("field.too_long")
                    .field(format!("points[{i}]"))
                    .arg("max", POINT_MAX),
            );
        }
    }
    if state.evidence_cases.iter().any(|c| *c != Some(case.id)) {
        invalid.push(Reason::new("record.evidence_unknown").field("evidence_ids"));
    }
    let notice = notice_in_force(case);
    if let Ok((_, served_on)) = &notice {
        check_received(cmd.received_on, *served_on, state.today, &mut invalid);
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let (notice, _) = notice.map_err(|r| Refusal::one(RefusalKind::Conflict, r))?;
    Ok(vec![
        StatementRecorded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            statement: Statement {
                notice_id: notice.id,
                received_on: cmd.received_on,
                points: cmd.points.iter().map(|p| p.trim().to_owned()).collect(),
                evidence_ids: cmd.evidence_ids.clone(),
                recorded_by: actor.name().to_owned(),
                answers: Vec::new(),
                answered_by: None,
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct AnswerStatement {
    pub case_id: Uuid,
    pub answers: Vec<Answer>,
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementAnswered {
    pub case_id: Uuid,
    pub county_code: String,
    /// The statement's position in the case's statements.
    pub index: usize,
    pub answers: Vec<Answer>,
    pub answered_by: String,
}

impl crate::event::EventPayload for StatementAnswered {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An acting officer of the case answers the oldest statement not yet answered: every point
/// once, adopted or not, with the reason.
pub fn decide_answer_statement(
    case: &Case,
    actor: &Actor,
    cmd: &AnswerStatement,
) -> Result<Vec<Payload>, Refusal> {
    check_officer(actor, case, cmd.expected_version)?;
    check_texts(
        cmd.answers
            .iter()
            .map(|a| ("answers", a.reason.as_str(), true)),
    )?;
    let Some((index, statement)) = case
        .proceedings
        .statements
        .iter()
        .enumerate()
        .find(|(_, s)| !s.answered())
    else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("statement.none_to_answer"),
        ));
    };
    let mut invalid = Reasons::default();
    for (i, a) in cmd.answers.iter().enumerate() {
        if a.point >= statement.points.len() {
            invalid.push(
                Reason::new("statement.no_such_point")
                    .field(format!("answers[{i}].point"))
                    .arg("points", statement.points.len()),
            );
        } else if cmd.answers[..i].iter().any(|b| b.point == a.point) {
            invalid.push(
                Reason::new("statement.point_answered_twice")
                    .field(format!("answers[{i}].point"))
                    .arg("point", a.point + 1),
            );
        }
        if a.reason.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(format!("answers[{i}].reason")));
        } else if a.reason.chars().count() > REASON_MAX {
            invalid.push(
                Reason::new("field.too_long")
                    .field(format!("answers[{i}].reason"))
                    .arg("max", REASON_MAX),
            );
        }
    }
    for point in 0..statement.points.len() {
        if !cmd.answers.iter().any(|a| a.point == point) {
            invalid.push(
                Reason::new("statement.point_unanswered")
                    .field("answers")
                    .arg("point", point + 1)
                    .source(DEFENCE),
            );
        }
    }
    invalid.into_result(RefusalKind::Invalid)?;
    if !case.acting_officers().iter().any(|o| o == actor.name()) {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("notice.not_an_officer_of_the_case"),
        ));
    }
    let mut answers = cmd.answers.clone();
    answers.sort_by_key(|a| a.point);
    for a in &mut answers {
        a.reason = a.reason.trim().to_owned();
    }
    Ok(vec![
        StatementAnswered {
            case_id: case.id,
            county_code: case.county_code.clone(),
            index,
            answers,
            answered_by: actor.name().to_owned(),
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct RecordWaiver {
    pub case_id: Uuid,
    pub right: Right,
    pub received_on: NaiveDate,
    pub evidence_id: Uuid,
    pub expected_version: i64,
}

pub struct RecordWaiverState {
    pub case: Case,
    pub evidence_case: Option<Uuid>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverRecorded {
    pub case_id: Uuid,
    pub county_code: String,
    pub waiver: Waiver,
}

impl crate::event::EventPayload for WaiverRecorded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An officer records the party's written waiver of a right the last served notice stated.
pub fn decide_record_waiver(
    state: &RecordWaiverState,
    actor: &Actor,
    cmd: &RecordWaiver,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    check_officer(actor, case, cmd.expected_version)?;
    let mut invalid = Reasons::default();
    if state.evidence_case != Some(case.id) {
        invalid.push(Reason::new("record.evidence_unknown").field("evidence_id"));
    }
    let notice = notice_in_force(case);
    if let Ok((_, served_on)) = &notice {
        check_received(cmd.received_on, *served_on, state.today, &mut invalid);
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let (notice, _) = notice.map_err(|r| Refusal::one(RefusalKind::Conflict, r))?;
    let mut unmet = Reasons::default();
    if cmd.right == Right::Hearing && !notice.hearing_right() {
        unmet.push(Reason::new("waiver.no_hearing_right").field("right"));
    }
    if cmd.right == Right::Hearing && case.proceedings.hearing_after(notice.id).is_some() {
        unmet.push(Reason::new("waiver.hearing_requested").field("right"));
    }
    if case
        .proceedings
        .waivers
        .iter()
        .any(|w| w.notice_id == notice.id && w.right == cmd.right)
    {
        unmet.push(Reason::new("waiver.already_recorded").field("right"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        WaiverRecorded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            waiver: Waiver {
                notice_id: notice.id,
                right: cmd.right,
                received_on: cmd.received_on,
                evidence_id: Some(cmd.evidence_id),
                recorded_by: actor.name().to_owned(),
            },
        }
        .into(),
    ])
}
