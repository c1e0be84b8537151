//! The end of the investigation and the case review (案件审查): investigation is separated from
//! decision (查处分离). An investigator reports the facts, the evidence and a proposed handling;
//! the detachment leader or a legal reviewer who did not investigate reviews it, and either
//! agrees or sends it back for supplementary investigation.

use super::clue::stale;
use super::registration::{Case, CaseStage, LegalBasis};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Investigation and review are done by different people.
///
/// 《环境行政处罚办法》(2010) 第五条 (查处分离) and 第四十四条至第四十七条 (the investigating unit
/// reports, the case-review unit reviews); `rules.md` §1.2 steps 3–4.
pub const SEPARATION: LegalSource = LegalSource {
    zh_cn: "《环境行政处罚办法》第五条、第四十六条",
    en: "Measures on Environmental Administrative Penalties (2010), Arts. 5 and 46",
};

/// The investigation report (调查终结报告).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub facts: String,
    pub evidence_ids: Vec<Uuid>,
    pub proposed_handling: String,
    pub legal_basis: Vec<LegalBasis>,
    pub by: String,
    /// The fine the investigator proposes, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_fine_fen: Option<i64>,
    /// The discretion benchmark the proposed fine was calculated by (and why it departs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benchmark: Option<super::notice::BenchmarkUse>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Opinion {
    Agree,
    SupplementaryInvestigation,
    Other,
}

/// What the review marks for the steps after it: with a hearing held, they decide whether legal
/// review is needed ("Cases 4").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewFlag {
    MajorPublicInterest,
    MajorRights,
    Complex,
    OtherLaw,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub opinion: Opinion,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reasons: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<ReviewFlag>,
    pub by: String,
}

/// The case review agreed and the case stands reviewed: what the advance notice and the legal
/// review wait for.
pub fn agreed(case: &Case) -> bool {
    case.stage == CaseStage::Reviewed
        && case
            .review
            .as_ref()
            .is_some_and(|r| r.opinion == Opinion::Agree)
}

/// Who investigated: the team (officers and assistants, recused or not) and the reporter.
pub fn investigators(case: &Case) -> Vec<String> {
    let mut v: Vec<String> = case
        .team
        .as_ref()
        .map(|t| t.officers.iter().chain(&t.assistants).cloned().collect())
        .unwrap_or_default();
    if let Some(r) = &case.report {
        v.push(r.by.clone());
    }
    v
}

#[derive(Clone, Debug)]
pub struct SubmitReport {
    pub case_id: Uuid,
    pub facts: String,
    pub evidence_ids: Vec<Uuid>,
    pub proposed_handling: String,
    pub legal_basis: Vec<LegalBasis>,
    /// A fine proposed; with a benchmark and none given, the benchmark's amount.
    pub proposed_fine_fen: Option<i64>,
    /// Calculated by the server from its inputs.
    pub benchmark: Option<super::notice::BenchmarkUse>,
    pub expected_version: i64,
}

