//! The register of regulated entities: scoped list and detail, registration, merge-patch updates.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::json::{ApiJson, from_value};
use crate::precondition::{Versioned, if_match, parse_id, with_etag};
use crate::routes::{invalid_query, number};
use app::{EntityFilter, EntitySort};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::NaiveDate;
use domain::Reason;
use domain::entity::{Entity, EntityClass, EntityData, Outlet, OutletKind, Permit};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutletBody {
    code: String,
    /// water, air, noise or solid
    #[schema(value_type = String)]
    kind: OutletKind,
    name: String,
    lat: f64,
    lon: f64,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PermitBody {
    number: String,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
}

/// An entity as sent to register it, or as it results from a merge patch.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntityBody {
    /// 统一社会信用代码, GB 32100-2015, with its check character.
    uscc: String,
    name: String,
    county_code: String,
    /// GB/T 4754-2017 four-digit class.
    industry_code: String,
    /// key (重点监管) or general
    #[schema(value_type = String)]
    class: EntityClass,
    address: String,
    #[serde(default)]
    legal_representative: String,
    /// WGS-84 degrees.
    lat: f64,
    lon: f64,
    #[serde(default)]
    outlets: Vec<OutletBody>,
    #[serde(default)]
    permit: Option<PermitBody>,
}

#[derive(Serialize, ToSchema)]
pub struct EntityView {
    id: Uuid,
    #[serde(flatten)]
    body: EntityBody,
    /// Demo data (演示数据).
    demo: bool,
    version: i64,
    /// In a list searched with `q`: the parts of each field that the words matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    highlights: Option<EntityHighlights>,
}

/// Matched parts as `[start, end)` offsets in Unicode characters (code points, not UTF-16 units
/// nor bytes), sorted and merged.
#[derive(Serialize, ToSchema)]
pub struct EntityHighlights {
    name: Vec<[usize; 2]>,
    uscc: Vec<[usize; 2]>,
    address: Vec<[usize; 2]>,
    legal_representative: Vec<[usize; 2]>,
}

