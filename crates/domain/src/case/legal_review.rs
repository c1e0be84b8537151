//! Legal review (法制审核) before a decision, as far as its pure rules go ("Cases 4" begun): when
//! it is required, who may do it, and what a review record must hold. The commands that submit
//! and record a review, and the decision that waits for it, come with the rest of "Cases 4".
//!
//! 《中华人民共和国行政处罚法》第五十八条: before a decision, legal review is required where the
//! case involves a major public interest; directly concerns major rights of the party or a third
//! party and went through a hearing; is difficult or complex and involves several legal
//! relationships; or a law or regulation requires it. Those who first take up legal review of
//! penalty decisions must hold the national legal professional qualification (the law took
//! effect on 2021-07-15).

use super::clue::stale;
use super::penalty::{Penalty, PenaltyType, check_penalties};
use super::registration::{Case, open};
use super::review::{Opinion, ReviewFlag, investigators};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const LEGAL_REVIEW: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第五十八条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 58",
};

/// The day the 2021 Administrative Penalty Law took effect: a reviewer who first took up legal
/// review on or after it needs the legal professional qualification.
pub fn qualification_required_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 7, 15).unwrap_or(NaiveDate::MIN)
}

/// Why a case needs legal review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The review flagged a major public interest.
    MajorPublicInterest,
    /// Major rights, and a hearing was held.
    MajorRightsHeard,
    /// Difficult or complex, several legal relationships.
    Complex,
    /// Another law or regulation requires it.
    OtherLaw,
    /// The fine departs from the discretion benchmark.
    DepartsFromBenchmark,
    /// A fine at or above the bureau's setting.
    FineThreshold,
    /// A penalty type the bureau's settings name (closure, revocation, …).
    PenaltyType,
}

/// The bureau's own triggers (settings; APL Art. 58(4) leaves them to laws and regulations, and
/// the bureau's list of cases that need legal review is UNCONFIRMED here).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewTriggers {
    /// A fine (or confiscation) at or above this needs review; none: no amount trigger.
    #[serde(default)]
    pub fine_at_or_above_fen: Option<i64>,
    /// Penalty types that always need review.
    #[serde(default)]
    pub penalty_types: Vec<PenaltyType>,
}

impl Default for ReviewTriggers {
    fn default() -> Self {
        ReviewTriggers {
            fine_at_or_above_fen: None,
            penalty_types: vec![
                PenaltyType::PermitRevocation,
                PenaltyType::Closure,
                PenaltyType::BusinessSuspension,
            ],
        }
    }
}

/// Whether a hearing of the case was held (not waived by absence or leaving).
fn hearing_held(case: &Case) -> bool {
    case.proceedings
        .hearings
        .iter()
        .any(|h| h.outcome.as_ref().is_some_and(|o| !o.waived()))
}

/// Whether the fine the case now stands at departs from the benchmark: the last notice's, or
/// before any notice the report's.
pub fn departs_from_benchmark(case: &Case) -> bool {
    match case.notices.last() {
        Some(n) => n.benchmark.as_ref().is_some_and(|b| b.departs()),
        None => case
            .report
            .as_ref()
            .and_then(|r| r.benchmark.as_ref())
            .is_some_and(|b| b.departs()),
    }
}

/// Every reason the case needs legal review before `penalties` are decided (empty: none).
pub fn required(case: &Case, triggers: &ReviewTriggers, penalties: &[Penalty]) -> Vec<Trigger> {
    let mut out = Vec::new();
    let flags = case
        .review
        .as_ref()
        .map(|r| r.flags.clone())
        .unwrap_or_default();
    for (flag, trigger) in [
        (
            ReviewFlag::MajorPublicInterest,
            Trigger::MajorPublicInterest,
        ),
        (ReviewFlag::Complex, Trigger::Complex),
        (ReviewFlag::OtherLaw, Trigger::OtherLaw),
    ] {
        if flags.contains(&flag) {
            out.push(trigger);
        }
    }
    if flags.contains(&ReviewFlag::MajorRights) && hearing_held(case) {
        out.push(Trigger::MajorRightsHeard);
    }
    if departs_from_benchmark(case) {
        out.push(Trigger::DepartsFromBenchmark);
    }
    if let Some(limit) = triggers.fine_at_or_above_fen
        && penalties.iter().any(|p| {
            matches!(
                p.kind,
                PenaltyType::Fine | PenaltyType::ConfiscateGains | PenaltyType::ConfiscateProperty
            ) && p.amount_fen.is_some_and(|a| a >= limit)
        })
    {
        out.push(Trigger::FineThreshold);
    }
    if penalties
        .iter()
        .any(|p| triggers.penalty_types.contains(&p.kind))
    {
        out.push(Trigger::PenaltyType);
    }
    out.sort();
    out.dedup();
    out
}

