//! Enforcement documents (执法文书) issued in a case: each is rendered to PDF inside the command
//! that issues it, so the ledger's `document.issued/v1` carries the exact bytes' SHA-256, and a
//! numbered one takes its 文号 from the gap-free counter of (organ, kind, year) in the same
//! transaction. The event names no person: its inclusion proof is shown to anyone who scans the
//! document's code.
//!
//! Records are signed by the person recorded; a refusal is noted by the officers, with a witness
//! or a recording where there is one, and the investigation goes on (《环境行政处罚办法》(2010)
//! 第四十三条, `shared/reference/rules.md` §1.2 step 2a; the 2023 article is unverified).

use super::clue::stale;
use super::record::RecordKind;
use super::registration::Case;
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::Reasons;
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kinds of document of the steps that exist (templates of the same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    RegistrationApproval,
    InspectionRecord,
    QuestioningRecord,
    SamplingRecord,
    PreservationNotice,
    InvestigationReport,
    ReviewOpinion,
    RecusalDecision,
    AdvanceNotice,
    AdvanceNoticeHearing,
    StatementRecord,
    HearingNotice,
    HearingRecord,
    LegalReviewOpinion,
    DeliberationRecord,
    ExtensionApproval,
    PenaltyDecision,
    NoPenaltyDecision,
    ServiceReceipt,
}

