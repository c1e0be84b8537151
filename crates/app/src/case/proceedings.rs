//! The commands between the advance notice and the decision: service, statement and answer,
//! waiver, hearing, and the tolled periods of the case deadline (`domain::case::proceedings`).

use super::{Written, case_or_missing, written};
use crate::{App, AppError};
use domain::case::hearing::{
    RecordHearing, RecordHearingState, RequestHearing, RequestHearingState, ScheduleHearing,
    ScheduleHearingState,
};
use domain::case::registration::Case;
use domain::case::service::{RecordService, RecordServiceState};
use domain::case::statement::{
    AnswerStatement, RecordStatement, RecordStatementState, RecordWaiver, RecordWaiverState,
};
use domain::case::tolling::{ApproveSuspension, EndTolling, StartTolling, TollingState};
use domain::permission::{Capability, require};
use domain::{Actor, Refusal};
use uuid::Uuid;

/// Whether the sender belongs to the case's handling unit or to the detachment.
async fn unit_fits(
    r: &mut dyn store::Reader,
    case: &Case,
    unit: Option<Uuid>,
) -> Result<bool, store::StoreError> {
    let Some(unit) = unit else {
        return Ok(false);
    };
    Ok(Some(unit) == case.handling_unit_id
        || r.unit_by_id(unit)
            .await?
            .is_some_and(|u| u.kind == domain::unit::UnitKind::Detachment))
}

fn unit_of(actor: &Actor) -> Option<Uuid> {
    match actor {
        Actor::User(u) => u.unit_id,
        _ => None,
    }
}

/// The case an evidence item belongs to, if any.
pub(super) async fn evidence_case(
    r: &mut dyn store::Reader,
    id: Uuid,
) -> Result<Option<Uuid>, store::StoreError> {
    Ok(r.evidence_by_id(id).await?.map(|e| e.data.subject_id))
}

