//! Publication of decisions and their withdrawal (`domain::case::publicity`), and the public
//! list `/decisions` reads.

use super::{Written, case_or_missing, written};
use crate::{App, AppError};
use domain::Actor;
use domain::case::document::DocumentKind;
use domain::case::party::Party;
use domain::case::publicity::{
    Publication, PublishDecision, PublishState, WithdrawPublication, WithdrawState,
    WithdrawalGround,
};
use domain::case::registration::Case;
use domain::permission::{Capability, require};
use serde::Serialize;
use store::{Page, PublicationFilter};

/// A decision as the public list shows it (`/decisions`, `/decisions.json`).
#[derive(Clone, Debug, Serialize)]
pub struct PublicDecision {
    pub number: String,
    pub county_code: String,
    pub published_on: chrono::NaiveDate,
    /// While in force: the party as published, its USCC (organisations), what was decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<PublicContent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<PublicWithdrawal>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PublicContent {
    pub party: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    pub outcome: domain::case::decision::Outcome,
    pub penalties: Vec<domain::case::penalty::Penalty>,
    pub summary: String,
    pub decided_on: chrono::NaiveDate,
}

#[derive(Clone, Debug, Serialize)]
pub struct PublicWithdrawal {
    pub on: chrono::NaiveDate,
    pub ground: WithdrawalGround,
    pub reason: String,
}

impl From<Publication> for PublicDecision {
    fn from(p: Publication) -> Self {
        let withdrawn = p.withdrawal.as_ref().map(|w| PublicWithdrawal {
            on: w.withdrawn_on,
            ground: w.ground,
            reason: w.reason.clone(),
        });
        PublicDecision {
            number: p.number,
            county_code: p.county_code,
            published_on: p.published_on,
            decision: withdrawn.is_none().then_some(PublicContent {
                party: p.party,
                uscc: p.uscc,
                outcome: p.outcome,
                penalties: p.penalties,
                summary: p.summary,
                decided_on: p.decided_on,
            }),
            withdrawn,
        }
    }
}
use uuid::Uuid;

impl App {
    /// The last day the case's decision is published in time, while it waits to be.
    pub fn publication_due(&self, case: &Case) -> Option<chrono::NaiveDate> {
        domain::case::publicity::publication_due(case, &self.settings.publicity, &self.calendar())
    }

    /// Whether the case's decision must be published under the settings.
    pub fn publication_required(&self, case: &Case) -> bool {
        domain::case::publicity::required(case, &self.settings.publicity)
    }

    /// An officer publishes the case's decision with a summary written for the public.
    pub async fn publish_decision(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        summary: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let rules = self.settings.publicity.clone();
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                PublishDecision {
                    case_id,
                    summary,
                    expected_version,
                },
                move |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let mut number = None;
                        for kind in [
                            DocumentKind::PenaltyDecision,
                            DocumentKind::NoPenaltyDecision,
                        ] {
                            if let Some(d) = r.documents_of_kind(case.id, kind).await?.last() {
                                number = d.issued.number.clone();
                            }
                        }
                        let party = match &case.facts.party {
                            Some(Party::Entity { entity_id }) => r
                                .entity_by_id(*entity_id)
                                .await?
                                .map(|e| (e.data.name, Some(e.data.uscc))),
                            Some(Party::Organisation { name, uscc }) => {
                                Some((name.clone(), uscc.clone()))
                            }
                            Some(Party::Person { name, .. }) => Some((name.clone(), None)),
                            Some(Party::Unidentified) | None => None,
                        };
                        Ok(PublishState {
                            case,
                            rules,
                            calendar,
                            number,
                            party,
                            today: now.today,
                        })
                    })
                },
                domain::case::publicity::decide_publish_decision,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A head withdraws the publication in force, with its public reason.
    pub async fn withdraw_publication(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        ground: WithdrawalGround,
        reason: String,
        changed_on: chrono::NaiveDate,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                WithdrawPublication {
                    case_id,
                    ground,
                    reason,
                    changed_on,
                    expected_version,
                },
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(WithdrawState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar,
                            today: now.today,
                        })
                    })
                },
                domain::case::publicity::decide_withdraw_publication,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// The public list of published decisions (no sign-in): newest first, withdrawn ones with
    /// their number and reason and nothing else of the decision; never who published.
    pub async fn public_decisions(
        &self,
        filter: &PublicationFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<PublicDecision>, AppError> {
        let page = self.store.publications(filter, limit, offset).await?;
        Ok(Page {
            total: page.total,
            items: page.items.into_iter().map(PublicDecision::from).collect(),
        })
    }
}
