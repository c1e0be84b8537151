//! What must hold before a penalty is decided, as far as the notice, the defence and the
//! hearing go (the decision itself comes with "Cases 4", which calls `check_decision`):
//! the last notice served; its statement window passed or waived; every statement answered; a
//! hearing asked for held (or waived), its window passed or waived; and the penalties no
//! heavier than that notice's.
//!
//! 《中华人民共和国行政处罚法》第四十四条、第四十五条、第六十二条 (no decision without the notice
//! and the party heard; none heavier for a defence), 第六十三条、第六十五条 (the hearing).

use super::hearing::{HEARING_RIGHT, request_due};
use super::notice::NOTICE;
use super::penalty::{Penalty, check_penalties, heavier_than_noticed};
use super::registration::Case;
use super::statement::{DEFENCE, Right, served_notice};
use crate::calendar::Calendar;
use crate::refusal::Reasons;
use crate::{Reason, Refusal, RefusalKind};
use chrono::NaiveDate;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::cal2026;
    use crate::case::document::DocumentKind;
    use crate::case::notice::AdvanceNotice;
    use crate::case::penalty::PenaltyType;
    use crate::case::proceedings::Hearing;
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

    proptest! {
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
