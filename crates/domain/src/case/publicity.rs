//! Publicity of decisions (行政处罚决定公开): a decision with social impact is published
//! without sign-in within the configured period — the party's name for an organisation, masked
//! for a natural person, never personal data — and withdrawn, with its reason, within 3 working
//! days when the decision is changed, revoked, or confirmed unlawful or void.
//!
//! 《中华人民共和国行政处罚法》第四十八条 (publication of decisions with a certain social
//! impact; withdrawal within 3 working days with reasons); MEE Order No. 30, section 信息公开
//! (its period is UNCONFIRMED: a setting), `shared/reference/rules.md` §1.2 step 10.

use super::decision::{Decision, Outcome};
use super::performance::{check_note, officer_in_reach};
use super::registration::{Case, CaseStage};
use crate::calendar::Calendar;
use crate::event::Payload;
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const PUBLICITY: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第四十八条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 48",
};

/// Working days within which a published decision that was changed, revoked, or confirmed
/// unlawful or void is withdrawn (APL Art. 48 para. 2).
pub const WITHDRAWAL_DAYS: u32 = 3;

/// Which decisions are published, and by when (settings `app.publicity`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicityRules {
    /// Working days after the decision within which it is published (UNCONFIRMED: local
    /// practice seen is 7, a catalogue 20).
    pub days: u32,
    /// The outcomes published when the party is an organisation (or a registered entity).
    pub organisations: Vec<Outcome>,
    /// The outcomes published when the party is a natural person.
    pub natural_persons: Vec<Outcome>,
}

impl Default for PublicityRules {
    fn default() -> Self {
        PublicityRules {
            days: 7,
            organisations: vec![Outcome::Penalty],
            natural_persons: Vec::new(),
        }
    }
}

/// Why a publication is withdrawn (APL Art. 48 para. 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalGround {
    Changed,
    Revoked,
    ConfirmedUnlawful,
    ConfirmedVoid,
}

impl WithdrawalGround {
    pub const ALL: [WithdrawalGround; 4] = [
        WithdrawalGround::Changed,
        WithdrawalGround::Revoked,
        WithdrawalGround::ConfirmedUnlawful,
        WithdrawalGround::ConfirmedVoid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WithdrawalGround::Changed => "changed",
            WithdrawalGround::Revoked => "revoked",
            WithdrawalGround::ConfirmedUnlawful => "confirmed_unlawful",
            WithdrawalGround::ConfirmedVoid => "confirmed_void",
        }
    }

    pub fn parse(s: &str) -> Option<WithdrawalGround> {
        WithdrawalGround::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    pub ground: WithdrawalGround,
    /// Public: why it was withdrawn.
    pub reason: String,
    /// The day the decision was changed, revoked or confirmed unlawful or void.
    pub changed_on: NaiveDate,
    pub withdrawn_on: NaiveDate,
    pub withdrawn_by: String,
    /// Withdrawn after the 3 working days: kept for the case file review.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
}

/// What the public page shows of a decision: nothing else of the case is public.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    pub id: Uuid,
    /// The decision's 文号.
    pub number: String,
    /// The organisation's name, or a natural person's masked (`mask_name`).
    pub party: String,
    /// An organisation's unified social credit code; never a person's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    pub natural_person: bool,
    pub county_code: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub penalties: Vec<super::penalty::Penalty>,
    /// The facts and basis as published (written for the public: checked for personal data).
    pub summary: String,
    pub decided_on: NaiveDate,
    pub published_on: NaiveDate,
    pub published_by: String,
    /// Published after the configured period: kept for the case file review.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
}

/// A natural person's name as published: the surname, the rest masked (张三 → 张*).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
    }
}

/// Whether the decision of `case` must be published under `rules`.
pub fn required(case: &Case, rules: &PublicityRules) -> bool {
    let Some(d) = case.proceedings.decision.as_ref() else {
        return false;
    };
    let person = matches!(case.facts.party, Some(super::party::Party::Person { .. }));
    let list = if person {
        &rules.natural_persons
    } else {
        &rules.organisations
    };
    list.contains(&d.outcome)
}

/// The publication in force (published, not withdrawn).
pub fn current(case: &Case) -> Option<&Publication> {
    case.proceedings
        .publications
        .iter()
        .rfind(|p| p.withdrawal.is_none())
}

/// The last day the decision is published in time, while it is required and not yet published.
pub fn publication_due(
    case: &Case,
    rules: &PublicityRules,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    let d = case.proceedings.decision.as_ref()?;
    if !required(case, rules) || !case.proceedings.publications.is_empty() {
        return None;
    }
    Some(calendar.add_working_days(d.decided_on, rules.days).value)
}

