//! The case's investigators (承办人员): at least two enforcement officers of the handling unit
//! (or of the detachment) with certificates valid that day, one of them the lead; auxiliary
//! staff may assist, named and never counted.

use super::clue::stale;
use super::registration::{Case, CaseStage};
use crate::event::Payload;
use crate::permission::{Capability, reach, roles_allow, within};
use crate::refusal::{LegalSource, Reasons};
use crate::user::User;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who investigates a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Usernames of the enforcement officers, the lead among them.
    pub officers: Vec<String>,
    pub lead: String,
    /// Usernames of auxiliary staff who assist (never counted as officers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assistants: Vec<String>,
}

/// Enforcement is by at least two officers holding enforcement certificates.
///
/// 《中华人民共和国行政处罚法》第四十二条 (执法人员不得少于两人，法律另有规定的除外) and
/// 第五十五条 (出示执法证件).
pub const TWO_OFFICERS: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第四十二条、第五十五条",
    en: "Administrative Penalty Law of the PRC (2021), Arts. 42 and 55",
};

/// Assigns (or reassigns) the investigators; acts recorded before stay valid.
#[derive(Clone, Debug)]
pub struct AssignOfficers {
    pub case_id: Uuid,
    pub team: Team,
    pub expected_version: i64,
}

pub struct AssignState {
    pub case: Case,
    /// Each username named (officers, then assistants) with the user it names, if any.
    pub people: Vec<(String, Option<User>)>,
    /// The units among the people's that are the detachment: its officers may join any case.
    pub detachment_units: Vec<Uuid>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficersAssigned {
    pub case_id: Uuid,
    pub county_code: String,
    pub team: Team,
}

impl crate::event::EventPayload for OfficersAssigned {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Control characters and the like, refused before any name is looked up.
pub fn check_team_texts(t: &Team) -> Result<(), Refusal> {
    crate::text::check_texts(
        t.officers
            .iter()
            .map(|u| ("officers", u.as_str(), false))
            .chain(
                t.assistants
                    .iter()
                    .map(|u| ("assistants", u.as_str(), false)),
            )
            .chain(std::iter::once(("lead", t.lead.as_str(), false))),
    )
}

/// A case takes investigators once registered, or before when investigated first (先行调查).
pub fn investigating(case: &Case) -> bool {
    case.stage == CaseStage::Registered
        || (case.stage == CaseStage::PendingRegistration && case.facts.urgent)
}

/// A brigade officer assigns the cases of his own brigade; the detachment leader any.
pub fn assigner_unmet(case: &Case, actor: &Actor) -> Option<Reason> {
    match actor {
        Actor::User(u)
            if !u.roles.contains(&crate::actor::Role::DetachmentLeader)
                && u.unit_id.is_none_or(|id| Some(id) != case.handling_unit_id) =>
        {
            Some(Reason::new("team.not_handling_unit"))
        }
        _ => None,
    }
}

pub fn decide_assign_officers(
    state: &AssignState,
    actor: &Actor,
    cmd: &AssignOfficers,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::CaseAssign)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let t = &cmd.team;
    check_team_texts(t)?;
    let user = |name: &str| {
        state
            .people
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, u)| u.as_ref())
    };
    let mut invalid = Reasons::default();
    for (field, names) in [("officers", &t.officers), ("assistants", &t.assistants)] {
        if names.len() > 20 {
            invalid.push(Reason::new("field.too_long").field(field).arg("max", 20));
        }
        for (i, name) in names.iter().enumerate() {
            if user(name).is_none() {
                invalid.push(
                    Reason::new("team.unknown_user")
                        .field(format!("{field}[{i}]"))
                        .arg("username", name),
                );
            }
            if names[..i].contains(name) || (field == "assistants" && t.officers.contains(name)) {
                invalid.push(
                    Reason::new("team.duplicate_person")
                        .field(format!("{field}[{i}]"))
                        .arg("username", name),
                );
            }
        }
    }
    if !t.officers.contains(&t.lead) {
        invalid.push(
            Reason::new("team.lead_not_officer")
                .field("lead")
                .arg("username", &t.lead),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;

    let mut unmet = Reasons::default();
    if !investigating(case) {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if let Some(r) = assigner_unmet(case, actor) {
        unmet.push(r);
    }
    let mut counted = 0;
    for (i, name) in t.officers.iter().enumerate() {
        let Some(u) = user(name) else { continue };
        let field = format!("officers[{i}]");
        let mut fit = true;
        if super::recusal::recused(&case.recusals, name) {
            unmet.push(
                Reason::new("team.recused")
                    .field(field.clone())
                    .arg("username", name)
                    .source(super::recusal::RECUSAL),
            );
            fit = false;
        } else if u.disabled || !roles_allow(&u.roles, Capability::EnforcementAct) {
            unmet.push(
                Reason::new("team.not_an_officer")
                    .field(field.clone())
                    .arg("username", name)
                    .source(TWO_OFFICERS),
            );
            fit = false;
        } else if !u
            .certificate
            .as_ref()
            .is_some_and(|c| c.valid_on(state.today))
        {
            unmet.push(
                Reason::new("team.certificate_not_valid")
                    .field(field.clone())
                    .arg("username", name)
                    .arg("date", state.today)
                    .source(TWO_OFFICERS),
            );
            fit = false;
        }
        let unit_fits = u.unit_id.is_some_and(|id| {
            Some(id) == case.handling_unit_id || state.detachment_units.contains(&id)
        });
        if !unit_fits {
            unmet.push(
                Reason::new("team.outside_unit")
                    .field(field)
                    .arg("username", name),
            );
            fit = false;
        }
        if fit {
            counted += 1;
        }
    }
    if counted < 2 {
        unmet.push(
            Reason::new("team.two_officers_required")
                .field("officers")
                .arg("count", counted)
                .source(TWO_OFFICERS),
        );
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        OfficersAssigned {
            case_id: case.id,
            county_code: case.county_code.clone(),
            team: t.clone(),
        }
        .into(),
    ])
}
