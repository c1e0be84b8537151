//! The case file (案卷) and its archiving (归档): one case, one file, a main volume (正卷) and a
//! secondary volume (副卷) in the order of the 2010 measures; after archiving nothing in the
//! volumes changes, and the only act the case takes is an annex (备考表) outside them.
//!
//! 《环境行政处罚办法》(2010) 第六十八条 (one case, one file), 第六十九条 (the volumes and their
//! order), 第七十条 (nothing altered, added or removed after archiving), `shared/reference/
//! rules.md` §1.2 step 13; the bundle a court checks: `docs/archive.md`.

use super::document::DocumentKind;
use super::performance::{check_note, officer_in_reach};
use super::registration::{Case, CaseStage};
use crate::event::Payload;
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const ARCHIVING: LegalSource = LegalSource {
    zh_cn: "《环境行政处罚办法》第六十八条至第七十条",
    en: "Measures on Environmental Administrative Penalties (2010), Arts. 68–70",
};

/// The two volumes of the case file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Volume {
    /// 正卷
    Main,
    /// 副卷: what the party does not see (complaints, internal opinions, deliberations).
    Secondary,
}

impl Volume {
    pub const ALL: [Volume; 2] = [Volume::Main, Volume::Secondary];

    pub fn as_str(self) -> &'static str {
        match self {
            Volume::Main => "main",
            Volume::Secondary => "secondary",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Volume::Main => "正卷",
            Volume::Secondary => "副卷",
        }
    }
}

/// The sections of the volumes, in their order (`docs/archive.md` §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// The decision, each followed by its proof of service.
    Decision,
    Registration,
    /// The records, the preservation notices, then the evidence list.
    Evidence,
    /// The notices with their proofs of service, the statement records.
    Notices,
    Hearing,
    /// The performance list.
    Enforcement,
    /// The closing page.
    Closing,
    Other,
    /// The clue page: how the case came (never the complainant).
    Complaint,
    /// The investigation report and the case review opinion.
    Review,
    LegalReview,
    Deliberation,
}

impl Section {
    pub fn volume(self) -> Volume {
        match self {
            Section::Complaint | Section::Review | Section::LegalReview | Section::Deliberation => {
                Volume::Secondary
            }
            _ => Volume::Main,
        }
    }
}

/// Where an issued document of `kind` is filed (a 送达回证 goes after the document it proves
/// served, wherever that is: `None` here).
pub fn section_of(kind: DocumentKind) -> Option<Section> {
    use DocumentKind as K;
    Some(match kind {
        K::PenaltyDecision | K::NoPenaltyDecision => Section::Decision,
        K::RegistrationApproval => Section::Registration,
        K::InspectionRecord | K::QuestioningRecord | K::SamplingRecord | K::PreservationNotice => {
            Section::Evidence
        }
        K::AdvanceNotice
        | K::AdvanceNoticeHearing
        | K::HearingNotice
        | K::RecusalDecision
        | K::StatementRecord => Section::Notices,
        K::HearingRecord => Section::Hearing,
        K::ExtensionApproval => Section::Other,
        K::InvestigationReport | K::ReviewOpinion => Section::Review,
        K::LegalReviewOpinion => Section::LegalReview,
        K::DeliberationRecord => Section::Deliberation,
        K::ServiceReceipt => return None,
    })
}

/// An issued document as the file orders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filed {
    pub document_id: Uuid,
    pub kind: DocumentKind,
    /// What it is about (a 送达回证's is the served document's id).
    pub subject: Option<String>,
}

/// The documents of the file in order, each with its section: by section, then in the order of
/// issue (`docs` comes in that order); every 送达回证 right after the document it proves served
/// (one whose document is not in the file goes to the end of the main volume, never lost).
pub fn arrange(docs: &[Filed]) -> Vec<(Section, &Filed)> {
    let mut out: Vec<(Section, &Filed)> = Vec::with_capacity(docs.len());
    let mut main: Vec<(Section, &Filed)> = docs
        .iter()
        .filter_map(|d| section_of(d.kind).map(|s| (s, d)))
        .collect();
    // Stable: within a section, the order of issue stays.
    main.sort_by_key(|(s, _)| *s);
    let receipts: Vec<&Filed> = docs
        .iter()
        .filter(|d| d.kind == DocumentKind::ServiceReceipt)
        .collect();
    let mut placed = vec![false; receipts.len()];
    for (section, d) in main {
        out.push((section, d));
        let id = d.document_id.to_string();
        for (i, r) in receipts.iter().enumerate() {
            if !placed[i] && r.subject.as_deref() == Some(id.as_str()) {
                placed[i] = true;
                out.push((section, r));
            }
        }
    }
    let at = out
        .iter()
        .rposition(|(s, _)| s.volume() == Volume::Main)
        .map_or(0, |p| p + 1);
    let stray: Vec<(Section, &Filed)> = receipts
        .iter()
        .zip(&placed)
        .filter(|(_, p)| !**p)
        .map(|(r, _)| (Section::Other, *r))
        .collect();
    out.splice(at..at, stray);
    out
}

