//! What waits to be done: a case's next lawful steps for the reader (computed by
//! `domain::case::steps`), the reader's own tasks, and the deadlines falling due or passed —
//! per brigade, or for the whole detachment.

use crate::{App, AppError};
use chrono::NaiveDate;
use domain::Actor;
use domain::calendar::{DeadlineRule, Period};
use domain::case::clue::{Clue, ClueStatus, REGISTRATION_DAYS};
use domain::case::registration::{CASE_DAYS, Case, CaseStage};
use domain::case::steps::{NextStep, StepContext};
use domain::permission::Capability;
use domain::unit::UnitKind;
use store::{CaseFilter, ClueFilter};
use uuid::Uuid;

/// Lists read at most this many pages of 200 rows (a brigade's open work is far smaller).
const MAX_PAGES: i64 = 25;

/// The deadline sweep reads the cases in chunks of this many, all of them.
const SWEEP_CHUNK: i64 = 500;

/// Days a lapsed preservation stays in the deadline lists after its decision was due.
const LAPSED_LISTED_DAYS: i64 = 30;

/// Which deadline an item is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// Decide on registering a clue (15 days, 30 with an extension: Order 30 Art. 18).
    Registration,
    /// Decide the case (90 days from registration: APL Art. 60).
    CaseDecision,
    /// Decide on preserved evidence (7 working days: APL Art. 56).
    PreservationDecision,
    /// Approve an emergency preservation afterwards (setting `app.preservation_approval_hours`).
    PreservationApproval,
    /// Pay the fine (15 days from service, or an approved instalment: APL Art. 67); once
    /// passed, unpaid, the surcharge runs (APL Art. 72).
    Payment,
}

/// One deadline falling due or passed.
#[derive(Clone, Debug)]
pub struct DueItem {
    pub kind: DueKind,
    pub due: NaiveDate,
    /// Negative when overdue (or lapsed).
    pub days_left: i64,
    /// Passed: the day is behind us, or (an approval due by the hour) the hour is.
    pub overdue: bool,
    pub county_code: String,
    /// The unit that handles it: the case's, or for a clue the brigade of its county.
    pub unit_id: Option<Uuid>,
    pub case: Option<Case>,
    pub clue: Option<Clue>,
}

/// The case deadline near or passed: due within 10 working days (MEE Order No. 30 Art. 57 sets
/// the deadline; the warning is the platform's), or overdue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseWarning {
    pub due: NaiveDate,
    pub overdue: bool,
}

/// A case of mine with the steps I may take now.
pub struct Task {
    pub case: Case,
    pub steps: Vec<NextStep>,
}

impl App {
    /// The next lawful steps of a case for the reader (the workspace shows them as forms).
    pub async fn next_steps(&self, actor: &Actor, case: &Case) -> Result<Vec<NextStep>, AppError> {
        let mut names: Vec<String> = Vec::new();
        if let Some(t) = &case.team {
            names.extend(t.officers.iter().chain(&t.assistants).cloned());
        }
        for r in &case.recusals {
            if !names.contains(&r.officer) {
                names.push(r.officer.clone());
            }
        }
        let users = self.store.users_named(&names).await?;
        let people: Vec<_> = names
            .iter()
            .map(|n| (n.clone(), users.iter().find(|u| &u.username == n).cloned()))
            .collect();
        let standings: Vec<_> = case
            .preservations
            .iter()
            .map(|p| self.preservation_standing(p))
            .collect();
        let calendar = self.calendar();
        Ok(domain::case::steps::next_steps(
            case,
            actor,
            &StepContext {
                today: self.today(),
                people: &people,
                preservations: &standings,
                main_head: &self.settings.main_head,
                decision: self.decision_rules(&calendar),
                deciders: &self.settings.deciders,
                publicity: &self.settings.publicity,
                filing: &self.settings.filing_upward,
            },
        ))
    }

