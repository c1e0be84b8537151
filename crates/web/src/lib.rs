//! The HTTP edge. Routes here, rules in `domain`, SQL in the stores.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod auth;
mod error;
mod json;
mod multipart;
mod pages;
mod precondition;
mod routes;
pub mod witness;

pub use error::ApiError;

use app::App;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// JSON and form bodies above this are refused with 413 (uploads get their own limit).
pub const BODY_LIMIT: usize = 1 << 20;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// Clean import previews awaiting their commit (pages only).
    imports: Arc<pages::import::Pending>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ecoenforce API",
        description = "生态环境保护综合行政执法平台 API. Errors are RFC 9457 problem+json with \
                       zh-CN and en messages. Send `Authorization: Bearer <token>` from \
                       `POST /api/v1/auth/login`."
    ),
    paths(openapi_document),
    components(schemas(error::Problem, error::ProblemItem, error::Texts)),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// This document (OpenAPI 3.1), built from the same route list as the router. Served by the
/// closure in `router_and_openapi`, which holds the finished document; this describes it.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "the OpenAPI document", body = Object)))]
#[allow(dead_code)]
fn openapi_document() {}

/// Registers the `bearer` scheme that routes name in `security(("bearer" = []))`: an OpenAPI
/// document that references an unregistered scheme is invalid, and clients cannot authorize.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some("A session token from `POST /api/v1/auth/login`."))
                        .build(),
                ),
            );
    }
}

/// Every API route with its OpenAPI description.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::auth::router())
        .merge(routes::units::router())
        .merge(routes::import::router())
        .merge(routes::entities::router())
        .merge(routes::admin::router())
        .merge(routes::ledger::router())
        .merge(routes::evidence::router())
        .merge(routes::cases::router())
        .merge(routes::proceedings::router())
        .merge(routes::discretion::router())
        .merge(routes::tasks::router())
        .merge(routes::documents::router())
        .merge(routes::sealed::router())
}

/// The router and its OpenAPI document, built from the same route list so they cannot drift.
pub fn router_and_openapi(app: Arc<App>) -> (Router, utoipa::openapi::OpenApi) {
    let state = AppState {
        app,
        imports: Arc::default(),
    };
    let (api, mut openapi) = api_routes().split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let spec = Arc::new(openapi.clone());
    let router = api
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let spec = spec.clone();
                async move { axum::Json((*spec).clone()) }
            }),
        )
        .merge(pages::router().layer(tower_http::csrf::CsrfLayer::new()))
        .fallback(pages::fallback)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                        let id = req
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                    }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(error::panic_response))
                .layer(DefaultBodyLimit::max(BODY_LIMIT))
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(60),
                )),
        );
    (router, openapi)
}

pub fn router(app: Arc<App>) -> Router {
    router_and_openapi(app).0
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Without TCP_NODELAY a response or request sent in more than one segment waits for the
    // peer's delayed acknowledgement (Nagle's algorithm): up to 40 ms on Linux. axum 0.8 no
    // longer sets it.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY could not be set on a connection");
        }
    });
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `security` requirement, wherever it appears, names a registered scheme.
    #[test]
    fn openapi_registers_every_security_scheme_it_names() {
        let (_, openapi) = api_routes().split_for_parts();
        let doc = serde_json::to_value(&openapi).unwrap();
        let schemes = doc["components"]["securitySchemes"]
            .as_object()
            .expect("components.securitySchemes is missing");
        assert_eq!(schemes["bearer"]["type"], "http");
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        let mut named = Vec::new();
        let mut stack = vec![&doc];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(serde_json::Value::Array(reqs)) = m.get("security") {
                        for req in reqs {
                            named.extend(req.as_object().unwrap().keys().cloned());
                        }
                    }
                    stack.extend(m.values());
                }
                serde_json::Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
        assert!(named.len() > 20, "too few security requirements: {named:?}");
        let unknown: Vec<_> = named.iter().filter(|n| !schemes.contains_key(*n)).collect();
        assert!(unknown.is_empty(), "unregistered schemes: {unknown:?}");
    }
}