pub struct SubmitReportState {
    pub case: Case,
    /// For each evidence id named: the subject it belongs to, `None` if unknown.
    pub evidence_subjects: Vec<Option<Uuid>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestigationReported {
    pub case_id: Uuid,
    pub county_code: String,
    pub report: Report,
}

impl crate::event::EventPayload for InvestigationReported {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An officer of the case reports the end of the investigation; the case goes to review.
pub fn decide_submit_report(
    state: &SubmitReportState,
    actor: &Actor,
    cmd: &SubmitReport,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::EnforcementAct)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let mut texts = vec![
        ("facts", cmd.facts.as_str(), true),
        ("proposed_handling", cmd.proposed_handling.as_str(), true),
    ];
    for b in &cmd.legal_basis {
        texts.push(("legal_basis", b.law.as_str(), false));
        texts.push(("legal_basis", b.article.as_str(), false));
    }
    if let Some(b) = &cmd.benchmark {
        texts.push((
            "benchmark.departure_reason",
            b.departure_reason.as_str(),
            true,
        ));
    }
    check_texts(texts)?;
    let mut invalid = Reasons::default();
    let fine = cmd
        .proposed_fine_fen
        .or(cmd.benchmark.as_ref().map(|b| b.amount_fen));
    if let Some(f) = cmd.proposed_fine_fen
        && !(1..=super::penalty::AMOUNT_MAX_FEN).contains(&f)
    {
        invalid.push(
            Reason::new("penalty.measure_out_of_range")
                .field("proposed_fine_fen")
                .arg("max", super::penalty::AMOUNT_MAX_FEN),
        );
    }
    let mut departure = None;
    if let (Some(b), Some(f)) = (&cmd.benchmark, fine) {
        match b.unexplained(f) {
            Some((RefusalKind::Conflict, r)) => departure = Some(r),
            Some((_, r)) => invalid.push(r),
            None => {}
        }
    }
    for (field, text, max) in [
        ("facts", &cmd.facts, 20_000),
        ("proposed_handling", &cmd.proposed_handling, 4000),
    ] {
        if text.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(field));
        } else if text.chars().count() > max {
            invalid.push(Reason::new("field.too_long").field(field).arg("max", max));
        }
    }
    if cmd.legal_basis.is_empty() {
        invalid.push(Reason::new("case.no_legal_basis").field("legal_basis"));
    }
    super::registration::check_legal_basis(&cmd.legal_basis, &mut invalid);
    if cmd.evidence_ids.len() > 200 {
        invalid.push(
            Reason::new("field.too_long")
                .field("evidence_ids")
                .arg("max", 200),
        );
    }
    for (i, subject) in state.evidence_subjects.iter().enumerate() {
        if *subject != Some(case.id) && *subject != Some(case.clue_id) {
            invalid
                .push(Reason::new("record.evidence_unknown").field(format!("evidence_ids[{i}]")));
        }
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let me = actor.name().to_owned();
    let mut unmet = Reasons::default();
    if case.stage != CaseStage::Registered {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if !case.acting_officers().contains(&me) {
        unmet.push(Reason::new("review.not_investigator").arg("username", &me));
    }
    if let Some(r) = departure {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        InvestigationReported {
            case_id: case.id,
            county_code: case.county_code.clone(),
            report: Report {
                facts: cmd.facts.trim().to_owned(),
                evidence_ids: cmd.evidence_ids.clone(),
                proposed_handling: cmd.proposed_handling.trim().to_owned(),
                legal_basis: cmd
                    .legal_basis
                    .iter()
                    .map(|b| LegalBasis {
                        law: b.law.trim().to_owned(),
                        article: b.article.trim().to_owned(),
                    })
                    .collect(),
                by: me,
                proposed_fine_fen: fine,
                benchmark: cmd.benchmark.as_ref().map(|b| b.kept(fine)),
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct RecordReview {
    pub case_id: Uuid,
    pub opinion: Opinion,
    pub reasons: String,
    pub flags: Vec<ReviewFlag>,
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseReviewed {
    pub case_id: Uuid,
    pub county_code: String,
    pub review: Review,
}

impl crate::event::EventPayload for CaseReviewed {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// The detachment leader or a legal reviewer who did not investigate reviews the report:
/// agreed (on to the decision), sent back for supplementary investigation (with the reasons
/// shown), or another opinion.
pub fn decide_record_review(
    case: &Case,
    actor: &Actor,
    cmd: &RecordReview,
) -> Result<Vec<Payload>, Refusal> {
    let reach = reach(actor, Capability::CaseReview)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([("reasons", cmd.reasons.as_str(), true)])?;
    let mut invalid = Reasons::default();
    if cmd.opinion != Opinion::Agree && cmd.reasons.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("reasons"));
    }
    if cmd.reasons.chars().count() > 4000 {
        invalid.push(
            Reason::new("field.too_long")
                .field("reasons")
                .arg("max", 4000),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let me = actor.name().to_owned();
    let mut unmet = Reasons::default();
    if case.stage != CaseStage::UnderReview || case.report.is_none() {
        unmet.push(Reason::new("review.no_report").arg("stage", case.stage.as_str()));
    }
    if investigators(case).contains(&me) {
        unmet.push(
            Reason::new("review.investigated")
                .arg("username", &me)
                .source(SEPARATION),
        );
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let mut flags = cmd.flags.clone();
    flags.dedup();
    Ok(vec![
        CaseReviewed {
            case_id: case.id,
            county_code: case.county_code.clone(),
            review: Review {
                opinion: cmd.opinion,
                reasons: cmd.reasons.trim().to_owned(),
                flags,
                by: me,
            },
        }
        .into(),
    ])
}
