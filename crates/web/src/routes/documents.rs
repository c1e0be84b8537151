//! Enforcement documents over the API: the blank forms printed before a field visit, the
//! documents issued in a case (list, issue, PDF, signatures), and the public check of a
//! document by its code.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;
use crate::multipart::Multipart;
use crate::precondition::{if_match, parse_id};
use app::case::documents::DocumentView;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Reason;
use domain::case::document::{SignatureEntry, SignatureMethod, Signer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A blank form (`<kind>.pdf`: registration_approval 立案审批表, inspection_record 现场检查（勘察）
/// 笔录, questioning_record 调查询问笔录, sampling_record 采样记录, preservation_notice
/// 先行登记保存通知书, investigation_report 案件调查终结报告, review_opinion 案件审查意见书,
/// recusal_decision 回避决定书) for printing, headed with the bureau's name; any reader of cases.
#[utoipa::path(get, path = "/api/v1/documents/blank/{file}", tag = "documents",
    params(("file" = String, Path, description = "`<kind>.pdf`")),
    responses((status = 200, content_type = "application/pdf", description = "the form"),
              (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn blank(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let Some(kind) = file.strip_suffix(".pdf") else {
        return Err(ApiError::one(
            StatusCode::NOT_FOUND,
            Reason::new("document.unknown_kind").arg("kind", &file),
        ));
    };
    let pdf = state.app.blank_form(&auth.actor, kind).await?;
    let disposition = format!("inline; filename=\"{kind}.pdf\"");
    let mut response = (StatusCode::OK, pdf.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// A PDF answer, shown in the browser, with a file name of ASCII only.
pub(crate) fn pdf_response(bytes: Vec<u8>, file_name: &str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    let safe: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// A document issued in a case. `signatures`: `{outcome: signed, signer: party|officers,
/// method: pad|scan, evidence_id}` or `{outcome: refused, reason, officers_note, witness,
/// video_evidence_id}`.
#[derive(Serialize, ToSchema)]
pub struct DocumentItem {
    id: String,
    /// registration_approval, inspection_record, questioning_record, sampling_record,
    /// preservation_notice, investigation_report, review_opinion, recusal_decision
    kind: String,
    title: String,
    /// The 文号, for a numbered kind.
    number: Option<String>,
    /// YYYY-MM-DD
    issued_on: String,
    /// SHA-256 of the PDF, 64 lowercase hex digits.
    sha256: String,
    size: i64,
    /// The record's or preservation's id, the recusal request's position (from 0), or the
    /// fingerprint of the report or review the document states.
    subject: Option<String>,
    /// Characters no font could draw, shown as boxes in the PDF (empty: none).
    missing_glyphs: String,
    verify_code: String,
    /// The public check page printed under the QR code.
    verify_url: String,
    pdf: String,
    #[schema(value_type = Vec<Object>)]
    signatures: Vec<SignatureEntry>,
}

fn item(case_id: uuid::Uuid, d: DocumentView) -> DocumentItem {
    DocumentItem {
        pdf: format!("/api/v1/cases/{case_id}/documents/{}.pdf", d.id),
        id: d.id.to_string(),
        kind: d.kind.as_str().to_owned(),
        title: d.title,
        number: d.number,
        issued_on: d.issued_on.to_string(),
        sha256: d.sha256,
        size: d.size,
        subject: d.subject,
        missing_glyphs: d.missing_glyphs,
        verify_code: d.verify_code,
        verify_url: d.verify_url,
        signatures: d.signatures,
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    items: Vec<DocumentItem>,
}

/// The documents issued in a case, in the order issued (404 outside the reader's reach).
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, body = DocumentList), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Json<DocumentList>, ApiError> {
    let case_id = parse_id(&id)?;
    let items = state.app.case_documents(&auth.actor, case_id).await?;
    Ok(Json(DocumentList {
        items: items.into_iter().map(|d| item(case_id, d)).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// See `DocumentItem.kind` (registration_approval is issued by the approval itself).
    kind: String,
    /// The record's id (records), the preservation's id (preservation_notice), the recusal
    /// request's position in the case's `recusals`, from 0 (recusal_decision); absent for the
    /// others.
    subject: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentAnswer {
    document: DocumentItem,
    events: Vec<crate::routes::cases::EventRef>,
}

/// Issues a document of a step of the case (`If-Match`: the case's version): rendered, numbered
/// from its counter where its kind has a 文号, and recorded with the PDF's SHA-256.
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "documents",
    params(("id" = String, Path)), request_body = IssueBody,
    responses((status = 201, body = DocumentAnswer), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn issue(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<IssueBody>,
) -> Result<Response, ApiError> {
    let case_id = parse_id(&id)?;
    let expected = if_match(&headers)?;
    let (doc, written) = state
        .app
        .issue_document(&auth.actor, case_id, expected, &b.kind, b.subject)
        .await?;
    let location = format!("/api/v1/cases/{case_id}/documents/{}.pdf", doc.id);
    let mut r = (
        StatusCode::CREATED,
        Json(DocumentAnswer {
            document: item(case_id, doc),
            events: crate::routes::cases::events(written),
        }),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// The PDF of an issued document, byte for byte as issued (`<id>.pdf`).
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{file}", tag = "documents",
    params(("id" = String, Path), ("file" = String, Path, description = "`<document id>.pdf`")),
    responses((status = 200, content_type = "application/pdf", description = "the PDF"),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn pdf(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let case_id = parse_id(&id)?;
    let doc_id = parse_id(file.strip_suffix(".pdf").unwrap_or(&file))?;
    let (view, bytes) = state.app.document_pdf(&auth.actor, case_id, doc_id).await?;
    Ok(pdf_response(
        bytes,
        &format!("{}-{}.pdf", view.kind.as_str(), view.verify_code),
    ))
}

/// A refusal to sign, as JSON.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusalBody {
    /// Why the person recorded refused (as they said it).
    reason: String,
    /// What the officers noted of it.
    officers_note: String,
    /// A witness present, by name.
    witness: Option<String>,
    /// Evidence of the case recording the refusal (video).
    video_evidence_id: Option<String>,
}

/// Records a signature on a document of the case: multipart/form-data with `signer` (party or
/// officers), `method` (pad: drawn on the page; scan: the signed paper scanned) and the `file`
/// last, which becomes evidence of the case; or JSON `RefusalBody` when the person recorded
/// refuses to sign (the investigation goes on).
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents/{doc_id}/signatures", tag = "documents",
    params(("id" = String, Path), ("doc_id" = String, Path)), request_body = RefusalBody,
    responses((status = 201, body = DocumentItem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn sign(
    State(state): State<AppState>,
    Auth(auth): Auth,
    crate::precondition::ClientIp(ip): crate::precondition::ClientIp,
    Path((id, doc_id)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    let case_id = parse_id(&id)?;
    let doc_id = parse_id(&doc_id)?;
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (doc, _) = if is_json {
        use axum::extract::FromRequest;
        let ApiJson(b) = ApiJson::<RefusalBody>::from_request(request, &state).await?;
        let video = match b.video_evidence_id.as_deref() {
            Some(v) if !v.trim().is_empty() => Some(parse_id(v).map_err(|_| {
                ApiError::one(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Reason::new("field.invalid_type")
                        .field("video_evidence_id")
                        .arg("field", "video_evidence_id")
                        .arg("detail", "an evidence id (UUID)"),
                )
            })?),
            _ => None,
        };
        state
            .app
            .sign_document(
                &auth.actor,
                case_id,
                doc_id,
                SignatureEntry::Refused {
                    reason: b.reason,
                    officers_note: b.officers_note,
                    witness: b.witness.unwrap_or_default(),
                    video_evidence_id: video,
                },
            )
            .await?
    } else {
        use axum::extract::FromRequest;
        let m = Multipart::from_request(request, &state).await;
        let mut m = crate::routes::multipart(m)?;
        sign_multipart(&state, &auth.actor, &ip, case_id, doc_id, &mut m).await?
    };
    Ok((StatusCode::CREATED, Json(item(case_id, doc))).into_response())
}

/// Reads `signer`, `method` and the `file` (last) of a signature upload, and records it.
pub(crate) async fn sign_multipart(
    state: &AppState,
    actor: &domain::Actor,
    ip: &str,
    case_id: uuid::Uuid,
    doc_id: uuid::Uuid,
    m: &mut Multipart,
) -> Result<(DocumentView, app::case::Written), ApiError> {
    let mut signer = None;
    let mut method = None;
    while let Some(field) = m.next_field().await? {
        let name = field.name().to_owned();
        match name.as_str() {
            "file" => {
                let invalid = |f: &str| {
                    ApiError::one(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Reason::new("field.required").field(f),
                    )
                };
                let signer = signer.ok_or_else(|| invalid("signer"))?;
                let method = method.ok_or_else(|| invalid("method"))?;
                let file_name = field.file_name().unwrap_or("signature.png").to_owned();
                return Ok(state
                    .app
                    .sign_document_with_file(
                        actor,
                        case_id,
                        doc_id,
                        signer,
                        method,
                        &file_name,
                        field.into_stream(),
                        ip,
                    )
                    .await?);
            }
            "signer" | "method" => {
                let text = field.text(64).await?;
                let bad = || {
                    ApiError::one(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Reason::new("document.signature_form").field(name.as_str()),
                    )
                };
                if name == "signer" {
                    signer = Some(match text.as_str() {
                        "party" => Signer::Party,
                        "officers" => Signer::Officers,
                        _ => return Err(bad()),
                    });
                } else {
                    method = Some(match text.as_str() {
                        "pad" => SignatureMethod::Pad,
                        "scan" => SignatureMethod::Scan,
                        _ => return Err(bad()),
                    });
                }
            }
            _ => {
                return Err(ApiError::one(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Reason::new("field.unknown").field(name.as_str()),
                ));
            }
        }
    }
    Err(ApiError::one(
        StatusCode::UNPROCESSABLE_ENTITY,
        Reason::new("evidence.no_file").field("file"),
    ))
}

/// The proof of an issued document, for anyone (no sign-in): what it is, its issuing event and
/// that event's inclusion in the latest signed checkpoint. Never the party. Checked offline by
/// `ecoenforce ledger verify-document` (`docs/document-proof.md`).
#[utoipa::path(get, path = "/api/v1/verify/{code}", tag = "documents",
    params(("code" = String, Path, description = "the code printed under the QR")),
    responses((status = 200, description = "the proof bundle (ecoenforce-document-proof/v1)"),
              (status = 404, body = Problem)))]
async fn proof(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let bundle = state.app.document_proof(&code).await?;
    Ok(Json(bundle).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct CheckAnswer {
    /// Whether the bytes sent are the document as issued, byte for byte.
    genuine: bool,
    /// SHA-256 of the bytes sent.
    sha256: String,
    /// SHA-256 of the document as issued.
    issued_sha256: String,
}

/// Whether a PDF (the request body, at most 20 MiB) is byte-identical to the document issued
/// under this code. For anyone; nothing is stored.
#[utoipa::path(post, path = "/api/v1/verify/{code}", tag = "documents",
    params(("code" = String, Path)),
    request_body(content_type = "application/pdf", content = Vec<u8>),
    responses((status = 200, body = CheckAnswer), (status = 404, body = Problem),
              (status = 413, body = Problem)))]
async fn check(
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: axum::body::Body,
) -> Result<Json<CheckAnswer>, ApiError> {
    let (doc, sha256) = state
        .app
        .check_document_file(&code, body_stream(body))
        .await?;
    Ok(Json(CheckAnswer {
        genuine: sha256 == doc.sha256,
        sha256,
        issued_sha256: doc.sha256,
    }))
}

/// A request body as a stream of bytes (the public check reads it as it arrives).
pub(crate) fn body_stream(
    body: axum::body::Body,
) -> impl futures::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Unpin + Send {
    use futures::StreamExt;
    body.into_data_stream()
        .map(|r| r.map_err(std::io::Error::other))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(blank))
        .routes(routes!(list, issue))
        .routes(routes!(pdf))
        .routes(routes!(sign))
        .routes(routes!(proof, check))
}
