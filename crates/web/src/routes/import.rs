//! Entity import over the API: `POST /api/v1/entities/import` with the file (and an optional
//! outlets CSV) as multipart; `?dry_run=true` previews without writing.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem, ProblemItem, item};
use crate::multipart::Multipart;
use crate::routes::invalid_query;
use app::import::{MAX_FILE_BYTES, read_files};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Reason;
use domain::entity_import::Parsed;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::multipart::Refused;

/// Reads the `file` and `outlets` parts (each at most [`MAX_FILE_BYTES`]) and the spreadsheet in
/// them; parsing runs off the async threads.
pub(crate) async fn read_upload(mut multipart: Multipart) -> Result<Parsed, Refused> {
    let mut file: Option<Vec<u8>> = None;
    let mut outlets: Option<Vec<u8>> = None;
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().to_owned();
        let slot = match name.as_str() {
            "file" => &mut file,
            "outlets" => &mut outlets,
            _ => {
                return Err(Refused::one(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Reason::new("field.unknown")
                        .field(name.clone())
                        .arg("field", name),
                ));
            }
        };
        // The whole limit at once: growing by doubling would copy the bytes read so far into a
        // block twice their size, holding both (up to twice the limit) just before a refusal.
        // Untouched pages of the reservation cost no memory.
        let mut bytes = Vec::with_capacity(MAX_FILE_BYTES);
        while let Some(chunk) = field.chunk().await? {
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(Refused::one(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Reason::new("request.upload_too_large")
                        .field(name)
                        .arg("limit", MAX_FILE_BYTES),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        *slot = Some(bytes);
    }
    let file = file.filter(|f| !f.is_empty()).ok_or_else(|| {
        Refused::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            Reason::new("import.file_missing").field("file"),
        )
    })?;
    tokio::task::spawn_blocking(move || read_files(&file, outlets.as_deref()))
        .await
        .map_err(|_| {
            Refused::one(
                StatusCode::INTERNAL_SERVER_ERROR,
                Reason::new("request.internal"),
            )
        })?
        .map_err(|r| Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            reasons: r.reasons,
        })
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `true` to decide the import without writing anything.
    dry_run: Option<String>,
}

/// What an import holds; `problems` lists everything that stops it (empty: it can commit).
#[derive(Serialize, ToSchema)]
pub struct ImportPreviewView {
    entities: usize,
    outlets: usize,
    permits: usize,
    /// Each with `args.sheet` (entities or outlets), `args.row` (1-based, the header is row 1;
    /// 0 for the whole file) and, where known, `args.column` (A, B, …) and `field` (column key).
    problems: Vec<ProblemItem>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    imported: usize,
    /// The new entities' IDs, in file order.
    ids: Vec<Uuid>,
}

/// Imports entities from XLSX (second sheet: outlets) or CSV (part `outlets`: a second CSV keyed
/// by USCC), all rows or none. Headers are the export's, in zh-CN or en. With `dry_run=true`:
/// 200 and every problem; else 201, or 422 with every problem (nothing written).
#[utoipa::path(post, path = "/api/v1/entities/import", tag = "entities",
    params(ImportParams),
    request_body(content_type = "multipart/form-data", description = "parts `file` and optional `outlets`"),
    responses((status = 200, body = ImportPreviewView), (status = 201, body = ImportResult),
              (status = 403, body = Problem), (status = 413, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn import(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<ImportParams>, QueryRejection>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let multipart = crate::routes::multipart(multipart)?;
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let dry_run = match p.dry_run.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(invalid_query("dry_run", "true or false")),
    };
    // A role that cannot register learns so before uploading is worth anything.
    domain::permission::require(&auth.actor, domain::permission::Capability::EntityRegister)
        .map_err(app::AppError::from)?;
    let parsed = read_upload(multipart).await?;
    if dry_run {
        let preview = state.app.preview_import(&auth.actor, &parsed).await?;
        return Ok(Json(ImportPreviewView {
            entities: preview.entities,
            outlets: preview.outlets,
            permits: preview.permits,
            problems: preview.problems.iter().map(item).collect(),
        })
        .into_response());
    }
    let ids = state.app.import_entities(&auth.actor, parsed).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportResult {
            imported: ids.len(),
            ids,
        }),
    )
        .into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    let (schemas, paths, handler) = routes!(import);
    // Files have their own limit (checked while reading), not the 1 MiB of JSON bodies.
    OpenApiRouter::new().routes((schemas, paths, handler.layer(DefaultBodyLimit::disable())))
}
