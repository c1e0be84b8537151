//! The workspace's archive section (issue 26 point 5): the archive of a closed case, its two
//! sealed volumes and the archive bundle to download, and the annexes (备考表) after it.

use super::cases::{after_case_action, field, form_fields, form_version, path_id};
use super::investigation::draft;
use super::{PageCtx, Tr};
use crate::AppState;
use app::AppError;
use app::people::People;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::case::archive::{AddAnnex, AnnexKind};
use domain::case::registration::{Case, CaseStage};
use domain::{Reason, Refusal, RefusalKind};
use uuid::Uuid;

pub struct VolumeRow {
    /// main or secondary
    pub name: &'static str,
    pub label: String,
    pub pages: i64,
    pub sha256: String,
}

pub struct AnnexRow {
    pub n: u32,
    pub kind: String,
    pub note: String,
    pub by: String,
    pub on: String,
}

pub struct ArchiveSection {
    /// Filing upward: what is due, or done.
    pub filing_due: String,
    pub filing_organ: String,
    pub filed: Option<String>,
    pub filing_form: bool,
    pub today: String,
    pub archive_form: bool,
    /// Who archived and when, once archived.
    pub archived: Option<String>,
    pub volumes: Vec<VolumeRow>,
    pub annexes: Vec<AnnexRow>,
    pub annex_form: bool,
    /// (value, label)
    pub kinds: Vec<(&'static str, String)>,
    pub evidence: Vec<super::proceedings::Opt>,
}

fn kind_name(tr: &Tr, k: AnnexKind) -> String {
    tr.t(&format!("ui-annex_{}", k.as_str()))
}

/// Builds the section for a closed or archived case; `None` before.
pub fn section(
    state: &AppState,
    ctx: &PageCtx,
    case: &Case,
    people: &People,
    evidence: &[domain::evidence::Evidence],
    allowed: &[&'static str],
) -> Option<ArchiveSection> {
    if !matches!(case.stage, CaseStage::Closed | CaseStage::Archived) {
        return None;
    }
    let tr = ctx.tr();
    let name = |u: &str| ctx.person_name(people, u);
    let archive = case.proceedings.archive.as_ref();
    Some(ArchiveSection {
        filing_due: state
            .app
            .filing_due(case)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        filing_organ: state.app.settings.filing_upward.organ.clone(),
        filed: case.proceedings.filing.as_ref().map(|f| {
            format!(
                "{} · {} · {} · {}",
                f.organ,
                f.reference,
                name(&f.filed_by),
                f.filed_on
            )
        }),
        filing_form: allowed.contains(&"file-upward"),
        today: state.app.today().to_string(),
        archive_form: allowed.contains(&"archive"),
        archived: archive.map(|a| format!("{} · {}", name(&a.archived_by), a.archived_on)),
        volumes: archive
            .map(|a| {
                a.volumes
                    .iter()
                    .map(|v| VolumeRow {
                        name: v.volume.as_str(),
                        label: tr.t(&format!("ui-volume_{}", v.volume.as_str())),
                        pages: v.pages,
                        sha256: v.sha256.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        annexes: case
            .proceedings
            .annexes
            .iter()
            .map(|a| AnnexRow {
                n: a.annex,
                kind: kind_name(&tr, a.kind),
                note: a.note.clone(),
                by: name(&a.recorded_by),
                on: a.recorded_on.to_string(),
            })
            .collect(),
        annex_form: allowed.contains(&"add-annex"),
        kinds: AnnexKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), kind_name(&tr, k)))
            .collect(),
        evidence: evidence
            .iter()
            .map(|e| super::proceedings::Opt {
                value: e.id.to_string(),
                label: e.data.title.clone(),
                chosen: false,
            })
            .collect(),
    })
}

pub const ACTIONS: &[(&str, &str)] = &[
    ("file-upward", "ui-flash_filed_upward"),
    ("archive", "ui-flash_case_archived"),
    ("add-annex", "ui-flash_annex_added"),
];

fn invalid(reason: Reason) -> AppError {
    AppError::Refused(Refusal::one(RefusalKind::Invalid, reason))
}

async fn run(
    state: &AppState,
    actor: &domain::Actor,
    id: Uuid,
    action: &str,
    f: &[(String, String)],
) -> Result<(), AppError> {
    let v = form_version(f)?;
    match action {
        "file-upward" => {
            let evidence = field(f, "evidence_id");
            let cmd = domain::case::filing::FileUpward {
                case_id: id,
                filed_on: field(f, "filed_on")
                    .trim()
                    .parse()
                    .map_err(|_| invalid(Reason::new("field.bad_date").field("filed_on")))?,
                reference: field(f, "reference"),
                evidence_id: Uuid::parse_str(evidence.trim())
                    .map_err(|_| invalid(Reason::new("field.required").field("evidence_id")))?,
                expected_version: v,
            };
            state.app.file_upward(actor, id, v, cmd).await?;
        }
        "archive" => {
            state.app.archive_case(actor, id, v).await?;
        }
        "add-annex" => {
            let kind = AnnexKind::parse(&field(f, "kind"))
                .ok_or_else(|| invalid(Reason::new("field.required").field("kind")))?;
            let evidence_id = super::performance::evidence_id("evidence_id", f)?;
            let cmd = AddAnnex {
                case_id: id,
                kind,
                note: field(f, "note"),
                evidence_id,
                expected_version: v,
            };
            state.app.add_annex(actor, id, v, cmd).await?;
        }
        _ => return Err(Refusal::not_found().into()),
    }
    Ok(())
}

/// A sealed volume as one PDF (`/cases/{id}/archive/main.pdf`).
pub async fn volume(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let case_id = match path_id(&ctx, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(volume) = file.strip_suffix(".pdf") else {
        return ctx.not_found();
    };
    match state.app.archive_volume(&auth.actor, case_id, volume).await {
        Ok((case, _, pdf)) => crate::routes::documents::pdf_response(
            pdf,
            &format!(
                "{}-{volume}.pdf",
                case.number.unwrap_or_else(|| case_id.to_string())
            ),
        ),
        Err(e) => ctx.error(e),
    }
}

/// The archive bundle to download (`/cases/{id}/archive-bundle.json`).
pub async fn bundle(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> Response {
    use axum::response::IntoResponse;
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let case_id = match path_id(&ctx, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state.app.archive_bundle(&auth.actor, case_id).await {
        Ok(b) => {
            let mut r = axum::Json(b).into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&format!(
                "attachment; filename=\"archive-{case_id}.json\""
            )) {
                r.headers_mut()
                    .insert(axum::http::header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Err(e) => ctx.error(e),
    }
}

/// `POST /cases/{id}/<action>` for the section's forms, and the downloads.
pub fn routes(router: axum::Router<AppState>) -> axum::Router<AppState> {
    ACTIONS
        .iter()
        .fold(router, |router, (action, flash)| {
            router.route(
                &format!("/cases/{{id}}/{action}"),
                axum::routing::post(
                    move |State(state): State<AppState>,
                          ctx: PageCtx,
                          Path(id): Path<String>,
                          body: axum::body::Bytes| async move {
                        let auth = match ctx.require() {
                            Ok(a) => a,
                            Err(r) => return r,
                        };
                        let id = match path_id(&ctx, &id) {
                            Ok(i) => i,
                            Err(r) => return r,
                        };
                        let f = form_fields(&body);
                        let result = run(&state, &auth.actor, id, action, &f).await;
                        after_case_action(&state, &ctx, id, result, flash, draft(action, f)).await
                    },
                ),
            )
        })
        .route("/cases/{id}/archive/{file}", axum::routing::get(volume))
        .route(
            "/cases/{id}/archive-bundle.json",
            axum::routing::get(bundle),
        )
}
