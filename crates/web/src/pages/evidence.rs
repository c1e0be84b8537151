//! Evidence pages: the list and the upload form on an entity's page (resumable, with progress),
//! the evidence page with its custody timeline, download and transfer.

use super::account::local;
use super::{Chrome, PageCtx, see_other, see_other_flash};
use crate::AppState;
use crate::precondition::ClientIp;
use app::AppError;
use app::people::People;
use askama::Template;
use axum::extract::{Form, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Refusal;
use domain::evidence::{Evidence, EvidenceType};
use serde::Deserialize;

/// An evidence row on the entity page.
pub struct EvidenceRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub collected_at: String,
    pub sha256: String,
    pub size: String,
    pub custodian: String,
}

pub fn type_name(ctx: &PageCtx, t: EvidenceType) -> String {
    ctx.tr().t(&format!("ui-evidence_{}", t.as_str()))
}

fn size(n: i64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

pub fn rows(ctx: &PageCtx, items: Vec<Evidence>, people: &People) -> Vec<EvidenceRow> {
    items
        .into_iter()
        .map(|e| EvidenceRow {
            id: e.id.to_string(),
            title: e.data.title,
            kind: type_name(ctx, e.data.evidence_type),
            collected_at: local(e.data.collected_at),
            sha256: e.blob.sha256,
            size: size(e.blob.size),
            custodian: ctx.person_name(people, &e.custodian),
        })
        .collect()
}

/// The upload form's choices: evidence types and the officers who may be named.
pub struct UploadForm {
    pub types: Vec<(String, String)>,
    /// Login name (the value sent) and how the officer is shown.
    pub officers: Vec<(String, String)>,
    pub me: String,
    /// Why on-site evidence naming the signed-in officer would be refused today, if it would.
    pub certificate_warning: Option<String>,
}

pub fn upload_form(
    ctx: &PageCtx,
    officers: Vec<domain::user::User>,
    people: &People,
    today: chrono::NaiveDate,
) -> UploadForm {
    let me = match ctx.auth.as_ref().map(|a| &a.actor) {
        Some(domain::Actor::User(u)) => Some(u),
        _ => None,
    };
    let tr = ctx.tr();
    let certificate_warning = me.and_then(|u| match &u.certificate {
        Some(c) if c.valid_on(today) => None,
        Some(c) => Some(tr.with(
            "ui-upload_cert_invalid",
            &[
                ("number", c.number.clone()),
                ("date", c.valid_until.to_string()),
            ],
        )),
        None => Some(tr.t("ui-upload_cert_missing")),
    });
    UploadForm {
        types: EvidenceType::ALL
            .iter()
            .map(|t| (t.as_str().to_owned(), type_name(ctx, *t)))
            .collect(),
        officers: officers
            .into_iter()
            .map(|u| {
                let label = ctx.person(people, &u.username);
                (u.username, label)
            })
            .collect(),
        me: me.map(|u| u.username.clone()).unwrap_or_default(),
        certificate_warning,
    }
}

pub struct CustodyRow {
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub detail: String,
    /// The detail is a pair of hashes (shown as code, not words).
    pub hashes: bool,
}

/// A custody entry's detail as people read it: a transfer names the officers, not their logins.
fn custody_detail(ctx: &PageCtx, people: &People, kind: &str, detail: &str) -> String {
    if kind == "transferred"
        && let Some((from, rest)) = detail.split_once(" → ")
        && let Some((to, reason)) = rest.split_once(": ")
    {
        return ctx.tr().with(
            "ui-custody_transfer_detail",
            &[
                ("from", ctx.person_name(people, from)),
                ("to", ctx.person_name(people, to)),
                ("reason", reason.to_owned()),
            ],
        );
    }
    detail.to_owned()
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    chrome: Chrome,
    id: String,
    title: String,
    kind: String,
    entity_id: String,
    collected_at: String,
    collected_by: String,
    assisted_by: String,
    on_site: bool,
    device: String,
    coordinates: String,
    sha256: String,
    sm3: String,
    size: String,
    mime: String,
    file_name: String,
    custodian: String,
    demo: bool,
    custody: Vec<CustodyRow>,
    /// Officers who may receive the evidence: login name (sent) and how they are shown.
    transfer_to: Vec<(String, String)>,
    errors: Vec<String>,
    /// What was typed before a refusal, kept.
    transfer_reason: String,
}

async fn render(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    errors: Vec<String>,
    transfer_reason: String,
) -> Response {
    let Some(auth) = ctx.auth.as_ref() else {
        return see_other("/login");
    };
    let (e, custody) = match state.app.view_evidence(&auth.actor, id).await {
        Ok(v) => v,
        Err(err) => return ctx.error(err),
    };
    let (people, officers) =
        match tokio::try_join!(state.app.people(), state.app.officers_for(&e.county_code)) {
            Ok(v) => v,
            Err(err) => return ctx.error(err),
        };
    let tr = ctx.tr();
    let d = &e.data;
    let names = |list: &[String]| {
        list.iter()
            .map(|u| ctx.person(&people, u))
            .collect::<Vec<_>>()
            .join(if tr.english() { "; " } else { "；" })
    };
    let page = EvidencePage {
        chrome: ctx.chrome(),
        id: e.id.to_string(),
        title: d.title.clone(),
        kind: type_name(ctx, d.evidence_type),
        entity_id: d.subject_id.to_string(),
        collected_at: local(d.collected_at),
        collected_by: names(&d.collected_by),
        assisted_by: names(&d.assisted_by),
        on_site: d.on_site || d.evidence_type.is_on_site(),
        device: d.device.clone().unwrap_or_default(),
        coordinates: match (d.lat_e6, d.lon_e6) {
            (Some(a), Some(o)) => format!("{:.6}, {:.6}", a as f64 / 1e6, o as f64 / 1e6),
            _ => String::new(),
        },
        sha256: e.blob.sha256.clone(),
        sm3: e.blob.sm3.clone(),
        size: format!("{} ({} B)", size(e.blob.size), e.blob.size),
        mime: e.blob.mime.clone(),
        file_name: e.blob.file_name.clone(),
        custodian: ctx.person(&people, &e.custodian),
        demo: e.demo,
        custody: custody
            .into_iter()
            .map(|c| CustodyRow {
                at: local(c.at),
                actor: ctx.person(&people, &c.actor),
                kind: tr.t(&format!("ui-custody_{}", c.kind)),
                detail: custody_detail(ctx, &people, &c.kind, &c.detail),
                hashes: c.kind == "uploaded",
            })
            .collect(),
        transfer_to: officers
            .into_iter()
            .filter(|u| u.username != e.custodian)
            .map(|u| {
                let label = ctx.person(&people, &u.username);
                (u.username, label)
            })
            .collect(),
        errors,
        transfer_reason,
    };
    ctx.render(StatusCode::OK, &page)
}

/// For a read that is recorded in the chain of custody: `signed_in_with_id`, only from our own
/// pages (or typed by hand); a link from another site is asked to confirm first.
fn recorded_read<'a>(
    ctx: &'a PageCtx,
    id: &str,
) -> Result<(&'a app::auth::Authenticated, uuid::Uuid), Response> {
    let read = signed_in_with_id(ctx, id)?;
    ctx.confirm_unless_same_origin()?;
    Ok(read)
}

