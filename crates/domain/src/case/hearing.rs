//! The hearing's periods (听证): the party asks within five working days of the advance notice's
//! service; the hearing notice is served at least seven working days before the hearing.
//!
//! 《中华人民共和国行政处罚法》第六十四条 (the periods) with 第八十五条 (periods of "days" in this
//! law are working days).

use super::clue::stale;
use super::registration::{Case, undecided};
use crate::calendar::{Calendar, Dated};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::time::Timestamp;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Working days after service within which the party asks for a hearing.
pub const REQUEST_DAYS: u32 = 5;
/// Working days by which the hearing notice precedes the hearing.
pub const NOTICE_DAYS: u32 = 7;

pub const HEARING_PERIODS: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第六十四条、第八十五条",
    en: "Administrative Penalty Law of the PRC (2021), Arts. 64 and 85",
};

/// The last day a request for a hearing is accepted, for a notice served on `served_on`.
pub fn request_due(calendar: &Calendar, served_on: NaiveDate) -> Dated<NaiveDate> {
    calendar.add_working_days(served_on, REQUEST_DAYS)
}

/// A request received after its last day is refused, naming the day.
pub fn check_request(
    calendar: &Calendar,
    served_on: NaiveDate,
    received_on: NaiveDate,
) -> Result<(), Refusal> {
    let due = request_due(calendar, served_on).value;
    if received_on < served_on {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("hearing.request_before_service")
                .field("received_on")
                .arg("served_on", served_on),
        ));
    }
    if received_on > due {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("hearing.request_late")
                .field("received_on")
                .arg("due", due)
                .source(HEARING_PERIODS),
        ));
    }
    Ok(())
}

/// The first day a hearing may be held when its notice is served on `notice_served_on`.
pub fn earliest_hearing(calendar: &Calendar, notice_served_on: NaiveDate) -> Dated<NaiveDate> {
    calendar.add_working_days(notice_served_on, NOTICE_DAYS)
}

/// A hearing set before its notice's seven working days have passed is refused, naming the
/// first day it may be held.
pub fn check_hearing_date(
    calendar: &Calendar,
    notice_served_on: NaiveDate,
    hearing_on: NaiveDate,
) -> Result<(), Refusal> {
    let earliest = earliest_hearing(calendar, notice_served_on).value;
    if hearing_on < earliest {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("hearing.too_soon")
                .field("at")
                .arg("earliest", earliest)
                .source(HEARING_PERIODS),
        ));
    }
    Ok(())
}

/// A person who comes with the party (委托代理人).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    pub name: String,
    pub relation: String,
}

/// The party may bring at most this many agents.
pub const MAX_AGENTS: usize = 2;

/// A hearing's arrangements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub host: String,
    pub place: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<Agent>,
    pub scheduled_by: String,
}

/// How a hearing ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub attended: bool,
    #[serde(default)]
    pub left_without_permission: bool,
    pub record_evidence_id: Uuid,
    pub signed_on: NaiveDate,
    pub recorded_by: String,
}

impl Outcome {
    /// Not coming, or leaving without the host's permission, waives the hearing.
    pub fn waived(&self) -> bool {
        !self.attended || self.left_without_permission
    }
}

/// The subject of a hearing notice: the hearing's position and the arrangement's revision.
pub fn notice_subject(index: usize, revision: u32) -> String {
    format!("{index}.{revision}")
}

fn officer_of_reach(actor: &Actor, case: &Case, expected_version: i64) -> Result<(), Refusal> {
    let r = reach(actor, Capability::EnforcementAct)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, expected_version)?;
    if !undecided(case) {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()),
        ));
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct RequestHearing {
    pub case_id: Uuid,
    pub received_on: NaiveDate,
    pub expected_version: i64,
}