/// A reviewer may review penalty decisions: one who took up legal review on or after
/// 2021-07-15 holds a legal professional qualification number.
pub fn check_qualified(
    reviewer_since: Option<NaiveDate>,
    qualification_no: Option<&str>,
) -> Result<(), Refusal> {
    let since = reviewer_since.ok_or_else(|| {
        Refusal::one(
            RefusalKind::Conflict,
            Reason::new("legal_review.reviewer_since_unknown").source(LEGAL_REVIEW),
        )
    })?;
    let has_number = qualification_no.is_some_and(|n| !n.trim().is_empty());
    if since >= qualification_required_from() && !has_number {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("legal_review.not_qualified")
                .arg("since", since)
                .source(LEGAL_REVIEW),
        ));
    }
    Ok(())
}

/// The six points a legal review answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Point {
    /// 执法主体、管辖权限
    Authority,
    /// 事实是否清楚
    Facts,
    /// 证据是否确实充分
    Evidence,
    /// 适用法律依据是否准确
    LegalBasis,
    /// 程序是否合法
    Procedure,
    /// 裁量是否适当
    Discretion,
}

impl Point {
    pub const ALL: [Point; 6] = [
        Point::Authority,
        Point::Facts,
        Point::Evidence,
        Point::LegalBasis,
        Point::Procedure,
        Point::Discretion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Point::Authority => "authority",
            Point::Facts => "facts",
            Point::Evidence => "evidence",
            Point::LegalBasis => "legal_basis",
            Point::Procedure => "procedure",
            Point::Discretion => "discretion",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Point::Authority => "执法主体是否合法、是否超越法定权限",
            Point::Facts => "案件事实是否清楚",
            Point::Evidence => "证据是否确实充分",
            Point::LegalBasis => "适用法律依据是否准确",
            Point::Procedure => "程序是否合法",
            Point::Discretion => "行政裁量是否适当",
        }
    }
}

/// One point as the reviewer answered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointOpinion {
    pub point: Point,
    pub opinion: String,
    pub passed: bool,
}

/// A review record holds every point once, each with an opinion, and passes exactly when every
/// point passed: a review that passes over a failed point, or fails with every point passed,
/// says two things at once.
pub fn check_points(points: &[PointOpinion], passed: bool) -> Result<(), Refusal> {
    if points.len() > Point::ALL.len() {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.too_long")
                .field("points")
                .arg("max", Point::ALL.len()),
        ));
    }
    let mut invalid = Reasons::default();
    for want in Point::ALL {
        let n = points.iter().filter(|p| p.point == want).count();
        if n == 0 {
            invalid.push(
                Reason::new("legal_review.point_missing")
                    .field("points")
                    .arg("point", want.as_str()),
            );
        } else if n > 1 {
            invalid.push(
                Reason::new("legal_review.point_repeated")
                    .field("points")
                    .arg("point", want.as_str()),
            );
        }
    }
    for (i, p) in points.iter().enumerate() {
        if p.opinion.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(format!("points[{i}].opinion")));
        } else if p.opinion.chars().count() > 5000 {
            invalid.push(
                Reason::new("field.too_long")
                    .field(format!("points[{i}].opinion"))
                    .arg("max", 5000),
            );
        }
    }
    if invalid.is_empty() && passed != points.iter().all(|p| p.passed) {
        invalid.push(Reason::new("legal_review.verdict_mismatch").field("passed"));
    }
    invalid.into_result(RefusalKind::Invalid)
}

/// What the officers send for review: the penalties they propose and why review is required
/// (empty: asked for all the same).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub penalties: Vec<Penalty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    pub submitted_by: String,
    pub submitted_on: NaiveDate,
    /// What of the case the reviewer saw: a notice, hearing or answered statement recorded
    /// after it makes the review out of date.
    #[serde(default)]
    pub covers: Covers,
}