/// A volume as archived: its PDF's hash, size and pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedVolume {
    pub volume: Volume,
    /// Where its PDF is kept (beside the issued documents').
    pub id: Uuid,
    pub sha256: String,
    pub size: i64,
    pub pages: i64,
}

/// The archive of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    pub volumes: Vec<ArchivedVolume>,
    /// How many events the case had before it (`docs/archive.md` §2).
    pub events: i64,
    /// SHA-256 of their `event_hash`es concatenated, in log order.
    pub events_sha256: String,
    pub archived_by: String,
    pub archived_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseArchived {
    pub case_id: Uuid,
    pub county_code: String,
    pub archive: Archive,
}

impl crate::event::EventPayload for CaseArchived {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

#[derive(Clone, Debug)]
pub struct ArchiveCase {
    pub case_id: Uuid,
    pub expected_version: i64,
}

/// What the archive command reads: the case, the volumes rendered before the transaction, and
/// the case's events then (as the volumes show them) and now.
pub struct ArchiveState {
    pub case: Case,
    pub volumes: Vec<ArchivedVolume>,
    /// `(count, events_sha256)` of the case's events when the volumes were rendered.
    pub rendered_from: (i64, String),
    /// The same, read inside the transaction.
    pub events_now: (i64, String),
    /// The decision documents issued in the case (行政处罚决定书 / 不予行政处罚决定书).
    pub decision_documents: Vec<Uuid>,
    /// Which cases are filed upward before they are sealed.
    pub filing: super::filing::FilingRules,
    pub today: NaiveDate,
}

/// What archiving still needs (empty: the case may be archived): the case closed, and the
/// main volume's first section there — the decision document issued and its service proven
/// (a transfer to the judicial organs has no decision document).
pub fn archive_unmet(
    case: &Case,
    decision_documents: &[Uuid],
    filing: &super::filing::FilingRules,
) -> Vec<Reason> {
    match case.stage {
        CaseStage::Closed => {}
        CaseStage::Archived => {
            return vec![Reason::new("archive.already_archived").source(ARCHIVING)];
        }
        stage => {
            return vec![
                Reason::new("archive.not_closed")
                    .arg("stage", stage.as_str())
                    .source(ARCHIVING),
            ];
        }
    }
    if super::filing::supervised(case, filing) && case.proceedings.filing.is_none() {
        return vec![Reason::new("archive.filing_pending").source(super::filing::FILING)];
    }
    let needs_document = case
        .proceedings
        .decision
        .as_ref()
        .is_some_and(|d| d.outcome.document().is_some());
    if !needs_document {
        return Vec::new();
    }
    if decision_documents.is_empty() {
        return vec![Reason::new("archive.decision_document_missing").source(ARCHIVING)];
    }
    if !decision_documents
        .iter()
        .any(|d| case.proceedings.service_of(*d).is_some())
    {
        return vec![Reason::new("archive.decision_not_served").source(ARCHIVING)];
    }
    Vec::new()
}

/// An officer of the case's reach archives the closed case: both volumes, as rendered from the
/// case's events as they still are.
pub fn decide_archive_case(
    state: &ArchiveState,
    actor: &Actor,
    cmd: &ArchiveCase,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_in_reach(actor, case, cmd.expected_version)?;
    let mut unmet = Reasons::default();
    for r in archive_unmet(case, &state.decision_documents, &state.filing) {
        unmet.push(r);
    }
    unmet.into_result(RefusalKind::Conflict)?;
    // Something was recorded in the case while its volumes were being bound: bind them again.
    if state.rendered_from != state.events_now {
        return Err(Refusal::one(
            RefusalKind::Stale,
            Reason::new("archive.case_changed"),
        ));
    }
    let volumes: Vec<Volume> = state.volumes.iter().map(|v| v.volume).collect();
    if volumes != Volume::ALL {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("archive.not_bound"),
        ));
    }
    Ok(vec![
        CaseArchived {
            case_id: case.id,
            county_code: case.county_code.clone(),
            archive: Archive {
                volumes: state.volumes.clone(),
                events: state.events_now.0,
                events_sha256: state.events_now.1.clone(),
                archived_by: actor.name().to_owned(),
                archived_on: state.today,
            },
        }
        .into(),
    ])
}

