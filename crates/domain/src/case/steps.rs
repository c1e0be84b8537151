//! The next lawful steps of a case (下一步): for the case's stage, the commands the procedure
//! offers, each allowed for the reader now or blocked with its reasons and their legal sources.
//! The conditions are the decisions' own (each `decide_<verb>` calls the same checks); what a
//! step's form will still check — the fields, the officers named — is left to the decision.

use super::preservation::Standing;
use super::record::check_act_officers;
use super::registration::{Case, CaseStage, check_approver, open};
use super::review::SEPARATION;
use super::team::{TWO_OFFICERS, assigner_unmet, investigating};
use crate::permission::{Capability, reach, within};
use crate::refusal::Reasons;
use crate::user::User;
use crate::{Actor, Reason};
use chrono::NaiveDate;
use serde::Serialize;

/// One step: the command's verb (`POST /api/v1/cases/{id}/<command>`), whether the reader may
/// send it now, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NextStep {
    pub command: &'static str,
    pub allowed: bool,
    pub reasons: Vec<Reason>,
    /// Open at any time but not waiting to be done (asking a recusal, proposing a
    /// cancellation, reassigning a team that can act): not a task.
    pub on_demand: bool,
}

/// Every command a step may name (each has words on the pages).
pub const COMMANDS: [&str; 44] = [
    "approve-registration",
    "reject-registration",
    "identify-party",
    "assign-officers",
    "record-inspection",
    "record-questioning",
    "record-sampling",
    "preserve-evidence",
    "request-recusal",
    "decide-recusal",
    "approve-preservation",
    "reject-preservation",
    "decide-preserved",
    "submit-investigation-report",
    "cancel-registration",
    "approve-cancellation",
    "reject-cancellation",
    "record-case-review",
    "issue-advance-notice",
    "record-service",
    "record-statement",
    "answer-statement",
    "record-waiver",
    "request-hearing",
    "schedule-hearing",
    "record-hearing",
    "start-tolling",
    "end-tolling",
    "approve-suspension",
    "submit-for-legal-review",
    "record-legal-review",
    "record-deliberation",
    "decide",
    "extend-deadline",
    "approve-extension",
    "record-performance",
    "request-arrangement",
    "approve-arrangement",
    "close-case",
    "archive",
    "add-annex",
    "publish-decision",
    "withdraw-publication",
    "file-upward",
];

/// What the steps depend on besides the case and the reader.
pub struct StepContext<'a> {
    pub today: NaiveDate,
    /// The case's officers (and anyone whose recusal is asked), with their accounts.
    pub people: &'a [(String, Option<User>)],
    /// Where each of the case's preservations stands now, in the case's order.
    pub preservations: &'a [Standing],
    /// The main head's username (setting `organisation.main_head`; empty when not set).
    pub main_head: &'a str,
    /// The calendar, the bureau's review triggers and deliberation rules in force.
    pub decision: super::decision::DecisionRules<'a>,
    /// The roles that may decide (setting `app.deciders`).
    pub deciders: &'a [crate::actor::Role],
    /// Which decisions are published (setting `app.publicity`).
    pub publicity: &'a super::publicity::PublicityRules,
    /// Which closed cases are filed upward (setting `app.filing_upward`).
    pub filing: &'a super::filing::FilingRules,
}

/// Why a reader whose roles lack the capability cannot take the step: who can.
fn role_reason(cap: Capability) -> Reason {
    Reason::new(match cap {
        Capability::CaseApprove => "step.needs_head",
        Capability::CaseReview => "step.needs_reviewer",
        Capability::LegalReview => "step.needs_legal_reviewer",
        Capability::CaseAssign => "step.needs_assigner",
        Capability::CaseRegister => "step.needs_registrar",
        _ => "step.needs_officer",
    })
}

struct Steps<'a> {
    case: &'a Case,
    actor: &'a Actor,
    out: Vec<NextStep>,
}

