//! The decision (行政处罚决定) by a bureau head, and what must hold before it: for a penalty,
//! the last notice served, its statement window passed or waived, every statement answered, a
//! hearing asked for held (or waived), its window passed or waived, and the penalties no
//! heavier than that notice's (`check_decision`); for every outcome, a passed legal review
//! where one is required (`super::legal_review`) and the heads' deliberation where it is
//! (`super::deliberation`); one fine for one act.
//!
//! 《中华人民共和国行政处罚法》第四十四条、第四十五条、第六十二条 (no decision without the notice
//! and the party heard; none heavier for a defence), 第六十三条、第六十五条 (the hearing),
//! 第二十九条 (one fine for one act), 第三十三条 (no penalty: minor, first violation, no fault),
//! 第五十七条 (the outcomes: penalty, none, not established, transfer to the judicial organs).

use super::clue::stale;
use super::deliberation::{DeliberationRules, deliberated_for};
use super::hearing::{HEARING_RIGHT, request_due};
use super::legal_review::{ReviewTriggers, passed_for};
use super::notice::NOTICE;
use super::penalty::{Penalty, PenaltyType, check_penalties, heavier_than_noticed};
use super::registration::Case;
use super::statement::{DEFENCE, Right, served_notice};
use crate::actor::Role;
use crate::calendar::Calendar;
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const APL_ART29: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第二十九条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 29",
};

pub const APL_ART33: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第三十三条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 33",
};

pub const APL_ART57: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第五十七条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 57",
};

/// What the head decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A penalty (the types of `super::penalty`).
    Penalty,
    /// Minor, corrected promptly, no harm: no penalty (APL Art. 33 para. 1).
    NoPenaltyMinor,
    /// A first violation with minor harm, corrected promptly (APL Art. 33 para. 1).
    NoPenaltyFirstViolation,
    /// The party proved it had no fault (APL Art. 33 para. 2).
    NoPenaltyNoFault,
    /// The violation is not established (APL Art. 57 para. 1 item 3).
    NotEstablished,
    /// A suspected crime: transferred to the judicial organs (APL Arts. 27, 57 para. 1 item 4).
    TransferToJudicial,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Penalty,
        Outcome::NoPenaltyMinor,
        Outcome::NoPenaltyFirstViolation,
        Outcome::NoPenaltyNoFault,
        Outcome::NotEstablished,
        Outcome::TransferToJudicial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Penalty => "penalty",
            Outcome::NoPenaltyMinor => "no_penalty_minor",
            Outcome::NoPenaltyFirstViolation => "no_penalty_first_violation",
            Outcome::NoPenaltyNoFault => "no_penalty_no_fault",
            Outcome::NotEstablished => "not_established",
            Outcome::TransferToJudicial => "transfer_to_judicial",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The document that states it: 行政处罚决定书 for a penalty, 不予行政处罚决定书 for no
    /// penalty or a violation not established; none for a transfer (the transfer letter is a
    /// later step).
    pub fn document(self) -> Option<super::document::DocumentKind> {
        use super::document::DocumentKind;
        match self {
            Outcome::Penalty => Some(DocumentKind::PenaltyDecision),
            Outcome::TransferToJudicial => None,
            _ => Some(DocumentKind::NoPenaltyDecision),
        }
    }

    /// The provision the outcome rests on, as the no-penalty decision prints it.
    pub fn basis_zh(self) -> &'static str {
        match self {
            Outcome::Penalty => "",
            Outcome::NoPenaltyMinor => "《中华人民共和国行政处罚法》第三十三条第一款",
            Outcome::NoPenaltyFirstViolation => "《中华人民共和国行政处罚法》第三十三条第一款",
            Outcome::NoPenaltyNoFault => "《中华人民共和国行政处罚法》第三十三条第二款",
            Outcome::NotEstablished => "《中华人民共和国行政处罚法》第五十七条第一款第三项",
            Outcome::TransferToJudicial => "《中华人民共和国行政处罚法》第五十七条第一款第四项",
        }
    }
}

