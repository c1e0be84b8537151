//! Collective deliberation (集体讨论): when the bureau heads must decide together, what a
//! deliberation record must hold to count (a quorum of the heads, an opinion from each who
//! attended, an outcome), and `record-deliberation`, by a head, of a decision or of a second
//! extension of the case deadline. The record goes to the file's secondary volume.
//!
//! 《生态环境行政处罚办法》(MEE Order No. 30) 第五十二条 (as `shared/reference/order30.md`
//! quotes it): a complex case or a major violation is decided by the heads collectively, among
//! others where (1) the case is difficult or complex or involves several legal relationships,
//! (2) the proposed fine, confiscation of illegal gains or of illegal property is 500,000 yuan
//! or more; the rest of the article's list was not read here and is the bureau's setting.
//! The second extension of the case deadline is decided collectively too (Art. 57).

use super::clue::stale;
use super::legal_review::{Covers, penalties_to_send};
use super::penalty::{Penalty, PenaltyType};
use super::registration::{Case, CaseStage, open};
use super::review::ReviewFlag;
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const DELIBERATION: LegalSource = LegalSource {
    zh_cn: "《生态环境行政处罚办法》第五十二条",
    en: "MEE Order No. 30, Art. 52",
};

/// Art. 52 para 2 item (2): 500,000 yuan, the figure itself included ("以上").
pub const LARGE_AMOUNT_FEN: i64 = 500_000 * 100;

/// Why a case must be deliberated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Difficult or complex, or several legal relationships (the case review's flag).
    Complex,
    /// A fine or confiscation of 500,000 yuan or more.
    LargeAmount,
    /// A penalty type the bureau's settings name.
    PenaltyType,
}

/// The bureau's settings: the rest of Art. 52's list (UNCONFIRMED here) and the quorum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliberationRules {
    /// Penalty types always deliberated (e.g. closure, revocation).
    #[serde(default)]
    pub penalty_types: Vec<PenaltyType>,
    /// The share of the bureau heads that must attend, in basis points, strictly exceeded:
    /// 5,000 is "more than half".
    #[serde(default = "default_quorum")]
    pub quorum_above_bp: i64,
}

fn default_quorum() -> i64 {
    5_000
}

impl Default for DeliberationRules {
    fn default() -> Self {
        DeliberationRules {
            penalty_types: vec![PenaltyType::Closure, PenaltyType::PermitRevocation],
            quorum_above_bp: default_quorum(),
        }
    }
}

/// Every reason the case must be deliberated before `penalties` are decided (empty: none).
pub fn required(case: &Case, rules: &DeliberationRules, penalties: &[Penalty]) -> Vec<Trigger> {
    let mut out = Vec::new();
    if case
        .review
        .as_ref()
        .is_some_and(|r| r.flags.contains(&ReviewFlag::Complex))
    {
        out.push(Trigger::Complex);
    }
    if penalties.iter().any(|p| {
        matches!(
            p.kind,
            PenaltyType::Fine | PenaltyType::ConfiscateGains | PenaltyType::ConfiscateProperty
        ) && p.amount_fen.is_some_and(|a| a >= LARGE_AMOUNT_FEN)
    }) {
        out.push(Trigger::LargeAmount);
    }
    if penalties
        .iter()
        .any(|p| rules.penalty_types.contains(&p.kind))
    {
        out.push(Trigger::PenaltyType);
    }
    out
}

/// Whether `attending` of `heads` bureau heads make a quorum.
pub fn quorum(rules: &DeliberationRules, heads: usize, attending: usize) -> bool {
    heads > 0 && (attending as i64) * 10_000 > (heads as i64) * rules.quorum_above_bp
}

/// One member's opinion as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberOpinion {
    pub member: String,
    pub opinion: String,
}

