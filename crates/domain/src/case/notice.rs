//! The advance notice (行政处罚事先告知书, or 事先（听证）告知书 when the penalties give a hearing
//! right): before deciding, the authority tells the party the intended penalties, their facts,
//! reasons and legal basis, and the rights to state and defend and, where they apply, to a
//! hearing. No decision without it.
//!
//! 《中华人民共和国行政处罚法》第四十四条 (the notice), 第四十五条 (no heavier penalty because of a
//! defence), 第六十三条 (the hearing right).

use super::clue::stale;
use super::party::Party;
use super::penalty::{HearingRules, Penalty, PenaltyType, check_penalties, heavier_than_noticed};
use super::registration::{Case, CaseStage, LegalBasis, check_legal_basis};
use super::review::Opinion;
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const NOTICE: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第四十四条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 44",
};

/// The benchmark calculation a notice's fine follows (or departs from), kept with the notice:
/// its inputs, the version and the amount, so a later table never changes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkUse {
    pub item: String,
    pub version: String,
    #[serde(default)]
    pub facts: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub circumstances: Vec<String>,
    /// The amount the benchmark gives.
    pub amount_fen: i64,
    /// The notice's fine differs from it: why (for the legal reviewer).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub departure_reason: String,
}

impl BenchmarkUse {
    pub fn departs(&self) -> bool {
        !self.departure_reason.is_empty()
    }

    /// The use as kept with `fine`: a reason only where the fine departs (following the
    /// benchmark needs none).
    pub fn kept(&self, fine: Option<i64>) -> BenchmarkUse {
        BenchmarkUse {
            departure_reason: if fine == Some(self.amount_fen) {
                String::new()
            } else {
                self.departure_reason.trim().to_owned()
            },
            ..self.clone()
        }
    }

    /// The fine follows the benchmark's amount, or says why not (APL Art. 5: like cases, like
    /// penalties; the reason goes to the legal reviewer): the reason missing, or too long.
    pub fn unexplained(&self, fine: i64) -> Option<(RefusalKind, Reason)> {
        let reason = self.departure_reason.trim();
        if reason.chars().count() > 5000 {
            return Some((
                RefusalKind::Invalid,
                Reason::new("field.too_long")
                    .field("benchmark.departure_reason")
                    .arg("max", 5000),
            ));
        }
        (fine != self.amount_fen && reason.is_empty()).then(|| {
            (
                RefusalKind::Conflict,
                Reason::new("notice.departure_unexplained")
                    .field("benchmark.departure_reason")
                    .arg("benchmark", super::penalty::yuan(self.amount_fen))
                    .arg("fine", super::penalty::yuan(fine)),
            )
        })
    }
}

/// A notice as the case keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceNotice {
    pub id: Uuid,
    pub penalties: Vec<Penalty>,
    pub facts: String,
    pub reasons: String,
    pub legal_basis: Vec<LegalBasis>,
    /// The penalties that give the party a hearing right (empty: none; the plain notice form).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hearing_grounds: Vec<PenaltyType>,
    /// The facts found after the notice before it, stated apart (the windows start again,
    /// and the penalty may differ); empty for a notice on the same facts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub new_facts: String,
    pub issued_by: String,
    pub issued_on: NaiveDate,
    /// Working days after service for statement and defence, as the notice states them (the
    /// setting when it was issued).
    #[serde(default = "default_statement_days")]
    pub statement_days: u32,
    /// The discretion benchmark the fine was calculated by, when one was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benchmark: Option<BenchmarkUse>,
}

fn default_statement_days() -> u32 {
    5
}