/// What an annex records (备考表).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnexKind {
    /// A later administrative review (行政复议) of the decision.
    Review,
    /// A court's judgment or ruling on the decision.
    Court,
    Other,
}

impl AnnexKind {
    pub const ALL: [AnnexKind; 3] = [AnnexKind::Review, AnnexKind::Court, AnnexKind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            AnnexKind::Review => "review",
            AnnexKind::Court => "court",
            AnnexKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<AnnexKind> {
        AnnexKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A note kept with the archived file, outside its volumes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annex {
    /// Numbered from 1 in the order added.
    pub annex: u32,
    pub kind: AnnexKind,
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<Uuid>,
    pub recorded_by: String,
    pub recorded_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexAdded {
    pub case_id: Uuid,
    pub county_code: String,
    #[serde(flatten)]
    pub annex: Annex,
}

impl crate::event::EventPayload for AnnexAdded {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

#[derive(Clone, Debug)]
pub struct AddAnnex {
    pub case_id: Uuid,
    pub kind: AnnexKind,
    pub note: String,
    pub evidence_id: Option<Uuid>,
    pub expected_version: i64,
}

pub struct AnnexState {
    pub case: Case,
    /// The case the evidence named belongs to, when one is named.
    pub evidence_case: Option<Option<Uuid>>,
    pub today: NaiveDate,
}

/// An officer of the case's reach adds a note to the archived file (a review's or a court's
/// outcome), with its proof if any; the volumes stay as sealed.
pub fn decide_add_annex(
    state: &AnnexState,
    actor: &Actor,
    cmd: &AddAnnex,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    officer_in_reach(actor, case, cmd.expected_version)?;
    check_texts([("note", cmd.note.as_str(), true)])?;
    let mut invalid = Reasons::default();
    check_note("note", &cmd.note, true, &mut invalid);
    if cmd.evidence_id.is_some() && state.evidence_case != Some(Some(case.id)) {
        invalid.push(Reason::new("record.evidence_unknown").field("evidence_id"));
    }
    invalid.into_result(RefusalKind::Invalid)?;
    if case.stage != CaseStage::Archived {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("archive.not_archived")
                .arg("stage", case.stage.as_str())
                .source(ARCHIVING),
        ));
    }
    let n = u32::try_from(case.proceedings.annexes.len()).unwrap_or(u32::MAX - 1) + 1;
    Ok(vec![
        AnnexAdded {
            case_id: case.id,
            county_code: case.county_code.clone(),
            annex: Annex {
                annex: n,
                kind: cmd.kind,
                note: cmd.note.trim().to_owned(),
                evidence_id: cmd.evidence_id,
                recorded_by: actor.name().to_owned(),
                recorded_on: state.today,
            },
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;

    fn filed(kind: DocumentKind, subject: Option<String>) -> Filed {
        Filed {
            document_id: Uuid::now_v7(),
            kind,
            subject,
        }
    }

    #[test]
    fn the_file_follows_the_order_of_the_measures_with_each_receipt_after_its_document() {
        let approval = filed(DocumentKind::RegistrationApproval, None);
        let record = filed(DocumentKind::InspectionRecord, Some("r".into()));
        let notice = filed(DocumentKind::AdvanceNotice, Some("n".into()));
        let notice_receipt = filed(
            DocumentKind::ServiceReceipt,
            Some(notice.document_id.to_string()),
        );
        let review = filed(DocumentKind::LegalReviewOpinion, Some("0".into()));
        let decision = filed(DocumentKind::PenaltyDecision, None);
        let decision_receipt = filed(
            DocumentKind::ServiceReceipt,
            Some(decision.document_id.to_string()),
        );
        let stray = filed(DocumentKind::ServiceReceipt, Some(Uuid::nil().to_string()));
        let deliberation = filed(DocumentKind::DeliberationRecord, Some("0".into()));
        // In the order of issue.
        let docs = vec![
            approval.clone(),
            record.clone(),
            notice.clone(),
            notice_receipt.clone(),
            review.clone(),
            deliberation.clone(),
            decision.clone(),
            decision_receipt.clone(),
            stray.clone(),
        ];
        let order: Vec<(Volume, Uuid)> = arrange(&docs)
            .into_iter()
            .map(|(s, d)| (s.volume(), d.document_id))
            .collect();
        let expected = vec![
            (Volume::Main, decision.document_id),
            (Volume::Main, decision_receipt.document_id),
            (Volume::Main, approval.document_id),
            (Volume::Main, record.document_id),
            (Volume::Main, notice.document_id),
            (Volume::Main, notice_receipt.document_id),
            (Volume::Main, stray.document_id),
            (Volume::Secondary, review.document_id),
            (Volume::Secondary, deliberation.document_id),
        ];
        assert_eq!(order, expected);
        // Every document is filed exactly once.
        assert_eq!(arrange(&docs).len(), docs.len());
    }

    #[test]
    fn only_a_closed_case_is_archived_and_only_annexes_follow() {
        let mut case = crate::case::tests::case(CaseStage::Decided, "menghai.officer");
        let officer = crate::case::tests::person(
            "menghai.officer",
            Role::BrigadeOfficer,
            Some(vec!["532822"]),
        );
        let volume = |v| ArchivedVolume {
            volume: v,
            id: Uuid::now_v7(),
            sha256: "0".repeat(64),
            size: 1,
            pages: 3,
        };
        let state = |case: &Case, now: (i64, &str)| ArchiveState {
            case: case.clone(),
            volumes: vec![volume(Volume::Main), volume(Volume::Secondary)],
            rendered_from: (4, "a".repeat(64)),
            events_now: (now.0, now.1.repeat(64)),
            decision_documents: Vec::new(),
            filing: Default::default(),
            today: "2026-07-01".parse().unwrap(),
        };
        let cmd = |case: &Case| ArchiveCase {
            case_id: case.id,
            expected_version: case.version,
        };
        let r = decide_archive_case(&state(&case, (4, "a")), &officer, &cmd(&case)).unwrap_err();
        assert_eq!(r.reasons[0].code, "archive.not_closed");
        case.stage = CaseStage::Closed;
        let r = decide_archive_case(&state(&case, (5, "b")), &officer, &cmd(&case)).unwrap_err();
        assert_eq!(r.reasons[0].code, "archive.case_changed");
        let ok = decide_archive_case(&state(&case, (4, "a")), &officer, &cmd(&case)).unwrap();
        let Payload::CaseArchived(p) = &ok[0] else {
            panic!("an archive");
        };
        assert_eq!(p.archive.events, 4);
        // An annex only on an archived case, numbered on.
        let annex = AddAnnex {
            case_id: case.id,
            kind: AnnexKind::Court,
            note: "一审判决维持".into(),
            evidence_id: None,
            expected_version: case.version,
        };
        let st = |case: &Case| AnnexState {
            case: case.clone(),
            evidence_case: None,
            today: "2026-09-01".parse().unwrap(),
        };
        let r = decide_add_annex(&st(&case), &officer, &annex).unwrap_err();
        assert_eq!(r.reasons[0].code, "archive.not_archived");
        case.stage = CaseStage::Archived;
        case.proceedings.annexes.push(Annex {
            annex: 1,
            kind: AnnexKind::Review,
            note: "复议维持".into(),
            evidence_id: None,
            recorded_by: "menghai.officer".into(),
            recorded_on: "2026-08-01".parse().unwrap(),
        });
        let ok = decide_add_annex(&st(&case), &officer, &annex).unwrap();
        let Payload::AnnexAdded(p) = &ok[0] else {
            panic!("an annex");
        };
        assert_eq!(p.annex.annex, 2);
        let r = decide_archive_case(&state(&case, (4, "a")), &officer, &cmd(&case)).unwrap_err();
        assert_eq!(r.reasons[0].code, "archive.already_archived");
    }
}