/// A deliberation record counts: the attendees are bureau heads, each once, a quorum of them;
/// every attendee's opinion is recorded and none from anyone else; the outcome is stated.
pub fn check_record(
    rules: &DeliberationRules,
    heads: &[String],
    attendees: &[String],
    opinions: &[MemberOpinion],
    outcome: &str,
) -> Result<(), Refusal> {
    let mut invalid = Reasons::default();
    for (i, a) in attendees.iter().enumerate() {
        if !heads.contains(a) {
            invalid.push(
                Reason::new("deliberation.not_a_head")
                    .field(format!("attendees[{i}]"))
                    .arg("username", a),
            );
        }
        if attendees[..i].contains(a) {
            invalid.push(Reason::new("deliberation.repeated").field(format!("attendees[{i}]")));
        }
    }
    for (i, o) in opinions.iter().enumerate() {
        if !attendees.contains(&o.member) {
            invalid.push(
                Reason::new("deliberation.opinion_of_absent")
                    .field(format!("opinions[{i}].member"))
                    .arg("username", &o.member),
            );
        }
        if o.opinion.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(format!("opinions[{i}].opinion")));
        }
    }
    for a in attendees {
        if !opinions.iter().any(|o| &o.member == a) {
            invalid.push(
                Reason::new("deliberation.opinion_missing")
                    .field("opinions")
                    .arg("username", a),
            );
        }
    }
    if outcome.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("outcome"));
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let present = attendees.iter().filter(|a| heads.contains(a)).count();
    if !quorum(rules, heads.len(), present) {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("deliberation.no_quorum")
                .arg("present", present)
                .arg("heads", heads.len())
                .source(DELIBERATION),
        ));
    }
    Ok(())
}

/// What the heads deliberated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The decision of the case.
    Decision,
    /// Whether to extend the case deadline a second time (Order 30 Art. 57).
    Extension,
}

/// A deliberation as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deliberation {
    pub purpose: Purpose,
    /// The extension request deliberated (its position among the case's requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<usize>,
    /// For an extension: whether the heads decided to extend (Order 30 Art. 57 "集体讨论决定是否
    /// 继续延期"); a head approves only what they decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend: Option<bool>,
    pub attendees: Vec<String>,
    pub opinions: Vec<MemberOpinion>,
    pub outcome: String,
    /// What was on the table for a decision: the last notice's penalties (or the report's fine).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub penalties: Vec<Penalty>,
    /// What of the case the heads saw: a later notice, hearing record or answered statement
    /// makes a decision's deliberation out of date.
    #[serde(default)]
    pub covers: Covers,
    /// How many bureau heads there were (the quorum's base).
    pub heads: usize,
    pub recorded_by: String,
    pub recorded_on: NaiveDate,
}

/// Whether the heads deliberated the decision of the case as it stands, with penalties no
/// lighter than `penalties` on the table.
pub fn deliberated_for(case: &Case, penalties: &[Penalty]) -> bool {
    case.proceedings
        .deliberations
        .iter()
        .rfind(|d| d.purpose == Purpose::Decision)
        .is_some_and(|d| {
            d.covers == Covers::of(case)
                && super::penalty::heavier_than_noticed(&d.penalties, penalties).is_empty()
        })
}

#[derive(Clone, Debug)]
pub struct RecordDeliberation {
    pub case_id: Uuid,
    pub purpose: Purpose,
    /// For an extension: whether to extend.
    pub extend: Option<bool>,
    pub attendees: Vec<String>,
    pub opinions: Vec<MemberOpinion>,
    pub outcome: String,
    pub expected_version: i64,
}

pub struct RecordDeliberationState {
    pub case: Case,
    pub rules: DeliberationRules,
    /// The usernames of the active bureau heads.
    pub heads: Vec<String>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliberationRecorded {
    pub case_id: Uuid,
    pub county_code: String,
    pub deliberation: Deliberation,
}

impl crate::event::EventPayload for DeliberationRecorded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// The longest opinion and outcome.
const TEXT_MAX: usize = 5000;
/// More attendees than any bureau has heads.
const ATTENDEES_MAX: usize = 30;

/// What the case must stand at for the heads to deliberate `purpose`: a decision after a
/// review that agreed and before the decision; a second extension while it waits.
pub fn purpose_unmet(case: &Case, purpose: Purpose) -> Option<Reason> {
    match purpose {
        Purpose::Decision if !super::review::agreed(case) => {
            Some(Reason::new("deliberation.not_ready"))
        }
        Purpose::Extension if second_extension_waiting(case).is_none() => Some(Reason::new(
            if super::extension::pending(case).is_some_and(|(i, _)| deliberated(case, i)) {
                "deliberation.already_recorded"
            } else {
                "deliberation.no_second_extension"
            },
        )),
        _ if !open(case) || case.stage == CaseStage::Decided => {
            Some(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()))
        }
        _ => None,
    }
}