impl Steps<'_> {
    /// Adds a step: blocked by the reader's role first (nothing else is said to a reader who
    /// could not take it anyway), then by `unmet`.
    fn push(&mut self, command: &'static str, cap: Capability, unmet: Vec<Reason>) {
        self.push_as(command, cap, unmet, false);
    }

    fn push_as(
        &mut self,
        command: &'static str,
        cap: Capability,
        unmet: Vec<Reason>,
        on_demand: bool,
    ) {
        debug_assert!(COMMANDS.contains(&command), "{command} is listed");
        let reasons = match reach(self.actor, cap) {
            Ok(r) if within(&r, &self.case.county_code) => unmet,
            _ => vec![role_reason(cap)],
        };
        self.out.push(NextStep {
            command,
            allowed: reasons.is_empty(),
            reasons,
            on_demand,
        });
    }
}

/// The team can act today: at least two assigned, unrecused officers with valid certificates.
fn team_unmet(case: &Case, ctx: &StepContext) -> Vec<Reason> {
    if case.team.is_none() {
        return vec![Reason::new("step.no_team").source(TWO_OFFICERS)];
    }
    let acting = case.acting_officers();
    let (mut invalid, mut unmet) = (Reasons::default(), Reasons::default());
    check_act_officers(
        case,
        &acting,
        ctx.people,
        ctx.today,
        &mut invalid,
        &mut unmet,
    );
    let unmet = unmet.into_vec();
    if unmet.iter().any(|r| r.code == "team.two_officers_required") {
        unmet
    } else {
        Vec::new()
    }
}

