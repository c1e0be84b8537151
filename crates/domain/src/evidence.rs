//! Evidence (证据): its types, who collected it, and its chain of custody.
//!
//! 《中华人民共和国行政处罚法》(2021) 第四十六条 lists the types of evidence; the environmental
//! rules add monitoring reports (《环境行政处罚办法》(2010) 第三十二条). Evidence taken on site is
//! collected by at least two officers holding valid enforcement certificates (第四十二条、第五十五条);
//! auxiliary staff may assist but never act as the collecting officer.

use crate::Actor;
use crate::case::team::TWO_OFFICERS;
use crate::permission::{Capability, reach, roles_allow, within};
use crate::refusal::{LegalSource, Reason, Reasons, Refusal, RefusalKind};
use crate::time::Timestamp;
use crate::user::User;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceType {
    /// 书证
    Documentary,
    /// 物证
    Physical,
    /// 视听资料
    AudioVisual,
    /// 电子数据
    ElectronicData,
    /// 证人证言
    WitnessTestimony,
    /// 当事人陈述
    PartyStatement,
    /// 鉴定意见
    ExpertOpinion,
    /// 勘验笔录
    InspectionRecord,
    /// 现场笔录
    OnSiteRecord,
    /// 监测报告
    MonitoringReport,
}

impl EvidenceType {
    pub const ALL: [EvidenceType; 10] = [
        EvidenceType::Documentary,
        EvidenceType::Physical,
        EvidenceType::AudioVisual,
        EvidenceType::ElectronicData,
        EvidenceType::WitnessTestimony,
        EvidenceType::PartyStatement,
        EvidenceType::ExpertOpinion,
        EvidenceType::InspectionRecord,
        EvidenceType::OnSiteRecord,
        EvidenceType::MonitoringReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceType::Documentary => "documentary",
            EvidenceType::Physical => "physical",
            EvidenceType::AudioVisual => "audio_visual",
            EvidenceType::ElectronicData => "electronic_data",
            EvidenceType::WitnessTestimony => "witness_testimony",
            EvidenceType::PartyStatement => "party_statement",
            EvidenceType::ExpertOpinion => "expert_opinion",
            EvidenceType::InspectionRecord => "inspection_record",
            EvidenceType::OnSiteRecord => "on_site_record",
            EvidenceType::MonitoringReport => "monitoring_report",
        }
    }

    pub fn parse(s: &str) -> Option<EvidenceType> {
        EvidenceType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Taken on site by its nature: needs two certified officers whatever `on_site` says.
    pub fn is_on_site(self) -> bool {
        matches!(
            self,
            EvidenceType::OnSiteRecord | EvidenceType::InspectionRecord | EvidenceType::Physical
        )
    }
}

/// What the evidence is about: a regulated entity (an inspection), a clue (线索) being verified,
/// or a case (案件).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    Entity,
    Clue,
    Case,
}

impl SubjectType {
    pub const ALL: [SubjectType; 3] = [SubjectType::Entity, SubjectType::Clue, SubjectType::Case];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::Entity => "entity",
            SubjectType::Clue => "clue",
            SubjectType::Case => "case",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectType> {
        SubjectType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A subject as the application loads it for evidence: what it is, and the county whose scope
/// the evidence and its ledger entries take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectType,
    pub id: Uuid,
    pub county_code: String,
    pub intake: Intake,
    /// For a case: the officers who may act on it (assigned, not recused); `Some(empty)` before
    /// any are assigned. Evidence of a case is collected by two of them (APL Arts. 42, 55).
    pub acting: Option<Vec<String>>,
}

/// Whether a subject takes new evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intake {
    Open,
    /// A clue no longer open, a case cancelled or not registered: its status.
    Closed(&'static str),
    /// A case proposed and not yet registered, without investigation first (先行调查).
    NotYetRegistered,
}

impl Subject {
    pub fn entity(e: &crate::entity::Entity) -> Subject {
        Subject {
            kind: SubjectType::Entity,
            id: e.id,
            county_code: e.data.county_code.clone(),
            intake: Intake::Open,
            acting: None,
        }
    }

    /// A clue takes evidence while it is open (being verified); after that its evidence goes to
    /// the case.
    pub fn clue(c: &crate::case::clue::Clue) -> Subject {
        use crate::case::clue::ClueStatus;
        Subject {
            kind: SubjectType::Clue,
            id: c.id,
            county_code: c.data.county_code.clone(),
            intake: match c.status {
                ClueStatus::Open => Intake::Open,
                s => Intake::Closed(s.as_str()),
            },
            acting: None,
        }
    }