/// Whether the heads deliberated the extension request at `index`.
fn deliberated(case: &Case, index: usize) -> bool {
    case.proceedings
        .deliberations
        .iter()
        .any(|d| d.purpose == Purpose::Extension && d.extension == Some(index))
}

/// The waiting extension request that would be the second extension and that the heads have
/// not deliberated yet, by position.
fn second_extension_waiting(case: &Case) -> Option<usize> {
    let (index, _) = super::extension::pending(case)?;
    let approved_before = case.proceedings.extensions[..index]
        .iter()
        .filter(|e| e.approved())
        .count();
    (approved_before >= 1 && !deliberated(case, index)).then_some(index)
}

/// A bureau head records the heads' deliberation: who attended (a quorum), each one's opinion,
/// the outcome.
pub fn decide_record_deliberation(
    state: &RecordDeliberationState,
    actor: &Actor,
    cmd: &RecordDeliberation,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::CaseApprove)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let names: Vec<String> = (0..cmd.opinions.len())
        .map(|i| format!("opinions[{i}].opinion"))
        .collect();
    let mut texts: Vec<(&str, &str, bool)> = cmd
        .opinions
        .iter()
        .zip(&names)
        .map(|(o, n)| (n.as_str(), o.opinion.as_str(), true))
        .collect();
    texts.push(("outcome", cmd.outcome.as_str(), true));
    crate::text::check_texts(texts)?;
    let mut invalid = Reasons::default();
    if cmd.attendees.len() > ATTENDEES_MAX || cmd.opinions.len() > ATTENDEES_MAX {
        invalid.push(
            Reason::new("field.too_long")
                .field("attendees")
                .arg("max", ATTENDEES_MAX),
        );
    }
    for (i, o) in cmd.opinions.iter().enumerate() {
        if o.opinion.chars().count() > TEXT_MAX {
            invalid.push(
                Reason::new("field.too_long")
                    .field(format!("opinions[{i}].opinion"))
                    .arg("max", TEXT_MAX),
            );
        }
    }
    if cmd.outcome.chars().count() > TEXT_MAX {
        invalid.push(
            Reason::new("field.too_long")
                .field("outcome")
                .arg("max", TEXT_MAX),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    check_record(
        &state.rules,
        &state.heads,
        &cmd.attendees,
        &cmd.opinions,
        &cmd.outcome,
    )?;
    if let Some(r) = purpose_unmet(case, cmd.purpose) {
        return Err(Refusal::one(RefusalKind::Conflict, r));
    }
    // The heads decide whether to extend: the record says which.
    match (cmd.purpose, cmd.extend) {
        (Purpose::Extension, None) => {
            return Err(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("field.required").field("extend"),
            ));
        }
        (Purpose::Decision, Some(_)) => {
            return Err(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("deliberation.extend_not_applicable").field("extend"),
            ));
        }
        _ => {}
    }
    let (extension, penalties) = match cmd.purpose {
        Purpose::Decision => (None, penalties_to_send(case)),
        Purpose::Extension => (second_extension_waiting(case), Vec::new()),
    };
    Ok(vec![
        DeliberationRecorded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            deliberation: Deliberation {
                purpose: cmd.purpose,
                extension,
                extend: cmd.extend,
                attendees: cmd.attendees.clone(),
                opinions: cmd
                    .opinions
                    .iter()
                    .map(|o| MemberOpinion {
                        member: o.member.clone(),
                        opinion: o.opinion.trim().to_owned(),
                    })
                    .collect(),
                outcome: cmd.outcome.trim().to_owned(),
                penalties,
                covers: Covers::of(case),
                heads: state.heads.len(),
                recorded_by: actor.name().to_owned(),
                recorded_on: state.today,
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fine(fen: i64) -> Penalty {
        Penalty {
            kind: PenaltyType::Fine,
            amount_fen: Some(fen),
            period_days: None,
        }
    }

    fn codes(r: Result<(), Refusal>) -> Vec<String> {
        r.err()
            .map(|e| e.reasons.iter().map(|r| r.code.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn five_hundred_thousand_yuan_and_up_is_deliberated() {
        let case = crate::case::tests::case(
            crate::case::registration::CaseStage::Registered,
            "menghai.officer",
        );
        let rules = DeliberationRules::default();
        assert!(required(&case, &rules, &[fine(LARGE_AMOUNT_FEN - 1)]).is_empty());
        assert_eq!(
            required(&case, &rules, &[fine(LARGE_AMOUNT_FEN)]),
            [Trigger::LargeAmount]
        );
        let closure = Penalty {
            kind: PenaltyType::Closure,
            amount_fen: None,
            period_days: None,
        };
        assert_eq!(required(&case, &rules, &[closure]), [Trigger::PenaltyType]);
    }

    #[test]
    fn more_than_half_of_the_heads() {
        let r = DeliberationRules::default();
        assert!(!quorum(&r, 4, 2));
        assert!(quorum(&r, 4, 3));
        assert!(quorum(&r, 3, 2));
        assert!(!quorum(&r, 0, 0));
    }

    #[test]
    fn a_record_names_each_defect() {
        let heads: Vec<String> = ["ju.head", "ju.deputy", "ju.deputy2"]
            .map(String::from)
            .to_vec();
        let rules = DeliberationRules::default();
        let op = |m: &str| MemberOpinion {
            member: m.into(),
            opinion: "同意".into(),
        };
        let two = ["ju.head".to_owned(), "ju.deputy".to_owned()];
        assert!(
            check_record(
                &rules,
                &heads,
                &two,
                &[op("ju.head"), op("ju.deputy")],
                "同意处罚"
            )
            .is_ok()
        );
        assert_eq!(
            codes(check_record(&rules, &heads, &two, &[op("ju.head")], "同意")),
            ["deliberation.opinion_missing"]
        );
        assert_eq!(
            codes(check_record(
                &rules,
                &heads,
                &["ju.head".into()],
                &[op("ju.head")],
                "同意"
            )),
            ["deliberation.no_quorum"]
        );
        let outsider = ["ju.head".to_owned(), "menghai.officer".to_owned()];
        assert_eq!(
            codes(check_record(
                &rules,
                &heads,
                &outsider,
                &[op("ju.head"), op("menghai.officer")],
                "同意"
            )),
            ["deliberation.not_a_head"]
        );
        assert_eq!(
            codes(check_record(
                &rules,
                &heads,
                &two,
                &[op("ju.head"), op("ju.deputy")],
                " "
            )),
            ["field.required"]
        );
    }

    proptest! {
        /// A larger fine never removes the need to deliberate.
        #[test]
        fn a_larger_fine_never_removes_it(a in 1i64..200_000_000, extra in 0i64..200_000_000) {
            let case = crate::case::tests::case(
                crate::case::registration::CaseStage::Registered,
                "menghai.officer",
            );
            let rules = DeliberationRules::default();
            let before = required(&case, &rules, &[fine(a)]);
            let after = required(&case, &rules, &[fine(a + extra)]);
            prop_assert!(before.iter().all(|t| after.contains(t)));
        }

        /// More heads attending never loses the quorum.
        #[test]
        fn more_attendees_never_lose_the_quorum(heads in 1usize..12, a in 0usize..12, more in 0usize..12) {
            let rules = DeliberationRules::default();
            let a = a.min(heads);
            let b = (a + more).min(heads);
            prop_assert!(!quorum(&rules, heads, a) || quorum(&rules, heads, b));
        }
    }
}