/// The steps open on `case` for `actor`, in the order an officer would take them.
pub fn next_steps(case: &Case, actor: &Actor, ctx: &StepContext) -> Vec<NextStep> {
    let me = actor.name().to_owned();
    let mut s = Steps {
        case,
        actor,
        out: Vec::new(),
    };
    // Closed: the file waits for its archive; archived: only annexes, when something happens.
    // The publication of the decision runs beside both (APL Art. 48 knows no case file).
    match case.stage {
        CaseStage::Closed => {
            publicity_steps(&mut s, ctx);
            let supervised = super::filing::supervised(case, ctx.filing);
            if supervised && case.proceedings.filing.is_none() {
                s.push_as("file-upward", Capability::EnforcementAct, Vec::new(), false);
            }
            let unmet = if supervised && case.proceedings.filing.is_none() {
                vec![Reason::new("archive.filing_pending").source(super::filing::FILING)]
            } else {
                Vec::new()
            };
            let waiting = !unmet.is_empty();
            s.push_as("archive", Capability::EnforcementAct, unmet, waiting);
            return s.out;
        }
        CaseStage::Archived => {
            publicity_steps(&mut s, ctx);
            s.push_as("add-annex", Capability::EnforcementAct, Vec::new(), true);
            return s.out;
        }
        _ => {}
    }
    if !open(case) {
        return s.out;
    }
    // Decided: what came before is closed; the documents are served, the decision performed,
    // the case closed.
    if case.stage == CaseStage::Decided {
        s.push_as(
            "record-service",
            Capability::EnforcementAct,
            Vec::new(),
            true,
        );
        performance_steps(&mut s, &me, ctx);
        publicity_steps(&mut s, ctx);
        return s.out;
    }
    let approver = |proposer: &str| -> Vec<Reason> {
        match check_approver(actor, case, proposer) {
            Ok(()) => Vec::new(),
            Err(r) => r.reasons,
        }
    };
    if case.stage == CaseStage::PendingRegistration {
        for verb in ["approve-registration", "reject-registration"] {
            s.push(verb, Capability::CaseApprove, approver(&case.proposed_by));
        }
    }
    if matches!(
        case.facts.party,
        None | Some(super::party::Party::Unidentified)
    ) {
        s.push("identify-party", Capability::CaseRegister, Vec::new());
    }
    if investigating(case) {
        let team = team_unmet(case, ctx);
        s.push_as(
            "assign-officers",
            Capability::CaseAssign,
            assigner_unmet(case, actor).into_iter().collect(),
            team.is_empty(),
        );
        for verb in [
            "record-inspection",
            "record-questioning",
            "record-sampling",
            "preserve-evidence",
        ] {
            s.push(verb, Capability::EnforcementAct, team.clone());
        }
    }
    let no_team = || {
        if case.team.is_none() {
            vec![Reason::new("step.no_team").source(TWO_OFFICERS)]
        } else {
            Vec::new()
        }
    };
    // A recusal may be asked of a head too, before any team (the party objects to the head
    // who approves): the form names whom.
    s.push_as(
        "request-recusal",
        Capability::EnforcementAct,
        Vec::new(),
        true,
    );
    // Each pending recusal: the reader may decide it unless the rules of who decides say not.
    for r in case.recusals.iter().filter(|r| r.decision.is_none()) {
        let user = ctx
            .people
            .iter()
            .find(|(n, _)| *n == r.officer)
            .and_then(|(_, u)| u.as_ref());
        let mut unmet = Reasons::default();
        super::recusal::decider_unmet(&me, &r.officer, user, ctx.main_head, true, &mut unmet);
        s.push("decide-recusal", Capability::CaseApprove, unmet.into_vec());
    }
    let pending: Vec<_> = case
        .preservations
        .iter()
        .filter(|p| p.approval.is_none())
        .collect();
    if !pending.is_empty() {
        let unmet = if pending.iter().all(|p| p.proposed_by == me) {
            vec![Reason::new("approval.own_proposal")]
        } else {
            Vec::new()
        };
        for verb in ["approve-preservation", "reject-preservation"] {
            s.push(verb, Capability::CaseApprove, unmet.clone());
        }
    }
    let undecided: Vec<&Standing> = case
        .preservations
        .iter()
        .zip(ctx.preservations)
        .filter(|(p, _)| p.decision.is_none() && p.effective_at.is_some())
        .map(|(_, st)| st)
        .filter(|st| st.status != "rejected")
        .collect();
    if !undecided.is_empty() {
        let unmet = if undecided.iter().any(|st| st.status == "in_effect") {
            Vec::new()
        } else {
            undecided
                .iter()
                .map(|st| {
                    Reason::new("preservation.lapsed")
                        .arg("due", st.decision_due.unwrap_or_default())
                        .source(super::preservation::APL_ART56)
                })
                .collect()
        };
        s.push("decide-preserved", Capability::EnforcementAct, unmet);
    }
    if case.stage == CaseStage::Registered {
        let mut unmet = no_team();
        if case.team.is_some() && !case.acting_officers().contains(&me) {
            unmet.push(Reason::new("review.not_investigator").arg("username", &me));
        }
        s.push(
            "submit-investigation-report",
            Capability::EnforcementAct,
            unmet,
        );
        match &case.cancellation {
            None => s.push_as(
                "cancel-registration",
                Capability::CaseRegister,
                Vec::new(),
                true,
            ),
            Some((proposer, _)) => {
                for verb in ["approve-cancellation", "reject-cancellation"] {
                    s.push(verb, Capability::CaseApprove, approver(proposer));
                }
            }
        }
    }
    if case.stage == CaseStage::UnderReview {
        let unmet = if super::review::investigators(case).contains(&me) {
            vec![
                Reason::new("review.investigated")
                    .arg("username", &me)
                    .source(SEPARATION),
            ]
        } else {
            Vec::new()
        };
        s.push("record-case-review", Capability::CaseReview, unmet);
    }
    notice_steps(&mut s, &me);
    legal_review_steps(&mut s, &me);
    decision_steps(&mut s, &me, ctx);
    s.out
}

/// Publication (`super::publicity`): a task while the settings require it and it is not done
/// (on demand otherwise); the withdrawal on demand while a publication is in force. The
/// archive never waits for it.
fn publicity_steps(s: &mut Steps, ctx: &StepContext) {
    use super::publicity::{current, required};
    let case = s.case;
    if case.proceedings.decision.is_none() {
        return;
    }
    if current(case).is_some() {
        s.push_as(
            "withdraw-publication",
            Capability::CaseApprove,
            Vec::new(),
            true,
        );
    } else if case.stage != CaseStage::Archived || required(case, ctx.publicity) {
        let waiting = !required(case, ctx.publicity) || !case.proceedings.publications.is_empty();
        s.push_as(
            "publish-decision",
            Capability::EnforcementAct,
            Vec::new(),
            waiting,
        );
    }
}