/// What a document is about, besides its case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// The case itself (a form of the case as a whole).
    Case,
    /// The case's current report or review, named by the fingerprint of its content (set by
    /// the server): issued once per version, again after a supplementary investigation.
    Fingerprint,
    Record(RecordKind),
    /// A preservation of evidence, by its id.
    Preservation,
    /// A decided request for recusal, by its position in the case's requests (from 0).
    Recusal,
    /// An advance notice, by its id.
    Notice,
    /// An answered statement, by its position in the case's statements (from 0).
    Statement,
    /// A hearing's arrangements: "{hearing}.{revision}" (`hearing::notice_subject`).
    HearingSchedule,
    /// A recorded hearing, by its position (from 0).
    Hearing,
    /// An answered legal review, by its position (from 0).
    LegalReview,
    /// A deliberation of the heads, by its position (from 0).
    Deliberation,
    /// An answered request to extend the case deadline, by its position (from 0).
    Extension,
    /// The case's decision (one per case).
    Decision,
    /// A served document, by its id (the 送达回证 of its service).
    ServedDocument,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 19] = [
        DocumentKind::RegistrationApproval,
        DocumentKind::InspectionRecord,
        DocumentKind::QuestioningRecord,
        DocumentKind::SamplingRecord,
        DocumentKind::PreservationNotice,
        DocumentKind::InvestigationReport,
        DocumentKind::ReviewOpinion,
        DocumentKind::RecusalDecision,
        DocumentKind::AdvanceNotice,
        DocumentKind::AdvanceNoticeHearing,
        DocumentKind::StatementRecord,
        DocumentKind::HearingNotice,
        DocumentKind::HearingRecord,
        DocumentKind::LegalReviewOpinion,
        DocumentKind::DeliberationRecord,
        DocumentKind::ExtensionApproval,
        DocumentKind::PenaltyDecision,
        DocumentKind::NoPenaltyDecision,
        DocumentKind::ServiceReceipt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::RegistrationApproval => "registration_approval",
            DocumentKind::InspectionRecord => "inspection_record",
            DocumentKind::QuestioningRecord => "questioning_record",
            DocumentKind::SamplingRecord => "sampling_record",
            DocumentKind::PreservationNotice => "preservation_notice",
            DocumentKind::InvestigationReport => "investigation_report",
            DocumentKind::ReviewOpinion => "review_opinion",
            DocumentKind::RecusalDecision => "recusal_decision",
            DocumentKind::AdvanceNotice => "advance_notice",
            DocumentKind::AdvanceNoticeHearing => "advance_notice_hearing",
            DocumentKind::StatementRecord => "statement_record",
            DocumentKind::HearingNotice => "hearing_notice",
            DocumentKind::HearingRecord => "hearing_record",
            DocumentKind::LegalReviewOpinion => "legal_review_opinion",
            DocumentKind::DeliberationRecord => "deliberation_record",
            DocumentKind::ExtensionApproval => "extension_approval",
            DocumentKind::PenaltyDecision => "penalty_decision",
            DocumentKind::NoPenaltyDecision => "no_penalty_decision",
            DocumentKind::ServiceReceipt => "service_receipt",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The document's name as printed (the 2016 ministry forms' names).
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::RegistrationApproval => "立案审批表",
            DocumentKind::InspectionRecord => "现场检查（勘察）笔录",
            DocumentKind::QuestioningRecord => "调查询问笔录",
            DocumentKind::SamplingRecord => "采样记录",
            DocumentKind::PreservationNotice => "先行登记保存通知书",
            DocumentKind::InvestigationReport => "案件调查终结报告",
            DocumentKind::ReviewOpinion => "案件审查意见书",
            DocumentKind::RecusalDecision => "回避决定书",
            DocumentKind::AdvanceNotice => "行政处罚事先告知书",
            DocumentKind::AdvanceNoticeHearing => "行政处罚事先（听证）告知书",
            DocumentKind::StatementRecord => "陈述申辩笔录及复核意见",
            DocumentKind::HearingNotice => "行政处罚听证通知书",
            DocumentKind::HearingRecord => "听证笔录",
            DocumentKind::LegalReviewOpinion => "法制审核意见书",
            DocumentKind::DeliberationRecord => "集体讨论记录",
            DocumentKind::ExtensionApproval => "延长办案期限审批表",
            DocumentKind::PenaltyDecision => "行政处罚决定书",
            DocumentKind::NoPenaltyDecision => "不予行政处罚决定书",
            DocumentKind::ServiceReceipt => "送达回证",
        }
    }

    pub fn subject(self) -> SubjectKind {
        match self {
            DocumentKind::InspectionRecord => SubjectKind::Record(RecordKind::Inspection),
            DocumentKind::QuestioningRecord => SubjectKind::Record(RecordKind::Questioning),
            DocumentKind::SamplingRecord => SubjectKind::Record(RecordKind::Sampling),
            DocumentKind::PreservationNotice => SubjectKind::Preservation,
            DocumentKind::RecusalDecision => SubjectKind::Recusal,
            DocumentKind::AdvanceNotice | DocumentKind::AdvanceNoticeHearing => SubjectKind::Notice,
            DocumentKind::StatementRecord => SubjectKind::Statement,
            DocumentKind::HearingNotice => SubjectKind::HearingSchedule,
            DocumentKind::HearingRecord => SubjectKind::Hearing,
            DocumentKind::InvestigationReport | DocumentKind::ReviewOpinion => {
                SubjectKind::Fingerprint
            }
            DocumentKind::RegistrationApproval => SubjectKind::Case,
            DocumentKind::LegalReviewOpinion => SubjectKind::LegalReview,
            DocumentKind::DeliberationRecord => SubjectKind::Deliberation,
            DocumentKind::ExtensionApproval => SubjectKind::Extension,
            DocumentKind::PenaltyDecision | DocumentKind::NoPenaltyDecision => {
                SubjectKind::Decision
            }
            DocumentKind::ServiceReceipt => SubjectKind::ServedDocument,
        }
    }

    /// Records are signed by the person recorded ("以上笔录已阅，记录属实").
    pub fn signed_by_party(self) -> bool {
        matches!(self.subject(), SubjectKind::Record(_))
    }
}

/// A document's 文号 and the counter it was taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Numbered {
    pub number: String,
    /// `None` when the number is the case's own (the registration approval).
    pub counter: Option<(String, i64)>,
}

