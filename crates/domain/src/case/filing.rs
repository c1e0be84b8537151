//! Filing upward (备案): a case the higher authority supervises is filed with it within 20 days
//! after closing, before the file is sealed. Which cases are supervised is the bureau's
//! setting (`app.filing_upward`).
//!
//! 《环境行政处罚办法》(2010) 第七十四条, `shared/reference/rules.md` §1.2 step 13a.

use super::penalty::PenaltyType;
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

pub const FILING: LegalSource = LegalSource {
    zh_cn: "《环境行政处罚办法》第七十四条",
    en: "Measures on Environmental Administrative Penalties (2010), Art. 74",
};

/// Which closed cases are filed upward, with whom, and within how many days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilingRules {
    pub days: u32,
    /// The higher authority filed with.
    pub organ: String,
    /// Supervised when the decision imposes one of these penalties (UNCONFIRMED).
    pub penalty_types: Vec<PenaltyType>,
    /// Supervised when a fine is at least this much (UNCONFIRMED).
    pub fine_at_or_above_fen: Option<i64>,
}

impl Default for FilingRules {
    fn default() -> Self {
        FilingRules {
            days: 20,
            organ: "云南省生态环境厅".into(),
            penalty_types: vec![PenaltyType::Closure, PenaltyType::PermitRevocation],
            fine_at_or_above_fen: Some(100_000_000),
        }
    }
}

/// Whether the higher authority supervises the case under `rules`.
pub fn supervised(case: &Case, rules: &FilingRules) -> bool {
    let Some(d) = case.proceedings.decision.as_ref() else {
        return false;
    };
    d.penalties.iter().any(|p| {
        rules.penalty_types.contains(&p.kind)
            || (p.kind == PenaltyType::Fine
                && rules
                    .fine_at_or_above_fen
                    .zip(p.amount_fen)
                    .is_some_and(|(min, a)| a >= min))
    })
}

/// The last day a supervised closed case is filed in time, while it is not filed.
pub fn filing_due(case: &Case, rules: &FilingRules, calendar: &Calendar) -> Option<NaiveDate> {
    let closed = case.proceedings.closing.as_ref()?;
    if !supervised(case, rules) || case.proceedings.filing.is_some() {
        return None;
    }
    Some(calendar.add_days(closed.closed_on, rules.days).value)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filing {
    pub organ: String,
    pub filed_on: NaiveDate,
    /// The receipt's or the letter's number.
    pub reference: String,
    /// The filing letter or the higher authority's receipt, evidence of the case.
    pub evidence_id: Uuid,
    pub filed_by: String,
    /// Filed after the period: kept for the case file review.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
}

#[derive(Clone, Debug)]
pub struct FileUpward {
    pub case_id: Uuid,
    pub filed_on: NaiveDate,
    pub reference: String,
    pub evidence_id: Uuid,
    pub expected_version: i64,
}

pub struct FilingState {
    pub case: Case,
    pub rules: FilingRules,
    pub calendar: std::sync::Arc<Calendar>,
    pub evidence_case: Option<Uuid>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiledUpward {
    pub case_id: Uuid,
    pub county_code: String,
    pub filing: Filing,
}

impl crate::event::EventPayload for FiledUpward {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An officer records the filing of the closed case with the higher authority (a case the
/// settings mark as supervised must be filed before it is archived).
pub fn decide_file_upward(
    state: &FilingState,
    actor: &Actor,
    cmd: &FileUpward,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_in_reach(actor, case, cmd.expected_version)?;
    check_texts([("reference", cmd.reference.as_str(), false)])?;
    let mut invalid = Reasons::default();
    check_note("reference", &cmd.reference, true, &mut invalid);
    if state.evidence_case != Some(case.id) {
        invalid.push(Reason::new("record.evidence_unknown").field("evidence_id"));
    }
    let closed_on = case.proceedings.closing.as_ref().map(|c| c.closed_on);
    if cmd.filed_on > state.today || closed_on.is_some_and(|c| cmd.filed_on < c) {
        invalid.push(
            Reason::new("filing.date_out_of_range")
                .field("filed_on")
                .arg(
                    "closed_on",
                    closed_on.map(|c| c.to_string()).unwrap_or_default(),
                )
                .arg("today", state.today),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = Reasons::default();
    // A case the settings do not mark may still be filed: the higher authority designates
    // cases for supervision one by one (督办) too.
    if case.stage != CaseStage::Closed {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if case.proceedings.filing.is_some() {
        unmet.push(Reason::new("filing.already_filed"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let due = closed_on.map(|c| state.calendar.add_days(c, state.rules.days).value);
    Ok(vec![
        FiledUpward {
            case_id: case.id,
            county_code: case.county_code.clone(),
            filing: Filing {
                organ: state.rules.organ.clone(),
                filed_on: cmd.filed_on,
                reference: cmd.reference.trim().to_owned(),
                evidence_id: cmd.evidence_id,
                filed_by: actor.name().to_owned(),
                late: due.is_some_and(|d| cmd.filed_on > d),
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::penalty::Penalty;

    #[test]
    fn supervised_cases_are_filed_within_twenty_days_of_closing_before_the_archive() {
        let calendar = crate::calendar::tests::cal2026();
        let rules = FilingRules::default();
        let mut case = crate::case::tests::case(CaseStage::Closed, "menghai.officer");
        let decided = |fen: i64| crate::case::decision::Decision {
            outcome: crate::case::decision::Outcome::Penalty,
            penalties: vec![Penalty {
                kind: PenaltyType::Fine,
                amount_fen: Some(fen),
                period_days: None,
            }],
            reasons: String::new(),
            notice_id: None,
            decided_by: "ju.head".into(),
            decided_on: "2026-06-01".parse().unwrap(),
        };
        case.proceedings.decision = Some(decided(600_000));
        case.proceedings.closing = Some(crate::case::performance::Closing {
            ground: crate::case::performance::Ground::Performed,
            reason: String::new(),
            evidence_id: None,
            closed_by: "ju.head".into(),
            closed_on: "2026-06-10".parse().unwrap(),
        });
        assert!(!supervised(&case, &rules));
        assert_eq!(filing_due(&case, &rules, &calendar), None);
        case.proceedings.decision = Some(decided(100_000_000));
        assert!(supervised(&case, &rules));
        // 20 days after Wednesday 10 June: Tuesday 30 June.
        assert_eq!(
            filing_due(&case, &rules, &calendar),
            Some("2026-06-30".parse().unwrap())
        );
        let unmet = crate::case::archive::archive_unmet(&case, &[], &rules);
        assert_eq!(unmet[0].code, "archive.filing_pending");
    }
}