/// Performance and closing (`super::performance`): payments and other performance recorded on
/// demand, the party's application for instalments answered by a head, and the closing a
/// head's task once its condition holds.
fn performance_steps(s: &mut Steps, me: &str, ctx: &StepContext) {
    use super::performance::{Ground, closing_unmet, performing_unmet};
    let case = s.case;
    let penalty = case
        .proceedings
        .decision
        .as_ref()
        .is_some_and(|d| d.outcome == super::decision::Outcome::Penalty);
    if penalty {
        s.push_as(
            "record-performance",
            Capability::EnforcementAct,
            performing_unmet(case),
            true,
        );
        if super::performance::amount_of(case) > 0 {
            s.push_as(
                "request-arrangement",
                Capability::EnforcementAct,
                performing_unmet(case),
                true,
            );
        }
    }
    if let Some(a) = case
        .proceedings
        .arrangements
        .iter()
        .rfind(|a| a.decision.is_none())
    {
        let unmet = if a.requested_by == me {
            vec![Reason::new("approval.own_proposal")]
        } else {
            Vec::new()
        };
        s.push("approve-arrangement", Capability::CaseApprove, unmet);
    }
    let ground = if penalty {
        Ground::Performed
    } else {
        Ground::NothingToPerform
    };
    let unmet = closing_unmet(case, ctx.decision.calendar, ctx.today, ground);
    // Waiting on the party is no one's task: the step shows why, on demand.
    let waiting = !unmet.is_empty();
    s.push_as("close-case", Capability::CaseApprove, unmet, waiting);
}

/// Deliberation, the decision and the deadline's extensions (`super::deliberation`,
/// `super::decision`, `super::extension`). The decision step is offered on the proposed
/// penalties (the last notice's): its form may decide another outcome, which the decision
/// checks again.
fn decision_steps(s: &mut Steps, me: &str, ctx: &StepContext) {
    use super::deliberation::{Purpose, purpose_unmet};
    let case = s.case;
    let proposed = super::legal_review::penalties_to_send(case);
    let agreed = super::review::agreed(case);
    // One step for either purpose (its form asks which): a task when the decision needs the
    // heads and they have not met on it, or a second extension waits for them.
    let extension_waits = purpose_unmet(case, Purpose::Extension).is_none();
    if agreed || extension_waits {
        let required =
            !super::deliberation::required(case, ctx.decision.deliberation, &proposed).is_empty();
        let done = super::deliberation::deliberated_for(case, &proposed);
        s.push_as(
            "record-deliberation",
            Capability::CaseApprove,
            Vec::new(),
            !(extension_waits || (agreed && required && !done)),
        );
    }
    if agreed {
        let reasons = match super::decision::check_decider(s.actor, case, ctx.deciders) {
            Ok(()) => {
                let outcome = if proposed.is_empty() {
                    super::decision::Outcome::NotEstablished
                } else {
                    super::decision::Outcome::Penalty
                };
                super::decision::decision_unmet(case, &ctx.decision, outcome, &proposed)
            }
            Err(_) => vec![role_reason(Capability::CaseApprove)],
        };
        s.out.push(NextStep {
            command: "decide",
            allowed: reasons.is_empty(),
            reasons,
            on_demand: false,
        });
    }
    if case.registered_on.is_some() {
        let mut unmet = super::extension::request_unmet(case, ctx.decision.calendar, ctx.today);
        if !case.acting_officers().iter().any(|o| o == me) {
            unmet.push(Reason::new("notice.not_an_officer_of_the_case"));
        }
        // Offered as a task once the deadline is near (10 working days), else on demand.
        let near = case
            .deadline(ctx.decision.calendar, ctx.today)
            .is_some_and(|(_, d)| {
                d.due <= super::extension::warned_from(ctx.decision.calendar, ctx.today)
            });
        s.push_as("extend-deadline", Capability::EnforcementAct, unmet, !near);
    }
    if let Some((_, request)) = super::extension::pending(case) {
        let mut unmet = super::extension::approval_unmet(case, ctx.decision.calendar, ctx.today);
        if request.requested_by == me {
            unmet.push(Reason::new("approval.own_proposal"));
        }
        s.push("approve-extension", Capability::CaseApprove, unmet);
    }
}

