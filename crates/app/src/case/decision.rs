//! The heads' deliberation, the decision, and the extensions of the case deadline: each command
//! loads the case with the bureau's rules in force (`domain::case::{deliberation, decision,
//! extension}` decide).

use super::{Written, case_or_missing, written};
use crate::{App, AppError};
use domain::Actor;
use domain::actor::Role;
use domain::case::decision::{DecideCase, DecideCaseState, DecisionRules, Outcome};
use domain::case::deliberation::{MemberOpinion, Purpose, RecordDeliberation};
use domain::case::extension::{ApproveExtension, ExtendDeadline, ExtensionState};
use domain::case::penalty::Penalty;
use domain::case::registration::Case;
use domain::permission::{Capability, require};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the decision documents print of payment and remedies (setting `app.decision_text`).
/// UNCONFIRMED: the bank or payment channel, the review organ and the court are the bureau's to
/// name; the defaults follow the 2023 Administrative Reconsideration Law (review by the people's
/// government at the same level) and the seat of the prefecture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionText {
    /// How the fine is paid (where, by what channel).
    pub payment: String,
    /// Where the party may apply for administrative review (行政复议).
    pub review_organ: String,
    /// The court where the party may sue (行政诉讼).
    pub court: String,
}

impl Default for DecisionText {
    fn default() -> Self {
        DecisionText {
            payment: "持本决定书到指定的银行或者通过电子支付系统缴纳罚款".into(),
            review_organ: "西双版纳傣族自治州人民政府".into(),
            court: "景洪市人民法院".into(),
        }
    }
}

impl App {
    /// The rules a decision is checked against today.
    pub fn decision_rules<'a>(
        &'a self,
        calendar: &'a domain::calendar::Calendar,
    ) -> DecisionRules<'a> {
        DecisionRules {
            calendar,
            today: self.today(),
            review_triggers: &self.settings.legal_review_triggers,
            deliberation: &self.settings.deliberation,
        }
    }

    /// The usernames of the active bureau heads (the deliberation's members).
    pub async fn bureau_heads(&self) -> Result<Vec<String>, AppError> {
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled && u.roles.contains(&Role::BureauHead))
            .map(|u| u.username)
            .collect())
    }

    /// A head records the heads' deliberation of the decision or of a second extension.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_deliberation(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        purpose: Purpose,
        extend: Option<bool>,
        attendees: Vec<String>,
        opinions: Vec<MemberOpinion>,
        outcome: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let heads = self.bureau_heads().await?;
        let rules = self.settings.deliberation.clone();
        let cmd = RecordDeliberation {
            case_id,
            purpose,
            extend,
            attendees,
            opinions,
            outcome,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(domain::case::deliberation::RecordDeliberationState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            rules,
                            heads,
                            today: now.today,
                        })
                    })
                },
                domain::case::deliberation::decide_record_deliberation,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A head decides the case.
    pub async fn decide_case(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        outcome: Outcome,
        penalties: Vec<Penalty>,
        reasons: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseRead)?;
        let cmd = DecideCase {
            case_id,
            outcome,
            penalties,
            reasons,
            expected_version,
        };
        let calendar = self.calendar();
        let review_triggers = self.settings.legal_review_triggers.clone();
        let deliberation = self.settings.deliberation.clone();
        let deciders = self.settings.deciders.clone();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(DecideCaseState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar,
                            today: now.today,
                            review_triggers,
                            deliberation,
                            deciders,
                        })
                    })
                },
                domain::case::decision::decide_decide_case,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// An officer of the case asks to extend its deadline.
    pub async fn extend_deadline(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        days: u32,
        reason: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = ExtendDeadline {
            case_id,
            days,
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
                        Ok(ExtensionState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar,
                            today: now.today,
                        })
                    })
                },
                domain::case::extension::decide_extend_deadline,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A head approves (or refuses) the waiting extension.
    pub async fn approve_extension(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        approved: bool,
        reason: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let cmd = ApproveExtension {
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
                        Ok(ExtensionState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar,
                            today: now.today,
                        })
                    })
                },
                domain::case::extension::decide_approve_extension,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }
}
