//! Performance of the decision and the closing of the case: each command loads the case with
//! the calendar and the evidence named (`domain::case::performance` decides).

use super::proceedings::evidence_case;
use super::{Written, case_or_missing, written};
use crate::{App, AppError};
use domain::Actor;
use domain::case::performance::{
    ApproveArrangement, ArrangementState, CloseCase, CloseState, PerformanceState,
    RecordPerformance, RequestArrangement, Standing,
};
use domain::case::registration::Case;
use domain::permission::{Capability, require};
use uuid::Uuid;

impl App {
    /// Where the decision's performance stands today.
    pub fn performance(&self, case: &Case) -> Standing {
        domain::case::performance::standing(case, &self.calendar(), self.today())
    }

    /// An officer records a payment or another performance with its proof.
    pub async fn record_performance(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: RecordPerformance,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = RecordPerformance {
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
                        Ok(PerformanceState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            evidence_case: evidence_case(r, cmd.evidence_id).await?,
                            today: now.today,
                        })
                    })
                },
                domain::case::performance::decide_record_performance,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// An officer records the party's application to pay later or in instalments.
    pub async fn request_arrangement(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: RequestArrangement,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = RequestArrangement {
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
                        Ok(ArrangementState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar,
                            evidence_case: evidence_case(r, cmd.evidence_id).await?,
                            today: now.today,
                        })
                    })
                },
                domain::case::performance::decide_request_arrangement,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A head approves or refuses the party's waiting application.
    pub async fn approve_arrangement(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        approved: bool,
        reason: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let cmd = ApproveArrangement {
            case_id,
            approved,
            reason,
            expected_version,
        };
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(ArrangementState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar,
                            evidence_case: None,
                            today: now.today,
                        })
                    })
                },
                domain::case::performance::decide_approve_arrangement,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A head closes the decided case on a ground whose condition holds.
    pub async fn close_case(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: CloseCase,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let cmd = CloseCase {
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
                        let evidence_case = match cmd.evidence_id {
                            Some(id) => Some(evidence_case(r, id).await?),
                            None => None,
                        };
                        Ok(CloseState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar,
                            evidence_case,
                            today: now.today,
                        })
                    })
                },
                domain::case::performance::decide_close_case,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }
}
