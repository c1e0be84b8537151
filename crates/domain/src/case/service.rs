//! Service (送达) of a document on the party: how, when, to whom, and the proof (the signed
//! 送达回证, a postal receipt, the public notice). The periods the party has — to state and
//! defend, to ask for a hearing — run from the day of service.
//!
//! 《中华人民共和国行政处罚法》第六十一条 (service by the methods of the Civil Procedure Law;
//! electronic service with the party's consent); 《环境行政处罚办法》(2010) 第五十七条 (the
//! methods listed; the proof archived), `shared/reference/rules.md` §1.2 step 9.

use super::clue::stale;
use super::document::{DocumentIssued, DocumentKind};
use super::registration::{Case, open};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const SERVICE: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第六十一条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 61",
};

/// The methods of service (the Civil Procedure Law's, as the 2010 measures list them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMethod {
    /// 直接送达
    Direct,
    /// 留置送达
    LeftAtAddress,
    /// 委托送达
    Entrusted,
    /// 邮寄送达
    Postal,
    /// 转交送达
    Forwarded,
    /// 公告送达
    PublicNotice,
    /// 公证送达
    Notarised,
    /// 电子送达 (fax or e-mail, with the party's written consent)
    Electronic,
}

impl ServiceMethod {
    pub const ALL: [ServiceMethod; 8] = [
        ServiceMethod::Direct,
        ServiceMethod::LeftAtAddress,
        ServiceMethod::Entrusted,
        ServiceMethod::Postal,
        ServiceMethod::Forwarded,
        ServiceMethod::PublicNotice,
        ServiceMethod::Notarised,
        ServiceMethod::Electronic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceMethod::Direct => "direct",
            ServiceMethod::LeftAtAddress => "left_at_address",
            ServiceMethod::Entrusted => "entrusted",
            ServiceMethod::Postal => "postal",
            ServiceMethod::Forwarded => "forwarded",
            ServiceMethod::PublicNotice => "public_notice",
            ServiceMethod::Notarised => "notarised",
            ServiceMethod::Electronic => "electronic",
        }
    }

    pub fn parse(s: &str) -> Option<ServiceMethod> {
        ServiceMethod::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A recorded service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub document_id: Uuid,
    /// The document's kind and subject, copied so the periods can be read from the case.
    pub kind: DocumentKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub method: ServiceMethod,
    pub served_on: NaiveDate,
    pub recipient: String,
    pub proof_evidence_id: Uuid,
    pub recorded_by: String,
}

/// The documents served on the party (the others are internal forms or records).
pub fn served_on_party(kind: DocumentKind) -> bool {
    matches!(
        kind,
        DocumentKind::AdvanceNotice
            | DocumentKind::AdvanceNoticeHearing
            | DocumentKind::HearingNotice
            | DocumentKind::PreservationNotice
            | DocumentKind::RecusalDecision
    )
}

#[derive(Clone, Debug)]
pub struct RecordService {
    pub case_id: Uuid,
    pub document_id: Uuid,
    pub method: ServiceMethod,
    pub served_on: NaiveDate,
    pub recipient: String,
    pub proof_evidence_id: Uuid,
    pub expected_version: i64,
}

pub struct RecordServiceState {
    pub case: Case,
    /// The document named, when it is one of this case's.
    pub document: Option<DocumentIssued>,
    /// The case the proof evidence belongs to (`None`: unknown, or of no case).
    pub proof_case: Option<Uuid>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRecorded {
    pub case_id: Uuid,
    pub county_code: String,
    pub service: Service,
}

impl crate::event::EventPayload for ServiceRecorded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// An officer of the case's reach records that a document was served, with its proof.
pub fn decide_record_service(
    state: &RecordServiceState,
    actor: &Actor,
    cmd: &RecordService,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let r = reach(actor, Capability::EnforcementAct)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([("recipient", cmd.recipient.as_str(), false)])?;
    let mut invalid = Reasons::default();
    let recipient = cmd.recipient.trim();
    if recipient.is_empty() {
        invalid.push(Reason::new("field.required").field("recipient"));
    } else if recipient.chars().count() > 200 {
        invalid.push(
            Reason::new("field.too_long")
                .field("recipient")
                .arg("max", 200),
        );
    }
    let doc = state.document.as_ref().filter(|d| d.case_id == case.id);
    if doc.is_none() {
        invalid.push(Reason::new("service.document_unknown").field("document_id"));
    }
    if state.proof_case != Some(case.id) {
        invalid.push(Reason::new("record.evidence_unknown").field("proof_evidence_id"));
    }
    if let Some(d) = doc
        && (cmd.served_on < d.issued_on || cmd.served_on > state.today)
    {
        invalid.push(
            Reason::new("service.date_out_of_range")
                .field("served_on")
                .arg("issued_on", d.issued_on)
                .arg("today", state.today),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let Some(doc) = doc else {
        return Err(Refusal::not_found());
    };
    let mut unmet = Reasons::default();
    if !open(case) {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if !served_on_party(doc.kind) {
        unmet.push(
            Reason::new("service.not_served_on_party")
                .field("document_id")
                .arg("title", &doc.title),
        );
    }
    if case.proceedings.service_of(doc.document_id).is_some() {
        unmet.push(Reason::new("service.already_recorded").field("document_id"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        ServiceRecorded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            service: Service {
                document_id: doc.document_id,
                kind: doc.kind,
                subject: doc.subject.clone(),
                method: cmd.method,
                served_on: cmd.served_on,
                recipient: recipient.to_owned(),
                proof_evidence_id: cmd.proof_evidence_id,
                recorded_by: actor.name().to_owned(),
            },
        }
        .into(),
    ])
}