/// The procedural facts a review saw, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covers {
    pub notices: usize,
    pub hearings_recorded: usize,
    pub statements_answered: usize,
}

impl Covers {
    pub fn of(case: &Case) -> Covers {
        let p = &case.proceedings;
        Covers {
            notices: case.notices.len(),
            hearings_recorded: p.hearings.iter().filter(|h| h.outcome.is_some()).count(),
            statements_answered: p.statements.iter().filter(|s| s.answered()).count(),
        }
    }
}

/// What the officers send: the last notice's penalties, or before any notice the report's
/// proposed fine; empty when nothing is proposed yet.
pub fn penalties_to_send(case: &Case) -> Vec<Penalty> {
    if let Some(n) = case.notices.last() {
        return n.penalties.clone();
    }
    case.report
        .as_ref()
        .and_then(|r| r.proposed_fine_fen)
        .map(|f| {
            vec![Penalty {
                kind: PenaltyType::Fine,
                amount_fen: Some(f),
                period_days: None,
            }]
        })
        .unwrap_or_default()
}

/// The reviewer's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub points: Vec<PointOpinion>,
    pub passed: bool,
    pub reviewed_by: String,
    pub reviewed_on: NaiveDate,
}

/// One legal review of a case: a submission and, once answered, the answer. A failed review
/// sends the case back: the officers mend it and submit again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalReview {
    pub submission: Submission,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
}

/// Whether the case's last legal review passed, and covers `penalties` (none heavier than it
/// was asked about: a heavier decision needs review again).
///
/// A review made before a later notice, hearing record or answered statement is out of date:
/// the reviewer did not see them.
pub fn passed_for(case: &Case, penalties: &[Penalty]) -> bool {
    case.proceedings.legal_reviews.last().is_some_and(|r| {
        r.answer.as_ref().is_some_and(|a| a.passed)
            && r.submission.covers == Covers::of(case)
            && super::penalty::heavier_than_noticed(&r.submission.penalties, penalties).is_empty()
    })
}

#[derive(Clone, Debug)]
pub struct SubmitForLegalReview {
    pub case_id: Uuid,
    pub penalties: Vec<Penalty>,
    pub expected_version: i64,
}

