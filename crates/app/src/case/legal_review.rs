//! Legal review (法制审核, APL Art. 58): the officers send the case with the penalties they
//! propose; a qualified legal reviewer who did not investigate answers six points.

use super::{Written, case_or_missing, written};
use crate::{App, AppError};
use domain::Actor;
use domain::case::legal_review::{
    RecordLegalReview, RecordLegalReviewState, SubmitForLegalReview, SubmitForLegalReviewState,
    Trigger,
};
use domain::case::penalty::Penalty;
use domain::case::registration::Case;
use domain::permission::{Capability, require};
use uuid::Uuid;

impl App {
    /// An officer of the case sends it for legal review with the penalties proposed.
    pub async fn submit_for_legal_review(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        penalties: Vec<Penalty>,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = SubmitForLegalReview {
            case_id,
            penalties,
            expected_version,
        };
        let triggers = self.settings.legal_review_triggers.clone();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(SubmitForLegalReviewState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            triggers,
                            today: now.today,
                        })
                    })
                },
                domain::case::legal_review::decide_submit_for_legal_review,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A legal reviewer answers the waiting review.
    pub async fn record_legal_review(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: RecordLegalReview,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::LegalReview)?;
        let cmd = RecordLegalReview {
            case_id,
            expected_version,
            ..cmd
        };
        let me = actor.name().to_owned();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        let qualification = r
                            .user_by_username(&me)
                            .await?
                            .and_then(|u| u.legal_qualification);
                        Ok(RecordLegalReviewState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            qualification,
                            today: now.today,
                        })
                    })
                },
                domain::case::legal_review::decide_record_legal_review,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Why the case needs legal review before `penalties` are decided (empty: it does not).
    pub fn legal_review_required(&self, case: &Case, penalties: &[Penalty]) -> Vec<Trigger> {
        domain::case::legal_review::required(case, &self.settings.legal_review_triggers, penalties)
    }
}