/// A document rendered inside the issuing command's transaction, before the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub document_id: Uuid,
    pub number: Option<Numbered>,
    pub sha256: String,
    pub size: i64,
    pub verify_code: String,
    pub organ: String,
    pub issued_on: NaiveDate,
    /// Characters no available font could draw (empty when every one was drawn).
    pub missing_glyphs: String,
    /// The bytes, stored beside the event (never in it).
    pub pdf: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentIssued {
    pub document_id: Uuid,
    pub case_id: Uuid,
    pub county_code: String,
    pub kind: DocumentKind,
    pub title: String,
    /// The record, preservation or recused officer the document is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<i64>,
    pub organ: String,
    pub issued_on: NaiveDate,
    /// SHA-256 of the PDF's bytes, 64 lowercase hex digits.
    pub sha256: String,
    pub size: i64,
    /// The code of the public check page (`/verify/{code}`).
    pub verify_code: String,
    /// Characters no available font could draw, shown as boxes in the PDF: a warning that
    /// stays with the document (install the fonts and issue a correcting document).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub missing_glyphs: String,
}

impl crate::event::EventPayload for DocumentIssued {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

impl DocumentIssued {
    pub fn new(
        case: &Case,
        kind: DocumentKind,
        subject: Option<String>,
        r: &Rendered,
    ) -> DocumentIssued {
        let (number, counter) = match &r.number {
            Some(n) => (Some(n.number.clone()), n.counter.clone()),
            None => (None, None),
        };
        DocumentIssued {
            document_id: r.document_id,
            case_id: case.id,
            county_code: case.county_code.clone(),
            kind,
            title: kind.title().to_owned(),
            subject,
            number,
            counter_key: counter.as_ref().map(|(k, _)| k.clone()),
            serial: counter.map(|(_, s)| s),
            organ: r.organ.clone(),
            issued_on: r.issued_on,
            sha256: r.sha256.clone(),
            size: r.size,
            verify_code: r.verify_code.clone(),
            missing_glyphs: r.missing_glyphs.clone(),
        }
    }
}

/// Issues a document of a case step (the registration approval is issued by the approval).
#[derive(Clone, Debug)]
pub struct IssueDocument {
    pub case_id: Uuid,
    pub kind: DocumentKind,
    pub subject: Option<String>,
    /// The case's version the sender saw (`If-Match`).
    pub expected_version: i64,
}

pub struct IssueDocumentState {
    pub case: Case,
    /// Whether the subject names a record of the right kind in this case, or for a 送达回证 a
    /// document of this case served on the party (neither is part of [`Case`]; the load checks
    /// them).
    pub record_found: bool,
    /// The document, rendered; `None` when there was nothing to render it from.
    pub rendered: Option<Rendered>,
    /// The counter's last serial, for a numbered kind.
    pub last_serial: Option<i64>,
    /// A document of this kind about this subject was issued before: it is printed again from
    /// its PDF, never issued twice (a second number for one act).
    pub already_issued: bool,
}

/// Who may issue: the case's officers and the detachment (enforcement acts), reviewers (their
/// opinion) and the bureau's heads, within their reach.
pub fn check_issuer(actor: &Actor, case: &Case) -> Result<(), Refusal> {
    let mut any = false;
    for cap in [
        Capability::EnforcementAct,
        Capability::CaseReview,
        Capability::CaseApprove,
    ] {
        if let Ok(r) = reach(actor, cap) {
            any = true;
            if within(&r, &case.county_code) {
                return Ok(());
            }
        }
    }
    if any {
        Err(Refusal::not_found())
    } else {
        reach(actor, Capability::EnforcementAct).map(|_| ())
    }
}

/// Whether the case has what the document states.
pub fn subject_unmet(case: &Case, kind: DocumentKind, subject: Option<&str>) -> Option<Reason> {
    let missing = || Reason::new("document.subject_unknown").field("subject");
    match kind.subject() {
        SubjectKind::Case | SubjectKind::Fingerprint => match kind {
            DocumentKind::RegistrationApproval => {
                Some(Reason::new("document.issued_on_approval").field("kind"))
            }
            DocumentKind::InvestigationReport if case.report.is_none() => {
                Some(Reason::new("document.no_report"))
            }
            DocumentKind::ReviewOpinion if case.review.is_none() => {
                Some(Reason::new("document.no_review"))
            }
            _ => None,
        },
        // Checked by the load against the records table.
        SubjectKind::Record(_) => subject.is_none().then(missing),
        SubjectKind::Preservation => {
            let id = subject.and_then(|s| Uuid::parse_str(s).ok());
            match case.preservations.iter().find(|p| Some(p.id) == id) {
                None => Some(missing()),
                Some(p) if p.effective_at.is_none() => {
                    Some(Reason::new("document.preservation_not_effective"))
                }
                Some(_) => None,
            }
        }
        SubjectKind::Recusal => {
            match subject
                .and_then(|s| s.parse::<usize>().ok())
                .and_then(|i| case.recusals.get(i))
            {
                None => Some(missing()),
                Some(r) if r.decision.is_none() => Some(Reason::new("document.recusal_undecided")),
                Some(_) => None,
            }
        }
        SubjectKind::Notice => {
            let id = subject.and_then(|s| Uuid::parse_str(s).ok());
            match case.notices.iter().find(|n| Some(n.id) == id) {
                None => Some(missing()),
                // The form follows the notice: the hearing form exactly when it gives the right.
                Some(n) if n.hearing_right() != (kind == DocumentKind::AdvanceNoticeHearing) => {
                    Some(Reason::new("document.wrong_notice_form").field("kind"))
                }
                Some(_) => None,
            }
        }
        SubjectKind::Statement => {
            match subject
                .and_then(|s| s.parse::<usize>().ok())
                .and_then(|i| case.proceedings.statements.get(i))
            {
                None => Some(missing()),
                Some(s) if !s.answered() => Some(Reason::new("document.statement_unanswered")),
                Some(_) => None,
            }
        }
        SubjectKind::HearingSchedule => {
            let found = subject.and_then(|s| s.split_once('.')).and_then(|(i, r)| {
                let i = i.parse::<usize>().ok()?;
                let r = r.parse::<u32>().ok()?;
                case.proceedings.hearings.get(i).map(|h| (h, r))
            });
            match found {
                Some((h, r)) if h.schedule.is_some() && h.revision == r => None,
                Some(_) => Some(Reason::new("document.hearing_not_scheduled")),
                None => Some(missing()),
            }
        }
        SubjectKind::Hearing => {
            match subject
                .and_then(|s| s.parse::<usize>().ok())
                .and_then(|i| case.proceedings.hearings.get(i))
            {
                None => Some(missing()),
                Some(h) if h.outcome.is_none() => {
                    Some(Reason::new("document.hearing_not_recorded"))
                }
                Some(_) => None,
            }
        }
        SubjectKind::LegalReview => {
            match subject
                .and_then(|s| s.parse::<usize>().ok())
                .and_then(|i| case.proceedings.legal_reviews.get(i))
            {
                None => Some(missing()),
                Some(r) if r.answer.is_none() => {
                    Some(Reason::new("document.legal_review_unanswered"))
                }
                Some(_) => None,
            }
        }
        SubjectKind::Deliberation => subject
            .and_then(|s| s.parse::<usize>().ok())
            .and_then(|i| case.proceedings.deliberations.get(i))
            .is_none()
            .then(missing),
        SubjectKind::Extension => {
            match subject
                .and_then(|s| s.parse::<usize>().ok())
                .and_then(|i| case.proceedings.extensions.get(i))
            {
                None => Some(missing()),
                Some(e) if e.decision.is_none() => {
                    Some(Reason::new("document.extension_undecided"))
                }
                Some(_) => None,
            }
        }
        // A document of this case served on the party: checked by the load against the
        // documents (the form is printed before the service, signed, and becomes its proof).
        SubjectKind::ServedDocument => subject.is_none().then(missing),
        SubjectKind::Decision => match &case.proceedings.decision {
            None => Some(Reason::new("document.not_decided")),
            // The form follows the outcome.
            Some(d) if d.outcome.document() != Some(kind) => {
                Some(Reason::new("document.wrong_decision_form").field("kind"))
            }
            Some(_) => None,
        },
    }
}

/// The subject as stored: a record's or preservation's id in its canonical form, a recusal's
/// position as digits, nothing for the case's own forms (the server sets a fingerprint for a
/// report or review). Anything else is refused: the subject goes into a public event.
pub fn normal_subject(
    kind: DocumentKind,
    subject: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let invalid =
        |code: &'static str| Refusal::one(RefusalKind::Invalid, Reason::new(code).field("subject"));
    let subject = subject.map(str::trim).filter(|s| !s.is_empty());
    match (kind.subject(), subject) {
        (SubjectKind::Case | SubjectKind::Fingerprint | SubjectKind::Decision, None) => Ok(None),
        (SubjectKind::Case | SubjectKind::Fingerprint | SubjectKind::Decision, Some(_)) => {
            Err(invalid("document.subject_not_applicable"))
        }
        (_, None) => Err(invalid("field.required")),
        (_, Some(s)) if s.chars().count() > 64 => Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.too_long")
                .field("subject")
                .arg("max", 64),
        )),
        (
            SubjectKind::Record(_)
            | SubjectKind::Preservation
            | SubjectKind::Notice
            | SubjectKind::ServedDocument,
            Some(s),
        ) => {
            check_texts([("subject", s, false)])?;
            Uuid::parse_str(s)
                .map(|u| Some(u.to_string()))
                .map_err(|_| invalid("document.subject_unknown"))
        }
        (SubjectKind::HearingSchedule, Some(s)) => {
            check_texts([("subject", s, false)])?;
            s.split_once('.')
                .and_then(|(i, r)| Some((i.parse::<usize>().ok()?, r.parse::<u32>().ok()?)))
                .map(|(i, r)| Some(super::hearing::notice_subject(i, r)))
                .ok_or_else(|| invalid("document.subject_unknown"))
        }
        (
            SubjectKind::Recusal
            | SubjectKind::Statement
            | SubjectKind::Hearing
            | SubjectKind::LegalReview
            | SubjectKind::Deliberation
            | SubjectKind::Extension,
            Some(s),
        ) => {
            check_texts([("subject", s, false)])?;
            s.parse::<usize>()
                .map(|i| Some(i.to_string()))
                .map_err(|_| invalid("document.subject_unknown"))
        }
    }
}