/// The signed-in user and the evidence ID of the path (a malformed ID does not exist: 404).
fn signed_in_with_id<'a>(
    ctx: &'a PageCtx,
    id: &str,
) -> Result<(&'a app::auth::Authenticated, uuid::Uuid), Response> {
    let auth = ctx.require()?;
    let id = uuid::Uuid::parse_str(id)
        .map_err(|_| ctx.error(AppError::Refused(Refusal::not_found())))?;
    Ok((auth, id))
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> Response {
    match recorded_read(&ctx, &id) {
        Ok((_, id)) => render(&state, &ctx, id, Vec::new(), String::new()).await,
        Err(r) => r,
    }
}

pub async fn content(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> Response {
    let auth = match ctx
        .require()
        .and_then(|a| ctx.confirm_unless_same_origin().map(|_| a))
    {
        Ok(a) => a,
        Err(r) => return r,
    };
    match crate::routes::evidence::content_response(&state, auth, &id, None).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct TransferForm {
    to: String,
    reason: String,
}

pub async fn transfer(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<TransferForm>,
) -> Response {
    let (auth, id) = match signed_in_with_id(&ctx, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state
        .app
        .transfer_custody(&auth.actor, id, form.to.trim(), &form.reason)
        .await
    {
        Ok(_) => see_other_flash(&format!("/evidence/{id}"), "ui-flash_transferred"),
        Err(e) => match ctx.reasons(e) {
            Ok(reasons) => render(&state, &ctx, id, reasons, form.reason).await,
            Err(r) => r,
        },
    }
}

// tus for the pages: the same handlers as the API, signed in by the session cookie.

fn signed_in(ctx: &PageCtx) -> Result<&app::auth::Authenticated, Response> {
    match &ctx.auth {
        Some(a) if !a.must_change_password => Ok(a),
        _ => Err(crate::error::ApiError::one(
            StatusCode::UNAUTHORIZED,
            domain::Reason::new("auth.required"),
        )
        .into_response()),
    }
}

pub async fn tus_create(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
) -> Response {
    let auth = match signed_in(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    crate::routes::evidence::tus_create(&state, auth, &headers, "/evidence/uploads")
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

pub async fn tus_head(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> Response {
    let auth = match signed_in(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    crate::routes::evidence::tus_head(&state, auth, &id)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

pub async fn tus_patch(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let auth = match signed_in(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    crate::routes::evidence::tus_patch(&state, auth, &id, &ip, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    chrome: Chrome,
    /// The issuing organ: the prefecture's bureau.
    organ: String,
    /// The ledger entry that records the evidence: the certificate's number.
    number: String,
    issued_on: String,
    entity_id: String,
    id: String,
    title: String,
    kind: String,
    collected_at: String,
    collected_by: String,
    file_name: String,
    size: String,
    sha256: String,
    sm3: String,
    index: String,
    event_hash: String,
    checkpoint: String,
    qr_text: String,
    qr_svg: String,
}

/// A printable certificate with its QR code; the bundle is downloadable from it.
pub async fn certificate(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> Response {
    let (auth, id) = match recorded_read(&ctx, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let b = match state.app.evidence_certificate(&auth.actor, id).await {
        Ok(b) => b,
        Err(e) => return ctx.error(e),
    };
    let s = |p: &str| {
        b.pointer(p)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let qr_text = s("/qr");
    let qr_svg =
        qrcode::QrCode::with_error_correction_level(qr_text.as_bytes(), qrcode::EcLevel::M)
            .map(|c| {
                c.render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(220, 220)
                    .build()
            })
            .unwrap_or_default();
    let proof = s("/tlog_proof");
    let (people, units) = match tokio::try_join!(state.app.people(), state.app.units()) {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let english = ctx.tr().english();
    let organ = units
        .iter()
        .find(|u| u.kind == domain::unit::UnitKind::PrefectureBureau)
        .map(|u| {
            if english {
                u.name_en.clone()
            } else {
                u.name_zh.clone()
            }
        })
        .unwrap_or_else(|| ctx.tr().t("ui-app_name"));
    let index = b.get("index").map(|v| v.to_string()).unwrap_or_default();
    let page = CertificatePage {
        chrome: ctx.chrome(),
        organ,
        number: ctx
            .tr()
            .with("ui-certificate_number_of", &[("index", index.clone())]),
        issued_on: state.app.today().to_string(),
        entity_id: s("/evidence/subject_id"),
        id: id.to_string(),
        title: s("/evidence/title"),
        kind: domain::evidence::EvidenceType::parse(&s("/evidence/type"))
            .map(|t| type_name(&ctx, t))
            .unwrap_or_default(),
        collected_at: domain::Timestamp::parse(&s("/evidence/collected_at"))
            .map(local)
            .unwrap_or_default(),
        collected_by: b
            .pointer("/evidence/collected_by")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .map(|u| ctx.person(&people, u))
                    .collect::<Vec<_>>()
                    .join(if english { "; " } else { "；" })
            })
            .unwrap_or_default(),
        file_name: s("/evidence/file_name"),
        size: b
            .pointer("/evidence/size")
            .map(|v| v.to_string())
            .unwrap_or_default(),
        sha256: s("/evidence/sha256"),
        sm3: s("/evidence/sm3"),
        index,
        event_hash: s("/event_hash"),
        checkpoint: proof
            .split_once("\n\n")
            .map(|(_, c)| c.to_owned())
            .unwrap_or_default(),
        qr_text,
        qr_svg,
    };
    ctx.render(StatusCode::OK, &page)
}

/// The bundle as a file.
pub async fn certificate_json(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> Response {
    let (auth, id) = match recorded_read(&ctx, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state.app.evidence_certificate(&auth.actor, id).await {
        Ok(b) => {
            let body = serde_json::to_string_pretty(&b).unwrap_or_default();
            let disposition = format!("attachment; filename=\"certificate-{id}.json\"");
            (
                [
                    (
                        axum::http::header::CONTENT_TYPE,
                        "application/json".to_owned(),
                    ),
                    (axum::http::header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => ctx.error(e),
    }
}
