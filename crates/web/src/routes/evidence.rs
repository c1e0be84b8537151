//! Evidence over the API: a multipart upload, tus 1.0 resumable uploads (core, creation,
//! expiration) under `/api/v1/uploads/`, reads recorded in the chain of custody, and transfers.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;
use crate::multipart::Multipart;
use crate::precondition::{ClientIp, parse_id};
use crate::routes::invalid_query;
use app::auth::Authenticated;
use app::evidence::EvidenceFields;
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Reason;
use domain::evidence::{Access, CustodyEntry, Evidence};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    id: String,
    subject_type: &'static str,
    subject_id: String,
    county_code: String,
    #[serde(rename = "type")]
    evidence_type: String,
    title: String,
    collected_at: String,
    collected_by: Vec<String>,
    assisted_by: Vec<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    device: Option<String>,
    on_site: bool,
    sha256: String,
    sm3: String,
    size: i64,
    mime: String,
    file_name: String,
    custodian: String,
    created_at: String,
    created_by: String,
    /// Demo data (演示数据).
    demo: bool,
}

impl From<Evidence> for EvidenceView {
    fn from(e: Evidence) -> Self {
        let d = e.data;
        EvidenceView {
            id: e.id.to_string(),
            subject_type: d.subject_type.as_str(),
            subject_id: d.subject_id.to_string(),
            county_code: e.county_code,
            evidence_type: d.evidence_type.as_str().to_owned(),
            title: d.title,
            collected_at: d.collected_at.to_string(),
            collected_by: d.collected_by,
            assisted_by: d.assisted_by,
            lat: d.lat_e6.map(|v| v as f64 / 1e6),
            lon: d.lon_e6.map(|v| v as f64 / 1e6),
            device: d.device,
            on_site: d.on_site,
            sha256: e.blob.sha256,
            sm3: e.blob.sm3,
            size: e.blob.size,
            mime: e.blob.mime,
            file_name: e.blob.file_name,
            custodian: e.custodian,
            created_at: e.created_at.to_string(),
            created_by: e.created_by,
            demo: e.demo,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CustodyView {
    at: String,
    actor: String,
    /// uploaded, viewed, downloaded, exported or transferred
    kind: String,
    detail: String,
}

impl From<CustodyEntry> for CustodyView {
    fn from(c: CustodyEntry) -> Self {
        CustodyView {
            at: c.at.to_string(),
            actor: c.actor,
            kind: c.kind,
            detail: c.detail,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceDetail {
    #[serde(flatten)]
    evidence: EvidenceView,
    custody: Vec<CustodyView>,
}

/// A non-file field of an evidence upload is at most this long.
const MAX_FIELD_BYTES: usize = 4096;
/// An upload names at most this many non-file fields (twelve are known; people may repeat).
const MAX_FIELDS: usize = 64;

/// Reads form fields until the `file` part, then streams the file into the evidence store.
/// Each field is read within its limit, never buffered whole first.
pub(crate) async fn upload_multipart(
    state: &AppState,
    auth: &Authenticated,
    ip: &str,
    mut multipart: Multipart,
) -> Result<Evidence, ApiError> {
    let mut fields = EvidenceFields::default();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().to_owned();
        if name == "file" {
            fields.file_name = field.file_name().unwrap_or_default().to_owned();
            return Ok(state
                .app
                .register_evidence(&auth.actor, &fields, field.into_stream(), ip)
                .await?);
        }
        if fields.fields.len() == MAX_FIELDS {
            return Err(ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                Reason::new("request.too_many_fields").arg("max", MAX_FIELDS),
            ));
        }
        let text = field.text(MAX_FIELD_BYTES).await?;
        fields.fields.push((name, text));
    }
    Err(ApiError::one(
        StatusCode::UNPROCESSABLE_ENTITY,
        Reason::new("evidence.no_file").field("file"),
    ))
}

/// Uploads evidence in one request (multipart/form-data; the `file` part last).
#[utoipa::path(post, path = "/api/v1/evidence", tag = "evidence",
    responses((status = 201, body = EvidenceView), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 413, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ClientIp(ip): ClientIp,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let multipart = crate::routes::multipart(multipart)?;
    let e = upload_multipart(&state, &auth, &ip, multipart).await?;
    let location = HeaderValue::from_str(&format!("/api/v1/evidence/{}", e.id))
        .map_err(|_| ApiError::internal())?;
    let mut r = (StatusCode::CREATED, Json(EvidenceView::from(e))).into_response();
    r.headers_mut().insert(header::LOCATION, location);
    Ok(r)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// The entity the evidence is about.
    subject_id: Option<String>,
}

/// The evidence about one entity, newest first.
#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(ListParams),
    responses((status = 200, body = Vec<EvidenceView>), (status = 404, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Vec<EvidenceView>>, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let id = p
        .subject_id
        .as_deref()
        .ok_or_else(|| invalid_query("subject_id", "required"))
        .and_then(|s| {
            uuid::Uuid::parse_str(s).map_err(|_| invalid_query("subject_id", "a UUID"))
        })?;
    let items = state.app.evidence_of_subject(&auth.actor, id).await?;
    Ok(Json(items.into_iter().map(EvidenceView::from).collect()))
}

/// One piece of evidence with its custody timeline (this view is recorded in it).
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence",
    params(("id" = String, Path)),
    responses((status = 200, body = EvidenceDetail), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_one(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Json<EvidenceDetail>, ApiError> {
    let (e, custody) = state.app.view_evidence(&auth.actor, parse_id(&id)?).await?;
    Ok(Json(EvidenceDetail {
        evidence: e.into(),
        custody: custody.into_iter().map(CustodyView::from).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContentParams {
    /// `download` (default) or `export` (for a court bundle); recorded either way.
    purpose: Option<String>,
}

/// The stored bytes, streamed; `Repr-Digest` carries the SHA-256 (RFC 9530).
pub(crate) async fn content_response(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    purpose: Option<&str>,
) -> Result<Response, ApiError> {
    let access = match purpose.unwrap_or("download") {
        "download" => Access::Downloaded,
        "export" => Access::Exported,
        _ => return Err(invalid_query("purpose", "download or export")),
    };
    let (e, stream) = state
        .app
        .evidence_content(&auth.actor, parse_id(id)?, access)
        .await?;
    let mut r = Response::new(Body::from_stream(stream));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&e.blob.mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(e.blob.size));
    let name: String = e
        .blob
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        if name.is_empty() {
            "evidence".into()
        } else {
            name
        }
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(b64) = app::proofs::parse_hash_hex(&e.blob.sha256).map(|h| app::proofs::base64(&h))
        && let Ok(v) = HeaderValue::from_str(&format!("sha-256=:{b64}:"))
    {
        h.insert("repr-digest", v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}

/// The stored bytes (recorded as a download, or an export).
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "evidence",
    params(("id" = String, Path), ContentParams),
    responses((status = 200, content_type = "application/octet-stream"),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn content(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    params: Result<Query<ContentParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    content_response(&state, &auth, &id, p.purpose.as_deref()).await
}

/// The certificate bundle (docs/certificate.md): checkable offline with
/// `ecoenforce ledger verify-certificate` or `docs/certificate_check.py`. Issuing it is recorded
/// as an export.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/certificate", tag = "evidence",
    params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn certificate(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        state
            .app
            .evidence_certificate(&auth.actor, parse_id(&id)?)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// The receiving officer's username.
    to: String,
    reason: String,
}

/// Hands the evidence over to another officer (recorded in the chain of custody).
#[utoipa::path(post, path = "/api/v1/evidence/{id}/transfers", tag = "evidence",
    params(("id" = String, Path)), request_body = TransferBody,
    responses((status = 200, body = EvidenceView), (status = 404, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn transfer(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransferBody>,
) -> Result<Json<EvidenceView>, ApiError> {
    let e = state
        .app
        .transfer_custody(&auth.actor, parse_id(&id)?, &body.to, &body.reason)
        .await?;
    Ok(Json(e.into()))
}

// --- tus 1.0 -------------------------------------------------------------------------------

const TUS_VERSION: &str = "1.0.0";

fn tus_headers(h: &mut HeaderMap) {
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn tus_error(status: StatusCode, code: &'static str) -> ApiError {
    ApiError::one(status, Reason::new(code))
}

fn header_i64(h: &HeaderMap, name: &str) -> Option<i64> {
    h.get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|n: &i64| *n >= 0)
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (tus 1.0, creation).
fn metadata(h: &HeaderMap) -> Result<EvidenceFields, ApiError> {
    use base64::Engine;
    let mut fields = EvidenceFields::default();
    let Some(raw) = h.get("upload-metadata") else {
        return Ok(fields);
    };
    let raw = raw
        .to_str()
        .map_err(|_| tus_error(StatusCode::BAD_REQUEST, "upload.bad_metadata"))?;
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let value = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()
            .and_then(|v| String::from_utf8(v).ok())
            .ok_or_else(|| tus_error(StatusCode::BAD_REQUEST, "upload.bad_metadata"))?;
        match key {
            "filename" | "name" => fields.file_name = value,
            // Common tus clients send these; they describe the file, not the evidence.
            "filetype" | "type_hint" => {}
            _ => fields.fields.push((key.to_owned(), value)),
        }
    }
    Ok(fields)
}

fn expires(up: &app::evidence::Upload) -> HeaderValue {
    let t = up
        .expires_at
        .as_datetime()
        .to_rfc2822()
        .replace("+0000", "GMT");
    HeaderValue::from_str(&t).unwrap_or(HeaderValue::from_static(""))
}

/// What the server supports (tus 1.0 OPTIONS).
pub(crate) async fn tus_options(State(state): State<AppState>) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    tus_headers(h);
    h.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    h.insert(
        "tus-extension",
        HeaderValue::from_static("creation,expiration"),
    );
    if let Some(max) = state.app.evidence_max_bytes() {
        h.insert("tus-max-size", HeaderValue::from(max));
    }
    r
}

fn check_resumable(h: &HeaderMap) -> Result<(), ApiError> {
    match h.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => {
            let mut e = tus_error(StatusCode::PRECONDITION_FAILED, "upload.tus_version");
            e.problem.detail = format!("send Tus-Resumable: {TUS_VERSION}");
            Err(e)
        }
    }
}

/// Creates an upload (tus creation): `Upload-Length`, and the evidence fields in
/// `Upload-Metadata` (`collected_by` comma-separated).
pub(crate) async fn tus_create(
    state: &AppState,
    auth: &Authenticated,
    h: &HeaderMap,
    base: &str,
) -> Result<Response, ApiError> {
    check_resumable(h)?;
    let length = header_i64(h, "upload-length")
        .ok_or_else(|| tus_error(StatusCode::BAD_REQUEST, "upload.length_required"))?;
    let fields = metadata(h)?;
    let up = state.app.create_upload(&auth.actor, length, fields).await?;
    let mut r = StatusCode::CREATED.into_response();
    let hs = r.headers_mut();
    tus_headers(hs);
    if let Ok(v) = HeaderValue::from_str(&format!("{base}/{}", up.id)) {
        hs.insert(header::LOCATION, v);
    }
    hs.insert("upload-expires", expires(&up));
    Ok(r)
}

/// Where an upload stands (tus HEAD).
pub(crate) async fn tus_head(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> Result<Response, ApiError> {
    let up = state.app.upload_of(&auth.actor, parse_id(id)?).await?;
    let mut r = StatusCode::OK.into_response();
    let h = r.headers_mut();
    tus_headers(h);
    h.insert("upload-offset", HeaderValue::from(up.received));
    h.insert("upload-length", HeaderValue::from(up.length));
    h.insert("upload-expires", expires(&up));
    if let Some(e) = up.evidence_id
        && let Ok(v) = HeaderValue::from_str(&format!("/api/v1/evidence/{e}"))
    {
        h.insert("evidence-location", v);
    }
    Ok(r)
}

/// Appends bytes (tus PATCH); the last byte turns the upload into evidence.
pub(crate) async fn tus_patch(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    ip: &str,
    request: Request,
) -> Result<Response, ApiError> {
    let h = request.headers().clone();
    check_resumable(&h)?;
    if h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
        != Some("application/offset+octet-stream")
    {
        return Err(tus_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "upload.content_type",
        ));
    }
    let offset = header_i64(&h, "upload-offset")
        .ok_or_else(|| tus_error(StatusCode::BAD_REQUEST, "upload.offset_required"))?;
    let body = request
        .into_body()
        .into_data_stream()
        .map(|r| r.map_err(|e| std::io::Error::other(e.to_string())));
    let (offset, evidence) = state
        .app
        .append_upload(&auth.actor, parse_id(id)?, offset, Box::pin(body), ip)
        .await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    let hs = r.headers_mut();
    tus_headers(hs);
    hs.insert("upload-offset", HeaderValue::from(offset));
    if let Some(e) = evidence
        && let Ok(v) = HeaderValue::from_str(&format!("/api/v1/evidence/{}", e.id))
    {
        hs.insert("evidence-location", v);
    }
    Ok(r)
}

/// What the server supports of tus 1.0 (OPTIONS): `Tus-Version`, `Tus-Extension`
/// (`creation,expiration`) and `Tus-Max-Size`.
#[utoipa::path(options, path = "/api/v1/uploads", tag = "evidence",
    responses((status = 204, description = "tus capabilities in the headers")))]
async fn api_tus_options(state: State<AppState>) -> Response {
    tus_options(state).await
}

/// Starts a resumable upload (tus 1.0 creation): `Tus-Resumable: 1.0.0`, `Upload-Length`, and
/// the evidence fields in `Upload-Metadata` (comma-separated `key base64value`; as the
/// multipart form's fields, `collected_by` comma-separated). The fields are checked now.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "evidence",
    responses((status = 201, description = "created; `Location` and `Upload-Expires`"),
              (status = 400, body = Problem), (status = 404, body = Problem),
              (status = 412, body = Problem), (status = 413, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn api_tus_create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    tus_create(&state, &auth, &headers, "/api/v1/uploads").await
}

/// Where an upload stands (tus HEAD): `Upload-Offset`, `Upload-Length`, `Upload-Expires`, and
/// `Evidence-Location` once complete.
#[utoipa::path(head, path = "/api/v1/uploads/{id}", tag = "evidence",
    params(("id" = String, Path)),
    responses((status = 200, description = "the offset in `Upload-Offset`"),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn api_tus_head(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    tus_head(&state, &auth, &id).await
}

/// Appends bytes at `Upload-Offset` (tus PATCH, `application/offset+octet-stream`); the last
/// byte turns the upload into evidence (`Evidence-Location`). One request at a time: a PATCH
/// while another writes, or at a stale offset, answers 409 and changes nothing.
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", tag = "evidence",
    params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 204, description = "the new offset in `Upload-Offset`"),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 413, body = Problem),
              (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn api_tus_patch(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    tus_patch(&state, &auth, &id, &ip, request).await
}

pub fn router() -> OpenApiRouter<AppState> {
    // Uploads have their own limit (the evidence store's), not the 1 MiB of JSON bodies.
    let (schemas, paths, upload) = routes!(create);
    OpenApiRouter::new()
        .routes((schemas, paths, upload.layer(DefaultBodyLimit::disable())))
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(content))
        .routes(routes!(transfer))
        .routes(routes!(certificate))
        .routes(routes!(api_tus_options, api_tus_create))
        .routes({
            let (schemas, paths, tus) = routes!(api_tus_head, api_tus_patch);
            (schemas, paths, tus.layer(DefaultBodyLimit::disable()))
        })
}
