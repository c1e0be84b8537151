//! The organisation's units: public to read (an organisation chart is public information),
//! changed only by the system administrator.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;
use crate::precondition::{Versioned, if_match, parse_id, with_etag};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use domain::Reason;
use domain::unit::{RenameUnit, Unit, UnitKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct UnitView {
    id: Uuid,
    code: String,
    /// prefecture_bureau, detachment, county_branch, brigade, liaison or partner_agency
    kind: String,
    name_zh: String,
    name_en: String,
    parent_id: Option<Uuid>,
    /// GB/T 2260 division code.
    division_code: String,
    /// Demo data (演示数据).
    demo: bool,
    version: i64,
}

impl From<Unit> for UnitView {
    fn from(u: Unit) -> Self {
        UnitView {
            id: u.id,
            code: u.code,
            kind: u.kind.as_str().to_owned(),
            name_zh: u.name_zh,
            name_en: u.name_en,
            parent_id: u.parent_id,
            division_code: u.division_code,
            demo: u.demo,
            version: u.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnitList {
    items: Vec<UnitView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnitRequest {
    code: String,
    kind: String,
    name_zh: String,
    name_en: String,
    parent_id: Option<Uuid>,
    division_code: String,
}

/// JSON merge patch (RFC 7396) of a unit's names.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    name_zh: Option<String>,
    name_en: Option<String>,
}

impl Versioned for UnitView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// Every unit, ordered by code.
#[utoipa::path(get, path = "/api/v1/units", tag = "organisation",
    responses((status = 200, body = UnitList)))]
async fn list_units(State(state): State<AppState>) -> Result<Json<UnitList>, ApiError> {
    let items = state
        .app
        .units()
        .await?
        .into_iter()
        .map(UnitView::from)
        .collect();
    Ok(Json(UnitList { items }))
}

/// One unit, with its version as the ETag.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "organisation",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = UnitView), (status = 404, body = Problem)))]
async fn get_unit(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let unit = state.app.unit(parse_id(&id)?).await?;
    Ok(with_etag(StatusCode::OK, UnitView::from(unit)))
}

/// Creates a unit (system administrator).
#[utoipa::path(post, path = "/api/v1/units", tag = "organisation",
    request_body = NewUnitRequest,
    responses((status = 201, body = UnitView), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 413, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn create_unit(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(body): ApiJson<NewUnitRequest>,
) -> Result<Response, ApiError> {
    let kind = UnitKind::parse(&body.kind).ok_or_else(|| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            Reason::new("field.invalid_type")
                .field("kind")
                .arg("field", "kind")
                .arg("detail", format!("unknown unit kind {:?}", body.kind)),
        )
    })?;
    let unit = state
        .app
        .create_unit(
            &auth.actor,
            app::units::NewUnit {
                code: body.code,
                kind,
                name_zh: body.name_zh,
                name_en: body.name_en,
                parent_id: body.parent_id,
                division_code: body.division_code,
                demo: false,
            },
        )
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/units/{}", unit.id))
        .map_err(|_| ApiError::internal())?;
    let mut response = with_etag(StatusCode::CREATED, UnitView::from(unit));
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// Renames a unit. Needs `If-Match` with the version read (428 without, 412 when stale).
#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "organisation",
    params(("id" = Uuid, Path), ("If-Match" = String, Header)),
    request_body(content = UnitPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, body = UnitView), (status = 404, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn patch_unit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Auth(auth): Auth,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<UnitPatch>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = if_match(&headers)?;
    let unit = state
        .app
        .rename_unit(
            &auth.actor,
            RenameUnit {
                id,
                name_zh: patch.name_zh,
                name_en: patch.name_en,
                expected_version: Some(expected),
            },
        )
        .await?;
    Ok(with_etag(StatusCode::OK, UnitView::from(unit)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, patch_unit))
}
