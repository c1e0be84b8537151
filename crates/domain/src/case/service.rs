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
    /// Who witnessed a service left at the address (留置送达).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<String>,
    /// The party's prior written consent to electronic service, evidence of the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_evidence_id: Option<Uuid>,
    /// Why a decision was served later than 7 working days after it was made: the service
    /// stands, and the case file review sees it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub late_reason: String,
    /// Public notice (公告送达): why no other method could serve the party (whereabouts unknown,
    /// every other method failed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notice_grounds: String,
    /// Public notice: the day it counts as served, the notice's period after its publication
    /// (`served_on`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deemed_served_on: Option<NaiveDate>,
}

impl Service {
    /// The day the periods run from: the day of service, or for a public notice the day it
    /// counts as served.
    pub fn effective_on(&self) -> NaiveDate {
        self.deemed_served_on.unwrap_or(self.served_on)
    }
}

/// Working days within which a decision is served when the party was not there to receive it
/// on the day (APL Art. 61).
pub const DECISION_SERVICE_DAYS: u32 = 7;

/// The documents served on the party (the others are internal forms or records).
pub fn served_on_party(kind: DocumentKind) -> bool {
    matches!(
        kind,
        DocumentKind::AdvanceNotice
            | DocumentKind::AdvanceNoticeHearing
            | DocumentKind::HearingNotice
            | DocumentKind::PreservationNotice
            | DocumentKind::RecusalDecision
            | DocumentKind::PenaltyDecision
            | DocumentKind::NoPenaltyDecision
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
    pub witnesses: Vec<String>,
    pub consent_evidence_id: Option<Uuid>,
    pub late_reason: String,
    pub notice_grounds: String,
    pub expected_version: i64,
}

pub struct RecordServiceState {
    pub case: Case,
    /// The document named, when it is one of this case's.
    pub document: Option<DocumentIssued>,
    /// The case the proof evidence belongs to (`None`: unknown, or of no case).
    pub proof_case: Option<Uuid>,
    /// The case the consent evidence belongs to, when one is named.
    pub consent_case: Option<Option<Uuid>>,
    /// The last day a decision decided on `decided_on` is served in time.
    pub decision_service_due: Option<NaiveDate>,
    /// Days after its publication when a public notice counts as served (setting
    /// `app.public_notice_days`; Civil Procedure Law Art. 95).
    pub public_notice_days: u32,
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
    let mut texts = vec![
        ("recipient", cmd.recipient.as_str(), false),
        ("late_reason", cmd.late_reason.as_str(), true),
        ("notice_grounds", cmd.notice_grounds.as_str(), true),
    ];
    for w in &cmd.witnesses {
        texts.push(("witnesses", w.as_str(), false));
    }
    check_texts(texts)?;
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
    // 留置: the witnesses who saw it left (Civil Procedure Law Art. 89); electronic: the party's
    // prior written consent (APL Art. 61 para. 2).
    if cmd.method == ServiceMethod::LeftAtAddress
        && !cmd.witnesses.iter().any(|w| !w.trim().is_empty())
    {
        invalid.push(
            Reason::new("service.witnesses_required")
                .field("witnesses")
                .source(SERVICE),
        );
    }
    if cmd.witnesses.len() > 10 {
        invalid.push(
            Reason::new("field.too_many")
                .field("witnesses")
                .arg("max", 10),
        );
    }
    if cmd.witnesses.iter().any(|w| w.chars().count() > 100) {
        invalid.push(
            Reason::new("field.too_long")
                .field("witnesses")
                .arg("max", 100),
        );
    }
    match (cmd.method, cmd.consent_evidence_id, state.consent_case) {
        (ServiceMethod::Electronic, None, _) => invalid.push(
            Reason::new("service.consent_required")
                .field("consent_evidence_id")
                .source(SERVICE),
        ),
        (_, Some(_), c) if c != Some(Some(case.id)) => {
            invalid.push(Reason::new("record.evidence_unknown").field("consent_evidence_id"))
        }
        _ => {}
    }
    // 公告送达: only when the party cannot be served otherwise, said and kept with the service.
    if cmd.method == ServiceMethod::PublicNotice && cmd.notice_grounds.trim().is_empty() {
        invalid.push(
            Reason::new("service.notice_grounds_required")
                .field("notice_grounds")
                .source(SERVICE),
        );
    }
    if cmd.notice_grounds.chars().count() > 2000 {
        invalid.push(
            Reason::new("field.too_long")
                .field("notice_grounds")
                .arg("max", 2000),
        );
    }
    if cmd.late_reason.chars().count() > 2000 {
        invalid.push(
            Reason::new("field.too_long")
                .field("late_reason")
                .arg("max", 2000),
        );
    }
    // A decision served after 7 working days stands, with the reason said.
    if let Some(due) = state.decision_service_due
        && doc.is_some_and(|d| {
            matches!(
                d.kind,
                DocumentKind::PenaltyDecision | DocumentKind::NoPenaltyDecision
            )
        })
        && cmd.served_on > due
        && cmd.late_reason.trim().is_empty()
    {
        invalid.push(
            Reason::new("service.late_reason_required")
                .field("late_reason")
                .arg("due", due)
                .source(SERVICE),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let Some(doc) = doc else {
        return Err(Refusal::not_found());
    };
    let mut unmet = Reasons::default();
    if !open(case) || super::registration::finished(case) {
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
                witnesses: cmd
                    .witnesses
                    .iter()
                    .map(|w| w.trim().to_owned())
                    .filter(|w| !w.is_empty())
                    .collect(),
                consent_evidence_id: cmd.consent_evidence_id,
                late_reason: cmd.late_reason.trim().to_owned(),
                notice_grounds: cmd.notice_grounds.trim().to_owned(),
                deemed_served_on: (cmd.method == ServiceMethod::PublicNotice).then(|| {
                    cmd.served_on + chrono::Days::new(u64::from(state.public_notice_days))
                }),
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use crate::case::registration::CaseStage;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_decision_served_late_needs_its_reason() {
        let case = crate::case::tests::case(CaseStage::Decided, "menghai.officer");
        let doc = DocumentIssued {
            document_id: Uuid::now_v7(),
            case_id: case.id,
            county_code: case.county_code.clone(),
            kind: DocumentKind::PenaltyDecision,
            title: "行政处罚决定书".into(),
            subject: None,
            number: Some("西环罚（勐海）〔2026〕1号".into()),
            counter_key: None,
            serial: None,
            organ: "西双版纳傣族自治州生态环境局".into(),
            issued_on: day("2026-03-02"),
            sha256: "0".repeat(64),
            size: 1,
            verify_code: "ABCD-EFGH-JKMN".into(),
            missing_glyphs: String::new(),
        };
        let proof = Uuid::now_v7();
        let state = RecordServiceState {
            case: case.clone(),
            document: Some(doc.clone()),
            proof_case: Some(case.id),
            consent_case: None,
            // Decided Monday 2 March: 7 working days end on Wednesday 11 March.
            decision_service_due: Some(day("2026-03-11")),
            public_notice_days: 30,
            today: day("2026-03-20"),
        };
        let officer = crate::case::tests::person(
            "menghai.officer",
            Role::BrigadeOfficer,
            Some(vec!["532822"]),
        );
        let cmd = |served: &str, late: &str| RecordService {
            case_id: case.id,
            document_id: doc.document_id,
            method: ServiceMethod::Direct,
            served_on: day(served),
            recipient: "岩温".into(),
            proof_evidence_id: proof,
            witnesses: Vec::new(),
            consent_evidence_id: None,
            late_reason: late.into(),
            notice_grounds: String::new(),
            expected_version: case.version,
        };
        assert!(decide_record_service(&state, &officer, &cmd("2026-03-11", "")).is_ok());
        let r = decide_record_service(&state, &officer, &cmd("2026-03-12", "")).unwrap_err();
        assert_eq!(r.reasons[0].code, "service.late_reason_required");
        let ok = decide_record_service(
            &state,
            &officer,
            &cmd("2026-03-12", "当事人外出，多次上门未遇"),
        )
        .unwrap();
        let Payload::ServiceRecorded(p) = &ok[0] else {
            panic!("a service");
        };
        assert_eq!(p.service.late_reason, "当事人外出，多次上门未遇");
        // A public notice: only with its grounds; it counts as served 30 days after.
        let notice = |grounds: &str| RecordService {
            method: ServiceMethod::PublicNotice,
            notice_grounds: grounds.into(),
            late_reason: "下落不明".into(),
            ..cmd("2026-03-12", "")
        };
        let r = decide_record_service(&state, &officer, &notice("")).unwrap_err();
        assert_eq!(r.reasons[0].code, "service.notice_grounds_required");
        let ok =
            decide_record_service(&state, &officer, &notice("当事人下落不明，邮寄被退回")).unwrap();
        let Payload::ServiceRecorded(p) = &ok[0] else {
            panic!("a service");
        };
        assert_eq!(p.service.deemed_served_on, Some(day("2026-04-11")));
        assert_eq!(p.service.effective_on(), day("2026-04-11"));
    }
}