impl AdvanceNotice {
    pub fn hearing_right(&self) -> bool {
        !self.hearing_grounds.is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct IssueAdvanceNotice {
    pub case_id: Uuid,
    pub id: Uuid,
    pub penalties: Vec<Penalty>,
    pub facts: String,
    pub reasons: String,
    pub legal_basis: Vec<LegalBasis>,
    /// The newly found facts, for a notice on new facts; empty otherwise.
    pub new_facts: String,
    /// The benchmark calculation used (computed by the server from its inputs), and why the
    /// fine departs from it, if it does.
    pub benchmark: Option<BenchmarkUse>,
    pub expected_version: i64,
}

pub struct IssueAdvanceNoticeState {
    pub case: Case,
    pub rules: HearingRules,
    /// `app.statement_days`, printed on the notice and kept with it.
    pub statement_days: u32,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceNoticeIssued {
    pub case_id: Uuid,
    pub county_code: String,
    pub notice: AdvanceNotice,
}

impl crate::event::EventPayload for AdvanceNoticeIssued {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// The notice's texts: facts and reasons required, within bounds.
fn check_notice_texts(cmd: &IssueAdvanceNotice, invalid: &mut Reasons) -> Result<(), Refusal> {
    let mut texts = vec![
        ("facts", cmd.facts.as_str(), true),
        ("reasons", cmd.reasons.as_str(), true),
        ("new_facts", cmd.new_facts.as_str(), true),
    ];
    if let Some(b) = &cmd.benchmark {
        texts.push((
            "benchmark.departure_reason",
            b.departure_reason.as_str(),
            true,
        ));
    }
    for b in &cmd.legal_basis {
        texts.push(("legal_basis", b.law.as_str(), false));
        texts.push(("legal_basis", b.article.as_str(), false));
    }
    check_texts(texts)?;
    for (field, text) in [("facts", &cmd.facts), ("reasons", &cmd.reasons)] {
        if text.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(field));
        } else if text.chars().count() > 20_000 {
            invalid.push(
                Reason::new("field.too_long")
                    .field(field)
                    .arg("max", 20_000),
            );
        }
    }
    if cmd.new_facts.chars().count() > 20_000 {
        invalid.push(
            Reason::new("field.too_long")
                .field("new_facts")
                .arg("max", 20_000),
        );
    }
    if cmd.legal_basis.is_empty() {
        invalid.push(Reason::new("field.required").field("legal_basis"));
    }
    check_legal_basis(&cmd.legal_basis, invalid);
    Ok(())
}

pub fn decide_issue_advance_notice(
    state: &IssueAdvanceNoticeState,
    actor: &Actor,
    cmd: &IssueAdvanceNotice,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::EnforcementAct)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let mut invalid = Reasons::default();
    check_notice_texts(cmd, &mut invalid)?;
    if let Err(e) = check_penalties("penalties", &cmd.penalties) {
        for reason in e.reasons {
            invalid.push(reason);
        }
    }
    invalid.into_result(RefusalKind::Invalid)?;

    let mut unmet = Reasons::default();
    let agreed = case.stage == CaseStage::Reviewed
        && case
            .review
            .as_ref()
            .is_some_and(|r| r.opinion == Opinion::Agree);
    if !agreed {
        unmet.push(Reason::new("notice.review_not_agreed").source(NOTICE));
    }
    let party = match &case.facts.party {
        None | Some(Party::Unidentified) => {
            unmet.push(Reason::new("notice.party_unidentified").source(NOTICE));
            None
        }
        Some(p) => Some(p),
    };
    if !case.acting_officers().iter().any(|o| o == actor.name()) {
        unmet.push(Reason::new("notice.not_an_officer_of_the_case"));
    }
    // A hearing asked for is held (or waived) first: its record closes the hearing's period.
    if case
        .proceedings
        .hearings
        .iter()
        .any(|h| h.outcome.is_none())
    {
        unmet.push(Reason::new("notice.hearing_pending"));
    }
    // After a notice: on the same facts never heavier than any notice on those facts (APL
    // Art. 45) — the notices since the last one on new facts; new facts are stated apart, and
    // are recorded for the legal review to weigh.
    let new_facts = cmd.new_facts.trim();
    if case.notices.is_empty() {
        if !new_facts.is_empty() {
            unmet.push(Reason::new("notice.no_earlier_notice").field("new_facts"));
        }
    } else if new_facts.is_empty() {
        let since = case
            .notices
            .iter()
            .rposition(|n| !n.new_facts.is_empty())
            .unwrap_or(0);
        let mut seen = Vec::new();
        for earlier in &case.notices[since..] {
            for reason in heavier_than_noticed(&earlier.penalties, &cmd.penalties) {
                if !seen.contains(&reason) {
                    seen.push(reason.clone());
                    unmet.push(reason);
                }
            }
        }
    } else if case
        .notices
        .iter()
        .any(|n| n.facts.contains(new_facts) || n.new_facts.trim() == new_facts)
    {
        unmet.push(Reason::new("notice.facts_unchanged").field("new_facts"));
    }
    if let Some(b) = &cmd.benchmark {
        let fine = cmd
            .penalties
            .iter()
            .find(|p| p.kind == super::penalty::PenaltyType::Fine)
            .and_then(|p| p.amount_fen);
        // The reason's length is checked whether or not there is a fine (an amount equal to
        // the benchmark's never asks for the reason).
        if let Some((kind @ RefusalKind::Invalid, r)) = b.unexplained(b.amount_fen) {
            return Err(Refusal::one(kind, r));
        }
        match fine.map(|f| b.unexplained(f)) {
            None => unmet.push(Reason::new("notice.benchmark_without_fine").field("benchmark")),
            Some(Some((RefusalKind::Conflict, r))) => unmet.push(r),
            Some(Some((kind, r))) => return Err(Refusal::one(kind, r)),
            Some(None) => {}
        }
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let party_is_person = matches!(party, Some(Party::Person { .. }));
    let hearing_grounds =
        super::penalty::hearing_grounds(&state.rules, party_is_person, &cmd.penalties);
    Ok(vec![
        AdvanceNoticeIssued {
            case_id: case.id,
            county_code: case.county_code.clone(),
            notice: AdvanceNotice {
                id: cmd.id,
                penalties: cmd.penalties.clone(),
                facts: cmd.facts.trim().to_owned(),
                reasons: cmd.reasons.trim().to_owned(),
                legal_basis: cmd
                    .legal_basis
                    .iter()
                    .map(|b| LegalBasis {
                        law: b.law.trim().to_owned(),
                        article: b.article.trim().to_owned(),
                    })
                    .collect(),
                hearing_grounds,
                new_facts: new_facts.to_owned(),
                issued_by: actor.name().to_owned(),
                issued_on: state.today,
                statement_days: state.statement_days,
                benchmark: cmd.benchmark.as_ref().map(|b| {
                    b.kept(
                        cmd.penalties
                            .iter()
                            .find(|p| p.kind == super::penalty::PenaltyType::Fine)
                            .and_then(|p| p.amount_fen),
                    )
                }),
            },
        }
        .into(),
    ])
}
