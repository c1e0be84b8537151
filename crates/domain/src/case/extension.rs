//! Extending the case deadline (延长办案期限): an officer of the case asks for 1–30 more days
//! with a reason, and the extension takes effect when a bureau head approves it. A second
//! extension, of at most 30 days again, is approved only after the heads deliberated it
//! (`super::deliberation`); there is no third. The deadline never passes 150 counted days
//! (the tolled periods of `super::tolling` not counted).
//!
//! 《生态环境行政处罚办法》(MEE Order No. 30) 第五十七条 (as `shared/reference/order30.md` quotes
//! it): "因案情复杂或者其他原因,经生态环境主管部门负责人批准,可以延长三十日"; if still
//! undecided, "应当由生态环境主管部门负责人集体讨论决定是否继续延期,决定继续延期的,继续延长期限
//! 不得超过三十日".

use super::clue::stale;
use super::deliberation::Purpose;
use super::registration::{CASE_DAYS, Case, CaseStage, check_approver, open};
use crate::calendar::Calendar;
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const EXTENSION: LegalSource = LegalSource {
    zh_cn: "《生态环境行政处罚办法》第五十七条",
    en: "MEE Order No. 30, Art. 57",
};

/// The most days one extension adds.
pub const MAX_DAYS: u32 = 30;
/// A first extension by a head, a second after the heads' deliberation; no third.
pub const MAX_EXTENSIONS: usize = 2;
/// 90 + 30 + 30: the most counted days a case may take.
pub const CASE_MAX_DAYS: u32 = CASE_DAYS + MAX_DAYS * MAX_EXTENSIONS as u32;

/// A head's answer to a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDecision {
    pub approved: bool,
    pub decided_by: String,
    pub decided_on: NaiveDate,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// One request to extend the case deadline, and its answer once given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub days: u32,
    pub reason: String,
    pub requested_by: String,
    pub requested_on: NaiveDate,
    /// The deadline as it stood when asked (printed on the approval form).
    pub due_before: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ExtensionDecision>,
}

impl Extension {
    pub fn approved(&self) -> bool {
        self.decision.as_ref().is_some_and(|d| d.approved)
    }
}

/// Working days before the due date from which the case deadline is warned of.
pub const WARNING_WORKING_DAYS: u32 = 10;

/// The last due date warned of today: a deadline falling on or before it is within 10 working
/// days.
pub fn warned_from(calendar: &Calendar, today: NaiveDate) -> NaiveDate {
    calendar.add_working_days(today, WARNING_WORKING_DAYS).value
}

/// The days the approved extensions add to the case deadline.
pub fn approved_days(case: &Case) -> u32 {
    case.proceedings
        .extensions
        .iter()
        .filter(|e| e.approved())
        .map(|e| e.days)
        .sum()
}

/// The request waiting for a head, with its position.
pub fn pending(case: &Case) -> Option<(usize, &Extension)> {
    case.proceedings
        .extensions
        .iter()
        .enumerate()
        .rfind(|(_, e)| e.decision.is_none())
}

/// The requests counted toward the limit: those approved and the one waiting (a refused one
/// does not use up the first extension).
fn counted(case: &Case) -> usize {
    case.proceedings
        .extensions
        .iter()
        .filter(|e| e.decision.is_none() || e.approved())
        .count()
}

/// Whether the deadline may still be extended, as of `today`: the case runs toward its
/// decision, no request waits, fewer than two extensions are counted, and the deadline has not
/// passed (an extension is granted within the period, never after it lapsed).
pub fn request_unmet(case: &Case, calendar: &Calendar, today: NaiveDate) -> Vec<Reason> {
    let mut unmet = Vec::new();
    if !open(case)
        || !matches!(
            case.stage,
            CaseStage::Registered | CaseStage::UnderReview | CaseStage::Reviewed
        )
    {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
        return unmet;
    }
    if pending(case).is_some() {
        unmet.push(Reason::new("extension.pending"));
    }
    if counted(case) >= MAX_EXTENSIONS {
        unmet.push(
            Reason::new("extension.no_more")
                .arg("max", MAX_EXTENSIONS)
                .source(EXTENSION),
        );
    }
    if let Some((_, d)) = case.deadline(calendar, today)
        && d.due < today
    {
        unmet.push(
            Reason::new("extension.deadline_passed")
                .arg("due", d.due)
                .source(EXTENSION),
        );
    }
    unmet
}

