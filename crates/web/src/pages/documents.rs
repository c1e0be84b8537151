//! Issued documents (执法文书) on the pages: the workspace's documents section (what was issued,
//! with its signatures, and what may be issued now), issuing through a form, the PDF as issued,
//! the signing page (a pad drawn on the officer's phone, the scan of a paper signed by hand, or a
//! refusal to sign), and the public check page anyone reaches from a document's QR code.
//!
//! The API's rules decide everything: the buttons shown are a guess from the case, and whatever
//! the API refuses comes back as the page with its reasons in both languages.

use super::cases::{CaseDraft, after_case_action, field, form_fields, form_version, path_id};
use super::{Chrome, PageCtx, Tr, see_other_flash};
use crate::AppState;
use crate::error::ApiError;
use crate::multipart::Multipart;
use crate::precondition::ClientIp;
use app::AppError;
use app::case::documents::{CHECK_MAX, DocumentView};
use app::people::People;
use askama::Template;
use axum::extract::{FromRequest, Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use domain::case::document::{DocumentKind, SignatureEntry, SignatureMethod, Signer, SubjectKind};
use domain::case::record::{Record, RecordKind};
use domain::case::registration::Case;
use domain::evidence::Evidence;
use domain::time::CHINA_STANDARD_TIME;
use uuid::Uuid;

/// A signature or a refusal as the pages list it.
pub struct SignatureLine {
    /// Who signed and how, or that the person recorded refused.
    pub text: String,
    /// The file that shows it (the pad's image, the scan, the video): evidence id and label.
    pub evidence: Option<(String, String)>,
    /// A refusal's reason, the officers' note and the witness, each labelled.
    pub details: Vec<String>,
}

/// An issued document on the workspace.
pub struct DocRow {
    pub id: String,
    /// The kind in the page's language (in Chinese: the title as printed).
    pub label: String,
    /// 文号, or "—" for the kinds that have none.
    pub number: String,
    pub issued_on: String,
    pub sha256: String,
    /// The hash's first and last digits, for the folded view.
    pub sha_short: String,
    pub verify_code: String,
    /// What it is about (a record, a preservation, a recused officer): link and text.
    pub about: Option<(String, String)>,
    pub signatures: Vec<SignatureLine>,
    /// A record, and the reader may record its signature.
    pub signable: bool,
}

/// A document the reader may issue now, as one button.
pub struct IssueButton {
    /// For the form's element id.
    pub index: usize,
    /// The kind's code, sent by the form (never shown).
    pub kind: &'static str,
    /// The subject's id or login name, sent by the form (never shown).
    pub subject: String,
    /// "Issue: …", naming the document and what it states.
    pub label: String,
}

/// The workspace's documents card.
pub struct DocumentsSection {
    pub rows: Vec<DocRow>,
    pub issue: Vec<IssueButton>,
}

/// What a record document is about, for its label: id, kind and the record's label.
pub struct RecordSubject {
    pub id: Uuid,
    pub kind: RecordKind,
    pub label: String,
}

/// A record as the lists name it: its kind and when it began.
pub fn record_subject(tr: &Tr, r: &Record) -> RecordSubject {
    RecordSubject {
        id: r.id,
        kind: r.content.kind(),
        label: format!(
            "{} {}",
            super::investigation::kind_name(tr, r.content.kind()),
            r.started_at
                .as_datetime()
                .with_timezone(&CHINA_STANDARD_TIME)
                .format("%Y-%m-%d %H:%M")
        ),
    }
}

fn record_document(kind: RecordKind) -> DocumentKind {
    match kind {
        RecordKind::Inspection => DocumentKind::InspectionRecord,
        RecordKind::Questioning => DocumentKind::QuestioningRecord,
        RecordKind::Sampling => DocumentKind::SamplingRecord,
    }
}

/// The kind in the page's language (the blank forms' names).
fn kind_label(tr: &Tr, kind: DocumentKind) -> String {
    tr.t(&format!("ui-blank_{}", kind.as_str()))
}

/// Whether the reader may issue documents of this case: its officers and the detachment,
/// reviewers and heads, within their reach (what the API's issuer check accepts).
fn may_issue(actor: &domain::Actor, case: &Case) -> bool {
    domain::case::document::check_issuer(actor, case).is_ok()
}

/// Whether the reader may record signatures and refusals on this case's documents.
fn may_sign(actor: &domain::Actor, case: &Case) -> bool {
    domain::case::document::check_signer(actor, case).is_ok()
}

fn preservation_label(p: &domain::case::preservation::Preservation) -> String {
    p.items
        .iter()
        .map(|i| i.description.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// What a document is about: a link (`base` + anchor on the workspace) and its text.
fn about(
    ctx: &PageCtx,
    people: &People,
    case: &Case,
    records: &[RecordSubject],
    kind: DocumentKind,
    subject: Option<&str>,
    base: &str,
) -> Option<(String, String)> {
    let subject = subject?;
    match kind.subject() {
        SubjectKind::Case | SubjectKind::Fingerprint => None,
        SubjectKind::Record(_) => records
            .iter()
            .find(|r| r.id.to_string() == subject)
            .map(|r| (format!("{base}#rec-{}", r.id), r.label.clone())),
        SubjectKind::Preservation => case
            .preservations
            .iter()
            .find(|p| p.id.to_string() == subject)
            .map(|p| (format!("{base}#preservations"), preservation_label(p))),
        SubjectKind::Recusal => {
            let r = subject
                .parse::<usize>()
                .ok()
                .and_then(|i| case.recusals.get(i))?;
            Some((
                format!("{base}#recusal"),
                ctx.tr().with(
                    "ui-doc_about_recusal",
                    &[("name", ctx.person_name(people, &r.officer))],
                ),
            ))
        }
        SubjectKind::Notice => {
            let n = case.notices.iter().find(|n| n.id.to_string() == subject)?;
            Some((
                format!("{base}#notices"),
                ctx.tr()
                    .with("ui-doc_about_notice", &[("date", n.issued_on.to_string())]),
            ))
        }
        SubjectKind::Statement => {
            let i = subject.parse::<usize>().ok()?;
            let s = case.proceedings.statements.get(i)?;
            Some((
                format!("{base}#statements"),
                ctx.tr().with(
                    "ui-doc_about_statement",
                    &[("date", s.received_on.to_string())],
                ),
            ))
        }
        SubjectKind::HearingSchedule | SubjectKind::Hearing => {
            let i = subject.split('.').next()?.parse::<usize>().ok()?;
            let h = case.proceedings.hearings.get(i)?;
            let at = h
                .schedule
                .as_ref()
                .map(|s| {
                    s.at.as_datetime()
                        .with_timezone(&CHINA_STANDARD_TIME)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            Some((
                format!("{base}#hearing"),
                ctx.tr().with("ui-doc_about_hearing", &[("at", at)]),
            ))
        }
        SubjectKind::LegalReview => {
            let i = subject.parse::<usize>().ok()?;
            let r = case.proceedings.legal_reviews.get(i)?;
            Some((
                format!("{base}#legal-review"),
                ctx.tr().with(
                    "ui-doc_about_legal_review",
                    &[("date", r.submission.submitted_on.to_string())],
                ),
            ))
        }
        SubjectKind::Deliberation => {
            let i = subject.parse::<usize>().ok()?;
            let d = case.proceedings.deliberations.get(i)?;
            Some((
                format!("{base}#decision"),
                ctx.tr().with(
                    "ui-doc_about_deliberation",
                    &[("date", d.recorded_on.to_string())],
                ),
            ))
        }
        SubjectKind::Extension => {
            let i = subject.parse::<usize>().ok()?;
            let e = case.proceedings.extensions.get(i)?;
            Some((
                format!("{base}#deadline"),
                ctx.tr().with(
                    "ui-doc_about_extension",
                    &[("date", e.requested_on.to_string())],
                ),
            ))
        }
        SubjectKind::Decision => None,
        SubjectKind::ServedDocument => Some((
            format!("{base}#documents"),
            ctx.tr().t("ui-doc_about_service"),
        )),
    }
}

fn signature_lines(
    tr: &Tr,
    entries: &[SignatureEntry],
    evidence: &[Evidence],
) -> Vec<SignatureLine> {
    let title = |id: &Uuid| {
        evidence
            .iter()
            .find(|e| e.id == *id)
            .map(|e| e.data.title.clone())
            .unwrap_or_else(|| tr.t("ui-evidence_unreadable"))
    };
    let colon = if tr.english() { ": " } else { "：" };
    entries
        .iter()
        .map(|e| match e {
            SignatureEntry::Signed {
                signer,
                method,
                evidence_id,
            } => SignatureLine {
                text: format!(
                    "{} · {}",
                    tr.t(match signer {
                        Signer::Party => "ui-doc_signed_party",
                        Signer::Officers => "ui-doc_signed_officers",
                    }),
                    tr.t(match method {
                        SignatureMethod::Pad => "ui-doc_method_pad",
                        SignatureMethod::Scan => "ui-doc_method_scan",
                    })
                ),
                evidence: Some((evidence_id.to_string(), title(evidence_id))),
                details: Vec::new(),
            },
            SignatureEntry::Refused {
                reason,
                officers_note,
                witness,
                video_evidence_id,
            } => {
                let mut details = vec![
                    format!("{}{colon}{reason}", tr.t("ui-doc_refusal_reason")),
                    format!("{}{colon}{officers_note}", tr.t("ui-doc_officers_note")),
                ];
                if !witness.is_empty() {
                    details.push(format!("{}{colon}{witness}", tr.t("ui-doc_witness")));
                }
                SignatureLine {
                    text: tr.t("ui-doc_refused"),
                    evidence: video_evidence_id.map(|id| (id.to_string(), title(&id))),
                    details,
                }
            }
        })
        .collect()
}

fn short_hash(sha: &str) -> String {
    if sha.len() > 20 {
        format!("{}…{}", &sha[..12], &sha[sha.len() - 8..])
    } else {
        sha.to_owned()
    }
}

/// The workspace's documents card: the documents issued, and a button for each one the case
/// has and has not had issued yet (for a reader who may issue). `None` when there is neither.
pub async fn section(
    state: &AppState,
    ctx: &PageCtx,
    case: &Case,
    people: &People,
    records: &[RecordSubject],
    evidence: &[Evidence],
) -> Result<Option<DocumentsSection>, AppError> {
    let Some(auth) = ctx.auth.as_ref() else {
        return Ok(None);
    };
    let actor = &auth.actor;
    let tr = ctx.tr();
    let docs = state.app.case_documents(actor, case.id).await?;
    let signer = may_sign(actor, case);
    let rows: Vec<DocRow> = docs
        .iter()
        .map(|d| DocRow {
            id: d.id.to_string(),
            label: kind_label(&tr, d.kind),
            number: d.number.clone().unwrap_or_else(|| "—".to_owned()),
            issued_on: d.issued_on.to_string(),
            sha256: d.sha256.clone(),
            sha_short: short_hash(&d.sha256),
            verify_code: d.verify_code.clone(),
            about: about(ctx, people, case, records, d.kind, d.subject.as_deref(), ""),
            signatures: signature_lines(&tr, &d.signatures, evidence),
            signable: signer && d.kind.signed_by_party(),
        })
        .collect();

    // What the case has that has no document yet.
    let issued = |kind: DocumentKind, subject: Option<&str>| {
        docs.iter()
            .any(|d| d.kind == kind && d.subject.as_deref() == subject)
    };
    let mut issue = Vec::new();
    if may_issue(actor, case) {
        let mut add = |kind: DocumentKind, subject: String, label: String| {
            issue.push(IssueButton {
                index: issue.len(),
                kind: kind.as_str(),
                subject,
                label: tr.with("ui-doc_issue", &[("what", label)]),
            });
        };
        let with_kind =
            |kind: DocumentKind, about: &str| format!("{} · {about}", kind_label(&tr, kind));
        for r in records {
            let kind = record_document(r.kind);
            let id = r.id.to_string();
            if !issued(kind, Some(&id)) {
                // The record's label starts with its kind already.
                add(kind, id, r.label.clone());
            }
        }
        for p in &case.preservations {
            let rejected = p.approval.as_ref().is_some_and(|a| !a.approved);
            let id = p.id.to_string();
            let kind = DocumentKind::PreservationNotice;
            if p.effective_at.is_some() && !rejected && !issued(kind, Some(&id)) {
                add(kind, id, with_kind(kind, &preservation_label(p)));
            }
        }
        // The report and the review are named by their content's fingerprint: a supplementary
        // report or a new review can be issued again.
        for kind in [
            DocumentKind::InvestigationReport,
            DocumentKind::ReviewOpinion,
        ] {
            if let Some(print) = app::case::documents::fingerprint(case, kind)
                && !issued(kind, Some(&print))
            {
                add(kind, String::new(), kind_label(&tr, kind));
            }
        }
        // Each notice, in the form its hearing right calls for.
        for n in &case.notices {
            let kind = if n.hearing_right() {
                DocumentKind::AdvanceNoticeHearing
            } else {
                DocumentKind::AdvanceNotice
            };
            let id = n.id.to_string();
            if !issued(kind, Some(&id)) {
                add(kind, id, with_kind(kind, &n.issued_on.to_string()));
            }
        }
        // Each answered statement, the hearing's notice as set now, each recorded hearing.
        let p = &case.proceedings;
        for (i, st) in p.statements.iter().enumerate() {
            let kind = DocumentKind::StatementRecord;
            let at = i.to_string();
            if st.answered() && !issued(kind, Some(&at)) {
                add(kind, at, with_kind(kind, &st.received_on.to_string()));
            }
        }
        for (i, h) in p.hearings.iter().enumerate() {
            if h.schedule.is_some() && h.outcome.is_none() {
                let kind = DocumentKind::HearingNotice;
                let at = domain::case::hearing::notice_subject(i, h.revision);
                if !issued(kind, Some(&at)) {
                    add(kind, at, kind_label(&tr, kind));
                }
            }
            if h.outcome.is_some() {
                let kind = DocumentKind::HearingRecord;
                let at = i.to_string();
                if !issued(kind, Some(&at)) {
                    add(kind, at, kind_label(&tr, kind));
                }
            }
        }
        // Each answered legal review, each deliberation, each answered extension request,
        // and the decision in the form its outcome calls for.
        for (i, r) in p.legal_reviews.iter().enumerate() {
            let kind = DocumentKind::LegalReviewOpinion;
            let at = i.to_string();
            if r.answer.is_some() && !issued(kind, Some(&at)) {
                add(
                    kind,
                    at,
                    with_kind(kind, &r.submission.submitted_on.to_string()),
                );
            }
        }
        for (i, d) in p.deliberations.iter().enumerate() {
            let kind = DocumentKind::DeliberationRecord;
            let at = i.to_string();
            if !issued(kind, Some(&at)) {
                add(kind, at, with_kind(kind, &d.recorded_on.to_string()));
            }
        }
        for (i, e) in p.extensions.iter().enumerate() {
            let kind = DocumentKind::ExtensionApproval;
            let at = i.to_string();
            if e.decision.is_some() && !issued(kind, Some(&at)) {
                add(kind, at, with_kind(kind, &e.requested_on.to_string()));
            }
        }
        // The proof of service of each document served on the party: printed to be signed.
        for d in docs
            .iter()
            .filter(|d| domain::case::service::served_on_party(d.kind))
        {
            let kind = DocumentKind::ServiceReceipt;
            let at = d.id.to_string();
            if !issued(kind, Some(&at)) {
                add(kind, at, with_kind(kind, &kind_label(&tr, d.kind)));
            }
        }
        if let Some(kind) = p.decision.as_ref().and_then(|d| d.outcome.document())
            && !issued(kind, None)
        {
            add(kind, String::new(), kind_label(&tr, kind));
        }
        // Each decided request for recusal by its position in the case.
        for (i, r) in case.recusals.iter().enumerate() {
            let kind = DocumentKind::RecusalDecision;
            let at = i.to_string();
            if r.decision.is_some() && !issued(kind, Some(&at)) {
                let name = ctx.person_name(people, &r.officer);
                add(kind, at, with_kind(kind, &name));
            }
        }
    }
    if rows.is_empty() && issue.is_empty() {
        return Ok(None);
    }
    Ok(Some(DocumentsSection { rows, issue }))
}

/// Issues a document of the case (`version`, `kind`, `subject` from the workspace's button);
/// back to the documents with a message, or the workspace with the API's reasons.
pub async fn issue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let result = async {
        let version = form_version(&f)?;
        let subject = Some(field(&f, "subject")).filter(|s| !s.trim().is_empty());
        state
            .app
            .issue_document(&auth.actor, id, version, &field(&f, "kind"), subject)
            .await
    }
    .await;
    match result {
        Ok(_) => see_other_flash(
            &format!("/cases/{id}#documents"),
            "ui-flash_document_issued",
        ),
        Err(e) => {
            after_case_action(
                &state,
                &ctx,
                id,
                Err::<(), _>(e),
                "ui-flash_document_issued",
                CaseDraft::default(),
            )
            .await
        }
    }
}

/// The PDF of an issued document, byte for byte as issued, shown in the browser (`<id>.pdf`).
pub async fn pdf(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(doc) = file.strip_suffix(".pdf") else {
        return ctx.not_found();
    };
    let (case_id, doc_id) = match (path_id(&ctx, &id), path_id(&ctx, doc)) {
        (Ok(c), Ok(d)) => (c, d),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    match state.app.document_pdf(&auth.actor, case_id, doc_id).await {
        Ok((view, bytes)) => crate::routes::documents::pdf_response(
            bytes,
            &format!("{}-{}.pdf", view.kind.as_str(), view.verify_code),
        ),
        Err(e) => ctx.error(e),
    }
}

/// A refusal as a page lists it: the status and every reason in the page's language; a server
/// error is the error page.
fn page_reasons(ctx: &PageCtx, api: ApiError) -> Result<(StatusCode, Vec<String>), Response> {
    if api.status.is_server_error() {
        return Err(ctx.error(AppError::Internal("see the log".into())));
    }
    let english = ctx.tr().english();
    let reasons = api
        .problem
        .errors
        .iter()
        .map(|i| {
            if english {
                i.message.en.clone()
            } else {
                i.message.zh_cn.clone()
            }
        })
        .collect();
    Ok((api.status, reasons))
}

/// A choice of evidence in a select.
pub struct EvidenceOption {
    pub id: String,
    pub label: String,
    pub chosen: bool,
}

/// What the refusal form sent, shown again with a refusal.
#[derive(Default)]
pub struct RefusalDraft {
    pub reason: String,
    pub officers_note: String,
    pub witness: String,
    pub video: String,
}

#[derive(Template)]
#[template(path = "document_sign.html")]
struct SignPage {
    chrome: Chrome,
    case_id: String,
    case_number: String,
    doc_id: String,
    label: String,
    /// "Signature: <the document>".
    heading: String,
    number: String,
    issued_on: String,
    about: Option<(String, String)>,
    signatures: Vec<SignatureLine>,
    /// A record: the person recorded signs it, or refuses.
    party_signs: bool,
    may_sign: bool,
    evidence: Vec<EvidenceOption>,
    draft: RefusalDraft,
    errors: Vec<String>,
}

async fn sign_page_with(
    state: &AppState,
    ctx: &PageCtx,
    case_id: Uuid,
    doc_id: Uuid,
    status: StatusCode,
    errors: Vec<String>,
    draft: RefusalDraft,
) -> Response {
    let Some(auth) = ctx.auth.as_ref() else {
        return super::see_other("/login");
    };
    let actor = &auth.actor;
    let (case, doc, people, records): (Case, DocumentView, People, _) = match tokio::try_join!(
        state.app.case(actor, case_id),
        state.app.document(actor, case_id, doc_id),
        state.app.people(),
        state.app.case_records(actor, case_id),
    ) {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    // A reader who may not read evidence sees none offered (the API decides what is named).
    let evidence = state
        .app
        .evidence_of_subject(actor, case.id)
        .await
        .unwrap_or_default();
    let subjects: Vec<RecordSubject> = records
        .iter()
        .map(|e| record_subject(&tr, &e.record))
        .collect();
    let base = format!("/cases/{case_id}");
    ctx.render(
        status,
        &SignPage {
            chrome: ctx.chrome(),
            case_id: case_id.to_string(),
            case_number: case
                .number
                .clone()
                .unwrap_or_else(|| tr.t("ui-no_number_yet")),
            doc_id: doc_id.to_string(),
            label: kind_label(&tr, doc.kind),
            heading: tr.with(
                "ui-doc_sign_heading",
                &[("what", kind_label(&tr, doc.kind))],
            ),
            number: doc.number.clone().unwrap_or_else(|| "—".to_owned()),
            issued_on: doc.issued_on.to_string(),
            about: about(
                ctx,
                &people,
                &case,
                &subjects,
                doc.kind,
                doc.subject.as_deref(),
                &base,
            ),
            signatures: signature_lines(&tr, &doc.signatures, &evidence),
            party_signs: doc.kind.signed_by_party(),
            may_sign: may_sign(actor, &case),
            evidence: evidence
                .iter()
                .map(|e| EvidenceOption {
                    id: e.id.to_string(),
                    label: format!(
                        "{}（{}）",
                        e.data.title,
                        super::evidence::type_name(ctx, e.data.evidence_type)
                    ),
                    chosen: draft.video == e.id.to_string(),
                })
                .collect(),
            draft,
            errors,
        },
    )
}

/// The signing page of a document: the pad, the scan upload and, for a record, the refusal.
pub async fn sign_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    if let Err(r) = ctx.require() {
        return r;
    }
    let (case_id, doc_id) = match (path_id(&ctx, &id), path_id(&ctx, &doc)) {
        (Ok(c), Ok(d)) => (c, d),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    sign_page_with(
        &state,
        &ctx,
        case_id,
        doc_id,
        StatusCode::OK,
        Vec::new(),
        RefusalDraft::default(),
    )
    .await
}

/// The longest refusal form read (three texts of at most 2000 characters and an id).
const REFUSAL_FORM_MAX: usize = 64 * 1024;

/// Records a signature (multipart: `signer`, `method`, then the `file`) or a refusal to sign
/// (a form: `reason`, `officers_note`, `witness`, `video_evidence_id`).
pub async fn sign(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Path((id, doc)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (case_id, doc_id) = match (path_id(&ctx, &id), path_id(&ctx, &doc)) {
        (Ok(c), Ok(d)) => (c, d),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut draft = RefusalDraft::default();
    let (result, flash) = if multipart {
        let m = Multipart::from_request(request, &state).await;
        (
            sign_upload(&state, &ctx, &auth.actor, &ip, case_id, doc_id, m).await,
            "ui-flash_signature_recorded",
        )
    } else {
        // The route takes uploads, so it has no general body limit: the form is read within
        // its own.
        let body = match axum::body::to_bytes(request.into_body(), REFUSAL_FORM_MAX).await {
            Ok(b) => b,
            Err(_) => return ctx.body_too_large(),
        };
        let f = form_fields(&body);
        draft = RefusalDraft {
            reason: field(&f, "reason"),
            officers_note: field(&f, "officers_note"),
            witness: field(&f, "witness"),
            video: field(&f, "video_evidence_id"),
        };
        let video: Result<Option<Uuid>, Refused> = match draft.video.trim() {
            "" => Ok(None),
            v => Uuid::parse_str(v).map(Some).map_err(|_| {
                Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![ctx.tr().t("ui-doc_video_unknown")],
                ))
            }),
        };
        let result = match video {
            Ok(video) => state
                .app
                .sign_document(
                    &auth.actor,
                    case_id,
                    doc_id,
                    SignatureEntry::Refused {
                        reason: draft.reason.clone(),
                        officers_note: draft.officers_note.clone(),
                        witness: draft.witness.clone(),
                        video_evidence_id: video,
                    },
                )
                .await
                .map(|_| ())
                .map_err(|e| page_reasons(&ctx, e.into())),
            Err(e) => Err(e),
        };
        (result, "ui-flash_refusal_recorded")
    };
    match result {
        Ok(()) => see_other_flash(&format!("/cases/{case_id}#documents"), flash),
        Err(Err(r)) => r,
        Err(Ok((status, errors))) => {
            sign_page_with(&state, &ctx, case_id, doc_id, status, errors, draft).await
        }
    }
}

/// Why a page form was refused: the status and reasons, or a page to answer with at once.
type Refused = Result<(StatusCode, Vec<String>), Response>;

/// The first chunk of a file part with data, or `None` for an empty file (or none chosen: the
/// browser then sends an empty part without a name).
async fn first_chunk(
    part: &mut crate::multipart::Field<'_>,
) -> Result<Option<axum::body::Bytes>, crate::multipart::Refused> {
    while let Some(chunk) = part.chunk().await? {
        if !chunk.is_empty() {
            return Ok(Some(chunk));
        }
    }
    Ok(None)
}

/// The file part again, its first chunk (already read) first.
fn with_first(
    first: axum::body::Bytes,
    part: crate::multipart::Field<'_>,
) -> impl futures::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send + Unpin + '_ {
    use futures::StreamExt;
    futures::stream::iter([Ok(first)]).chain(part.into_stream())
}

/// Reads `signer`, `method` and the `file` (last) of a signature upload and records it; an
/// empty file or none is refused before anything is stored.
async fn sign_upload(
    state: &AppState,
    ctx: &PageCtx,
    actor: &domain::Actor,
    ip: &str,
    case_id: Uuid,
    doc_id: Uuid,
    m: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(), Refused> {
    let tr = ctx.tr();
    let bad = |e: ApiError| page_reasons(ctx, e);
    let invalid = |id: &str| Ok((StatusCode::UNPROCESSABLE_ENTITY, vec![tr.t(id)]));
    let mut m = crate::routes::multipart(m).map_err(bad)?;
    let (mut signer, mut method) = (None, None);
    while let Some(mut part) = m.next_field().await.map_err(|e| bad(e.into()))? {
        let name = part.name().to_owned();
        match name.as_str() {
            "signer" | "method" => {
                let text = part.text(64).await.map_err(|e| bad(e.into()))?;
                match (name.as_str(), text.as_str()) {
                    ("signer", "party") => signer = Some(Signer::Party),
                    ("signer", "officers") => signer = Some(Signer::Officers),
                    ("method", "pad") => method = Some(SignatureMethod::Pad),
                    ("method", "scan") => method = Some(SignatureMethod::Scan),
                    _ => return Err(invalid("ui-doc_signature_form")),
                }
            }
            "file" => {
                let (Some(signer), Some(method)) = (signer, method) else {
                    return Err(invalid("ui-doc_signature_form"));
                };
                let file_name = part.file_name().unwrap_or_default().to_owned();
                let Some(first) = first_chunk(&mut part).await.map_err(|e| bad(e.into()))? else {
                    return Err(invalid("ui-doc_choose_file"));
                };
                let file_name = if file_name.is_empty() {
                    "signature.png".to_owned()
                } else {
                    file_name
                };
                return state
                    .app
                    .sign_document_with_file(
                        actor,
                        case_id,
                        doc_id,
                        signer,
                        method,
                        &file_name,
                        with_first(first, part),
                        ip,
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| bad(e.into()));
            }
            _ => return Err(invalid("ui-doc_signature_form")),
        }
    }
    Err(invalid("ui-doc_choose_file"))
}

/// The outcome of a byte check on the public page.
pub struct CheckOutcome {
    pub identical: bool,
    /// SHA-256 of the file uploaded.
    pub sha256: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    code: String,
    organ: String,
    title: String,
    /// The kind in English, on the English page (the title is printed in Chinese).
    kind: String,
    number: String,
    issued_on: String,
    sha256: String,
    size: String,
    /// The event's position in the ledger.
    index: String,
    tree_size: String,
    root: String,
    /// The signed checkpoint note, as signed.
    checkpoint: String,
    keys: Vec<String>,
    proof_url: String,
    /// What the upload takes, with its limit.
    file_help: String,
    outcome: Option<CheckOutcome>,
    errors: Vec<String>,
}

/// The check page of a code, with the outcome of an upload or its reasons.
async fn verify_page_with(
    state: &AppState,
    ctx: &PageCtx,
    code: &str,
    status: StatusCode,
    outcome: Option<CheckOutcome>,
    errors: Vec<String>,
) -> Response {
    let proof = match state.app.document_proof(code).await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let doc = &proof["document"];
    // The tlog-proof: its header lines, a blank line, then the signed checkpoint, whose first
    // lines are the origin, the tree size and the root hash (docs/ledger.md).
    let tlog = text(&proof["tlog_proof"]);
    let checkpoint = tlog
        .split_once("\n\n")
        .map(|(_, c)| c.to_owned())
        .unwrap_or_default();
    let mut lines = checkpoint.lines().skip(1);
    let tree_size = lines.next().unwrap_or_default().to_owned();
    let root = lines.next().unwrap_or_default().to_owned();
    let kind = doc["kind"]
        .as_str()
        .and_then(DocumentKind::parse)
        .map(|k| kind_label(&tr, k))
        .unwrap_or_default();
    let verify_code = text(&doc["verify_code"]);
    ctx.render(
        status,
        &VerifyPage {
            chrome: ctx.chrome(),
            organ: text(&doc["organ"]),
            title: text(&doc["title"]),
            kind: if tr.english() { kind } else { String::new() },
            number: doc["number"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| "—".to_owned()),
            issued_on: doc["issued_on"]
                .as_str()
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
                .map(|d| {
                    if tr.english() {
                        d.to_string()
                    } else {
                        app::case::documents::zh_date(d)
                    }
                })
                .unwrap_or_default(),
            sha256: text(&doc["sha256"]),
            size: tr.with(
                "ui-doc_bytes",
                &[("size", doc["size"].as_i64().unwrap_or_default().to_string())],
            ),
            index: proof["index"].as_i64().unwrap_or_default().to_string(),
            tree_size,
            root,
            checkpoint,
            keys: proof["verifier_keys"]
                .as_array()
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default(),
            proof_url: format!("/api/v1/verify/{verify_code}"),
            code: verify_code,
            file_help: tr.with(
                "ui-verify_file_help",
                &[("mib", (CHECK_MAX >> 20).to_string())],
            ),
            outcome,
            errors,
        },
    )
}

/// The public check page of a document (no sign-in): what was issued under the code, the
/// ledger's proof of it, how to check a file offline, and the byte check. Never the party.
pub async fn verify(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(code): Path<String>,
) -> Response {
    verify_page_with(&state, &ctx, &code, StatusCode::OK, None, Vec::new()).await
}

/// The byte check of an uploaded file (multipart `file`, at most 20 MiB): the page again with
/// whether it is the document issued, byte for byte. Nothing uploaded is kept. The form is
/// behind the same cross-site check as every page form (Fetch Metadata): it changes nothing
/// and reads no session, so a form on another site gains nothing, and the API
/// (`POST /api/v1/verify/{code}`) is there for other programs.
pub async fn verify_check(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(code): Path<String>,
    m: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // An unknown code is the not-found page, whatever was sent.
    let doc = match state.app.public_document(&code).await {
        Ok((doc, _)) => doc,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let result: Result<String, Refused> = async {
        let bad = |e: ApiError| page_reasons(&ctx, e);
        let choose = || {
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![tr.t("ui-doc_choose_file")],
            ))
        };
        let mut m = crate::routes::multipart(m).map_err(bad)?;
        // One part, the file: anything else is refused before a byte of it is read.
        let Some(mut part) = m.next_field().await.map_err(|e| bad(e.into()))? else {
            return Err(choose());
        };
        if part.name() != "file" {
            return Err(Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![tr.t("ui-doc_check_form")],
            )));
        }
        let Some(first) = first_chunk(&mut part).await.map_err(|e| bad(e.into()))? else {
            return Err(choose());
        };
        state
            .app
            .check_document_file(&code, with_first(first, part))
            .await
            .map(|(_, sha)| sha)
            .map_err(|e| bad(e.into()))
    }
    .await;
    match result {
        Ok(sha256) => {
            let outcome = CheckOutcome {
                identical: sha256 == doc.sha256,
                sha256,
            };
            verify_page_with(
                &state,
                &ctx,
                &code,
                StatusCode::OK,
                Some(outcome),
                Vec::new(),
            )
            .await
        }
        Err(Err(r)) => r,
        Err(Ok((status, errors))) => {
            verify_page_with(&state, &ctx, &code, status, None, errors).await
        }
    }
}