/// The decision as the case keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub penalties: Vec<Penalty>,
    pub reasons: String,
    /// The notice the penalty was decided on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_id: Option<Uuid>,
    pub decided_by: String,
    pub decided_on: NaiveDate,
}

/// The last day of the statement window of a notice served on `served_on`.
pub fn statement_due(calendar: &Calendar, served_on: NaiveDate, days: u32) -> NaiveDate {
    calendar.add_working_days(served_on, days).value
}

/// Refuses a decision of `penalties` on `today` that the notice, defence and hearing rules
/// forbid, naming each rule not met.
pub fn check_decision(
    case: &Case,
    calendar: &Calendar,
    today: NaiveDate,
    penalties: &[Penalty],
) -> Result<(), Refusal> {
    check_penalties("penalties", penalties)?;
    let Some((notice, served_on)) = served_notice(case) else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("decision.notice_not_served").source(NOTICE),
        ));
    };
    let p = &case.proceedings;
    let waived = |right: Right| {
        p.waivers
            .iter()
            .any(|w| w.notice_id == notice.id && w.right == right)
    };
    let mut unmet = Reasons::default();
    let due = statement_due(calendar, served_on, notice.statement_days);
    if today <= due && !waived(Right::Statement) {
        unmet.push(
            Reason::new("decision.statement_window_open")
                .arg("due", due)
                .source(DEFENCE),
        );
    }
    if p.statements
        .iter()
        .any(|s| s.notice_id == notice.id && !s.answered())
    {
        unmet.push(Reason::new("decision.statement_unanswered").source(DEFENCE));
    }
    if notice.hearing_right() {
        match p.hearing_after(notice.id) {
            Some((_, h)) if h.outcome.is_none() => {
                unmet.push(Reason::new("decision.hearing_pending").source(HEARING_RIGHT))
            }
            Some(_) => {}
            None => {
                let due = request_due(calendar, served_on).value;
                if today <= due && !waived(Right::Hearing) {
                    unmet.push(
                        Reason::new("decision.hearing_window_open")
                            .arg("due", due)
                            .source(HEARING_RIGHT),
                    );
                }
            }
        }
    }
    for reason in heavier_than_noticed(&notice.penalties, penalties) {
        unmet.push(reason);
    }
    unmet.into_result(RefusalKind::Conflict)
}

#[derive(Clone, Debug)]
pub struct DecideCase {
    pub case_id: Uuid,
    pub outcome: Outcome,
    pub penalties: Vec<Penalty>,
    pub reasons: String,
    pub expected_version: i64,
}

