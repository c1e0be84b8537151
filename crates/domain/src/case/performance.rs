//! Performance of a decision (履行) and the closing of the case (结案): the payment due 15 days
//! after the decision was served, the late-payment surcharge as of any day, instalments or
//! deferral on the party's application approved by a head, the performance recorded with its
//! proof, the case "unperformed" with the day a court application becomes possible, and
//! `close-case` on one of the grounds of the 2010 measures, refused while its condition is
//! unmet.
//!
//! 《中华人民共和国行政处罚法》第六十七条 (pay within 15 days of receiving the decision),
//! 第六十六条 (deferral or instalments on the party's application and the authority's approval),
//! 第七十二条 (3 % of the fine a day when late, never more than the fine); 《中华人民共和国行政
//! 强制法》第五十三条 (a court application within 3 months after the periods for review and suit
//! ran out); 《环境行政处罚办法》(2010) 第六十七条 (the grounds of closing).

use super::clue::stale;
use super::decision::Outcome;
use super::document::DocumentKind;
use super::penalty::PenaltyType;
use super::registration::{Case, CaseStage, open};
use crate::calendar::Calendar;
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const PAYMENT: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第六十六条、第六十七条、第七十二条",
    en: "Administrative Penalty Law of the PRC (2021), Arts. 66, 67 and 72",
};

pub const CLOSING: LegalSource = LegalSource {
    zh_cn: "《环境行政处罚办法》第六十七条",
    en: "Measures on Environmental Administrative Penalties (2010), Art. 67",
};

/// Days after service within which the fine is paid.
pub const PAYMENT_DAYS: u32 = 15;
/// The surcharge a day, in basis points of the amount late: 3 %.
pub const SURCHARGE_BP_PER_DAY: i64 = 300;
/// Months after service when the period to sue ends (and with it the period for review).
pub const SUIT_MONTHS: u32 = 6;
/// Months after that within which the court may be asked to enforce.
pub const COURT_MONTHS: u32 = 3;

/// What was done to perform the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PerformanceKind {
    /// A payment of the fine (or the confiscated gains), with its amount.
    Payment,
    /// A penalty performed otherwise (production stopped, the permit handed in), with its proof.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Performance {
    pub kind: PerformanceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    pub on: NaiveDate,
    /// The receipt, the bank's slip, the photographs: evidence of the case.
    pub evidence_id: Uuid,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub recorded_by: String,
}

/// One payment of an approved schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instalment {
    pub due_on: NaiveDate,
    pub amount_fen: i64,
}

/// The party's application to pay later (one instalment) or in instalments, and its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arrangement {
    pub schedule: Vec<Instalment>,
    pub reason: String,
    pub received_on: NaiveDate,
    pub evidence_id: Uuid,
    pub requested_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<super::extension::ExtensionDecision>,
}

/// Why a case was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    Performed,
    Enforced,
    NothingToPerform,
    DecisionRevoked,
    OtherApproved,
}

impl Ground {
    pub const ALL: [Ground; 5] = [
        Ground::Performed,
        Ground::Enforced,
        Ground::NothingToPerform,
        Ground::DecisionRevoked,
        Ground::OtherApproved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ground::Performed => "performed",
            Ground::Enforced => "enforced",
            Ground::NothingToPerform => "nothing_to_perform",
            Ground::DecisionRevoked => "decision_revoked",
            Ground::OtherApproved => "other_approved",
        }
    }

    pub fn parse(s: &str) -> Option<Ground> {
        Ground::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    pub ground: Ground,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The court's enforcement ruling, the revoking decision: evidence of the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<Uuid>,
    pub closed_by: String,
    pub closed_on: NaiveDate,
}

/// The money the decision orders paid: its fines and confiscated gains, in fen.
pub fn amount_of(case: &Case) -> i64 {
    penalty_decision(case)
        .map(|d| {
            d.penalties
                .iter()
                .filter(|p| matches!(p.kind, PenaltyType::Fine | PenaltyType::ConfiscateGains))
                .filter_map(|p| p.amount_fen)
                .sum()
        })
        .unwrap_or(0)
}