impl EntityHighlights {
    fn of(view: &EntityView, h: &mut app::search::Highlighter) -> EntityHighlights {
        let mut marks = |text: &str| h.marks(text).into_iter().map(|(s, e)| [s, e]).collect();
        EntityHighlights {
            name: marks(&view.body.name),
            uscc: marks(&view.body.uscc),
            address: marks(&view.body.address),
            legal_representative: marks(&view.body.legal_representative),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntityList {
    items: Vec<EntityView>,
    page: i64,
    per_page: i64,
    total: i64,
}

fn degrees(e6: i64) -> f64 {
    e6 as f64 / 1e6
}

fn micro(field: &str, deg: f64) -> Result<i64, Reason> {
    if deg.is_finite() && deg.abs() <= 180.0 {
        Ok((deg * 1e6).round() as i64)
    } else {
        Err(Reason::new("coordinate.out_of_range").field(field))
    }
}

impl From<Entity> for EntityView {
    fn from(e: Entity) -> Self {
        let d = e.data;
        EntityView {
            id: e.id,
            body: EntityBody {
                uscc: d.uscc,
                name: d.name,
                county_code: d.county_code,
                industry_code: d.industry_code,
                class: d.class,
                address: d.address,
                legal_representative: d.legal_representative,
                lat: degrees(d.lat_e6),
                lon: degrees(d.lon_e6),
                outlets: d
                    .outlets
                    .into_iter()
                    .map(|o| OutletBody {
                        code: o.code,
                        kind: o.kind,
                        name: o.name,
                        lat: degrees(o.lat_e6),
                        lon: degrees(o.lon_e6),
                    })
                    .collect(),
                permit: d.permit.map(|p| PermitBody {
                    number: p.number,
                    valid_from: p.valid_from,
                    valid_until: p.valid_until,
                }),
            },
            demo: e.demo,
            version: e.version,
            highlights: None,
        }
    }
}

impl EntityBody {
    fn into_data(self) -> Result<EntityData, ApiError> {
        let mut reasons = Vec::new();
        let mut coord = |field: String, deg: f64| {
            micro(&field, deg).unwrap_or_else(|r| {
                reasons.push(r);
                0
            })
        };
        let lat_e6 = coord("lat".into(), self.lat);
        let lon_e6 = coord("lon".into(), self.lon);
        let outlets = self
            .outlets
            .into_iter()
            .enumerate()
            .map(|(i, o)| Outlet {
                lat_e6: coord(format!("outlets[{i}].lat"), o.lat),
                lon_e6: coord(format!("outlets[{i}].lon"), o.lon),
                code: o.code,
                kind: o.kind,
                name: o.name,
            })
            .collect();
        if !reasons.is_empty() {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, &reasons));
        }
        Ok(EntityData {
            uscc: self.uscc,
            name: self.name,
            county_code: self.county_code,
            industry_code: self.industry_code,
            class: self.class,
            address: self.address,
            legal_representative: self.legal_representative,
            lat_e6,
            lon_e6,
            outlets,
            permit: self.permit.map(|p| Permit {
                number: p.number,
                valid_from: p.valid_from,
                valid_until: p.valid_until,
            }),
        })
    }
}

impl Versioned for EntityView {
    fn version(&self) -> i64 {
        self.version
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Words that must all match (the first 10 are looked for; a single letter or digit is a
    /// whole word, longer Latin words and codes match by prefix): fragments of the name, address or legal representative (two
    /// Chinese characters such as 糖厂 included), a USCC prefix, a Latin word's prefix.
    q: Option<String>,
    /// With `q`: `relevance` (default, best match first) or `name` (pinyin order). Without `q`
    /// the list is always by name in pinyin order.
    sort: Option<String>,
    /// A county code such as 532822.
    county: Option<String>,
    /// key or general
    class: Option<String>,
    /// From 1.
    page: Option<String>,
    /// 1 to 200, default 50.
    per_page: Option<String>,
}

/// Entities the caller may see, filtered; with `q`, found by the search index and ranked (or by
/// name), each with its matched parts; without, by name in pinyin order.
#[utoipa::path(get, path = "/api/v1/entities", tag = "entities",
    params(ListParams),
    responses((status = 200, body = EntityList), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_entities(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<EntityList>, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let page = number("page", p.page, 1, 1, i64::MAX / 1000)?;
    let per_page = number("per_page", p.per_page, 50, 1, 200)?;
    crate::routes::query_text("q", p.q.as_deref())?;
    let county = p.county.unwrap_or_default();
    // A code of no county would match nothing in silence: the caller mistyped it.
    if !county.is_empty() && !state.app.counties().contains(&county) {
        return Err(invalid_query(
            "county",
            "a county code of this prefecture (config/divisions.csv)",
        ));
    }
    let class = p.class.unwrap_or_default();
    if !class.is_empty() && EntityClass::parse(&class).is_none() {
        return Err(invalid_query("class", "key or general"));
    }
    let q = p.q.unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(invalid_query("q", "at most 100 characters"));
    }
    let sort = match p.sort.as_deref() {
        None | Some("") | Some("relevance") => EntitySort::Relevance,
        Some("name") => EntitySort::Name,
        Some(_) => return Err(invalid_query("sort", "relevance or name")),
    };
    let filter = EntityFilter {
        q,
        county,
        class,
        sort,
    };
    let result = state
        .app
        .entities(&auth.actor, &filter, page, per_page)
        .await?;
    let mut highlighter =
        (!filter.q.trim().is_empty()).then(|| app::search::Highlighter::new(&filter.q));
    Ok(Json(EntityList {
        items: result
            .items
            .into_iter()
            .map(|e| {
                let mut view = EntityView::from(e);
                if let Some(h) = highlighter.as_mut() {
                    view.highlights = Some(EntityHighlights::of(&view, h));
                }
                view
            })
            .collect(),
        page,
        per_page,
        total: result.total,
    }))
}

/// One entity, with its version as the ETag. Outside the caller's scope: 404.
#[utoipa::path(get, path = "/api/v1/entities/{id}", tag = "entities",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = EntityView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_entity(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let entity = state.app.entity(&auth.actor, parse_id(&id)?).await?;
    Ok(with_etag(StatusCode::OK, EntityView::from(entity)))
}

/// Registers an entity.
#[utoipa::path(post, path = "/api/v1/entities", tag = "entities",
    request_body = EntityBody,
    responses((status = 201, body = EntityView), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn create_entity(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(body): ApiJson<EntityBody>,
) -> Result<Response, ApiError> {
    let entity = state
        .app
        .register_entity(&auth.actor, body.into_data()?, false)
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/entities/{}", entity.id))
        .map_err(|_| ApiError::internal())?;
    let mut response = with_etag(StatusCode::CREATED, EntityView::from(entity));
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// RFC 7396: objects merge member by member, `null` removes, anything else replaces.
fn merge(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(members) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            if let Value::Object(t) = target {
                for (k, v) in members {
                    if v.is_null() {
                        t.remove(&k);
                    } else {
                        merge(t.entry(k).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other,
    }
}

/// Changes an entity by JSON merge patch. Needs `If-Match` (428 without, 412 when stale);
/// `id`, `uscc`, `demo` and `version` cannot change.
#[utoipa::path(patch, path = "/api/v1/entities/{id}", tag = "entities",
    params(("id" = Uuid, Path), ("If-Match" = String, Header)),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, body = EntityView), (status = 404, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem),
              (status = 428, body = Problem)),
    security(("bearer" = [])))]
async fn patch_entity(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let current = state.app.entity(&auth.actor, id).await?;
    let expected = if_match(&headers)?;
    let Value::Object(members) = &patch else {
        return Err(ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            Reason::new("field.invalid_type")
                .arg("field", "")
                .arg("detail", "a merge patch is a JSON object"),
        ));
    };
    let view = serde_json::to_value(EntityView::from(current)).map_err(|_| ApiError::internal())?;
    for field in ["id", "uscc", "demo", "version"] {
        if let Some(v) = members.get(field)
            && view.get(field) != Some(v)
        {
            return Err(ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                Reason::new("field.immutable")
                    .field(field)
                    .arg("field", field),
            ));
        }
    }
    let mut merged = view;
    merge(&mut merged, patch);
    if let Value::Object(m) = &mut merged {
        for field in ["id", "demo", "version"] {
            m.remove(field);
        }
    }
    let body: EntityBody = from_value(merged)?;
    let entity = state
        .app
        .update_entity(&auth.actor, id, body.into_data()?, expected)
        .await?;
    Ok(with_etag(StatusCode::OK, EntityView::from(entity)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_entities, create_entity))
        .routes(routes!(get_entity, patch_entity))
}