pub struct DecideCaseState {
    pub case: Case,
    pub calendar: std::sync::Arc<Calendar>,
    pub today: NaiveDate,
    pub review_triggers: ReviewTriggers,
    pub deliberation: DeliberationRules,
    /// The roles that may decide (setting `app.deciders`; default the bureau heads).
    pub deciders: Vec<Role>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDecided {
    pub case_id: Uuid,
    pub county_code: String,
    pub decision: Decision,
}

impl crate::event::EventPayload for CaseDecided {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An enum's serde name (`snake_case`).
fn snake<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A reason's argument naming page words (`ui-<prefix><name>` each), rendered in the reader's
/// language (`app::i18n::message`).
fn words<T: Serialize>(prefix: &str, items: &[T]) -> String {
    let ids: Vec<String> = items
        .iter()
        .map(|t| format!("{prefix}{}", snake(t)))
        .collect();
    format!("ui:{}", ids.join(","))
}

/// The longest statement of reasons.
const REASONS_MAX: usize = 5000;

/// Whether the actor may decide cases of `case`'s county: one of the roles the settings name,
/// with the case within reach.
pub fn check_decider(actor: &Actor, case: &Case, deciders: &[Role]) -> Result<(), Refusal> {
    let r = reach(actor, Capability::CaseRead)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    let is = matches!(actor, Actor::User(u) if u.roles.iter().any(|r| deciders.contains(r)));
    if !is {
        return Err(Refusal::one(
            RefusalKind::Forbidden,
            Reason::new("decision.not_a_decider"),
        ));
    }
    Ok(())
}

/// What the decision's rules depend on besides the case.
pub struct DecisionRules<'a> {
    pub calendar: &'a Calendar,
    pub today: NaiveDate,
    pub review_triggers: &'a ReviewTriggers,
    pub deliberation: &'a DeliberationRules,
}

/// Every rule a decision of `outcome` and `penalties` on `today` would break, as refusals'
/// reasons: the notice, defence and hearing rules for a penalty, one fine for one act, legal
/// review and deliberation where required. Empty: the head may decide.
pub fn decision_unmet(
    case: &Case,
    rules: &DecisionRules,
    outcome: Outcome,
    penalties: &[Penalty],
) -> Vec<Reason> {
    let mut unmet = Vec::new();
    if !super::review::agreed(case) {
        unmet.push(Reason::new("decision.not_ready"));
        return unmet;
    }
    if case
        .proceedings
        .legal_reviews
        .last()
        .is_some_and(|r| r.answer.is_none())
    {
        unmet.push(Reason::new("legal_review.pending"));
    }
    if outcome == Outcome::Penalty {
        if penalties
            .iter()
            .filter(|p| p.kind == PenaltyType::Fine)
            .count()
            > 1
        {
            unmet.push(Reason::new("decision.two_fines").source(APL_ART29));
        }
        if let Err(r) = check_decision(case, rules.calendar, rules.today, penalties) {
            unmet.extend(r.reasons);
        }
    }
    // What was proposed counts as much as what is decided: a lighter decision never escapes
    // the review or the deliberation the proposed penalty calls for (Order 30 Art. 52: "拟").
    let proposed = super::legal_review::penalties_to_send(case);
    let mut review = super::legal_review::required(case, rules.review_triggers, penalties);
    review.extend(super::legal_review::required(
        case,
        rules.review_triggers,
        &proposed,
    ));
    review.sort();
    review.dedup();
    if !review.is_empty() && !passed_for(case, penalties) {
        unmet.push(
            Reason::new("decision.legal_review_required")
                .arg("triggers", words("legal_trigger_", &review))
                .source(super::legal_review::LEGAL_REVIEW),
        );
    }
    let mut deliberate = super::deliberation::required(case, rules.deliberation, penalties);
    deliberate.extend(super::deliberation::required(
        case,
        rules.deliberation,
        &proposed,
    ));
    deliberate.sort();
    deliberate.dedup();
    if !deliberate.is_empty() && !deliberated_for(case, penalties) {
        unmet.push(
            Reason::new("decision.deliberation_required")
                .arg("triggers", words("deliberation_trigger_", &deliberate))
                .source(super::deliberation::DELIBERATION),
        );
    }
    unmet
}

/// A head (or a role the settings name) decides the reviewed case: the outcome, the penalties
/// for a penalty (none otherwise), the reasons. Refused with the article of every rule unmet.
pub fn decide_decide_case(
    state: &DecideCaseState,
    actor: &Actor,
    cmd: &DecideCase,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    check_decider(actor, case, &state.deciders)?;
    stale(case.version, cmd.expected_version)?;
    // Investigation and decision are separate (查处分离): who investigated does not decide.
    if super::review::investigators(case)
        .iter()
        .any(|i| i == actor.name())
    {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("decision.investigated")
                .arg("username", actor.name())
                .source(super::review::SEPARATION),
        ));
    }
    crate::text::check_texts([("reasons", cmd.reasons.as_str(), true)])?;
    let mut invalid = Reasons::default();
    if cmd.reasons.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("reasons"));
    } else if cmd.reasons.chars().count() > REASONS_MAX {
        invalid.push(
            Reason::new("field.too_long")
                .field("reasons")
                .arg("max", REASONS_MAX),
        );
    }
    match cmd.outcome {
        Outcome::Penalty if cmd.penalties.is_empty() => {
            invalid.push(Reason::new("field.required").field("penalties"))
        }
        Outcome::Penalty => {}
        _ if !cmd.penalties.is_empty() => invalid.push(
            Reason::new("decision.penalties_not_applicable")
                .field("penalties")
                .arg("outcome", format!("ui:outcome_{}", cmd.outcome.as_str())),
        ),
        _ => {}
    }
    invalid.into_result(RefusalKind::Invalid)?;
    // Two fines for one act is a rule of law (409 with its article), not a typing slip.
    if cmd.outcome == Outcome::Penalty
        && cmd
            .penalties
            .iter()
            .filter(|p| p.kind == PenaltyType::Fine)
            .count()
            > 1
    {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("decision.two_fines").source(APL_ART29),
        ));
    }
    if cmd.outcome == Outcome::Penalty {
        check_penalties("penalties", &cmd.penalties)?;
    }
    let mut unmet = Reasons::default();
    let rules = DecisionRules {
        calendar: &state.calendar,
        today: state.today,
        review_triggers: &state.review_triggers,
        deliberation: &state.deliberation,
    };
    for r in decision_unmet(case, &rules, cmd.outcome, &cmd.penalties) {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let notice_id = (cmd.outcome == Outcome::Penalty)
        .then(|| case.notices.last().map(|n| n.id))
        .flatten();
    Ok(vec![
        CaseDecided {
            case_id: case.id,
            county_code: case.county_code.clone(),
            decision: Decision {
                outcome: cmd.outcome,
                penalties: cmd.penalties.clone(),
                reasons: cmd.reasons.trim().to_owned(),
                notice_id,
                decided_by: actor.name().to_owned(),
                decided_on: state.today,
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::cal2026;
    use crate::case::document::DocumentKind;
    use crate::case::notice::AdvanceNotice;
    use crate::case::penalty::PenaltyType;
    use crate::case::proceedings::Hearing;
    use crate::case::review::ReviewFlag;
    use crate::case::service::{Service, ServiceMethod};
    use crate::case::statement::{Answer, Statement, Waiver};
    use crate::case::tolling::{CaseTolling, TollingReason};
    use proptest::prelude::*;
    use uuid::Uuid;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fine(fen: i64) -> Penalty {
        Penalty {
            kind: PenaltyType::Fine,
            amount_fen: Some(fen),
            period_days: None,
        }
    }

    /// A reviewed case registered on `registered`, its notice of `penalties` served on `served`.
    fn served_case(registered: &str, penalties: Vec<Penalty>, served: NaiveDate) -> Case {
        let mut c = crate::case::tests::case(
            crate::case::registration::CaseStage::Reviewed,
            "menghai.officer",
        );
        c.registered_on = Some(day(registered));
        let notice = AdvanceNotice {
            id: Uuid::now_v7(),
            penalties,
            facts: "超标排放".into(),
            reasons: "违反第十条".into(),
            legal_basis: Vec::new(),
            hearing_grounds: Vec::new(),
            new_facts: String::new(),
            issued_by: "menghai.officer".into(),
            issued_on: served,
            statement_days: 5,
            benchmark: None,
        };
        c.proceedings.services.push(Service {
            document_id: Uuid::now_v7(),
            kind: DocumentKind::AdvanceNotice,
            subject: Some(notice.id.to_string()),
            method: ServiceMethod::Direct,
            served_on: served,
            recipient: "岩温".into(),
            proof_evidence_id: Uuid::now_v7(),
            recorded_by: "menghai.officer".into(),
            witnesses: Vec::new(),
            consent_evidence_id: None,
            late_reason: String::new(),
            notice_grounds: String::new(),
            deemed_served_on: None,
        });
        c.notices.push(notice);
        c
    }

    fn hearing(c: &Case, received: &str, signed: Option<&str>) -> Hearing {
        Hearing {
            notice_id: c.notices[0].id,
            received_on: day(received),
            recorded_by: "menghai.officer".into(),
            schedule: None,
            revision: 0,
            outcome: signed.map(|s| crate::case::hearing::Outcome {
                attended: true,
                left_without_permission: false,
                record_evidence_id: Uuid::now_v7(),
                signed_on: day(s),
                recorded_by: "menghai.officer".into(),
            }),
        }
    }

    fn due(c: &Case, today: &str) -> (NaiveDate, bool) {
        let (_, d) = c.deadline(&cal2026(), day(today)).unwrap();
        (d.due, d.suspended)
    }

    #[test]
    fn a_hearing_across_the_spring_festival_tolls_the_deadline_by_hand() {
        // Registered Monday 5 January: 90 days end on Sunday 5 April (Monday 6 April without
        // a hearing). A hearing asked on Friday 13 February, its record signed on Wednesday
        // 25 February: 14–25 February tolled, 12 days, so 17 April (a Friday).
        let mut c = served_case("2026-01-05", vec![fine(600_000)], day("2026-02-10"));
        assert_eq!(due(&c, "2026-02-10"), (day("2026-04-06"), false));
        c.proceedings.hearings.push(hearing(&c, "2026-02-13", None));
        // While it lasts the deadline is suspended, and counted as if it ended today.
        assert_eq!(
            due(&c, "2026-02-20"),
            (day("2026-04-12") + chrono::Days::new(1), true)
        );
        c.proceedings.hearings[0] = hearing(&c, "2026-02-13", Some("2026-02-25"));
        assert_eq!(due(&c, "2026-03-01"), (day("2026-04-17"), false));
    }

    #[test]
    fn a_hearing_before_national_day_moves_the_deadline_into_it_and_out_by_hand() {
        // Registered Wednesday 1 July: 90 days end on Tuesday 29 September. A hearing asked
        // on Thursday 24 September, signed Tuesday 29 September: 25–29 September, 5 days, to
        // Sunday 4 October, inside National Day: the next working day is Thursday 8 October.
        let mut c = served_case("2026-07-01", vec![fine(600_000)], day("2026-09-20"));
        assert_eq!(due(&c, "2026-09-21"), (day("2026-09-29"), false));
        c.proceedings
            .hearings
            .push(hearing(&c, "2026-09-24", Some("2026-09-29")));
        assert_eq!(due(&c, "2026-09-30"), (day("2026-10-08"), false));
        // A monitoring period overlapping the hearing counts its days once: 28 September to
        // 2 October adds 30 September to 2 October, 3 days: 29 September + 8 = Wednesday
        // 7 October (rest), rolled to Thursday 8 October.
        c.proceedings.tollings.push(CaseTolling {
            reason: TollingReason::Monitoring,
            from: day("2026-09-28"),
            to: Some(day("2026-10-02")),
            started_by: "menghai.officer".into(),
            approved_by: None,
            approved_on: None,
            ended_by: Some("menghai.officer".into()),
        });
        assert_eq!(due(&c, "2026-10-12"), (day("2026-10-08"), false));
        // An officer's suspension counts only once a head approved it.
        c.proceedings.tollings.push(CaseTolling {
            reason: TollingReason::Suspension,
            from: day("2026-10-08"),
            to: Some(day("2026-10-09")),
            started_by: "menghai.officer".into(),
            approved_by: None,
            approved_on: None,
            ended_by: Some("menghai.officer".into()),
        });
        assert_eq!(due(&c, "2026-10-12"), (day("2026-10-08"), false));
        c.proceedings.tollings[1].approved_by = Some("ju.head".into());
        c.proceedings.tollings[1].approved_on = Some(day("2026-10-08"));
        // Tolled 8–9 October: the period's last counted day stays 7 October (rest), and the
        // first working day after it not tolled is Saturday 10 October (a make-up working day).
        assert_eq!(due(&c, "2026-10-12"), (day("2026-10-10"), false));
        // Approved only on 9 October: it counts from then, one day, and 8 October is the
        // first working day after 7 October not tolled.
        c.proceedings.tollings[1].approved_on = Some(day("2026-10-09"));
        assert_eq!(due(&c, "2026-10-12"), (day("2026-10-08"), false));
    }

    fn codes(r: &Refusal) -> Vec<&'static str> {
        r.reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn what_the_decision_waits_for() {
        let cal = cal2026();
        let served = day("2026-09-30");
        let mut c = served_case("2026-07-01", vec![fine(600_000)], served);
        // The statement window: five working days after 30 September is 13 October.
        assert_eq!(statement_due(&cal, served, 5), day("2026-10-13"));
        let r = check_decision(&c, &cal, day("2026-10-13"), &[fine(600_000)]).unwrap_err();
        assert_eq!(codes(&r), vec!["decision.statement_window_open"]);
        assert!(check_decision(&c, &cal, day("2026-10-14"), &[fine(600_000)]).is_ok());
        // A statement not yet answered holds the decision.
        c.proceedings.statements.push(Statement {
            notice_id: c.notices[0].id,
            received_on: day("2026-10-09"),
            points: vec!["罚款过重".into()],
            evidence_ids: Vec::new(),
            recorded_by: "menghai.officer".into(),
            answers: Vec::new(),
            answered_by: None,
        });
        let r = check_decision(&c, &cal, day("2026-10-14"), &[fine(600_000)]).unwrap_err();
        assert_eq!(codes(&r), vec!["decision.statement_unanswered"]);
        c.proceedings.statements[0].answers = vec![Answer {
            point: 0,
            adopted: false,
            reason: "在法定幅度内".into(),
        }];
        c.proceedings.statements[0].answered_by = Some("menghai.officer".into());
        // A penalty not noticed, or heavier: refused with Art. 45.
        let warning = Penalty {
            kind: PenaltyType::Warning,
            amount_fen: None,
            period_days: None,
        };
        let r = check_decision(&c, &cal, day("2026-10-14"), &[fine(600_000), warning]).unwrap_err();
        assert_eq!(codes(&r), vec!["penalty.not_noticed"]);
        // The hearing right: its window, the hearing asked for and not yet held.
        c.notices[0].hearing_grounds = vec![PenaltyType::Fine];
        assert!(check_decision(&c, &cal, day("2026-10-14"), &[fine(600_000)]).is_ok());
        let r = check_decision(&c, &cal, day("2026-10-13"), &[fine(600_000)]).unwrap_err();
        assert_eq!(
            codes(&r),
            vec![
                "decision.statement_window_open",
                "decision.hearing_window_open"
            ]
        );
        c.proceedings.hearings.push(hearing(&c, "2026-10-12", None));
        let r = check_decision(&c, &cal, day("2026-10-20"), &[fine(600_000)]).unwrap_err();
        assert_eq!(codes(&r), vec!["decision.hearing_pending"]);
        c.proceedings.hearings[0] = hearing(&c, "2026-10-12", Some("2026-10-26"));
        assert!(check_decision(&c, &cal, day("2026-10-27"), &[fine(500_000)]).is_ok());
        // A later notice not yet served: nothing may be decided on it.
        let mut later = c.notices[0].clone();
        later.id = Uuid::now_v7();
        c.notices.push(later);
        let r = check_decision(&c, &cal, day("2026-10-27"), &[fine(500_000)]).unwrap_err();
        assert_eq!(codes(&r), vec!["decision.notice_not_served"]);
    }

    /// A served case reviewed with agreement and these flags.
    fn agreed_case(noticed: i64, served: NaiveDate, flags: Vec<ReviewFlag>) -> Case {
        let mut c = served_case("2026-01-05", vec![fine(noticed)], served);
        c.review = Some(crate::case::review::Review {
            opinion: crate::case::review::Opinion::Agree,
            reasons: String::new(),
            flags,
            by: "zhidui.lead".into(),
        });
        c
    }

    fn decide(
        c: &Case,
        today: NaiveDate,
        penalties: Vec<Penalty>,
    ) -> Result<Vec<Payload>, Refusal> {
        let state = DecideCaseState {
            case: c.clone(),
            calendar: std::sync::Arc::new(cal2026()),
            today,
            review_triggers: ReviewTriggers::default(),
            deliberation: DeliberationRules::default(),
            deciders: vec![Role::BureauHead],
        };
        let head = crate::case::tests::person("ju.head", Role::BureauHead, None);
        decide_decide_case(
            &state,
            &head,
            &DecideCase {
                case_id: c.id,
                outcome: Outcome::Penalty,
                penalties,
                reasons: "事实清楚".into(),
                expected_version: c.version,
            },
        )
    }

    #[test]
    fn an_officer_never_decides_and_a_decided_case_is_not_decided_again() {
        let c = agreed_case(600_000, day("2026-03-02"), Vec::new());
        let officer = crate::case::tests::person(
            "menghai.officer",
            Role::BrigadeOfficer,
            Some(vec!["532822"]),
        );
        let state = DecideCaseState {
            case: c.clone(),
            calendar: std::sync::Arc::new(cal2026()),
            today: day("2026-04-01"),
            review_triggers: ReviewTriggers::default(),
            deliberation: DeliberationRules::default(),
            deciders: vec![Role::BureauHead],
        };
        let cmd = DecideCase {
            case_id: c.id,
            outcome: Outcome::Penalty,
            penalties: vec![fine(600_000)],
            reasons: "事实清楚".into(),
            expected_version: c.version,
        };
        assert_eq!(
            decide_decide_case(&state, &officer, &cmd).unwrap_err().kind,
            RefusalKind::Forbidden
        );
        let payloads = decide(&c, day("2026-04-01"), vec![fine(600_000)]).unwrap();
        let mut decided = c.clone();
        for p in &payloads {
            decided.proceedings.apply(p).unwrap();
        }
        decided.stage = crate::case::registration::CaseStage::Decided;
        let r = decide(&decided, day("2026-04-02"), vec![fine(600_000)]).unwrap_err();
        assert_eq!(codes(&r), vec!["decision.not_ready"]);
        assert!(
            decided.proceedings.apply(&payloads[0]).is_err(),
            "never twice"
        );
    }

    proptest! {
        /// A head's decision of a penalty holds every rule at once: the notice served and its
        /// window ended or waived (APL Arts. 44, 62), nothing above it (Art. 45), a passed legal
        /// review where one is required (Art. 58), the heads' deliberation where it is (Order
        /// 30 Art. 52) — and is refused whenever one of them fails.
        #[test]
        fn no_decision_breaks_a_rule(
            served in 0u64..200,
            after in 0u64..30,
            noticed in 1i64..80_000_000,
            decided in 1i64..80_000_000,
            complex in any::<bool>(),
            waived in any::<bool>(),
            reviewed in any::<bool>(),
            deliberated in any::<bool>(),
        ) {
            let cal = cal2026();
            let served = day("2026-01-05") + chrono::Days::new(served);
            let today = served + chrono::Days::new(after);
            let flags = if complex { vec![ReviewFlag::Complex] } else { Vec::new() };
            let mut c = agreed_case(noticed, served, flags);
            if waived {
                c.proceedings.waivers.push(Waiver {
                    notice_id: c.notices[0].id,
                    right: crate::case::statement::Right::Statement,
                    received_on: served,
                    evidence_id: Some(Uuid::now_v7()),
                    recorded_by: "menghai.officer".into(),
                });
            }
            let covers = crate::case::legal_review::Covers::of(&c);
            if reviewed {
                c.proceedings.legal_reviews.push(crate::case::legal_review::LegalReview {
                    submission: crate::case::legal_review::Submission {
                        penalties: vec![fine(noticed)],
                        triggers: Vec::new(),
                        submitted_by: "menghai.officer".into(),
                        submitted_on: served,
                        covers,
                    },
                    answer: Some(crate::case::legal_review::Answer {
                        points: Vec::new(),
                        passed: true,
                        reviewed_by: "fazhi.reviewer".into(),
                        reviewed_on: served,
                    }),
                });
            }
            if deliberated {
                c.proceedings.deliberations.push(crate::case::deliberation::Deliberation {
                    purpose: crate::case::deliberation::Purpose::Decision,
                    extension: None,
                    extend: None,
                    attendees: vec!["ju.head".into(), "ju.deputy".into()],
                    opinions: Vec::new(),
                    outcome: "同意".into(),
                    penalties: vec![fine(noticed)],
                    covers,
                    heads: 2,
                    recorded_by: "ju.head".into(),
                    recorded_on: served,
                });
            }
            let ok = decide(&c, today, vec![fine(decided)]).is_ok();
            let window_over = waived || today > statement_due(&cal, served, 5);
            let needs_review = complex;
            // What was proposed counts: a lighter decision does not escape the heads.
            let large = super::super::deliberation::LARGE_AMOUNT_FEN;
            let needs_deliberation = complex || decided >= large || noticed >= large;
            let expected = window_over
                && decided <= noticed
                && (!needs_review || reviewed)
                && (!needs_deliberation || deliberated);
            prop_assert_eq!(ok, expected);
        }

        /// After a defence, without a new notice the decided fine never exceeds the noticed
        /// one, and a type not noticed is never decided (APL Art. 45).
        #[test]
        fn the_penalty_never_rises_after_a_defence(
            noticed in 1i64..100_000_000,
            decided in 1i64..100_000_000,
            with_warning in any::<bool>(),
        ) {
            let cal = cal2026();
            let mut c = served_case("2026-07-01", vec![fine(noticed)], day("2026-09-30"));
            c.proceedings.statements.push(Statement {
                notice_id: c.notices[0].id,
                received_on: day("2026-10-09"),
                points: vec!["罚款过重".into()],
                evidence_ids: Vec::new(),
                recorded_by: "menghai.officer".into(),
                answers: vec![Answer { point: 0, adopted: false, reason: "不予采纳".into() }],
                answered_by: Some("menghai.officer".into()),
            });
            let mut penalties = vec![fine(decided)];
            if with_warning {
                penalties.push(Penalty { kind: PenaltyType::Warning, amount_fen: None, period_days: None });
            }
            let ok = check_decision(&c, &cal, day("2026-11-02"), &penalties).is_ok();
            prop_assert_eq!(ok, decided <= noticed && !with_warning);
        }

        /// No decision before the statement window ends, unless the party waived it in
        /// writing.
        #[test]
        fn no_decision_in_the_statement_window_without_a_waiver(
            served in 0u64..330,
            after in 0u64..40,
            days in 1u32..15,
            waived in any::<bool>(),
        ) {
            let cal = cal2026();
            let served = day("2026-01-05") + chrono::Days::new(served);
            let today = served + chrono::Days::new(after);
            let mut c = served_case("2026-01-05", vec![fine(100_000)], served);
            c.notices[0].statement_days = days;
            if waived {
                c.proceedings.waivers.push(Waiver {
                    notice_id: c.notices[0].id,
                    right: crate::case::statement::Right::Statement,
                    received_on: served,
                    evidence_id: Some(Uuid::now_v7()),
                    recorded_by: "menghai.officer".into(),
                });
            }
            let ok = check_decision(&c, &cal, today, &[fine(100_000)]).is_ok();
            let open = today <= cal.add_working_days(served, days).value;
            prop_assert_eq!(ok, waived || !open);
        }
    }
}
