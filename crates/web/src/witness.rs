//! The witness's HTTP face (`ecoenforce witness serve`), C2SP tlog-witness: `POST
//! /add-checkpoint` for logs, and for anyone the latest cosigned checkpoint of each log and the
//! evidence of forks it kept. No sign-in: a request is only as good as the log's signature on it.

use app::witness::{SIZE_CONTENT_TYPE, Witness, WitnessAnswer};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::sync::Arc;

/// A request is a size line, at most 63 hashes and a checkpoint with a few signatures.
const MAX_BODY: usize = 64 * 1024;

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "witness request failed");
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        "text/plain; charset=utf-8",
        "见证服务内部错误 / the witness failed; try again\n".into(),
    )
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: String) -> Response {
    match w.add_checkpoint(&body).await {
        Ok(WitnessAnswer::Cosigned(lines)) => {
            text(StatusCode::OK, "text/plain; charset=utf-8", lines)
        }
        Ok(WitnessAnswer::Refused(refusal)) => {
            let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
            match refusal.known_size() {
                Some(known) => text(status, SIZE_CONTENT_TYPE, format!("{known}\n")),
                None => text(status, "text/plain; charset=utf-8", format!("{refusal}\n")),
            }
        }
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct Origin {
    origin: String,
}

/// The latest checkpoint this witness cosigned for a log: the log's note with the cosignature.
async fn checkpoint(State(w): State<Arc<Witness>>, Query(q): Query<Origin>) -> Response {
    match w.latest(&q.origin).await {
        Ok(Some(l)) => text(StatusCode::OK, "text/plain; charset=utf-8", l.checkpoint),
        Ok(None) => text(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            format!(
                "本见证未联署该日志 / no checkpoint of {} was cosigned here\n",
                q.origin
            ),
        ),
        Err(e) => failed(e),
    }
}

/// The checkpoints a log signed that do not extend the one cosigned here, each beside it.
async fn evidence(State(w): State<Arc<Witness>>, Query(q): Query<Origin>) -> Response {
    match w.evidence(&q.origin).await {
        Ok(list) => axum::Json(
            list.into_iter()
                .map(|e| {
                    serde_json::json!({
                        "origin": e.origin, "kind": e.kind,
                        // Only two signed trees of one size prove a fork by themselves.
                        "proves_fork": e.kind == "same_size_other_root",
                        "cosigned": e.cosigned, "offered": e.offered, "proof": e.proof,
                        "at": e.at,
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => failed(e),
    }
}

/// Who this witness is, the logs it follows and what it cosigned of each.
async fn about(State(w): State<Arc<Witness>>) -> Response {
    let logs = match w.logs().await {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let mut s = format!(
        "ecoenforce witness {}\nverifier key: {}\n",
        w.config().name,
        w.config().verifier_key()
    );
    for (origin, keys) in &w.config().logs {
        let cosigned = logs.iter().find(|l| &l.origin == origin);
        s.push_str(&format!(
            "log {origin} ({} {}): {}\n",
            keys.len(),
            if keys.len() == 1 { "key" } else { "keys" },
            cosigned
                .map(|l| {
                    let at = chrono::DateTime::from_timestamp(l.cosigned_at as i64, 0)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default();
                    format!("cosigned size {} at {at}", l.size)
                })
                .unwrap_or_else(|| "nothing cosigned yet".into())
        ));
    }
    text(StatusCode::OK, "text/plain; charset=utf-8", s)
}

pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/", get(about))
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/checkpoint", get(checkpoint))
        .route("/evidence", get(evidence))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(witness)
}

/// Serves the witness until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(witness))
        .with_graceful_shutdown(shutdown)
        .await
}