pub struct SubmitForLegalReviewState {
    pub case: Case,
    pub triggers: ReviewTriggers,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalReviewSubmitted {
    pub case_id: Uuid,
    pub county_code: String,
    pub submission: Submission,
}

impl crate::event::EventPayload for LegalReviewSubmitted {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An officer of the case sends it for legal review, after a case review that agreed, with the
/// penalties proposed; never while a review is waiting for its answer.
pub fn decide_submit_for_legal_review(
    state: &SubmitForLegalReviewState,
    actor: &Actor,
    cmd: &SubmitForLegalReview,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::EnforcementAct)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_penalties("penalties", &cmd.penalties)?;
    let me = actor.name().to_owned();
    let mut unmet = Reasons::default();
    if !open(case) || case.registered_on.is_none() {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if !case.acting_officers().contains(&me) {
        unmet.push(Reason::new("review.not_investigator").arg("username", &me));
    }
    if !case
        .review
        .as_ref()
        .is_some_and(|r| r.opinion == Opinion::Agree)
    {
        unmet.push(Reason::new("legal_review.case_review_not_agreed"));
    }
    if case
        .proceedings
        .legal_reviews
        .last()
        .is_some_and(|r| r.answer.is_none())
    {
        unmet.push(Reason::new("legal_review.pending"));
    }
    // A review that passed and still covers the case is not asked for again with the same or
    // lighter penalties (one click would otherwise set it aside).
    if passed_for(case, &cmd.penalties) {
        unmet.push(Reason::new("legal_review.already_passed"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        LegalReviewSubmitted {
            case_id: case.id,
            county_code: case.county_code.clone(),
            submission: Submission {
                penalties: cmd.penalties.clone(),
                triggers: required(case, &state.triggers, &cmd.penalties),
                submitted_by: me,
                submitted_on: state.today,
                covers: Covers::of(case),
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct RecordLegalReview {
    pub case_id: Uuid,
    pub points: Vec<PointOpinion>,
    pub passed: bool,
    pub expected_version: i64,
}

pub struct RecordLegalReviewState {
    pub case: Case,
    /// The reviewer's standing as the accounts record it.
    pub qualification: Option<crate::user::LegalQualification>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalReviewRecorded {
    pub case_id: Uuid,
    pub county_code: String,
    pub index: usize,
    pub answer: Answer,
}

impl crate::event::EventPayload for LegalReviewRecorded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// A legal reviewer who did not investigate the case, qualified, answers the waiting review:
/// six points, each with an opinion, and a verdict that agrees with them.
pub fn decide_record_legal_review(
    state: &RecordLegalReviewState,
    actor: &Actor,
    cmd: &RecordLegalReview,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::LegalReview)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let names: Vec<String> = (0..cmd.points.len())
        .map(|i| format!("points[{i}].opinion"))
        .collect();
    let texts: Vec<(&str, &str, bool)> = cmd
        .points
        .iter()
        .zip(&names)
        .map(|(p, n)| (n.as_str(), p.opinion.as_str(), true))
        .collect();
    crate::text::check_texts(texts)?;
    check_points(&cmd.points, cmd.passed)?;
    let q = state.qualification.as_ref();
    check_qualified(
        q.map(|q| q.reviewer_since),
        q.and_then(|q| q.number.as_deref()),
    )?;
    if q.is_some_and(|q| q.reviewer_since > state.today) {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("legal_review.not_yet_reviewer").source(LEGAL_REVIEW),
        ));
    }
    let me = actor.name().to_owned();
    let mut unmet = Reasons::default();
    let index = case.proceedings.legal_reviews.len().checked_sub(1);
    let waiting = index.filter(|i| case.proceedings.legal_reviews[*i].answer.is_none());
    if waiting.is_none() {
        unmet.push(Reason::new("legal_review.nothing_submitted"));
    }
    if investigators(case).contains(&me) {
        unmet.push(
            Reason::new("legal_review.investigated")
                .arg("username", &me)
                .source(LEGAL_REVIEW),
        );
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let Some(index) = waiting else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("legal_review.nothing_submitted"),
        ));
    };
    Ok(vec![
        LegalReviewRecorded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            index,
            answer: Answer {
                points: cmd
                    .points
                    .iter()
                    .map(|p| PointOpinion {
                        point: p.point,
                        opinion: p.opinion.trim().to_owned(),
                        passed: p.passed,
                    })
                    .collect(),
                passed: cmd.passed,
                reviewed_by: me,
                reviewed_on: state.today,
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn all_points(passed: bool) -> Vec<PointOpinion> {
        Point::ALL
            .iter()
            .map(|p| PointOpinion {
                point: *p,
                opinion: "符合规定".into(),
                passed,
            })
            .collect()
    }

    fn codes(r: Result<(), Refusal>) -> Vec<String> {
        r.err()
            .map(|e| e.reasons.iter().map(|r| r.code.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_reviewer_since_the_2021_law_needs_a_qualification_number() {
        assert!(check_qualified(Some(d(2021, 7, 14)), None).is_ok());
        assert_eq!(
            codes(check_qualified(Some(d(2021, 7, 15)), None)),
            ["legal_review.not_qualified"]
        );
        assert_eq!(
            codes(check_qualified(Some(d(2024, 1, 2)), Some("  "))),
            ["legal_review.not_qualified"]
        );
        assert!(check_qualified(Some(d(2024, 1, 2)), Some("A20233201000123")).is_ok());
        assert_eq!(
            codes(check_qualified(None, Some("A1"))),
            ["legal_review.reviewer_since_unknown"]
        );
    }

    #[test]
    fn the_six_points_each_once_and_the_verdict_agrees() {
        assert!(check_points(&all_points(true), true).is_ok());
        assert!(check_points(&all_points(false), false).is_ok());
        let mut one_failed = all_points(true);
        one_failed[2].passed = false;
        assert_eq!(
            codes(check_points(&one_failed, true)),
            ["legal_review.verdict_mismatch"]
        );
        assert!(check_points(&one_failed, false).is_ok());
        let mut missing = all_points(true);
        missing.pop();
        assert_eq!(
            codes(check_points(&missing, true)),
            ["legal_review.point_missing"]
        );
        // One point twice in place of another: both named.
        let mut repeated = all_points(true);
        repeated[5] = repeated[0].clone();
        assert_eq!(
            codes(check_points(&repeated, true)),
            ["legal_review.point_repeated", "legal_review.point_missing"]
        );
        // More than six is refused before anything else is read.
        let mut seven = all_points(true);
        seven.push(seven[0].clone());
        assert_eq!(codes(check_points(&seven, true)), ["field.too_long"]);
        let mut empty = all_points(true);
        empty[0].opinion = " ".into();
        assert_eq!(codes(check_points(&empty, true)), ["field.required"]);
    }

    fn fine(fen: i64) -> Penalty {
        Penalty {
            kind: PenaltyType::Fine,
            amount_fen: Some(fen),
            period_days: None,
        }
    }

    #[test]
    fn the_bureau_triggers_fire_on_the_penalties() {
        let case = crate::case::tests::case(
            crate::case::registration::CaseStage::Registered,
            "menghai.officer",
        );
        let t = ReviewTriggers {
            fine_at_or_above_fen: Some(10_000_000),
            ..ReviewTriggers::default()
        };
        assert!(required(&case, &t, &[fine(9_999_999)]).is_empty());
        assert_eq!(
            required(&case, &t, &[fine(10_000_000)]),
            [Trigger::FineThreshold]
        );
        let closure = Penalty {
            kind: PenaltyType::Closure,
            amount_fen: None,
            period_days: None,
        };
        assert_eq!(
            required(&case, &ReviewTriggers::default(), &[fine(1), closure]),
            [Trigger::PenaltyType]
        );
    }

    #[test]
    fn a_later_notice_makes_a_passed_review_out_of_date() {
        let mut case = crate::case::tests::case(
            crate::case::registration::CaseStage::Reviewed,
            "menghai.officer",
        );
        let penalties = vec![fine(10_000_000)];
        case.proceedings.legal_reviews.push(LegalReview {
            submission: Submission {
                penalties: penalties.clone(),
                triggers: vec![],
                submitted_by: "menghai.officer".into(),
                submitted_on: d(2026, 12, 1),
                covers: Covers::of(&case),
            },
            answer: Some(Answer {
                points: all_points(true),
                passed: true,
                reviewed_by: "fazhi.reviewer".into(),
                reviewed_on: d(2026, 12, 2),
            }),
        });
        assert!(passed_for(&case, &penalties));
        assert!(!passed_for(&case, &[fine(10_000_001)]), "heavier");
        case.notices.push(crate::case::notice::AdvanceNotice {
            id: uuid::Uuid::nil(),
            penalties: penalties.clone(),
            facts: "f".into(),
            reasons: "r".into(),
            legal_basis: vec![],
            hearing_grounds: vec![],
            new_facts: String::new(),
            issued_by: "menghai.officer".into(),
            issued_on: d(2026, 12, 3),
            statement_days: 5,
            benchmark: None,
        });
        assert!(!passed_for(&case, &penalties), "a notice after the review");
    }

    proptest! {
        /// Adding a penalty never makes review unnecessary: the triggers only grow.
        #[test]
        fn more_penalties_never_remove_a_trigger(
            a in 1i64..100_000_000, b in 1i64..100_000_000, limit in 1i64..100_000_000,
            kinds in proptest::collection::vec(0usize..PenaltyType::ALL.len(), 0..4),
        ) {
            let case = crate::case::tests::case(crate::case::registration::CaseStage::Registered, "menghai.officer");
            let t = ReviewTriggers { fine_at_or_above_fen: Some(limit), ..ReviewTriggers::default() };
            let base = vec![fine(a)];
            let mut more = base.clone();
            more.push(Penalty { kind: PenaltyType::ConfiscateGains, amount_fen: Some(b), period_days: None });
            for k in kinds {
                more.push(Penalty { kind: PenaltyType::ALL[k], amount_fen: None, period_days: None });
            }
            let before = required(&case, &t, &base);
            let after = required(&case, &t, &more);
            prop_assert!(before.iter().all(|x| after.contains(x)), "{before:?} ⊄ {after:?}");
        }
    }
}