    /// A case takes evidence once registered, or before that when it was proposed for
    /// investigation first (先行调查, `urgent`); after a review, the materials of notice,
    /// defence and hearing (proofs of service, statements, hearing records); once decided, the
    /// proofs of the decision's service and of its performance (receipts, applications). Not
    /// while the report waits for its review: the investigation's evidence is what is reviewed;
    /// nor once the case is archived.
    pub fn case(c: &crate::case::registration::Case) -> Subject {
        use crate::case::registration::CaseStage;
        Subject {
            kind: SubjectType::Case,
            id: c.id,
            county_code: c.county_code.clone(),
            intake: match c.stage {
                // A closed case still completes its file (the filing letter, a late receipt)
                // until it is archived.
                CaseStage::Registered
                | CaseStage::Reviewed
                | CaseStage::Decided
                | CaseStage::Closed => Intake::Open,
                CaseStage::PendingRegistration if c.facts.urgent => Intake::Open,
                CaseStage::PendingRegistration => Intake::NotYetRegistered,
                s => Intake::Closed(s.as_str()),
            },
            acting: Some(c.acting_officers()),
        }
    }
}

/// Evidence is collected for a registered case; before registration only in an investigation
/// first (先行调查).
///
/// 《中华人民共和国行政处罚法》第五十四条: 符合立案标准的，行政机关应当及时立案; 《环境行政处罚办法》
/// (2010) 第二十四条: 紧急情况下可以先行调查取证.
const REGISTER_FIRST: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第五十四条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 54",
};

/// What the officer states about a piece of evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceData {
    pub subject_type: SubjectType,
    pub subject_id: Uuid,
    #[serde(rename = "type")]
    pub evidence_type: EvidenceType,
    pub title: String,
    pub collected_at: Timestamp,
    /// Usernames of the collecting officers.
    pub collected_by: Vec<String>,
    /// Usernames of assisting staff (auxiliary staff belong here).
    pub assisted_by: Vec<String>,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub device: Option<String>,
    pub on_site: bool,
}

/// The stored bytes: both hashes (SM3 is what Chinese evidence platforms use), size and the
/// MIME type sniffed from the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobFacts {
    pub sha256: String,
    pub sm3: String,
    pub size: i64,
    pub mime: String,
    /// The file name as uploaded (for downloads; never trusted for the type).
    pub file_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRegistered {
    pub id: Uuid,
    /// The subject's county: the scope of the evidence and of its ledger entries.
    pub county_code: String,
    pub data: EvidenceData,
    pub blob: BlobFacts,
    /// Who holds the evidence first: the first collecting officer.
    pub custodian: String,
    pub demo: bool,
}

