//! Recusal (回避): an officer — or a head who will decide the case — steps aside when related to
//! it. The party or the officer asks; a bureau head decides for an officer, the main head for a
//! deputy head, the heads' collective deliberation for the main head. The investigation goes on
//! meanwhile, and acts recorded before the decision stay valid.

use super::clue::stale;
use super::registration::{Case, undecided};
use crate::actor::Role;
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::user::User;
use crate::{Actor, Reason, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// 《中华人民共和国行政处罚法》第四十三条: 执法人员与案件有直接利害关系或者有其他关系可能影响公正
/// 执法的，应当回避…当事人提出回避申请的，行政机关应当依法审查，由行政机关负责人决定。决定作出
/// 之前，不停止调查。 《生态环境行政处罚办法》第六条 (seen second hand, `rules.md` §1.3): the main
/// head's recusal is decided by the heads' collective deliberation, another head's by the main head.
pub const RECUSAL: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第四十三条、《生态环境行政处罚办法》第六条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 43; MEE Order No. 30, Art. 6",
};

/// Who asked for the recusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecusalBy {
    Party,
    Officer,
}

/// A decision on a recusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecusalDecision {
    pub granted: bool,
    pub reasons: String,
    pub decided_by: String,
    /// Decided by the heads' collective deliberation (the main head's recusal).
    pub collective: bool,
}

/// A request for recusal and, once decided, its decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recusal {
    pub officer: String,
    pub grounds: String,
    pub by: RecusalBy,
    pub requested_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<RecusalDecision>,
}

/// Whether `officer` has been recused from the case.
pub fn recused(recusals: &[Recusal], officer: &str) -> bool {
    recusals
        .iter()
        .any(|r| r.officer == officer && r.decision.as_ref().is_some_and(|d| d.granted))
}

#[derive(Clone, Debug)]
pub struct RequestRecusal {
    pub case_id: Uuid,
    pub officer: String,
    pub grounds: String,
    pub by: RecusalBy,
    pub expected_version: i64,
}