/// Legal review (`super::legal_review`): sent by an officer after a review that agreed, a
/// step of its own when the case's flags or a departure from the benchmark already require
/// it; answered by a legal reviewer who did not investigate.
fn legal_review_steps(s: &mut Steps, me: &str) {
    let case = s.case;
    let agreed = super::review::agreed(case);
    let waiting = case
        .proceedings
        .legal_reviews
        .last()
        .is_some_and(|r| r.answer.is_none());
    if agreed && !waiting {
        let mut unmet = if case.acting_officers().iter().any(|o| o == me) {
            Vec::new()
        } else {
            vec![Reason::new("notice.not_an_officer_of_the_case")]
        };
        let to_send = super::legal_review::penalties_to_send(case);
        if to_send.is_empty() {
            unmet.push(Reason::new("legal_review.nothing_proposed"));
        } else if super::legal_review::passed_for(case, &to_send) {
            unmet.push(Reason::new("legal_review.already_passed"));
        }
        // Required already (whatever the penalties): flags, or a departure.
        let required = !super::legal_review::required(
            case,
            &super::legal_review::ReviewTriggers {
                fine_at_or_above_fen: None,
                penalty_types: Vec::new(),
            },
            &[],
        )
        .is_empty();
        let passed = case
            .proceedings
            .legal_reviews
            .last()
            .is_some_and(|r| r.answer.as_ref().is_some_and(|a| a.passed));
        s.push_as(
            "submit-for-legal-review",
            Capability::EnforcementAct,
            unmet,
            !required || passed,
        );
    }
    if waiting {
        let unmet = if super::review::investigators(case).iter().any(|o| o == me) {
            vec![
                Reason::new("legal_review.investigated")
                    .arg("username", me)
                    .source(super::legal_review::LEGAL_REVIEW),
            ]
        } else {
            Vec::new()
        };
        s.push("record-legal-review", Capability::LegalReview, unmet);
    }
}

/// The steps of notice, defence, hearing and tolling (`super::proceedings`).
fn notice_steps(s: &mut Steps, me: &str) {
    let case = s.case;
    let acting = case.acting_officers().iter().any(|o| o == me);
    let not_officer = || {
        if acting {
            Vec::new()
        } else {
            vec![Reason::new("notice.not_an_officer_of_the_case")]
        }
    };
    let agreed = super::review::agreed(case);
    if agreed {
        let mut unmet = not_officer();
        if matches!(
            case.facts.party,
            None | Some(super::party::Party::Unidentified)
        ) {
            unmet.push(Reason::new("notice.party_unidentified").source(super::notice::NOTICE));
        }
        s.push_as(
            "issue-advance-notice",
            Capability::EnforcementAct,
            unmet,
            !case.notices.is_empty(),
        );
    }
    if !case.notices.is_empty() {
        s.push_as(
            "record-service",
            Capability::EnforcementAct,
            Vec::new(),
            true,
        );
    }
    let p = &case.proceedings;
    if let Some((notice, _)) = super::statement::served_notice(case) {
        for verb in ["record-statement", "record-waiver"] {
            s.push_as(verb, Capability::EnforcementAct, Vec::new(), true);
        }
        let waived = p
            .waivers
            .iter()
            .any(|w| w.notice_id == notice.id && w.right == super::statement::Right::Hearing);
        match p.hearing_after(notice.id) {
            None if notice.hearing_right() && !waived => s.push_as(
                "request-hearing",
                Capability::EnforcementAct,
                Vec::new(),
                true,
            ),
            Some((_, h)) if h.outcome.is_none() => {
                s.push("schedule-hearing", Capability::EnforcementAct, Vec::new());
                if h.schedule.is_some() {
                    s.push("record-hearing", Capability::EnforcementAct, Vec::new());
                }
            }
            _ => {}
        }
    }
    if p.statements.iter().any(|st| !st.answered()) {
        s.push(
            "answer-statement",
            Capability::EnforcementAct,
            not_officer(),
        );
    }
    if case.registered_on.is_some() {
        s.push_as(
            "start-tolling",
            Capability::EnforcementAct,
            Vec::new(),
            true,
        );
    }
    if p.tollings.iter().any(|t| t.is_open()) {
        s.push("end-tolling", Capability::EnforcementAct, Vec::new());
    }
    if p.tollings.iter().any(|t| {
        t.reason == super::tolling::TollingReason::Suspension
            && t.approved_by.is_none()
            && t.is_open()
    }) {
        s.push("approve-suspension", Capability::CaseApprove, Vec::new());
    }
}