impl crate::event::EventPayload for EvidenceRegistered {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// A touch of the evidence that the chain of custody records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Viewed,
    Downloaded,
    Exported,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Viewed => "viewed",
            Access::Downloaded => "downloaded",
            Access::Exported => "exported",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceAccessed {
    pub id: Uuid,
    pub county_code: String,
    pub access: Access,
}

impl crate::event::EventPayload for EvidenceAccessed {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustodyTransferred {
    pub id: Uuid,
    pub county_code: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

impl crate::event::EventPayload for CustodyTransferred {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// A piece of evidence as the projection holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub id: Uuid,
    pub county_code: String,
    pub data: EvidenceData,
    pub blob: BlobFacts,
    pub custodian: String,
    pub demo: bool,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// One line of the custody timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyEntry {
    pub event_id: Uuid,
    pub evidence_id: Uuid,
    pub at: Timestamp,
    pub actor: String,
    /// `uploaded`, `viewed`, `downloaded`, `exported` or `transferred`.
    pub kind: String,
    pub detail: String,
}

/// A person named as collector or custodian: someone who performs enforcement acts.
fn enforcing(u: &User) -> bool {
    roles_allow(&u.roles, Capability::EnforcementAct)
}

/// What a registration is decided on, read in the write transaction.
pub struct RegisterState {
    /// The subject `data` names, if it exists (of that kind).
    pub subject: Option<Subject>,
    /// Each username of `collected_by` and `assisted_by` with the user it names, if any.
    pub people: Vec<(String, Option<User>)>,
    /// The calendar date (China Standard Time) the evidence was collected on.
    pub collected_on: chrono::NaiveDate,
    pub now: Timestamp,
}

/// Checks the officer's statement; everything that does not need the bytes.
pub fn check_data(
    state: &RegisterState,
    actor: &Actor,
    data: &EvidenceData,
) -> Result<String, Refusal> {
    let reach = reach(actor, Capability::EvidenceRecord)?;
    let subject = state
        .subject
        .as_ref()
        .filter(|s| s.kind == data.subject_type && s.id == data.subject_id)
        .ok_or_else(Refusal::not_found)?;
    if !within(&reach, &subject.county_code) {
        return Err(Refusal::not_found());
    }
    let mut invalid = Reasons::default();
    let title = data.title.trim();
    if title.is_empty() {
        invalid.push(Reason::new("field.required").field("title"));
    } else if title.chars().count() > 200 {
        invalid.push(Reason::new("field.too_long").field("title").arg("max", 200));
    }
    if data.collected_at.as_datetime() > state.now.as_datetime() + chrono::Duration::minutes(5) {
        invalid.push(Reason::new("evidence.collected_in_future").field("collected_at"));
    }
    if data.collected_by.is_empty() {
        invalid.push(Reason::new("field.required").field("collected_by"));
    }
    for (field, names) in [
        ("collected_by", &data.collected_by),
        ("assisted_by", &data.assisted_by),
    ] {
        for (i, name) in names.iter().enumerate() {
            let known = state.people.iter().any(|(n, u)| n == name && u.is_some());
            if !known {
                invalid.push(
                    Reason::new("evidence.unknown_user")
                        .field(format!("{field}[{i}]"))
                        .arg("username", name),
                );
            }
            if names[..i].contains(name)
                || (field == "assisted_by" && data.collected_by.contains(name))
            {
                invalid.push(
                    Reason::new("evidence.duplicate_person")
                        .field(format!("{field}[{i}]"))
                        .arg("username", name),
                );
            }
        }
    }
    for (field, v, max) in [
        ("lat", data.lat_e6, 90_000_000),
        ("lon", data.lon_e6, 180_000_000),
    ] {
        if v.is_some_and(|v| v.abs() > max) {
            invalid.push(Reason::new("coordinate.out_of_range").field(field));
        }
    }
    if data
        .device
        .as_ref()
        .is_some_and(|d| d.chars().count() > 200)
    {
        invalid.push(
            Reason::new("field.too_long")
                .field("device")
                .arg("max", 200),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;

    // The conditions of law: the subject takes evidence; auxiliary staff only assist; on site,
    // two certified officers.
    let mut unmet = Reasons::default();
    match subject.intake {
        Intake::Open => {}
        Intake::Closed(status) => unmet.push(
            Reason::new("evidence.subject_closed")
                .field("subject_id")
                .arg("status", status),
        ),
        Intake::NotYetRegistered => unmet.push(
            Reason::new("evidence.case_not_registered")
                .field("subject_id")
                .source(REGISTER_FIRST),
        ),
    }
    let person = |name: &String| {
        state
            .people
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, u)| u.as_ref())
    };
    // Evidence of a case is an act of its investigators: every collector assigned to it, and
    // two of them certified whether on site or not.
    if let Some(acting) = &subject.acting {
        for (i, name) in data.collected_by.iter().enumerate() {
            if person(name).is_some() && !acting.contains(name) {
                unmet.push(
                    Reason::new("evidence.not_assigned")
                        .field(format!("collected_by[{i}]"))
                        .arg("username", name)
                        .source(TWO_OFFICERS),
                );
            }
        }
    }
    let two_needed = data.on_site || data.evidence_type.is_on_site() || subject.acting.is_some();
    let mut certified = 0;
    for (i, name) in data.collected_by.iter().enumerate() {
        let Some(u) = person(name) else { continue };
        if !enforcing(u) {
            unmet.push(
                Reason::new("evidence.not_an_officer")
                    .field(format!("collected_by[{i}]"))
                    .arg("username", name)
                    .source(TWO_OFFICERS),
            );
            continue;
        }
        match &u.certificate {
            Some(c) if c.valid_on(state.collected_on) => certified += 1,
            _ => {
                if two_needed {
                    unmet.push(
                        Reason::new("evidence.certificate_not_valid")
                            .field(format!("collected_by[{i}]"))
                            .arg("username", name)
                            .arg("date", state.collected_on)
                            .source(TWO_OFFICERS),
                    );
                }
            }
        }
    }
    if two_needed && certified < 2 {
        unmet.push(
            Reason::new("evidence.two_officers_required")
                .field("collected_by")
                .arg("count", certified)
                .source(TWO_OFFICERS),
        );
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(subject.county_code.clone())
}

/// Registering evidence whose bytes are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterEvidence {
    pub id: Uuid,
    pub data: EvidenceData,
    pub blob: BlobFacts,
    pub demo: bool,
}

/// Registers evidence whose bytes are stored.
pub fn decide_register(
    state: &RegisterState,
    actor: &Actor,
    cmd: &RegisterEvidence,
) -> Result<Vec<crate::Payload>, Refusal> {
    let RegisterEvidence {
        id,
        data,
        blob,
        demo,
    } = cmd;
    let (id, demo) = (*id, *demo);
    let county_code = check_data(state, actor, data)?;
    let mut data = data.clone();
    data.title = data.title.trim().to_owned();
    Ok(vec![crate::Payload::EvidenceRegistered(
        EvidenceRegistered {
            id,
            county_code,
            custodian: data.collected_by[0].clone(),
            data,
            blob: blob.clone(),
            demo,
        },
    )])
}

/// What a decision on one piece of evidence knows: the evidence, if it exists (unscoped: the
/// decision checks the actor's reach).
#[derive(Clone, Debug)]
pub struct EvidenceState {
    pub evidence: Option<Evidence>,
}

/// Viewing, downloading or exporting evidence the actor may read.
pub fn decide_access(
    state: &EvidenceState,
    actor: &Actor,
    access: &Access,
) -> Result<Vec<crate::Payload>, Refusal> {
    let access = *access;
    let reach = reach(actor, Capability::EvidenceRead)?;
    let e = state
        .evidence
        .as_ref()
        .filter(|e| within(&reach, &e.county_code))
        .ok_or_else(Refusal::not_found)?;
    Ok(vec![crate::Payload::EvidenceAccessed(EvidenceAccessed {
        id: e.id,
        county_code: e.county_code.clone(),
        access,
    })])
}

/// Handing evidence over to another officer (by username), with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferCustody {
    pub id: Uuid,
    pub to: String,
    pub reason: String,
}

pub struct TransferState {
    pub evidence: Option<Evidence>,
    /// The user the command names as the new custodian, if any.
    pub to: Option<User>,
}

/// Handing evidence over to another officer.
pub fn decide_transfer(
    state: &TransferState,
    actor: &Actor,
    cmd: &TransferCustody,
) -> Result<Vec<crate::Payload>, Refusal> {
    let (to, to_name, reason) = (state.to.as_ref(), cmd.to.as_str(), cmd.reason.as_str());
    let reach = reach(actor, Capability::EvidenceRecord)?;
    let e = state
        .evidence
        .as_ref()
        .filter(|e| within(&reach, &e.county_code))
        .ok_or_else(Refusal::not_found)?;
    let mut invalid = Reasons::default();
    match to {
        None => invalid.push(
            Reason::new("evidence.unknown_user")
                .field("to")
                .arg("username", to_name),
        ),
        Some(u) if !enforcing(u) => invalid.push(
            Reason::new("evidence.not_an_officer")
                .field("to")
                .arg("username", to_name),
        ),
        Some(u) if u.username == e.custodian => invalid.push(
            Reason::new("evidence.already_custodian")
                .field("to")
                .arg("username", to_name),
        ),
        Some(_) => {}
    }
    if reason.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("reason"));
    } else if reason.chars().count() > 500 {
        invalid.push(
            Reason::new("field.too_long")
                .field("reason")
                .arg("max", 500),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;
    Ok(vec![crate::Payload::CustodyTransferred(
        CustodyTransferred {
            id: e.id,
            county_code: e.county_code.clone(),
            from: e.custodian.clone(),
            to: to_name.to_owned(),
            reason: reason.trim().to_owned(),
        },
    )])
}

#[cfg(test)]
mod tests {
    use crate::event::{Event, Payload};

    /// An `evidence.registered/v1` payload as stored before subjects had kinds other than
    /// entities: it still decodes, and encodes to the same JSON, so its ledger hash is unchanged.
    #[test]
    fn stored_registrations_decode_and_hash_the_same() {
        let payload = serde_json::json!({
            "id": "019ad0f0-0000-7000-8000-0000000000e1",
            "county_code": "532822",
            "data": {
                "subject_type": "entity",
                "subject_id": "019ad0f0-0000-7000-8000-0000000000b1",
                "type": "audio_visual",
                "title": "排污口现场照片",
                "collected_at": "2026-11-28T02:00:00.000000Z",
                "collected_by": ["menghai.officer", "menghai.officer2"],
                "assisted_by": [],
                "lat_e6": 21960000,
                "lon_e6": 100450000,
                "device": null,
                "on_site": true
            },
            "blob": {
                "sha256": "aa", "sm3": "bb", "size": 70, "mime": "image/png",
                "file_name": "现场照片.png"
            },
            "custodian": "menghai.officer",
            "demo": false
        });
        let event = Event::from_parts(
            uuid::Uuid::nil(),
            crate::Timestamp::parse("2026-11-28T02:00:00Z").unwrap(),
            r#"{"kind":"user","id":null,"name":"menghai.officer"}"#,
            "evidence.registered/v1",
            &payload.to_string(),
        )
        .unwrap();
        let Payload::EvidenceRegistered(p) = &event.payload else {
            panic!("{event:?}")
        };
        assert_eq!(p.data.subject_type, super::SubjectType::Entity);
        assert_eq!(event.payload_json(), payload);
    }
}
