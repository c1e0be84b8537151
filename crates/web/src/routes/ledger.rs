//! The ledger for followers: public checkpoint, keys and C2SP tiles (no sign-in; they hold
//! hashes only), and signed-in, scoped entries and proofs.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::routes::{invalid_query, number};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Reason;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

fn text(body: String, cache: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

fn none_yet() -> ApiError {
    ApiError::one(StatusCode::NOT_FOUND, Reason::new("ledger.no_checkpoint"))
}

/// The latest signed checkpoint (C2SP tlog-checkpoint, a signed note).
#[utoipa::path(get, path = "/ledger/checkpoint", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain"),
              (status = 404, body = Problem)))]
async fn checkpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    let cp = state.app.latest_checkpoint().await?.ok_or_else(none_yet)?;
    Ok(text(cp.note, "no-cache"))
}

/// The verifier key that signs checkpoints now: `<origin>+<key id hex>+<base64(0x01 ‖ key)>`.
#[utoipa::path(get, path = "/ledger/verifier-key", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain"),
              (status = 404, body = Problem)))]
async fn verifier_key(State(state): State<AppState>) -> Result<Response, ApiError> {
    let key = state
        .app
        .ledger_keys()
        .await?
        .into_iter()
        .next()
        .ok_or_else(none_yet)?;
    Ok(text(format!("{}\n", key.vkey), "no-cache"))
}

/// The statements of lost ranges this ledger's key signed (`ledger declare-loss`), oldest
/// first: each a C2SP signed note by the old log's key and the key of the log that continues.
#[utoipa::path(get, path = "/ledger/statements", tag = "ledger",
    responses((status = 200, body = Vec<String>)))]
async fn statements(State(state): State<AppState>) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(state.app.ledger_statements().await?))
}

#[derive(Serialize, ToSchema)]
pub struct VerifierKey {
    vkey: String,
    key_id: String,
    created_at: String,
    /// The smallest and largest tree size it signed; null before it signed.
    first_size: Option<i64>,
    last_size: Option<i64>,
}

/// Every key that ever signed this ledger, newest first.
#[utoipa::path(get, path = "/ledger/verifier-keys", tag = "ledger",
    responses((status = 200, body = Vec<VerifierKey>)))]
async fn verifier_keys(State(state): State<AppState>) -> Result<Json<Vec<VerifierKey>>, ApiError> {
    Ok(Json(
        state
            .app
            .ledger_keys()
            .await?
            .into_iter()
            .map(|k| VerifierKey {
                vkey: k.vkey,
                key_id: k.key_id,
                created_at: k.created_at.to_string(),
                first_size: k.first_size,
                last_size: k.last_size,
            })
            .collect(),
    ))
}

/// A C2SP tlog-tiles tile: `<L>/<N>[.p/<W>]` (hash tiles) or `entries/<N>[.p/<W>]` (entry
/// bundles carrying each event's `event_hash`). Immutable once it exists. `path` spans several
/// segments (slashes unescaped; served as `/ledger/tile/{*path}`).
#[utoipa::path(get, path = "/ledger/tile/{path}", tag = "ledger",
    params(("path" = String, Path,
            description = "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, C2SP tlog-tiles")),
    responses((status = 200, content_type = "application/octet-stream"),
              (status = 404, body = Problem)))]
async fn tile(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::one(StatusCode::NOT_FOUND, Reason::new("request.not_found"));
    let tile = app::proofs::parse_tile_path(&path).ok_or_else(not_found)?;
    let bytes = state.app.ledger_tile(tile).await?.ok_or_else(not_found)?;
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(r)
}

#[derive(Serialize, ToSchema)]
pub struct CheckpointView {
    size: i64,
    /// Base64, as in the checkpoint.
    root: String,
    /// The signed note.
    checkpoint: String,
}