#[derive(Clone, Debug)]
pub struct ExtendDeadline {
    pub case_id: Uuid,
    pub days: u32,
    pub reason: String,
    pub expected_version: i64,
}

pub struct ExtensionState {
    pub case: Case,
    pub calendar: std::sync::Arc<Calendar>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseExtensionRequested {
    pub case_id: Uuid,
    pub county_code: String,
    pub extension: Extension,
}

impl crate::event::EventPayload for CaseExtensionRequested {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// The longest reason.
const REASON_MAX: usize = 2000;

/// An acting officer of the case asks for 1–30 more days, with the reason, before the deadline
/// passes.
pub fn decide_extend_deadline(
    state: &ExtensionState,
    actor: &Actor,
    cmd: &ExtendDeadline,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::EnforcementAct)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([("reason", cmd.reason.as_str(), true)])?;
    let mut invalid = Reasons::default();
    if !(1..=MAX_DAYS).contains(&cmd.days) {
        invalid.push(
            Reason::new("extension.days_range")
                .field("days")
                .arg("max", MAX_DAYS)
                .source(EXTENSION),
        );
    }
    if cmd.reason.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("reason"));
    } else if cmd.reason.chars().count() > REASON_MAX {
        invalid.push(
            Reason::new("field.too_long")
                .field("reason")
                .arg("max", REASON_MAX),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let me = actor.name().to_owned();
    let mut unmet = Reasons::default();
    if !case.acting_officers().contains(&me) {
        unmet.push(Reason::new("notice.not_an_officer_of_the_case"));
    }
    for r in request_unmet(case, &state.calendar, state.today) {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let due_before = case
        .deadline(&state.calendar, state.today)
        .map(|(_, d)| d.due)
        .unwrap_or(state.today);
    Ok(vec![
        CaseExtensionRequested {
            case_id: case.id,
            county_code: case.county_code.clone(),
            extension: Extension {
                days: cmd.days,
                reason: cmd.reason.trim().to_owned(),
                requested_by: me,
                requested_on: state.today,
                due_before,
                decision: None,
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct ApproveExtension {
    pub case_id: Uuid,
    pub approved: bool,
    pub reason: String,
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseExtensionDecided {
    pub case_id: Uuid,
    pub county_code: String,
    pub index: usize,
    pub decision: ExtensionDecision,
}

impl crate::event::EventPayload for CaseExtensionDecided {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// What a head's answer to the waiting request still needs: the request's deadline not yet
/// passed, and for the second extension the heads' deliberation of it.
pub fn approval_unmet(case: &Case, calendar: &Calendar, today: NaiveDate) -> Vec<Reason> {
    if !super::registration::undecided(case) {
        return vec![Reason::new("case.wrong_stage").arg("stage", case.stage.as_str())];
    }
    let Some((index, _)) = pending(case) else {
        return vec![Reason::new("extension.nothing_pending")];
    };
    let mut unmet = Vec::new();
    let earlier = case.proceedings.extensions[..index]
        .iter()
        .filter(|e| e.approved())
        .count();
    if earlier >= 1
        && !case.proceedings.deliberations.iter().any(|d| {
            d.purpose == Purpose::Extension && d.extension == Some(index) && d.extend == Some(true)
        })
    {
        unmet.push(Reason::new("extension.deliberation_required").source(EXTENSION));
    }
    if let Some((_, d)) = case.deadline(calendar, today)
        && d.due < today
    {
        unmet.push(
            Reason::new("extension.deadline_passed")
                .arg("due", d.due)
                .source(EXTENSION),
        );
    }
    unmet
}

/// A bureau head (not the officer who asked) approves or refuses the waiting request; a second
/// extension only after the heads decided together to extend. Approved, its days add to the
/// case's period (the deadline is evaluated again with them).
pub fn decide_approve_extension(
    state: &ExtensionState,
    actor: &Actor,
    cmd: &ApproveExtension,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let Some((index, request)) = pending(case) else {
        reach(actor, Capability::CaseApprove)?;
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("extension.nothing_pending"),
        ));
    };
    check_approver(actor, case, &request.requested_by)?;
    // Never one's own request, a head's included (a head may be on the team).
    if actor.name() == request.requested_by {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("approval.own_proposal"),
        ));
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([("reason", cmd.reason.as_str(), true)])?;
    if !cmd.approved && cmd.reason.trim().is_empty() {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.required").field("reason"),
        ));
    }
    if cmd.reason.chars().count() > REASON_MAX {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.too_long")
                .field("reason")
                .arg("max", REASON_MAX),
        ));
    }
    if cmd.approved {
        let mut unmet = Reasons::default();
        for r in approval_unmet(case, &state.calendar, state.today) {
            unmet.push(r);
        }
        // Never past 150 counted days (guards a request recorded under other limits).
        if CASE_DAYS + approved_days(case) + request.days > CASE_MAX_DAYS {
            unmet.push(
                Reason::new("extension.over_limit")
                    .arg("max", CASE_MAX_DAYS)
                    .source(EXTENSION),
            );
        }
        unmet.into_result(RefusalKind::Conflict)?;
    }
    Ok(vec![
        CaseExtensionDecided {
            case_id: case.id,
            county_code: case.county_code.clone(),
            index,
            decision: ExtensionDecision {
                approved: cmd.approved,
                decided_by: actor.name().to_owned(),
                decided_on: state.today,
                reason: cmd.reason.trim().to_owned(),
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use crate::calendar::tests::cal2026;
    use crate::case::deliberation::{
        DeliberationRules, MemberOpinion, RecordDeliberation, RecordDeliberationState,
        decide_record_deliberation,
    };
    use crate::case::tests::person;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A Menghai case registered on `on`, its team of two.
    fn registered(on: &str) -> Case {
        let mut c = crate::case::tests::case(CaseStage::Registered, "menghai.officer");
        c.registered_on = Some(day(on));
        c.team = Some(crate::case::team::Team {
            officers: vec!["menghai.officer".into(), "menghai.officer2".into()],
            lead: "menghai.officer".into(),
            assistants: Vec::new(),
        });
        c
    }

    fn apply(c: &mut Case, payloads: Vec<Payload>) {
        for p in payloads {
            c.proceedings.apply(&p).unwrap();
        }
        c.version += 1;
    }

    fn state(c: &Case, today: NaiveDate) -> ExtensionState {
        ExtensionState {
            case: c.clone(),
            calendar: Arc::new(cal2026()),
            today,
        }
    }

    #[test]
    fn a_second_extension_waits_for_the_heads() {
        let officer = person(
            "menghai.officer",
            Role::BrigadeOfficer,
            Some(vec!["532822"]),
        );
        let head = person("ju.head", Role::BureauHead, None);
        let mut c = registered("2026-06-01");
        let today = day("2026-08-20");
        let ask = |c: &Case, days| ExtendDeadline {
            case_id: c.id,
            days,
            reason: "需要鉴定".into(),
            expected_version: c.version,
        };
        let approve = |c: &Case| ApproveExtension {
            case_id: c.id,
            approved: true,
            reason: String::new(),
            expected_version: c.version,
        };
        // The officer cannot approve; the head cannot approve what was not asked.
        assert!(decide_approve_extension(&state(&c, today), &head, &approve(&c)).is_err());
        let p = decide_extend_deadline(&state(&c, today), &officer, &ask(&c, 30)).unwrap();
        apply(&mut c, p);
        assert_eq!(
            decide_approve_extension(&state(&c, today), &officer, &approve(&c))
                .unwrap_err()
                .kind,
            RefusalKind::Forbidden
        );
        let p = decide_approve_extension(&state(&c, today), &head, &approve(&c)).unwrap();
        apply(&mut c, p);
        assert_eq!(approved_days(&c), 30);
        let p = decide_extend_deadline(&state(&c, today), &officer, &ask(&c, 30)).unwrap();
        apply(&mut c, p);
        let r = decide_approve_extension(&state(&c, today), &head, &approve(&c)).unwrap_err();
        assert_eq!(r.reasons[0].code, "extension.deliberation_required");
    }

    proptest! {
        /// Whatever officers ask and heads answer, in whatever order and on whatever days, the
        /// case never has more than two extensions nor more than 150 counted days, and its due
        /// date never passes the 150th day's.
        #[test]
        fn the_counted_days_never_pass_150(
            ops in prop::collection::vec((0u8..3, 0u32..45, any::<bool>(), 0u64..20), 1..25),
        ) {
            let officer = person("menghai.officer", Role::BrigadeOfficer, Some(vec!["532822"]));
            let head = person("ju.head", Role::BureauHead, None);
            let cal = cal2026();
            let mut c = registered("2026-03-02");
            let mut today = day("2026-03-02");
            for (op, days, yes, wait) in ops {
                today = today + chrono::Days::new(wait);
                let st = state(&c, today);
                let out = match op {
                    0 => decide_extend_deadline(&st, &officer, &ExtendDeadline {
                        case_id: c.id, days, reason: "需要鉴定".into(), expected_version: c.version,
                    }),
                    1 => decide_approve_extension(&st, &head, &ApproveExtension {
                        case_id: c.id, approved: yes,
                        reason: if yes { String::new() } else { "理由不足".into() },
                        expected_version: c.version,
                    }),
                    _ => decide_record_deliberation(
                        &RecordDeliberationState {
                            case: c.clone(),
                            rules: DeliberationRules::default(),
                            heads: vec!["ju.head".into(), "ju.deputy".into()],
                            today,
                        },
                        &head,
                        &RecordDeliberation {
                            case_id: c.id,
                            purpose: crate::case::deliberation::Purpose::Extension,
                            extend: Some(yes),
                            attendees: vec!["ju.head".into(), "ju.deputy".into()],
                            opinions: ["ju.head", "ju.deputy"].map(|m| MemberOpinion {
                                member: m.into(), opinion: "同意".into(),
                            }).to_vec(),
                            outcome: "同意继续延长".into(),
                            expected_version: c.version,
                        },
                    ),
                };
                if let Ok(p) = out {
                    apply(&mut c, p);
                }
                let approved = c.proceedings.extensions.iter().filter(|e| e.approved()).count();
                prop_assert!(approved <= MAX_EXTENSIONS);
                prop_assert!(CASE_DAYS + approved_days(&c) <= CASE_MAX_DAYS);
                prop_assert!(c.proceedings.extensions.iter().all(|e| (1..=MAX_DAYS).contains(&e.days)));
                // A second approved extension always had the heads' deliberation.
                if approved == 2 {
                    let second = c.proceedings.extensions.iter().enumerate()
                        .filter(|(_, e)| e.approved()).nth(1).map(|(i, _)| i);
                    prop_assert!(c.proceedings.deliberations.iter().any(|d| d.extension == second));
                }
                let (_, due) = c.deadline(&cal, today).unwrap();
                let longest = crate::calendar::DeadlineRule::new(
                    day("2026-03-02"),
                    crate::calendar::Period::Days(CASE_MAX_DAYS),
                ).evaluate(&cal, today);
                prop_assert!(due.due <= longest.due);
            }
        }
    }
}