pub struct RequestRecusalState {
    pub case: Case,
    /// The person named, if any.
    pub officer: Option<User>,
    /// Days after the hearing notice's service within which the host's recusal may be asked
    /// (UNCONFIRMED: the 2010 hearing rules' 3 days; `app.host_recusal_days`).
    pub host_recusal_days: u32,
    pub calendar: crate::calendar::Calendar,
    pub today: chrono::NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecusalRequested {
    pub case_id: Uuid,
    pub county_code: String,
    pub recusal: Recusal,
}

impl crate::event::EventPayload for RecusalRequested {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Records a request for recusal: of an assigned officer or assistant, or of a bureau head.
pub fn decide_request_recusal(
    state: &RequestRecusalState,
    actor: &Actor,
    cmd: &RequestRecusal,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::EnforcementAct)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([
        ("officer", cmd.officer.as_str(), false),
        ("grounds", cmd.grounds.as_str(), true),
    ])?;
    let mut invalid = Reasons::default();
    if cmd.grounds.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("grounds"));
    } else if cmd.grounds.chars().count() > 2000 {
        invalid.push(
            Reason::new("field.too_long")
                .field("grounds")
                .arg("max", 2000),
        );
    }
    let in_team = case
        .team
        .as_ref()
        .is_some_and(|t| t.officers.contains(&cmd.officer) || t.assistants.contains(&cmd.officer));
    let head = state
        .officer
        .as_ref()
        .is_some_and(|u| u.roles.contains(&Role::BureauHead));
    let hosting =
        case.proceedings.hearings.iter().any(|h| {
            h.outcome.is_none() && h.schedule.as_ref().is_some_and(|s| s.host == cmd.officer)
        });
    let host_open = super::hearing::host_recusal_open(
        case,
        &state.calendar,
        &cmd.officer,
        state.host_recusal_days,
        state.today,
    );
    if hosting && !host_open && !(in_team || head) {
        invalid.push(
            Reason::new("recusal.host_window_closed")
                .field("officer")
                .arg("days", state.host_recusal_days),
        );
    } else if !(in_team || head || host_open) {
        invalid.push(
            Reason::new("recusal.not_on_case")
                .field("officer")
                .arg("username", &cmd.officer),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = Reasons::default();
    if !undecided(case) {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if recused(&case.recusals, &cmd.officer) {
        unmet.push(Reason::new("recusal.already_recused").arg("username", &cmd.officer));
    }
    if case
        .recusals
        .iter()
        .any(|r| r.officer == cmd.officer && r.decision.is_none())
    {
        unmet.push(Reason::new("recusal.pending").arg("username", &cmd.officer));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        RecusalRequested {
            case_id: case.id,
            county_code: case.county_code.clone(),
            recusal: Recusal {
                officer: cmd.officer.clone(),
                grounds: cmd.grounds.trim().to_owned(),
                by: cmd.by,
                requested_by: actor.name().to_owned(),
                decision: None,
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct DecideRecusal {
    pub case_id: Uuid,
    pub officer: String,
    pub granted: bool,
    pub reasons: String,
    /// The heads decided together (required for the main head's recusal).
    pub collective: bool,
    pub expected_version: i64,
}

pub struct DecideRecusalState {
    pub case: Case,
    /// The person whose recusal is asked, if any.
    pub officer: Option<User>,
    /// The main head's username (setting `organisation.main_head`; empty when not set).
    pub main_head: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecusalDecided {
    pub case_id: Uuid,
    pub county_code: String,
    pub officer: String,
    pub decision: RecusalDecision,
}

impl crate::event::EventPayload for RecusalDecided {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Who may decide on `officer`'s recusal: never the officer; a deputy head's is the main
/// head's to decide, the main head's collective deliberation's.
pub fn decider_unmet(
    me: &str,
    officer: &str,
    officer_user: Option<&crate::user::User>,
    main_head: &str,
    collective: bool,
    unmet: &mut Reasons,
) {
    let target_is_head = officer_user.is_some_and(|u| u.roles.contains(&Role::BureauHead));
    if me == officer {
        unmet.push(Reason::new("recusal.own").source(RECUSAL));
    }
    if target_is_head {
        if main_head.is_empty() {
            unmet.push(Reason::new("recusal.main_head_unset"));
        } else if officer == main_head {
            if !collective {
                unmet.push(Reason::new("recusal.collective_required").source(RECUSAL));
            }
        } else if me != main_head {
            unmet.push(
                Reason::new("recusal.main_head_decides")
                    .arg("main_head", main_head)
                    .source(RECUSAL),
            );
        }
    }
}

pub fn decide_recusal(
    state: &DecideRecusalState,
    actor: &Actor,
    cmd: &DecideRecusal,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::CaseApprove)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([
        ("officer", cmd.officer.as_str(), false),
        ("reasons", cmd.reasons.as_str(), true),
    ])?;
    if cmd.reasons.trim().is_empty() {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.required").field("reasons"),
        ));
    }
    let me = actor.name().to_owned();
    let mut unmet = Reasons::default();
    if !case
        .recusals
        .iter()
        .any(|r| r.officer == cmd.officer && r.decision.is_none())
    {
        unmet.push(Reason::new("recusal.none_pending").arg("username", &cmd.officer));
    }
    decider_unmet(
        &me,
        &cmd.officer,
        state.officer.as_ref(),
        &state.main_head,
        cmd.collective,
        &mut unmet,
    );
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        RecusalDecided {
            case_id: case.id,
            county_code: case.county_code.clone(),
            officer: cmd.officer.clone(),
            decision: RecusalDecision {
                granted: cmd.granted,
                reasons: cmd.reasons.trim().to_owned(),
                decided_by: me,
                collective: cmd.collective,
            },
        }
        .into(),
    ])
}