/// The fine alone (the surcharge's base and cap).
fn fine_of(case: &Case) -> i64 {
    penalty_decision(case)
        .map(|d| {
            d.penalties
                .iter()
                .filter(|p| p.kind == PenaltyType::Fine)
                .filter_map(|p| p.amount_fen)
                .sum()
        })
        .unwrap_or(0)
}

fn penalty_decision(case: &Case) -> Option<&super::decision::Decision> {
    case.proceedings
        .decision
        .as_ref()
        .filter(|d| d.outcome == Outcome::Penalty)
}

/// The day the decision document was served on the party.
pub fn decision_served_on(case: &Case) -> Option<NaiveDate> {
    case.proceedings
        .services
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                DocumentKind::PenaltyDecision | DocumentKind::NoPenaltyDecision
            )
        })
        .map(super::service::Service::effective_on)
        .min()
}

/// When what is owed falls due: the approved arrangement's schedule, else the whole amount 15
/// days after service (moved past rest days).
pub fn schedule(case: &Case, calendar: &Calendar) -> Vec<Instalment> {
    if let Some(a) = case
        .proceedings
        .arrangements
        .iter()
        .rfind(|a| a.decision.as_ref().is_some_and(|d| d.approved))
    {
        // The schedule covers what was owed when the party applied: what was paid by then is
        // settled first, so later payments meet the instalments.
        let settled = paid_by(case, a.received_on);
        let mut plan = Vec::new();
        if settled > 0 {
            plan.push(Instalment {
                due_on: a.received_on,
                amount_fen: settled,
            });
        }
        plan.extend(a.schedule.iter().copied());
        return plan;
    }
    let amount = amount_of(case);
    match decision_served_on(case) {
        Some(served) if amount > 0 => vec![Instalment {
            due_on: calendar.add_days(served, PAYMENT_DAYS).value,
            amount_fen: amount,
        }],
        _ => Vec::new(),
    }
}

/// Where the performance stands on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// The money ordered (fines and confiscated gains).
    pub amount_fen: i64,
    pub paid_fen: i64,
    /// The next unpaid due date (none when all is paid or nothing is owed).
    pub due_on: Option<NaiveDate>,
    /// The surcharge accrued so far.
    pub surcharge_fen: i64,
    /// What is still to pay, surcharge included.
    pub outstanding_fen: i64,
    /// Something owed is past due and unpaid.
    pub unperformed: bool,
    /// From this day to `court_until` the court may be asked to enforce (after a demand).
    pub court_from: Option<NaiveDate>,
    pub court_until: Option<NaiveDate>,
}

/// Paid by the end of `day`.
fn paid_by(case: &Case, day: NaiveDate) -> i64 {
    case.proceedings
        .performances
        .iter()
        .filter(|p| p.kind == PerformanceKind::Payment && p.on <= day)
        .filter_map(|p| p.amount_fen)
        .sum()
}