/// Documents are issued while the case stands: not on a rejected or cancelled one.
fn check_standing(case: &Case) -> Result<(), Refusal> {
    if matches!(
        case.stage,
        super::registration::CaseStage::RegistrationRejected
            | super::registration::CaseStage::Cancelled
            | super::registration::CaseStage::Archived
    ) {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()),
        ));
    }
    Ok(())
}

/// What the decision checks before anything is rendered: who, which version, the stage.
pub fn precheck(case: &Case, actor: &Actor, expected_version: i64) -> Result<(), Refusal> {
    check_issuer(actor, case)?;
    stale(case.version, expected_version)?;
    check_standing(case)
}

pub fn decide_issue_document(
    state: &IssueDocumentState,
    actor: &Actor,
    cmd: &IssueDocument,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    precheck(case, actor, cmd.expected_version)?;
    if let Some(s) = &cmd.subject {
        check_texts([("subject", s.as_str(), false)])?;
    }
    let mut unmet = Reasons::default();
    if state.already_issued {
        unmet.push(Reason::new("document.already_issued").field("kind"));
    }
    if let Some(r) = subject_unmet(case, cmd.kind, cmd.subject.as_deref()) {
        unmet.push(r);
    } else if matches!(
        cmd.kind.subject(),
        SubjectKind::Record(_) | SubjectKind::ServedDocument
    ) && !state.record_found
    {
        unmet.push(Reason::new("document.subject_unknown").field("subject"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    let rendered = state
        .rendered
        .as_ref()
        .ok_or_else(|| Refusal::one(RefusalKind::Conflict, Reason::new("document.not_rendered")))?;
    check_serial(rendered, state.last_serial)?;
    Ok(vec![
        DocumentIssued::new(case, cmd.kind, cmd.subject.clone(), rendered).into(),
    ])
}

/// A numbered document takes the serial after the counter's last: never one twice, never a gap.
pub fn check_serial(rendered: &Rendered, last: Option<i64>) -> Result<(), Refusal> {
    if let Some(Numbered {
        counter: Some((_, serial)),
        ..
    }) = &rendered.number
        && Some(*serial) != last.map(|l| l + 1)
    {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("document.number_moved"),
        ));
    }
    Ok(())
}

/// A document's signature, by whom it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    /// The person recorded (the party, the person questioned, the one present).
    Party,
    /// The officers who made the record.
    Officers,
}