impl App {
    /// Records the service of one of the case's documents on the party.
    pub async fn record_service(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: RecordService,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = RecordService {
            case_id,
            expected_version,
            ..cmd
        };
        let calendar = self.calendar();
        let public_notice_days = self.settings.public_notice_days;
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let consent_case = match cmd.consent_evidence_id {
                            Some(id) => Some(evidence_case(r, id).await?),
                            None => None,
                        };
                        let decision_service_due = case.proceedings.decision.as_ref().map(|d| {
                            calendar
                                .add_working_days(
                                    d.decided_on,
                                    domain::case::service::DECISION_SERVICE_DAYS,
                                )
                                .value
                        });
                        Ok(RecordServiceState {
                            case,
                            document: r.document_by_id(cmd.document_id).await?.map(|d| d.issued),
                            proof_case: evidence_case(r, cmd.proof_evidence_id).await?,
                            consent_case,
                            decision_service_due,
                            public_notice_days,
                            today: now.today,
                        })
                    })
                },
                domain::case::service::decide_record_service,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Records the party's statement and defence on the notice in force.
    pub async fn record_statement(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: RecordStatement,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = RecordStatement {
            case_id,
            expected_version,
            ..cmd
        };
        if cmd.evidence_ids.len() > domain::case::statement::MAX_POINTS {
            return Err(Refusal::one(
                domain::RefusalKind::Invalid,
                domain::Reason::new("field.too_many")
                    .field("evidence_ids")
                    .arg("max", domain::case::statement::MAX_POINTS),
            )
            .into());
        }
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        let mut evidence_cases = Vec::new();
                        for id in &cmd.evidence_ids {
                            evidence_cases.push(evidence_case(r, *id).await?);
                        }
                        Ok(RecordStatementState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            evidence_cases,
                            today: now.today,
                        })
                    })
                },
                domain::case::statement::decide_record_statement,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Answers the oldest statement not yet answered, point by point.
    pub async fn answer_statement(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: AnswerStatement,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = AnswerStatement {
            case_id,
            expected_version,
            ..cmd
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| Box::pin(async move { case_or_missing(r, cmd.case_id).await }),
                domain::case::statement::decide_answer_statement,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Records the party's written waiver of a right the notice in force stated.
    pub async fn record_waiver(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: RecordWaiver,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = RecordWaiver {
            case_id,
            expected_version,
            ..cmd
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        Ok(RecordWaiverState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            evidence_case: evidence_case(r, cmd.evidence_id).await?,
                            today: now.today,
                        })
                    })
                },
                domain::case::statement::decide_record_waiver,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Records the party's request for a hearing (refused after its five working days).
    pub async fn request_hearing(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        received_on: chrono::NaiveDate,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = RequestHearing {
            case_id,
            received_on,
            expected_version,
        };
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(RequestHearingState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar: (*calendar).clone(),
                            today: now.today,
                        })
                    })
                },
                domain::case::hearing::decide_request_hearing,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Sets the hearing: host, place, time, the party's agents.
    pub async fn schedule_hearing(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: ScheduleHearing,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        // The host is looked up by name: a name no database can hold is refused first.
        domain::text::check_texts([("host", cmd.host.as_str(), false)])?;
        let cmd = ScheduleHearing {
            case_id,
            expected_version,
            ..cmd
        };
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(ScheduleHearingState {
                            record_officers: r.record_officers(cmd.case_id).await?,
                            case: case_or_missing(r, cmd.case_id).await?,
                            host: r.user_by_username(cmd.host.trim()).await?,
                            calendar: (*calendar).clone(),
                            today: now.today,
                        })
                    })
                },
                domain::case::hearing::decide_schedule_hearing,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Records the hearing held (its signed record), or the party's absence.
    pub async fn record_hearing(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: RecordHearing,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = RecordHearing {
            case_id,
            expected_version,
            ..cmd
        };
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(RecordHearingState {
                            record_officers: r.record_officers(cmd.case_id).await?,
                            case: case_or_missing(r, cmd.case_id).await?,
                            evidence_case: evidence_case(r, cmd.record_evidence_id).await?,
                            calendar: (*calendar).clone(),
                            today: now.today,
                        })
                    })
                },
                domain::case::hearing::decide_record_hearing,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Starts a period that does not count toward the case deadline.
    pub async fn start_tolling(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: StartTolling,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseRead)?;
        let cmd = StartTolling {
            case_id,
            expected_version,
            ..cmd
        };
        let unit = unit_of(actor);
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        Ok(TollingState {
                            unit_fits: unit_fits(r, &case, unit).await?,
                            case,
                            today: now.today,
                        })
                    })
                },
                domain::case::tolling::decide_start_tolling,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A head approves the suspension an officer asked for.
    pub async fn approve_suspension(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let cmd = ApproveSuspension {
            case_id,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        Ok(TollingState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            today: now.today,
                            unit_fits: true,
                        })
                    })
                },
                domain::case::tolling::decide_approve_suspension,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Ends an open period on its last tolled day.
    pub async fn end_tolling(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: EndTolling,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseRead)?;
        let cmd = EndTolling {
            case_id,
            expected_version,
            ..cmd
        };
        let unit = unit_of(actor);
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        Ok(TollingState {
                            unit_fits: unit_fits(r, &case, unit).await?,
                            case,
                            today: now.today,
                        })
                    })
                },
                domain::case::tolling::decide_end_tolling,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Whether a decision of `penalties` could be made today as far as the notice, defence and
    /// hearing go (the decision command of "Cases 4" calls the same rule).
    pub async fn check_decision(
        &self,
        actor: &Actor,
        case_id: Uuid,
        penalties: &[domain::case::penalty::Penalty],
    ) -> Result<(), AppError> {
        let case = self.case(actor, case_id).await?;
        domain::case::decision::check_decision(&case, &self.calendar(), self.today(), penalties)?;
        Ok(())
    }
}