/// The last day a publication is withdrawn in time after the decision changed on `changed_on`.
pub fn withdrawal_due(calendar: &Calendar, changed_on: NaiveDate) -> NaiveDate {
    calendar.add_working_days(changed_on, WITHDRAWAL_DAYS).value
}

/// Personal data a published text must not hold: an ID number (18 characters, digits with a
/// final X), a mobile number (11 digits from 13–19), or the natural person's name.
pub fn personal_data(text: &str, person_name: Option<&str>) -> Option<&'static str> {
    // Full-width digits read as digits; spaces and dashes between digits do not break a number;
    // a leading +86 is the country's code.
    let folded: Vec<char> = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'Ｘ' | 'ｘ' => 'X',
            _ => c,
        })
        .collect();
    let mut kept: Vec<char> = Vec::with_capacity(folded.len());
    for (i, c) in folded.iter().enumerate() {
        let between_digits = i > 0
            && folded[i - 1].is_ascii_digit()
            && folded.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if matches!(c, ' ' | '-' | '－' | '—' | '\u{3000}') && between_digits {
            continue;
        }
        kept.push(*c);
    }
    let chars: Vec<char> = kept
        .iter()
        .collect::<String>()
        .replace("+86 ", "")
        .replace("+86", "")
        .chars()
        .collect();
    // Runs of ASCII digits (with a trailing X for IDs).
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let len = i - start;
            let x = i < chars.len() && matches!(chars[i], 'X' | 'x');
            if len == 18 || (len == 17 && x) || len == 15 {
                return Some("id_number");
            }
            if len == 11 && chars[start] == '1' && ('3'..='9').contains(&chars[start + 1]) {
                return Some("phone");
            }
        } else {
            i += 1;
        }
    }
    match person_name.map(str::trim) {
        Some(n) if n.chars().count() >= 2 && text.contains(n) => Some("name"),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct PublishDecision {
    pub case_id: Uuid,
    pub summary: String,
    pub expected_version: i64,
}

pub struct PublishState {
    pub case: Case,
    pub rules: PublicityRules,
    pub calendar: std::sync::Arc<Calendar>,
    /// The decision document's 文号, once issued.
    pub number: Option<String>,
    /// The party as registered: (name, USCC) of an organisation, or a natural person's name.
    pub party: Option<(String, Option<String>)>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionPublished {
    pub case_id: Uuid,
    pub county_code: String,
    pub publication: Publication,
}

impl crate::event::EventPayload for DecisionPublished {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

const SUMMARY_MAX: usize = 2000;

fn decision_of(case: &Case) -> Result<&Decision, Refusal> {
    case.proceedings.decision.as_ref().ok_or_else(|| {
        Refusal::one(
            RefusalKind::Conflict,
            Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()),
        )
    })
}

/// An officer publishes the decision: its number, the party (masked if a natural person), the
/// penalties and a summary written for the public, refused if the summary holds personal data.
pub fn decide_publish_decision(
    state: &PublishState,
    actor: &Actor,
    cmd: &PublishDecision,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_in_reach(actor, case, cmd.expected_version)?;
    check_texts([("summary", cmd.summary.as_str(), true)])?;
    let person = matches!(case.facts.party, Some(super::party::Party::Person { .. }));
    let person_name = match (&state.party, person) {
        (Some((n, _)), true) => Some(n.as_str()),
        _ => None,
    };
    let mut invalid = Reasons::default();
    if cmd.summary.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("summary"));
    } else if cmd.summary.chars().count() > SUMMARY_MAX {
        invalid.push(
            Reason::new("field.too_long")
                .field("summary")
                .arg("max", SUMMARY_MAX),
        );
    } else if let Some(what) = personal_data(&cmd.summary, person_name) {
        invalid.push(
            Reason::new("publicity.personal_data")
                .field("summary")
                .arg("what", format!("ui:personal_{what}")),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = Reasons::default();
    if !matches!(
        case.stage,
        CaseStage::Decided | CaseStage::Closed | CaseStage::Archived
    ) {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if current(case).is_some() {
        unmet.push(Reason::new("publicity.already_published"));
    } else if case
        .proceedings
        .publications
        .last()
        .and_then(|p| p.withdrawal.as_ref())
        .is_some_and(|w| w.ground != WithdrawalGround::Changed)
    {
        // A decision revoked, or confirmed unlawful or void, is not published again.
        unmet.push(Reason::new("publicity.withdrawn_for_good").source(PUBLICITY));
    }
    if state.number.is_none() && case.proceedings.decision.is_some() {
        unmet.push(Reason::new("publicity.no_decision_document"));
    }
    if state.party.is_none() {
        unmet.push(Reason::new("publicity.no_party"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let Some((party, uscc)) = state.party.clone() else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("publicity.no_party"),
        ));
    };
    let decision = decision_of(case)?;
    let due = state
        .calendar
        .add_working_days(decision.decided_on, state.rules.days)
        .value;
    Ok(vec![
        DecisionPublished {
            case_id: case.id,
            county_code: case.county_code.clone(),
            publication: Publication {
                id: Uuid::now_v7(),
                number: state.number.clone().unwrap_or_default(),
                party: if person { mask_name(&party) } else { party },
                uscc: if person { None } else { uscc },
                natural_person: person,
                county_code: case.county_code.clone(),
                outcome: decision.outcome,
                penalties: decision.penalties.clone(),
                summary: cmd.summary.trim().to_owned(),
                decided_on: decision.decided_on,
                published_on: state.today,
                published_by: actor.name().to_owned(),
                late: state.today > due,
                withdrawal: None,
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct WithdrawPublication {
    pub case_id: Uuid,
    pub ground: WithdrawalGround,
    pub reason: String,
    pub changed_on: NaiveDate,
    pub expected_version: i64,
}

pub struct WithdrawState {
    pub case: Case,
    pub calendar: std::sync::Arc<Calendar>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationWithdrawn {
    pub case_id: Uuid,
    pub county_code: String,
    pub publication_id: Uuid,
    pub withdrawal: Withdrawal,
}

impl crate::event::EventPayload for PublicationWithdrawn {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// A head withdraws the publication in force, with its public reason and the day the decision
/// changed; late withdrawals stand, marked for the case file review. Accepted on an archived
/// case too: the law requires it, and it changes nothing in the sealed volumes.
pub fn decide_withdraw_publication(
    state: &WithdrawState,
    actor: &Actor,
    cmd: &WithdrawPublication,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = crate::permission::reach(actor, crate::permission::Capability::CaseApprove)?;
    if !crate::permission::within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    super::clue::stale(case.version, cmd.expected_version)?;
    check_texts([("reason", cmd.reason.as_str(), true)])?;
    let mut invalid = Reasons::default();
    check_note("reason", &cmd.reason, true, &mut invalid);
    if let Some(what) = personal_data(&cmd.reason, None) {
        invalid.push(
            Reason::new("publicity.personal_data")
                .field("reason")
                .arg("what", format!("ui:personal_{what}")),
        );
    }
    if cmd.changed_on > state.today {
        invalid.push(
            Reason::new("publicity.changed_on_in_future")
                .field("changed_on")
                .arg("today", state.today),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let Some(p) = current(case) else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("publicity.not_published").source(PUBLICITY),
        ));
    };
    Ok(vec![
        PublicationWithdrawn {
            case_id: case.id,
            county_code: case.county_code.clone(),
            publication_id: p.id,
            withdrawal: Withdrawal {
                ground: cmd.ground,
                reason: cmd.reason.trim().to_owned(),
                changed_on: cmd.changed_on,
                withdrawn_on: state.today,
                withdrawn_by: actor.name().to_owned(),
                late: state.today > withdrawal_due(&state.calendar, cmd.changed_on),
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_and_personal_data_is_refused() {
        assert_eq!(mask_name("岩温"), "岩*");
        assert_eq!(mask_name("欧阳修文"), "欧***");
        assert_eq!(mask_name("玉"), "玉*");
        assert_eq!(
            personal_data("身份证号53282219900101123X的当事人", None),
            Some("id_number")
        );
        assert_eq!(
            personal_data("号码532822199001011234", None),
            Some("id_number")
        );
        assert_eq!(personal_data("电话13812345678", None), Some("phone"));
        assert_eq!(personal_data("罚款20000元，2026年3月2日", None), None);
        assert_eq!(
            personal_data("统一社会信用代码91532822MA6K0ABC12", None),
            None
        );
        assert_eq!(
            personal_data("当事人岩温在河边", Some("岩温")),
            Some("name")
        );
        assert_eq!(personal_data("当事人岩*在河边", Some("岩温")), None);
        assert_eq!(
            personal_data("电话１３８１２３４５６７８", None),
            Some("phone")
        );
        assert_eq!(personal_data("电话138-1234-5678", None), Some("phone"));
        assert_eq!(personal_data("电话+86 138 1234 5678", None), Some("phone"));
        assert_eq!(
            personal_data("旧身份证532822900101123", None),
            Some("id_number")
        );
        assert_eq!(personal_data("2026-06-01 罚款 20000 元", None), None);
    }
}