/// How a signature reached the case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureMethod {
    /// Drawn on the officer's phone or tablet.
    Pad,
    /// Signed on paper; the scan uploaded.
    Scan,
}

/// A signature given, or refused, on an issued document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
pub enum SignatureEntry {
    Signed {
        signer: Signer,
        method: SignatureMethod,
        /// The image or scan, evidence of the case.
        evidence_id: Uuid,
    },
    /// The person recorded refused to sign; the investigation goes on.
    Refused {
        reason: String,
        /// What the officers noted.
        officers_note: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        witness: String,
        /// A recording of the refusal, evidence of the case.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        video_evidence_id: Option<Uuid>,
    },
}

/// A document as the case keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Document {
    pub issued: DocumentIssued,
    pub signatures: Vec<SignatureEntry>,
}

#[derive(Clone, Debug)]
pub struct SignDocument {
    pub case_id: Uuid,
    pub document_id: Uuid,
    pub entry: SignatureEntry,
}

pub struct SignDocumentState {
    pub case: Case,
    pub document: Option<Document>,
    /// The case each named evidence belongs to, in the order named.
    pub evidence_subjects: Vec<Option<Uuid>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSigned {
    pub document_id: Uuid,
    pub case_id: Uuid,
    pub county_code: String,
    pub entry: SignatureEntry,
    pub recorded_by: String,
}

impl crate::event::EventPayload for DocumentSigned {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Who records signatures and refusals: those who perform enforcement acts within reach.
pub fn check_signer(actor: &Actor, case: &Case) -> Result<(), Refusal> {
    let r = reach(actor, Capability::EnforcementAct)?;
    if !within(&r, &case.county_code) {
        return Err(Refusal::not_found());
    }
    Ok(())
}

/// The longest refusal texts.
const NOTE_MAX: usize = 2000;

/// Records a signature or a refusal on a document of the case: its officers (enforcement acts
/// within reach), while the case is open.
pub fn decide_sign_document(
    state: &SignDocumentState,
    actor: &Actor,
    cmd: &SignDocument,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    check_signer(actor, case)?;
    let doc = state
        .document
        .as_ref()
        .filter(|d| d.issued.case_id == case.id)
        .ok_or_else(Refusal::not_found)?;
    check_standing(case)?;
    let mut invalid = Reasons::default();
    let mut unmet = Reasons::default();
    if state.evidence_subjects.iter().any(|s| *s != Some(case.id)) {
        let field = match &cmd.entry {
            SignatureEntry::Signed { .. } => "evidence_id",
            SignatureEntry::Refused { .. } => "video_evidence_id",
        };
        invalid.push(Reason::new("record.evidence_unknown").field(field));
    }
    match &cmd.entry {
        SignatureEntry::Signed { signer, .. } => {
            if *signer == Signer::Party && !doc.issued.kind.signed_by_party() {
                unmet.push(Reason::new("document.not_signed_by_party").field("signer"));
            }
        }
        SignatureEntry::Refused {
            reason,
            officers_note,
            witness,
            ..
        } => {
            check_texts([
                ("reason", reason.as_str(), true),
                ("officers_note", officers_note.as_str(), true),
                ("witness", witness.as_str(), false),
            ])?;
            if witness.chars().count() > 200 {
                invalid.push(
                    Reason::new("field.too_long")
                        .field("witness")
                        .arg("max", 200),
                );
            }
            for (field, text) in [("reason", reason), ("officers_note", officers_note)] {
                if text.trim().is_empty() {
                    invalid.push(Reason::new("field.required").field(field));
                } else if text.chars().count() > NOTE_MAX {
                    invalid.push(
                        Reason::new("field.too_long")
                            .field(field)
                            .arg("max", NOTE_MAX),
                    );
                }
            }
            if !doc.issued.kind.signed_by_party() {
                unmet.push(Reason::new("document.not_signed_by_party").field("kind"));
            }
        }
    }
    invalid.into_result(RefusalKind::Invalid)?;
    unmet.into_result(RefusalKind::Conflict)?;
    let entry = match &cmd.entry {
        SignatureEntry::Refused {
            reason,
            officers_note,
            witness,
            video_evidence_id,
        } => SignatureEntry::Refused {
            reason: reason.trim().to_owned(),
            officers_note: officers_note.trim().to_owned(),
            witness: witness.trim().to_owned(),
            video_evidence_id: *video_evidence_id,
        },
        e => e.clone(),
    };
    Ok(vec![
        DocumentSigned {
            document_id: doc.issued.document_id,
            case_id: case.id,
            county_code: case.county_code.clone(),
            entry,
            recorded_by: actor.name().to_owned(),
        }
        .into(),
    ])
}

/// A signature with the file that shows it (the pad's image, the signed scan), registered as
/// evidence of the case in the same command.
#[derive(Clone, Debug)]
pub struct SignWithEvidence {
    pub evidence: Option<crate::evidence::RegisterEvidence>,
    pub sign: SignDocument,
}

pub struct SignWithEvidenceState {
    pub evidence: Option<crate::evidence::RegisterState>,
    pub sign: SignDocumentState,
}

/// Both decisions; a refusal of either refuses both (nothing of the file is kept).
pub fn decide_sign_with_evidence(
    state: &SignWithEvidenceState,
    actor: &Actor,
    cmd: &SignWithEvidence,
) -> Result<Vec<Payload>, Refusal> {
    let mut out = match (&state.evidence, &cmd.evidence) {
        (Some(s), Some(c)) => crate::evidence::decide_register(s, actor, c)?,
        _ => Vec::new(),
    };
    out.extend(decide_sign_document(&state.sign, actor, &cmd.sign)?);
    Ok(out)
}

/// The alphabet of check codes: Crockford's base 32 (no I, L, O, U), easy to read and type.
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A check code from 60 random bits: three groups of four characters, e.g. `7K3M-Q9XD-2FHN`.
pub fn verify_code(random: u64) -> String {
    let mut out = String::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let idx = ((random >> (5 * (11 - i))) & 31) as usize;
        out.push(CODE_ALPHABET[idx] as char);
    }
    out
}

/// Whether `s` has the shape of a check code (case-insensitive, the dashes optional), and its
/// normal form.
pub fn normal_code(s: &str) -> Option<String> {
    // Crockford's decoding: O reads as 0, I and L as 1 (what people type from paper).
    let chars: Vec<char> = s
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    if chars.len() != 12 || !chars.iter().all(|c| CODE_ALPHABET.contains(&(*c as u8))) {
        return None;
    }
    let mut out = String::with_capacity(14);
    for (i, c) in chars.into_iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_twelve_characters_in_three_groups_and_read_back() {
        let c = verify_code(0x0FED_CBA9_8765_4321);
        assert_eq!(c.len(), 14);
        assert_eq!(c.matches('-').count(), 2);
        assert!(
            c.chars()
                .all(|ch| ch == '-' || CODE_ALPHABET.contains(&(ch as u8)))
        );
        assert_eq!(normal_code(&c.to_lowercase()).as_deref(), Some(c.as_str()));
        assert_eq!(
            normal_code(&c.replace('-', "")).as_deref(),
            Some(c.as_str())
        );
        assert_ne!(verify_code(1), verify_code(2));
        assert_eq!(
            normal_code("ABCD-EFGH-IJKO").as_deref(),
            Some("ABCD-EFGH-1JK0"),
            "I, L and O are read as 1, 1 and 0"
        );
        assert_eq!(normal_code("ABCD-EFGH-JKU0"), None, "U is not used");
        assert_eq!(normal_code("ABCD"), None);
        assert_eq!(normal_code("../../etc/passwd"), None);
    }

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(DocumentKind::parse("decision"), None);
    }
}