/// The surcharge accrued by the end of `today`: each day after a due date, 3 % of what was
/// due by then and still unpaid, never more than the fine. The base is the overdue unpaid
/// amount (a payment on account lowers it), an UNCONFIRMED reading of Art. 72's "罚款数额".
pub fn surcharge(case: &Case, calendar: &Calendar, today: NaiveDate) -> i64 {
    let cap = fine_of(case);
    let plan = schedule(case, calendar);
    let Some(first) = plan.iter().map(|i| i.due_on).min() else {
        return 0;
    };
    // Basis points of fen, summed over the days and divided once (no fen lost a day).
    let mut total_bp = 0i64;
    let mut day = first.succ_opt().unwrap_or(first);
    while day <= today && total_bp / 10_000 < cap {
        let due: i64 = plan
            .iter()
            .filter(|i| i.due_on < day)
            .map(|i| i.amount_fen)
            .sum();
        // Paid before that day counts; what is paid that day stops it from the next.
        let late = (due - paid_by(case, day.pred_opt().unwrap_or(day))).max(0);
        // The fine's part of what is late (confiscated gains bear no surcharge).
        let base = late.min(cap);
        total_bp += base * SURCHARGE_BP_PER_DAY;
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    (total_bp / 10_000).min(cap)
}

/// The performance as of `today`.
pub fn standing(case: &Case, calendar: &Calendar, today: NaiveDate) -> Standing {
    // A closed case stands as it was closed: nothing accrues after.
    let today = case
        .proceedings
        .closing
        .as_ref()
        .map_or(today, |c| c.closed_on.min(today));
    let amount = amount_of(case);
    let paid = paid_by(case, today);
    let plan = schedule(case, calendar);
    let surcharge = surcharge(case, calendar, today);
    let mut cumulative = 0;
    let due_on = plan.iter().find_map(|i| {
        cumulative += i.amount_fen;
        (paid < cumulative).then_some(i.due_on)
    });
    let outstanding = (amount + surcharge - paid).max(0);
    // Past due: the next unpaid date, or when only the surcharge is left, the last one.
    let past = due_on
        .or_else(|| plan.iter().map(|i| i.due_on).max())
        .is_some_and(|d| d < today);
    let unperformed = outstanding > 0 && past;
    // The court, within 3 months from the day the period to sue (6 months) expired.
    let expiry = decision_served_on(case)
        .filter(|_| unperformed && case.proceedings.closing.is_none())
        .map(|s| calendar.add_months(s, SUIT_MONTHS).value);
    let court_from = expiry.and_then(|d| d.succ_opt());
    Standing {
        amount_fen: amount,
        paid_fen: paid,
        due_on,
        surcharge_fen: surcharge,
        outstanding_fen: outstanding,
        unperformed,
        court_from,
        court_until: expiry.map(|d| calendar.add_months(d, COURT_MONTHS).value),
    }
}

/// What a performance needs of the case: a penalty decided and its decision served.
pub fn performing_unmet(case: &Case) -> Vec<Reason> {
    if !open(case) || case.stage != CaseStage::Decided || penalty_decision(case).is_none() {
        return vec![Reason::new("case.wrong_stage").arg("stage", case.stage.as_str())];
    }
    if decision_served_on(case).is_none() {
        return vec![Reason::new("performance.decision_not_served").source(PAYMENT)];
    }
    Vec::new()
}

#[derive(Clone, Debug)]
pub struct RecordPerformance {
    pub case_id: Uuid,
    pub kind: PerformanceKind,
    pub amount_fen: Option<i64>,
    pub on: NaiveDate,
    pub evidence_id: Uuid,
    pub note: String,
    pub expected_version: i64,
}

pub struct PerformanceState {
    pub case: Case,
    /// The case the named evidence belongs to.
    pub evidence_case: Option<Uuid>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerformanceRecorded {
    pub case_id: Uuid,
    pub county_code: String,
    pub performance: Performance,
}

impl crate::event::EventPayload for PerformanceRecorded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

const NOTE_MAX: usize = 2000;

pub(super) fn officer_in_reach(
    actor: &Actor,
    case: &Case,
    expected_version: i64,
) -> Result<(), Refusal> {
    let r = reach(actor, Capability::EnforcementAct)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, expected_version)
}

pub(super) fn check_note(field: &str, text: &str, required: bool, invalid: &mut Reasons) {
    if required && text.trim().is_empty() {
        invalid.push(Reason::new("field.required").field(field));
    } else if text.chars().count() > NOTE_MAX {
        invalid.push(
            Reason::new("field.too_long")
                .field(field)
                .arg("max", NOTE_MAX),
        );
    }
}

/// An officer records a payment (its amount) or another performance, with its proof, on a day
/// between the decision's service and today.
pub fn decide_record_performance(
    state: &PerformanceState,
    actor: &Actor,
    cmd: &RecordPerformance,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_in_reach(actor, case, cmd.expected_version)?;
    check_texts([("note", cmd.note.as_str(), true)])?;
    let mut invalid = Reasons::default();
    match (cmd.kind, cmd.amount_fen) {
        (PerformanceKind::Payment, None) => {
            invalid.push(Reason::new("field.required").field("amount_fen"))
        }
        (PerformanceKind::Payment, Some(a))
            if !(1..=super::penalty::AMOUNT_MAX_FEN).contains(&a) =>
        {
            invalid.push(
                Reason::new("penalty.measure_out_of_range")
                    .field("amount_fen")
                    .arg("max", super::penalty::AMOUNT_MAX_FEN),
            )
        }
        (PerformanceKind::Other, Some(_)) => {
            invalid.push(Reason::new("performance.amount_not_applicable").field("amount_fen"))
        }
        _ => {}
    }
    check_note(
        "note",
        &cmd.note,
        cmd.kind == PerformanceKind::Other,
        &mut invalid,
    );
    if state.evidence_case != Some(case.id) {
        invalid.push(Reason::new("record.evidence_unknown").field("evidence_id"));
    }
    let served = decision_served_on(case);
    if cmd.on > state.today || served.is_some_and(|s| cmd.on < s) {
        invalid.push(
            Reason::new("performance.date_out_of_range")
                .field("on")
                .arg(
                    "served_on",
                    served.map(|s| s.to_string()).unwrap_or_default(),
                )
                .arg("today", state.today),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = Reasons::default();
    for r in performing_unmet(case) {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        PerformanceRecorded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            performance: Performance {
                kind: cmd.kind,
                amount_fen: cmd.amount_fen,
                on: cmd.on,
                evidence_id: cmd.evidence_id,
                note: cmd.note.trim().to_owned(),
                recorded_by: actor.name().to_owned(),
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct RequestArrangement {
    pub case_id: Uuid,
    pub schedule: Vec<Instalment>,
    pub reason: String,
    pub received_on: NaiveDate,
    pub evidence_id: Uuid,
    pub expected_version: i64,
}

pub struct ArrangementState {
    pub case: Case,
    pub calendar: std::sync::Arc<Calendar>,
    pub evidence_case: Option<Uuid>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrangementRequested {
    pub case_id: Uuid,
    pub county_code: String,
    pub arrangement: Arrangement,
}

impl crate::event::EventPayload for ArrangementRequested {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// At most this many instalments.
const INSTALMENTS_MAX: usize = 24;

/// An officer records the party's application, received before the payment fell due, to pay
/// later or in instalments: the schedule adds up to what is owed, each date after the last.
pub fn decide_request_arrangement(
    state: &ArrangementState,
    actor: &Actor,
    cmd: &RequestArrangement,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_in_reach(actor, case, cmd.expected_version)?;
    check_texts([("reason", cmd.reason.as_str(), true)])?;
    let mut invalid = Reasons::default();
    check_note("reason", &cmd.reason, true, &mut invalid);
    if cmd.schedule.is_empty() {
        invalid.push(Reason::new("field.required").field("schedule"));
    } else if cmd.schedule.len() > INSTALMENTS_MAX {
        invalid.push(
            Reason::new("field.too_long")
                .field("schedule")
                .arg("max", INSTALMENTS_MAX),
        );
    }
    for (i, w) in cmd.schedule.windows(2).enumerate() {
        if w[1].due_on <= w[0].due_on {
            invalid.push(
                Reason::new("performance.schedule_order")
                    .field(format!("schedule[{}].due_on", i + 1)),
            );
        }
    }
    for (i, s) in cmd.schedule.iter().enumerate() {
        if !(1..=super::penalty::AMOUNT_MAX_FEN).contains(&s.amount_fen) {
            invalid.push(
                Reason::new("penalty.measure_out_of_range")
                    .field(format!("schedule[{i}].amount_fen")),
            );
        }
    }
    if state.evidence_case != Some(case.id) {
        invalid.push(Reason::new("record.evidence_unknown").field("evidence_id"));
    }
    let served = decision_served_on(case);
    if cmd.received_on > state.today || served.is_some_and(|s| cmd.received_on < s) {
        invalid.push(
            Reason::new("performance.date_out_of_range")
                .field("received_on")
                .arg(
                    "served_on",
                    served.map(|s| s.to_string()).unwrap_or_default(),
                )
                .arg("today", state.today),
        );
    }
    // The first instalment after the application and after today.
    if cmd
        .schedule
        .first()
        .is_some_and(|i| i.due_on <= cmd.received_on.max(state.today))
    {
        invalid.push(Reason::new("performance.schedule_order").field("schedule[0].due_on"));
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = Reasons::default();
    for r in performing_unmet(case) {
        unmet.push(r);
    }
    if !unmet.is_empty() {
        return unmet.into_result(RefusalKind::Conflict).map(|_| Vec::new());
    }
    let owed = amount_of(case) - paid_by(case, state.today);
    let total: i64 = cmd.schedule.iter().map(|s| s.amount_fen).sum();
    if total != owed {
        unmet.push(
            Reason::new("performance.schedule_total")
                .field("schedule")
                .arg("owed", super::penalty::yuan(owed)),
        );
    }
    if case
        .proceedings
        .arrangements
        .iter()
        .any(|a| a.decision.is_none())
    {
        unmet.push(Reason::new("performance.arrangement_pending"));
    }
    // The application comes before the payment falls due (2010 measures Art. 64 as rules.md
    // §1.2 step 11 reads it).
    if let Some(due) = schedule(case, &state.calendar).first().map(|i| i.due_on)
        && cmd.received_on > due
    {
        unmet.push(
            Reason::new("performance.applied_late")
                .arg("due", due)
                .source(PAYMENT),
        );
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        ArrangementRequested {
            case_id: case.id,
            county_code: case.county_code.clone(),
            arrangement: Arrangement {
                schedule: cmd.schedule.clone(),
                reason: cmd.reason.trim().to_owned(),
                received_on: cmd.received_on,
                evidence_id: cmd.evidence_id,
                requested_by: actor.name().to_owned(),
                decision: None,
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct ApproveArrangement {
    pub case_id: Uuid,
    pub approved: bool,
    pub reason: String,
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrangementDecided {
    pub case_id: Uuid,
    pub county_code: String,
    pub index: usize,
    pub decision: super::extension::ExtensionDecision,
}

impl crate::event::EventPayload for ArrangementDecided {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// A head (not the officer who recorded it) approves or refuses the waiting application.
pub fn decide_approve_arrangement(
    state: &ArrangementState,
    actor: &Actor,
    cmd: &ApproveArrangement,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::CaseApprove)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([("reason", cmd.reason.as_str(), true)])?;
    let mut invalid = Reasons::default();
    check_note("reason", &cmd.reason, !cmd.approved, &mut invalid);
    invalid.into_result(RefusalKind::Invalid)?;
    let Some((index, a)) = case
        .proceedings
        .arrangements
        .iter()
        .enumerate()
        .rfind(|(_, a)| a.decision.is_none())
    else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("performance.nothing_pending"),
        ));
    };
    if a.requested_by == actor.name() {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("approval.own_proposal"),
        ));
    }
    let mut unmet = Reasons::default();
    for r in performing_unmet(case) {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        ArrangementDecided {
            case_id: case.id,
            county_code: case.county_code.clone(),
            index,
            decision: super::extension::ExtensionDecision {
                approved: cmd.approved,
                decided_by: actor.name().to_owned(),
                decided_on: state.today,
                reason: cmd.reason.trim().to_owned(),
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct CloseCase {
    pub case_id: Uuid,
    pub ground: Ground,
    pub reason: String,
    pub evidence_id: Option<Uuid>,
    pub expected_version: i64,
}

pub struct CloseState {
    pub case: Case,
    pub calendar: std::sync::Arc<Calendar>,
    pub evidence_case: Option<Option<Uuid>>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseClosed {
    pub case_id: Uuid,
    pub county_code: String,
    pub closing: Closing,
}

impl crate::event::EventPayload for CaseClosed {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// What closing on `ground` still needs, as of `today` (empty: the head may close).
pub fn closing_unmet(
    case: &Case,
    calendar: &Calendar,
    today: NaiveDate,
    ground: Ground,
) -> Vec<Reason> {
    if !open(case) || case.stage != CaseStage::Decided {
        return vec![Reason::new("case.wrong_stage").arg("stage", case.stage.as_str())];
    }
    let Some(decision) = case.proceedings.decision.as_ref() else {
        return vec![Reason::new("document.not_decided")];
    };
    let mut unmet = Vec::new();
    let penalty = decision.outcome == Outcome::Penalty;
    match ground {
        Ground::Performed => {
            if !penalty {
                unmet.push(Reason::new("closing.nothing_was_ordered").source(CLOSING));
            } else {
                let s = standing(case, calendar, today);
                if s.amount_fen > 0 && s.outstanding_fen > 0 {
                    unmet.push(
                        Reason::new("closing.not_paid")
                            .arg("outstanding", super::penalty::yuan(s.outstanding_fen))
                            .source(CLOSING),
                    );
                }
                let other = decision.penalties.iter().any(|p| {
                    !matches!(
                        p.kind,
                        PenaltyType::Fine | PenaltyType::ConfiscateGains | PenaltyType::Warning
                    )
                });
                if other
                    && !case
                        .proceedings
                        .performances
                        .iter()
                        .any(|p| p.kind == PerformanceKind::Other)
                {
                    unmet.push(Reason::new("closing.other_not_performed").source(CLOSING));
                }
            }
        }
        Ground::NothingToPerform => {
            let owes = penalty
                && decision
                    .penalties
                    .iter()
                    .any(|p| p.kind != PenaltyType::Warning);
            if owes {
                unmet.push(Reason::new("closing.something_to_perform").source(CLOSING));
            }
        }
        Ground::Enforced | Ground::DecisionRevoked | Ground::OtherApproved => {}
    }
    unmet
}

/// A head closes the decided case on a ground whose condition holds: enforced and revoked with
/// the proof (evidence of the case) and a reason, other grounds approved with a reason.
pub fn decide_close_case(
    state: &CloseState,
    actor: &Actor,
    cmd: &CloseCase,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::CaseApprove)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([("reason", cmd.reason.as_str(), true)])?;
    let mut invalid = Reasons::default();
    let needs_proof = matches!(cmd.ground, Ground::Enforced | Ground::DecisionRevoked);
    let needs_reason = needs_proof || cmd.ground == Ground::OtherApproved;
    check_note("reason", &cmd.reason, needs_reason, &mut invalid);
    match (needs_proof, cmd.evidence_id, state.evidence_case) {
        (true, None, _) => invalid.push(Reason::new("field.required").field("evidence_id")),
        (_, Some(_), ev) if ev != Some(Some(case.id)) => {
            invalid.push(Reason::new("record.evidence_unknown").field("evidence_id"))
        }
        _ => {}
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = Reasons::default();
    for r in closing_unmet(case, &state.calendar, state.today, cmd.ground) {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        CaseClosed {
            case_id: case.id,
            county_code: case.county_code.clone(),
            closing: Closing {
                ground: cmd.ground,
                reason: cmd.reason.trim().to_owned(),
                evidence_id: cmd.evidence_id,
                closed_by: actor.name().to_owned(),
                closed_on: state.today,
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::cal2026;
    use crate::case::penalty::Penalty;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A case decided with a fine of `fen`, the decision served on `served`.
    fn decided(fen: i64, served: &str) -> Case {
        let mut c = crate::case::tests::case(CaseStage::Decided, "menghai.officer");
        c.proceedings.decision = Some(super::super::decision::Decision {
            outcome: Outcome::Penalty,
            penalties: vec![Penalty {
                kind: PenaltyType::Fine,
                amount_fen: Some(fen),
                period_days: None,
            }],
            reasons: "事实清楚".into(),
            notice_id: None,
            decided_by: "ju.head".into(),
            decided_on: day(served),
        });
        c.proceedings.services.push(super::super::service::Service {
            document_id: Uuid::now_v7(),
            kind: DocumentKind::PenaltyDecision,
            subject: None,
            method: super::super::service::ServiceMethod::Direct,
            served_on: day(served),
            recipient: "岩温".into(),
            proof_evidence_id: Uuid::now_v7(),
            recorded_by: "menghai.officer".into(),
            witnesses: Vec::new(),
            consent_evidence_id: None,
            late_reason: String::new(),
            notice_grounds: String::new(),
            deemed_served_on: None,
        });
        c
    }

    fn pay(c: &mut Case, fen: i64, on: &str) {
        c.proceedings.performances.push(Performance {
            kind: PerformanceKind::Payment,
            amount_fen: Some(fen),
            on: day(on),
            evidence_id: Uuid::now_v7(),
            note: String::new(),
            recorded_by: "menghai.officer".into(),
        });
    }

    #[test]
    fn the_surcharge_by_hand() {
        let cal = cal2026();
        // Served Monday 2 March 2026: due 17 March (15 days, a Tuesday).
        let mut c = decided(1_000_000, "2026-03-02");
        assert_eq!(schedule(&c, &cal)[0].due_on, day("2026-03-17"));
        assert_eq!(surcharge(&c, &cal, day("2026-03-17")), 0);
        // Three days late: 3 × 3 % of 10,000 yuan = 900 yuan.
        assert_eq!(surcharge(&c, &cal, day("2026-03-20")), 90_000);
        let s = standing(&c, &cal, day("2026-03-20"));
        assert!(s.unperformed);
        assert_eq!(s.outstanding_fen, 1_090_000);
        // The court: from the day after six months from service, for three months from the
        // day those six months ended.
        assert_eq!(s.court_from, Some(day("2026-09-03")));
        assert_eq!(s.court_until, Some(day("2026-12-02")));
        // Never more than the fine.
        assert_eq!(surcharge(&c, &cal, day("2026-12-31")), 1_000_000);
        // Half paid on 18 March: 3 % of the whole for 18 March, of half from 19 March.
        pay(&mut c, 500_000, "2026-03-18");
        assert_eq!(surcharge(&c, &cal, day("2026-03-20")), 30_000 + 2 * 15_000);
        assert!(
            closing_unmet(&c, &cal, day("2026-03-20"), Ground::Performed)
                .iter()
                .any(|r| r.code == "closing.not_paid")
        );
        pay(&mut c, 560_000, "2026-03-20");
        assert!(closing_unmet(&c, &cal, day("2026-03-20"), Ground::Performed).is_empty());
    }

    #[test]
    fn instalments_cover_what_was_owed_when_applied() {
        let cal = cal2026();
        let mut c = decided(1_000_000, "2026-03-02");
        pay(&mut c, 400_000, "2026-03-05");
        c.proceedings.arrangements.push(Arrangement {
            schedule: vec![
                Instalment {
                    due_on: day("2026-03-20"),
                    amount_fen: 300_000,
                },
                Instalment {
                    due_on: day("2026-04-20"),
                    amount_fen: 300_000,
                },
            ],
            reason: "资金困难".into(),
            received_on: day("2026-03-06"),
            evidence_id: Uuid::now_v7(),
            requested_by: "menghai.officer".into(),
            decision: Some(super::super::extension::ExtensionDecision {
                approved: true,
                decided_by: "ju.head".into(),
                decided_on: day("2026-03-09"),
                reason: String::new(),
            }),
        });
        // Nothing paid on the first instalment: five days late on 3,000 yuan by 25 March.
        let s = standing(&c, &cal, day("2026-03-25"));
        assert_eq!(s.due_on, Some(day("2026-03-20")));
        assert!(s.unperformed);
        assert_eq!(s.surcharge_fen, 5 * 9_000);
        // Closed on 25 March: nothing accrues after.
        c.proceedings.closing = Some(Closing {
            ground: Ground::OtherApproved,
            reason: "经批准".into(),
            evidence_id: None,
            closed_by: "ju.head".into(),
            closed_on: day("2026-03-25"),
        });
        assert_eq!(standing(&c, &cal, day("2026-06-01")).surcharge_fen, 45_000);
    }

    proptest! {
        /// The surcharge never exceeds the fine, never falls as days pass, and is nothing
        /// while the payment is not yet due.
        #[test]
        fn the_surcharge_is_capped_and_grows(
            fine in 1i64..100_000_000,
            served in 0u64..300,
            a in 0u64..400,
            b in 0u64..400,
        ) {
            let cal = cal2026();
            let served = day("2026-01-05") + chrono::Days::new(served);
            let c = decided(fine, &served.to_string());
            let due = schedule(&c, &cal)[0].due_on;
            let (x, y) = (served + chrono::Days::new(a.min(b)), served + chrono::Days::new(a.max(b)));
            let (sx, sy) = (surcharge(&c, &cal, x), surcharge(&c, &cal, y));
            prop_assert!(sx <= sy && sy <= fine);
            if x <= due {
                prop_assert_eq!(sx, 0);
            }
        }
    }
}