/// Signs a checkpoint now if the tree grew since the last one, and returns the latest
/// (system administrator, detachment leader and detachment officers; 403 for other roles).
#[utoipa::path(post, path = "/api/v1/ledger/checkpoints", tag = "ledger",
    responses((status = 200, body = CheckpointView), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
async fn sign_now(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<CheckpointView>, ApiError> {
    let cp = state.app.sign_checkpoint_for(&auth.actor).await?;
    Ok(Json(CheckpointView {
        size: cp.size,
        root: app::proofs::base64(&cp.root),
        checkpoint: cp.note,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    index: i64,
    /// The event envelope whose RFC 8785 canonical JSON hashes to `event_hash`.
    #[schema(value_type = Object)]
    event: serde_json::Value,
    event_hash: String,
    leaf_hash: String,
}

fn parse_index(field: &str, s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| invalid_query(field, "an integer of at least 0"))
}

/// One ledger entry, if its event is within the caller's reach (404 otherwise).
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}", tag = "ledger",
    params(("index" = i64, Path)),
    responses((status = 200, body = EntryView), (status = 404, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn entry(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(index): Path<String>,
) -> Result<Json<EntryView>, ApiError> {
    let index = parse_index("index", &index)?;
    let e = state.app.ledger_entry(&auth.actor, index).await?;
    Ok(Json(EntryView {
        index: e.record.seq,
        event: e.record.event.envelope(),
        event_hash: app::proofs::hex(&e.event_hash),
        leaf_hash: app::proofs::hex(&e.leaf_hash),
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionParams {
    /// The entry, from 0.
    index: Option<String>,
    /// The tree size; default the latest checkpoint's.
    size: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InclusionView {
    index: u64,
    size: u64,
    leaf_hash: String,
    /// Sibling hashes from the leaf up (RFC 9162 §2.1.3), hex.
    proof: Vec<String>,
    root: String,
    /// The signed checkpoint of this size, if one was signed.
    checkpoint: Option<String>,
}

/// Inclusion of an entry in a tree (RFC 9162 §2.1.3).
#[utoipa::path(get, path = "/api/v1/ledger/proof/inclusion", tag = "ledger",
    params(InclusionParams),
    responses((status = 200, body = InclusionView), (status = 404, body = Problem),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn inclusion(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<InclusionParams>, QueryRejection>,
) -> Result<Json<InclusionView>, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let index = parse_index(
        "index",
        p.index
            .as_deref()
            .ok_or_else(|| invalid_query("index", "required"))?,
    )?;
    let size = match p.size {
        None => None,
        Some(s) => Some(number("size", Some(s), 0, 1, i64::MAX)?),
    };
    let r = state.app.inclusion_proof(&auth.actor, index, size).await?;
    Ok(Json(InclusionView {
        index: r.index,
        size: r.size,
        leaf_hash: app::proofs::hex(&r.leaf_hash),
        proof: r.proof.iter().map(|h| app::proofs::hex(h)).collect(),
        root: app::proofs::hex(&r.root),
        checkpoint: r.checkpoint,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyParams {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsistencyView {
    from: u64,
    to: u64,
    /// RFC 9162 §2.1.4, hex.
    proof: Vec<String>,
    from_root: String,
    to_root: String,
}

/// Proof that the tree of `from` entries is a prefix of the tree of `to` entries.
#[utoipa::path(get, path = "/api/v1/ledger/proof/consistency", tag = "ledger",
    params(ConsistencyParams),
    responses((status = 200, body = ConsistencyView), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn consistency(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: Result<Query<ConsistencyParams>, QueryRejection>,
) -> Result<Json<ConsistencyView>, ApiError> {
    let Query(p) = params.map_err(|e| invalid_query("", &e.body_text()))?;
    let req = |name: &str, v: Option<String>| -> Result<i64, ApiError> {
        parse_index(
            name,
            v.as_deref()
                .ok_or_else(|| invalid_query(name, "required"))?,
        )
    };
    let (from, to) = (req("from", p.from)?, req("to", p.to)?);
    let r = state.app.consistency_proof(&auth.actor, from, to).await?;
    Ok(Json(ConsistencyView {
        from: r.from,
        to: r.to,
        proof: r.proof.iter().map(|h| app::proofs::hex(h)).collect(),
        from_root: app::proofs::hex(&r.from_root),
        to_root: app::proofs::hex(&r.to_root),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(verifier_key))
        .routes(routes!(verifier_keys))
        .routes(routes!(statements))
        .routes(routes!(sign_now))
        .routes(routes!(entry))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
        // The tile path spans several segments: OpenAPI's templating cannot say so, axum's
        // catch-all can. Documented under `{path}`, served under `{*path}`.
        .merge(
            OpenApiRouter::with_openapi(TileDoc::openapi())
                .route("/ledger/tile/{*path}", axum::routing::get(tile)),
        )
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(tile))]
struct TileDoc;