    /// My tasks: the open cases where a step waits for me (not counting what is open at any
    /// time, such as asking a recusal) — those I am assigned to and not recused from; for a
    /// reviewer, the cases waiting for review; for a head, what waits for approval.
    pub async fn my_tasks(&self, actor: &Actor) -> Result<Vec<Task>, AppError> {
        let me = actor.name().to_owned();
        let mut candidates: Vec<Case> = Vec::new();
        let pass = |filter: CaseFilter| async move {
            let mut found = Vec::new();
            for page in 1..=MAX_PAGES {
                let p = self.cases(actor, filter.clone(), page, 200).await?;
                let n = p.items.len();
                found.extend(p.items);
                if n < 200 {
                    break;
                }
            }
            Ok::<_, AppError>(found)
        };
        candidates.extend(
            pass(CaseFilter {
                officer: me.clone(),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|c| c.acting_officers().contains(&me)),
        );
        if domain::permission::allows(actor, Capability::CaseReview) {
            candidates.extend(
                pass(CaseFilter {
                    stage: domain::case::registration::CaseStage::UnderReview
                        .as_str()
                        .to_owned(),
                    ..Default::default()
                })
                .await?,
            );
        }
        if domain::permission::allows(actor, Capability::CaseApprove) {
            candidates.extend(self.approvals(actor).await?.0);
        }
        // A legal reviewer: the reviewed cases whose last legal review waits for its answer.
        if domain::permission::allows(actor, Capability::LegalReview) {
            candidates.extend(
                pass(CaseFilter {
                    stage: domain::case::registration::CaseStage::Reviewed
                        .as_str()
                        .to_owned(),
                    ..Default::default()
                })
                .await?
                .into_iter()
                .filter(|c| {
                    c.proceedings
                        .legal_reviews
                        .last()
                        .is_some_and(|r| r.answer.is_none())
                }),
            );
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for case in candidates {
            if !seen.insert(case.id) || !domain::case::registration::open(&case) {
                continue;
            }
            let mut steps: Vec<NextStep> = Vec::new();
            for s in self.next_steps(actor, &case).await? {
                // One link per command (a case may wait on two recusal decisions).
                if s.allowed && !s.on_demand && !steps.iter().any(|x| x.command == s.command) {
                    steps.push(s);
                }
            }
            if !steps.is_empty() {
                out.push(Task { case, steps });
            }
        }
        Ok(out)
    }

    /// The warning on a case whose decision is due within 10 working days or overdue, while it
    /// runs toward its decision.
    pub fn case_warning(&self, case: &Case) -> Option<CaseWarning> {
        if !matches!(
            case.stage,
            CaseStage::Registered | CaseStage::UnderReview | CaseStage::Reviewed
        ) {
            return None;
        }
        let calendar = self.calendar();
        let today = self.today();
        let (_, d) = case.deadline(&calendar, today)?;
        (d.due <= domain::case::extension::warned_from(&calendar, today)).then_some(CaseWarning {
            due: d.due,
            overdue: d.due < today,
        })
    }

    /// The cases whose decision falls due within the warning period or has passed (the home
    /// page's list), most urgent first: `officer`'s own (proposed or assigned, not recused)
    /// when given, else all within the reader's reach. Reads only the cases registered early
    /// enough to be due, not the rest of the sweep.
    pub async fn decisions_due(
        &self,
        actor: &Actor,
        officer: Option<&str>,
    ) -> Result<Vec<(Case, CaseWarning)>, AppError> {
        let calendar = self.calendar();
        let today = self.today();
        let limit = domain::case::extension::warned_from(&calendar, today);
        let filter = CaseFilter {
            officer: officer.unwrap_or_default().to_owned(),
            registered_by: Some(last_registration_due_by(&calendar, today, limit)),
            ..Default::default()
        };
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let chunk = self.cases_after(actor, &filter, after, SWEEP_CHUNK).await?;
            after = chunk.last().map(|c| c.id);
            let n = chunk.len() as i64;
            for case in chunk {
                let mine = officer.is_none_or(|o| case.acting_officers().iter().any(|a| a == o));
                if let Some(w) = self.case_warning(&case)
                    && mine
                {
                    out.push((case, w));
                }
            }
            if n < SWEEP_CHUNK {
                break;
            }
        }
        out.sort_by_key(|(_, w)| w.due);
        Ok(out)
    }

    /// Deadlines due within `within` days from today, or passed, of one unit's work or of all
    /// within the reader's reach: clues to decide on, cases to decide, preserved evidence to
    /// decide on, emergency preservations to approve, fines to pay. Most urgent first. Every
    /// matching case is read (the daily sweep: none is cut off however many are open).
    pub async fn deadlines(
        &self,
        actor: &Actor,
        unit: Option<Uuid>,
        within: u32,
    ) -> Result<Vec<DueItem>, AppError> {
        domain::permission::require(actor, Capability::CaseRead)?;
        let calendar = self.calendar();
        let today = self.today();
        let horizon = today + chrono::Days::new(u64::from(within));
        // A case decision is always listed from 10 working days before it falls due.
        let case_horizon = horizon.max(domain::case::extension::warned_from(&calendar, today));
        let units = self.units().await?;
        let brigade_of = |county: &str| {
            units
                .iter()
                .find(|u| u.kind == UnitKind::Brigade && u.division_code == county)
                .map(|u| u.id)
        };
        let counties: Option<Vec<String>> = unit.map(|id| {
            units
                .iter()
                .filter(|u| u.id == id && u.kind == UnitKind::Brigade)
                .map(|u| u.division_code.clone())
                .collect()
        });
        let mut out = Vec::new();
        let item = |kind, due: NaiveDate, county: &str, unit_id| DueItem {
            kind,
            due,
            days_left: (due - today).num_days(),
            overdue: due < today,
            county_code: county.to_owned(),
            unit_id,
            case: None,
            clue: None,
        };

        // Clues: 15 natural days from receipt at the least, so none received after this day
        // falls due within the horizon.
        let received_by = horizon - chrono::Days::new(u64::from(REGISTRATION_DAYS));
        for county in counties.clone().unwrap_or_else(|| vec![String::new()]) {
            let filter = ClueFilter {
                status: ClueStatus::Open.as_str().to_owned(),
                county,
                received_by: Some(received_by),
                ..Default::default()
            };
            // Every open clue that falls due: none is left out of a deadline list.
            for page in 1.. {
                let p = self.clues(actor, filter.clone(), page, 200).await?;
                let n = p.items.len();
                for clue in p.items {
                    let (due, _) = self.registration_due(&clue);
                    if due <= horizon {
                        let mut i = item(
                            DueKind::Registration,
                            due,
                            &clue.data.county_code,
                            brigade_of(&clue.data.county_code),
                        );
                        i.clue = Some(clue);
                        out.push(i);
                    }
                }
                if n < 200 {
                    break;
                }
            }
        }

        // Cases: every case registered on or before the last registration day whose deadline
        // falls within the horizon.
        let registered_by = last_registration_due_by(&calendar, today, case_horizon);
        // A proposed case waits for its registration decision within the clue's time.
        let pending = CaseFilter {
            stage: CaseStage::PendingRegistration.as_str().to_owned(),
            handling_unit: unit,
            ..Default::default()
        };
        let mut after = None;
        loop {
            let chunk = self
                .cases_after(actor, &pending, after, SWEEP_CHUNK)
                .await?;
            after = chunk.last().map(|c| c.id);
            for case in &chunk {
                let Ok(clue) = self.clue(actor, case.clue_id).await else {
                    continue;
                };
                let (due, _) = self.registration_due(&clue);
                if due <= horizon {
                    let mut i = item(
                        DueKind::Registration,
                        due,
                        &case.county_code,
                        case.handling_unit_id,
                    );
                    i.case = Some(case.clone());
                    out.push(i);
                }
            }
            if (chunk.len() as i64) < SWEEP_CHUNK {
                break;
            }
        }
        // Decided cases: the fine still to pay.
        let decided = CaseFilter {
            stage: CaseStage::Decided.as_str().to_owned(),
            handling_unit: unit,
            ..Default::default()
        };
        let case_filters = [
            CaseFilter {
                handling_unit: unit,
                registered_by: Some(registered_by),
                ..Default::default()
            },
            CaseFilter {
                handling_unit: unit,
                preservation_open: true,
                ..Default::default()
            },
            decided,
        ];
        let mut seen = std::collections::HashSet::new();
        for filter in case_filters {
            let mut after = None;
            loop {
                let chunk = self.cases_after(actor, &filter, after, SWEEP_CHUNK).await?;
                after = chunk.last().map(|c| c.id);
                let n = chunk.len() as i64;
                for case in chunk {
                    if !seen.insert(case.id) {
                        continue;
                    }
                    let county = case.county_code.clone();
                    let unit_id = case.handling_unit_id;
                    let mut found = Vec::new();
                    // The decision is due while the case runs (a cancelled one has none).
                    let running = matches!(
                        case.stage,
                        CaseStage::Registered | CaseStage::UnderReview | CaseStage::Reviewed
                    );
                    if let Some((_, d)) = self.case_deadline(&case)
                        && running
                        && d.due <= case_horizon
                    {
                        found.push(item(DueKind::CaseDecision, d.due, &county, unit_id));
                    }
                    for p in &case.preservations {
                        let st = self.preservation_standing(p);
                        // A lapsed measure stays listed for a while, then is history.
                        if let Some(due) = st.decision_due
                            && matches!(st.status, "in_effect" | "lapsed")
                            && due <= horizon
                            && (today - due).num_days() <= LAPSED_LISTED_DAYS
                        {
                            found.push(item(DueKind::PreservationDecision, due, &county, unit_id));
                        }
                        // An emergency preservation waits for its approval by the hour.
                        if p.emergency && p.approval.is_none() {
                            let at = p.proposed_at.as_datetime()
                                + chrono::Duration::hours(
                                    self.settings.preservation_approval_hours,
                                );
                            let due = domain::time::Timestamp::new(at).china_date();
                            let mut i = item(DueKind::PreservationApproval, due, &county, unit_id);
                            i.overdue = st.approval_overdue;
                            found.push(i);
                        }
                    }
                    if case.stage == CaseStage::Decided
                        && let Some((due, unperformed)) = payment_due(&case, &calendar, today)
                        && (unperformed || due <= horizon)
                    {
                        let mut i = item(DueKind::Payment, due, &county, unit_id);
                        i.overdue = unperformed;
                        found.push(i);
                    }
                    for mut i in found {
                        i.case = Some(case.clone());
                        out.push(i);
                    }
                }
                if n < SWEEP_CHUNK {
                    break;
                }
            }
        }
        out.sort_by_key(|i| (i.due, i.kind as u8));
        Ok(out)
    }
}

/// The day a decided case's money is next due and whether what is owed is past due and unpaid;
/// `None` when nothing is owed (or the decision is not served yet). When only the surcharge is
/// left, the last instalment's day.
fn payment_due(
    case: &Case,
    calendar: &domain::calendar::Calendar,
    today: NaiveDate,
) -> Option<(NaiveDate, bool)> {
    use domain::case::performance;
    let st = performance::standing(case, calendar, today);
    if st.outstanding_fen <= 0 {
        return None;
    }
    let due = st.due_on.or_else(|| {
        performance::schedule(case, calendar)
            .iter()
            .map(|i| i.due_on)
            .max()
    })?;
    Some((due, st.unperformed))
}

/// The last registration day whose 90-day case deadline falls on or before `limit`: deadlines
/// only move forward with the registration day, so every case registered on or before it is due
/// by `limit` and none after.
pub(crate) fn last_registration_due_by(
    calendar: &domain::calendar::Calendar,
    today: NaiveDate,
    limit: NaiveDate,
) -> NaiveDate {
    let mut day = limit - chrono::Days::new(u64::from(CASE_DAYS));
    // Rest days move a deadline by at most a few weeks (the Spring Festival).
    for _ in 0..60 {
        let due = DeadlineRule::new(day, Period::Days(CASE_DAYS))
            .evaluate(calendar, today)
            .due;
        if due <= limit {
            break;
        }
        day = day.pred_opt().unwrap_or(day);
    }
    day
}