pub struct RequestHearingState {
    pub case: Case,
    pub calendar: Calendar,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HearingRequested {
    pub case_id: Uuid,
    pub county_code: String,
    pub notice_id: Uuid,
    pub received_on: NaiveDate,
    pub recorded_by: String,
}

impl crate::event::EventPayload for HearingRequested {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An officer records the party's request for a hearing, accepted within five working days of
/// the notice's service.
pub fn decide_request_hearing(
    state: &RequestHearingState,
    actor: &Actor,
    cmd: &RequestHearing,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_of_reach(actor, case, cmd.expected_version)?;
    let Some((notice, served_on)) = super::statement::served_notice(case) else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("statement.notice_not_served"),
        ));
    };
    if cmd.received_on > state.today {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.in_future").field("received_on"),
        ));
    }
    let mut unmet = Reasons::default();
    if !notice.hearing_right() {
        unmet.push(Reason::new("hearing.no_right").source(HEARING_RIGHT));
    }
    if case.proceedings.hearing_after(notice.id).is_some() {
        unmet.push(Reason::new("hearing.already_requested"));
    }
    if case
        .proceedings
        .waivers
        .iter()
        .any(|w| w.notice_id == notice.id && w.right == super::statement::Right::Hearing)
    {
        unmet.push(Reason::new("hearing.waived"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    check_request(&state.calendar, served_on, cmd.received_on)?;
    Ok(vec![
        HearingRequested {
            case_id: case.id,
            county_code: case.county_code.clone(),
            notice_id: notice.id,
            received_on: cmd.received_on,
            recorded_by: actor.name().to_owned(),
        }
        .into(),
    ])
}

/// 《中华人民共和国行政处罚法》第六十三条 (the penalties that give a hearing right), 第六十四条
/// (the host is someone other than the investigators; the party may ask for the host's recusal;
/// the party may bring one or two agents).
pub const HEARING_RIGHT: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第六十三条、第六十四条",
    en: "Administrative Penalty Law of the PRC (2021), Arts. 63 and 64",
};

#[derive(Clone, Debug)]
pub struct ScheduleHearing {
    pub case_id: Uuid,
    pub host: String,
    pub place: String,
    pub at: Timestamp,
    pub agents: Vec<Agent>,
    pub expected_version: i64,
}

pub struct ScheduleHearingState {
    pub case: Case,
    /// Everyone named as an officer of the case's records or who recorded one.
    pub record_officers: Vec<String>,
    /// The host named, if an account.
    pub host: Option<crate::user::User>,
    pub calendar: Calendar,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HearingScheduled {
    pub case_id: Uuid,
    pub county_code: String,
    /// The hearing's position in the case's hearings.
    pub index: usize,
    pub schedule: Schedule,
}

impl crate::event::EventPayload for HearingScheduled {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Who may host: an active account of the bureau's enforcement, its legal review or its heads,
/// whose reach covers the case's county (never an administrator, an auxiliary, a liaison or a
/// partner agency).
fn host_eligible(u: &crate::user::User, county: &str) -> bool {
    use crate::actor::Role;
    !u.disabled
        && u.roles.iter().any(|r| {
            matches!(
                r,
                Role::BureauHead
                    | Role::DetachmentLeader
                    | Role::DetachmentOfficer
                    | Role::BrigadeOfficer
                    | Role::LegalReviewer
            )
        })
        && u.counties
            .as_ref()
            .is_none_or(|c| c.iter().any(|c| c == county))
}

/// Who may not host: the investigators and their assistants (on the team now, or named in a
/// record), the recused or with a recusal pending, the report's author.
fn host_unfit(case: &Case, record_officers: &[String], host: &str) -> Option<Reason> {
    let investigated = record_officers.iter().any(|o| o == host)
        || case
            .team
            .as_ref()
            .is_some_and(|t| t.officers.iter().chain(&t.assistants).any(|o| o == host))
        || case.report.as_ref().is_some_and(|r| r.by == host);
    if investigated {
        Some(
            Reason::new("hearing.host_investigated")
                .field("host")
                .source(HEARING_RIGHT),
        )
    } else if super::recusal::recused(&case.recusals, host) {
        Some(Reason::new("hearing.host_recused").field("host"))
    } else if case
        .recusals
        .iter()
        .any(|r| r.officer == host && r.decision.is_none())
    {
        Some(Reason::new("hearing.host_recusal_pending").field("host"))
    } else {
        None
    }
}

/// Sets (or sets again) the hearing the party asked for: a host who did not investigate, a
/// place, a time at least seven working days after today (the notice cannot be served
/// earlier), and the party's agents.
pub fn decide_schedule_hearing(
    state: &ScheduleHearingState,
    actor: &Actor,
    cmd: &ScheduleHearing,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_of_reach(actor, case, cmd.expected_version)?;
    let mut texts = vec![
        ("host", cmd.host.as_str(), false),
        ("place", cmd.place.as_str(), false),
    ];
    for a in &cmd.agents {
        texts.push(("agents", a.name.as_str(), false));
        texts.push(("agents", a.relation.as_str(), false));
    }
    check_texts(texts)?;
    let mut invalid = Reasons::default();
    match &state.host {
        None => invalid.push(
            Reason::new("hearing.host_unknown")
                .field("host")
                .arg("username", &cmd.host),
        ),
        Some(u) if !host_eligible(u, &case.county_code) => invalid.push(
            Reason::new("hearing.host_not_eligible")
                .field("host")
                .arg("username", &cmd.host),
        ),
        Some(_) => {}
    }
    if cmd.place.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("place"));
    } else if cmd.place.chars().count() > 200 {
        invalid.push(Reason::new("field.too_long").field("place").arg("max", 200));
    }
    if cmd.agents.len() > MAX_AGENTS {
        invalid.push(
            Reason::new("hearing.too_many_agents")
                .field("agents")
                .arg("max", MAX_AGENTS)
                .source(HEARING_RIGHT),
        );
    }
    for (i, a) in cmd.agents.iter().enumerate() {
        for (field, text) in [("name", &a.name), ("relation", &a.relation)] {
            if text.trim().is_empty() {
                invalid.push(Reason::new("field.required").field(format!("agents[{i}].{field}")));
            } else if text.chars().count() > 100 {
                invalid.push(
                    Reason::new("field.too_long")
                        .field(format!("agents[{i}].{field}"))
                        .arg("max", 100),
                );
            }
        }
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let notice = super::statement::served_notice(case);
    let Some((index, hearing)) = notice.and_then(|(n, _)| case.proceedings.hearing_after(n.id))
    else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("hearing.not_requested"),
        ));
    };
    let mut unmet = Reasons::default();
    if hearing.outcome.is_some() {
        unmet.push(Reason::new("hearing.already_recorded"));
    }
    if let Some(r) = host_unfit(case, &state.record_officers, cmd.host.trim()) {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    check_hearing_date(&state.calendar, state.today, cmd.at.china_date())?;
    Ok(vec![
        HearingScheduled {
            case_id: case.id,
            county_code: case.county_code.clone(),
            index,
            schedule: Schedule {
                host: cmd.host.trim().to_owned(),
                place: cmd.place.trim().to_owned(),
                at: cmd.at,
                agents: cmd
                    .agents
                    .iter()
                    .map(|a| Agent {
                        name: a.name.trim().to_owned(),
                        relation: a.relation.trim().to_owned(),
                    })
                    .collect(),
                scheduled_by: actor.name().to_owned(),
            },
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct RecordHearing {
    pub case_id: Uuid,
    pub attended: bool,
    pub left_without_permission: bool,
    pub record_evidence_id: Uuid,
    pub signed_on: NaiveDate,
    pub expected_version: i64,
}

pub struct RecordHearingState {
    pub case: Case,
    pub record_officers: Vec<String>,
    pub evidence_case: Option<Uuid>,
    pub calendar: Calendar,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HearingRecorded {
    pub case_id: Uuid,
    pub county_code: String,
    pub index: usize,
    pub outcome: Outcome,
}

impl crate::event::EventPayload for HearingRecorded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Records the hearing held (its signed record) or the party's absence: held only after its
/// notice was served seven working days before, by a host still fit to hold it.
pub fn decide_record_hearing(
    state: &RecordHearingState,
    actor: &Actor,
    cmd: &RecordHearing,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_of_reach(actor, case, cmd.expected_version)?;
    let found = super::statement::served_notice(case)
        .and_then(|(n, _)| case.proceedings.hearing_after(n.id))
        .and_then(|(i, h)| h.schedule.as_ref().map(|s| (i, h, s)));
    let Some((index, hearing, schedule)) = found else {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("hearing.not_scheduled"),
        ));
    };
    let held_on = schedule.at.china_date();
    let mut invalid = Reasons::default();
    if state.evidence_case != Some(case.id) {
        invalid.push(Reason::new("record.evidence_unknown").field("record_evidence_id"));
    }
    if cmd.signed_on < held_on || cmd.signed_on > state.today {
        invalid.push(
            Reason::new("hearing.signed_out_of_range")
                .field("signed_on")
                .arg("held_on", held_on)
                .arg("today", state.today),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = Reasons::default();
    if hearing.outcome.is_some() {
        unmet.push(Reason::new("hearing.already_recorded"));
    }
    match case.proceedings.hearing_notice_served_on(index) {
        None => unmet.push(Reason::new("hearing.notice_not_served")),
        Some(served) => {
            if let Err(r) = check_hearing_date(&state.calendar, served, held_on) {
                for reason in r.reasons {
                    unmet.push(reason);
                }
            }
        }
    }
    if let Some(r) = host_unfit(case, &state.record_officers, &schedule.host) {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        HearingRecorded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            index,
            outcome: Outcome {
                attended: cmd.attended,
                left_without_permission: cmd.attended && cmd.left_without_permission,
                record_evidence_id: cmd.record_evidence_id,
                signed_on: cmd.signed_on,
                recorded_by: actor.name().to_owned(),
            },
        }
        .into(),
    ])
}

/// Whether the party may still ask for the host's recusal: the host of the hearing not yet
/// held, asked within `days` natural days of the hearing notice's service (any time before it
/// is served), the last day moved past rest days. UNCONFIRMED: the 2010 hearing rules' 3
/// days; a setting.
pub fn host_recusal_open(
    case: &Case,
    calendar: &Calendar,
    officer: &str,
    days: u32,
    today: NaiveDate,
) -> bool {
    case.proceedings
        .hearings
        .iter()
        .enumerate()
        .filter(|(_, h)| h.outcome.is_none())
        .filter_map(|(i, h)| h.schedule.as_ref().map(|s| (i, h, s)))
        .any(|(i, _, s)| {
            // The last day moves past rest days like every period of days.
            s.host == officer
                && case
                    .proceedings
                    .hearing_notice_served_on(i)
                    .is_none_or(|d| today <= calendar.add_days(d, days).value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::cal2026;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_request_window_across_national_day_by_hand() {
        let c = cal2026();
        // Served Wednesday 30 September: 1–7 October rest; Thu 8, Fri 9, Sat 10 (a make-up
        // working day), Mon 12, Tue 13.
        assert_eq!(request_due(&c, day("2026-09-30")).value, day("2026-10-13"));
        assert!(check_request(&c, day("2026-09-30"), day("2026-10-13")).is_ok());
        let r = check_request(&c, day("2026-09-30"), day("2026-10-14")).unwrap_err();
        assert_eq!(
            (r.kind, r.reasons[0].code),
            (RefusalKind::Conflict, "hearing.request_late")
        );
        assert!(check_request(&c, day("2026-09-30"), day("2026-09-29")).is_err());
    }

    #[test]
    fn the_hearing_notice_across_the_spring_festival_by_hand() {
        let c = cal2026();
        // Served Friday 13 February: Sat 14 (make-up), 15–23 rest, Tue 24, Wed 25, Thu 26,
        // Fri 27, Sat 28 (make-up), Mon 2 March.
        assert_eq!(
            earliest_hearing(&c, day("2026-02-13")).value,
            day("2026-03-02")
        );
        assert!(check_hearing_date(&c, day("2026-02-13"), day("2026-03-02")).is_ok());
        let r = check_hearing_date(&c, day("2026-02-13"), day("2026-02-27")).unwrap_err();
        assert_eq!(r.reasons[0].code, "hearing.too_soon");
    }

    /// One who investigated hosts no hearing: on the team, the report's author, or named in a
    /// record though no longer on the team; nor one recused or with a recusal pending.
    #[test]
    fn who_investigated_hosts_no_hearing() {
        let case = crate::case::tests::case(
            crate::case::registration::CaseStage::Reviewed,
            "menghai.officer",
        );
        let code = |c: &Case, officers: &[&str], host: &str| {
            let officers: Vec<String> = officers.iter().map(|o| (*o).to_owned()).collect();
            host_unfit(c, &officers, host).map(|r| r.code)
        };
        assert_eq!(code(&case, &[], "fazhi.reviewer"), None);
        assert_eq!(
            code(&case, &["zhidui.officer"], "zhidui.officer"),
            Some("hearing.host_investigated")
        );
        let mut pending = case.clone();
        pending.recusals.push(crate::case::recusal::Recusal {
            officer: "fazhi.reviewer".into(),
            grounds: "亲属".into(),
            by: crate::case::recusal::RecusalBy::Party,
            requested_by: "menghai.officer".into(),
            decision: None,
        });
        assert_eq!(
            code(&pending, &[], "fazhi.reviewer"),
            Some("hearing.host_recusal_pending")
        );
    }

    proptest! {
        /// A request is accepted exactly when it comes on a day from service to the fifth
        /// working day after it.
        #[test]
        fn a_late_hearing_request_is_refused(served in 0u32..360, after in 0i64..40) {
            let c = cal2026();
            let served = day("2026-01-01") + chrono::Days::new(u64::from(served));
            let received = served + chrono::Duration::days(after);
            let working_between = (1..=after)
                .map(|i| served + chrono::Duration::days(i))
                .filter(|d| c.is_working_day(*d).value)
                .count() as u32;
            // In time: fewer than five working days passed before the day it came, or it came
            // on the fifth (or on a rest day before the sixth, by the rest-day rule).
            let due = request_due(&c, served).value;
            prop_assert_eq!(check_request(&c, served, received).is_ok(), received <= due);
            if received <= due {
                prop_assert!(working_between <= REQUEST_DAYS);
            } else {
                prop_assert!(working_between > REQUEST_DAYS || !c.is_working_day(received).value);
            }
        }
    }
}
