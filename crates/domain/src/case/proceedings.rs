//! What happens between the advance notice and the decision, kept on the case as one record:
//! the services of documents on the party, the party's statements and their answers, the
//! rights waived, the hearings, the periods that do not count toward the case deadline, the
//! legal reviews, the heads' deliberations, the extensions of the deadline, and the decision.
//! Each event of these steps changes it by `Proceedings::apply`, the one place that knows how.

use super::document::DocumentKind;
use super::hearing::{HearingRecorded, HearingRequested, HearingScheduled};
use super::service::{Service, ServiceRecorded};
use super::statement::{Statement, StatementAnswered, StatementRecorded, Waiver, WaiverRecorded};
use super::tolling::{CaseTolling, TollingApproved, TollingEnded, TollingStarted};
use crate::event::Payload;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A hearing (听证): asked for after one notice, then set and held (or waived).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hearing {
    /// The notice after whose service the party asked.
    pub notice_id: Uuid,
    pub received_on: NaiveDate,
    pub recorded_by: String,
    /// The arrangements in force (the last `schedule-hearing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<super::hearing::Schedule>,
    /// How many times it was set (the hearing notice of each names it).
    #[serde(default)]
    pub revision: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<super::hearing::Outcome>,
}

impl Hearing {
    /// The days the hearing tolls the case deadline: from the day after the request was
    /// received to the day its record was signed (open while it is not), both inclusive.
    pub fn tolling(&self) -> Option<crate::calendar::Tolling> {
        let start = self.received_on.succ_opt()?;
        let end = self.outcome.as_ref().map(|o| o.signed_on);
        Some(crate::calendar::Tolling {
            start,
            end: end.map(|e| e.max(start)),
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proceedings {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Statement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hearings: Vec<Hearing>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tollings: Vec<CaseTolling>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_reviews: Vec<super::legal_review::LegalReview>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliberations: Vec<super::deliberation::Deliberation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<super::extension::Extension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<super::decision::Decision>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performances: Vec<super::performance::Performance>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arrangements: Vec<super::performance::Arrangement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing: Option<super::performance::Closing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<super::archive::Archive>,
    /// Notes kept with the archived file, outside its volumes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annexes: Vec<super::archive::Annex>,
    /// The filing of a supervised case with the higher authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing: Option<super::filing::Filing>,
    /// The decision's publications, in force or withdrawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publications: Vec<super::publicity::Publication>,
}

impl Proceedings {
    /// Whether `payload` changes the proceedings of a case (and which case).
    pub fn case_of(payload: &Payload) -> Option<Uuid> {
        Some(match payload {
            Payload::ServiceRecorded(p) => p.case_id,
            Payload::StatementRecorded(p) => p.case_id,
            Payload::StatementAnswered(p) => p.case_id,
            Payload::WaiverRecorded(p) => p.case_id,
            Payload::HearingRequested(p) => p.case_id,
            Payload::HearingScheduled(p) => p.case_id,
            Payload::HearingRecorded(p) => p.case_id,
            Payload::TollingStarted(p) => p.case_id,
            Payload::TollingApproved(p) => p.case_id,
            Payload::TollingEnded(p) => p.case_id,
            Payload::LegalReviewSubmitted(p) => p.case_id,
            Payload::LegalReviewRecorded(p) => p.case_id,
            Payload::DeliberationRecorded(p) => p.case_id,
            Payload::CaseExtensionRequested(p) => p.case_id,
            Payload::CaseExtensionDecided(p) => p.case_id,
            Payload::CaseDecided(p) => p.case_id,
            Payload::PerformanceRecorded(p) => p.case_id,
            Payload::ArrangementRequested(p) => p.case_id,
            Payload::ArrangementDecided(p) => p.case_id,
            Payload::CaseClosed(p) => p.case_id,
            Payload::CaseArchived(p) => p.case_id,
            Payload::AnnexAdded(p) => p.case_id,
            Payload::DecisionPublished(p) => p.case_id,
            Payload::PublicationWithdrawn(p) => p.case_id,
            Payload::FiledUpward(p) => p.case_id,
            _ => return None,
        })
    }

    /// Applies one event; `Err` names what the event refers to and is not there (a corrupt log).
    pub fn apply(&mut self, payload: &Payload) -> Result<(), String> {
        match payload {
            Payload::ServiceRecorded(ServiceRecorded { service, .. }) => {
                self.services.push(service.clone())
            }
            Payload::StatementRecorded(StatementRecorded { statement, .. }) => {
                self.statements.push(statement.clone())
            }
            Payload::StatementAnswered(StatementAnswered {
                index,
                answers,
                answered_by,
                ..
            }) => {
                let s = self
                    .statements
                    .get_mut(*index)
                    .ok_or_else(|| format!("no statement {index}"))?;
                s.answers = answers.clone();
                s.answered_by = Some(answered_by.clone());
            }
            Payload::WaiverRecorded(WaiverRecorded { waiver, .. }) => {
                self.waivers.push(waiver.clone())
            }
            Payload::HearingRequested(HearingRequested {
                notice_id,
                received_on,
                recorded_by,
                ..
            }) => self.hearings.push(Hearing {
                notice_id: *notice_id,
                received_on: *received_on,
                recorded_by: recorded_by.clone(),
                schedule: None,
                revision: 0,
                outcome: None,
            }),
            Payload::HearingScheduled(HearingScheduled {
                index, schedule, ..
            }) => {
                let h = self
                    .hearings
                    .get_mut(*index)
                    .ok_or_else(|| format!("no hearing {index}"))?;
                h.schedule = Some(schedule.clone());
                h.revision += 1;
            }
            Payload::HearingRecorded(HearingRecorded { index, outcome, .. }) => {
                let h = self
                    .hearings
                    .get_mut(*index)
                    .ok_or_else(|| format!("no hearing {index}"))?;
                h.outcome = Some(outcome.clone());
            }
            Payload::LegalReviewSubmitted(p) => {
                self.legal_reviews.push(super::legal_review::LegalReview {
                    submission: p.submission.clone(),
                    answer: None,
                })
            }
            Payload::LegalReviewRecorded(p) => {
                let last = self.legal_reviews.len().checked_sub(1);
                let r = self
                    .legal_reviews
                    .get_mut(p.index)
                    .filter(|r| r.answer.is_none() && Some(p.index) == last)
                    .ok_or_else(|| format!("no waiting legal review {}", p.index))?;
                r.answer = Some(p.answer.clone());
            }
            Payload::DeliberationRecorded(p) => self.deliberations.push(p.deliberation.clone()),
            Payload::CaseExtensionRequested(p) => self.extensions.push(p.extension.clone()),
            Payload::CaseExtensionDecided(p) => {
                let e = self
                    .extensions
                    .get_mut(p.index)
                    .filter(|e| e.decision.is_none())
                    .ok_or_else(|| format!("no waiting extension {}", p.index))?;
                e.decision = Some(p.decision.clone());
            }
            Payload::CaseDecided(p) => {
                if self.decision.is_some() {
                    return Err("the case was decided already".into());
                }
                self.decision = Some(p.decision.clone());
            }
            Payload::PerformanceRecorded(p) => self.performances.push(p.performance.clone()),
            Payload::ArrangementRequested(p) => self.arrangements.push(p.arrangement.clone()),
            Payload::ArrangementDecided(p) => {
                let a = self
                    .arrangements
                    .get_mut(p.index)
                    .filter(|a| a.decision.is_none())
                    .ok_or_else(|| format!("no waiting arrangement {}", p.index))?;
                a.decision = Some(p.decision.clone());
            }
            Payload::CaseClosed(p) => {
                if self.closing.is_some() {
                    return Err("the case was closed already".into());
                }
                self.closing = Some(p.closing.clone());
            }
            Payload::CaseArchived(p) => {
                if self.archive.is_some() {
                    return Err("the case was archived already".into());
                }
                self.archive = Some(p.archive.clone());
            }
            Payload::AnnexAdded(p) => self.annexes.push(p.annex.clone()),
            Payload::DecisionPublished(p) => self.publications.push(p.publication.clone()),
            Payload::FiledUpward(p) => {
                if self.filing.is_some() {
                    return Err("the case was filed upward already".into());
                }
                self.filing = Some(p.filing.clone());
            }
            Payload::PublicationWithdrawn(p) => {
                let x = self
                    .publications
                    .iter_mut()
                    .find(|x| x.id == p.publication_id && x.withdrawal.is_none())
                    .ok_or_else(|| format!("no publication {} in force", p.publication_id))?;
                x.withdrawal = Some(p.withdrawal.clone());
            }
            Payload::TollingStarted(TollingStarted { tolling, .. }) => {
                self.tollings.push(tolling.clone())
            }
            Payload::TollingApproved(TollingApproved {
                index,
                approved_by,
                approved_on,
                ..
            }) => {
                let t = self
                    .tollings
                    .get_mut(*index)
                    .ok_or_else(|| format!("no tolling {index}"))?;
                t.approved_by = Some(approved_by.clone());
                t.approved_on = Some(*approved_on);
            }
            Payload::TollingEnded(TollingEnded {
                index,
                to,
                ended_by,
                ..
            }) => {
                let t = self
                    .tollings
                    .get_mut(*index)
                    .ok_or_else(|| format!("no tolling {index}"))?;
                t.to = Some(*to);
                t.ended_by = Some(ended_by.clone());
            }
            _ => {}
        }
        Ok(())
    }

    /// The service of a document, if recorded.
    pub fn service_of(&self, document_id: Uuid) -> Option<&Service> {
        self.services.iter().find(|s| s.document_id == document_id)
    }

    /// The first day a document of one of `kinds` about `subject` was served.
    fn served_on(&self, kinds: &[DocumentKind], subject: &str) -> Option<NaiveDate> {
        self.services
            .iter()
            .filter(|s| kinds.contains(&s.kind) && s.subject.as_deref() == Some(subject))
            .map(Service::effective_on)
            .min()
    }

    /// The day the advance notice `notice_id` was served (its first served document).
    pub fn notice_served_on(&self, notice_id: Uuid) -> Option<NaiveDate> {
        self.served_on(
            &[
                DocumentKind::AdvanceNotice,
                DocumentKind::AdvanceNoticeHearing,
            ],
            &notice_id.to_string(),
        )
    }

    /// The day the notice of the hearing at `index`, as arranged now, was served.
    pub fn hearing_notice_served_on(&self, index: usize) -> Option<NaiveDate> {
        let h = self.hearings.get(index)?;
        self.served_on(
            &[DocumentKind::HearingNotice],
            &super::hearing::notice_subject(index, h.revision),
        )
    }

    /// The hearing asked for after `notice_id`, with its position.
    pub fn hearing_after(&self, notice_id: Uuid) -> Option<(usize, &Hearing)> {
        self.hearings
            .iter()
            .enumerate()
            .rfind(|(_, h)| h.notice_id == notice_id)
    }

    /// The periods tolled: the hearings' and the approved tollings', with their reasons.
    pub fn tolled(&self) -> Vec<(super::tolling::TollingReason, crate::calendar::Tolling)> {
        let mut out = Vec::new();
        for h in &self.hearings {
            if let Some(t) = h.tolling() {
                out.push((super::tolling::TollingReason::Hearing, t));
            }
        }
        for t in &self.tollings {
            if let Some(period) = t.in_effect() {
                out.push((t.reason, period));
            }
        }
        out
    }
}
