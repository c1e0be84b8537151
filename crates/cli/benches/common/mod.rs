//! Shared by the benches: a throwaway PostgreSQL database.

use sqlx::Connection;

/// The binary's allocator (`crates/cli/src/main.rs`): the benches measure what it runs.
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod cases;

/// A fresh database on `ECOENFORCE_TEST_DATABASE_URL`'s server; dropped with the guard.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> Result<PgDatabase, String> {
        let admin = std::env::var("ECOENFORCE_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .map_err(|e| e.to_string())?;
        let name = format!("ecoenforce_bench_{}", uuid::Uuid::now_v7().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        let url = format!("{base}/{name}");
        Ok(PgDatabase { admin, name, url })
    }

    pub async fn drop(self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

/// Fills the log with `total` events through the write path, 100 events per command.
pub async fn fill_log(backend: &dyn store::Store, total: u64) {
    fill_log_from(backend, 0, total).await
}

/// Adds `total` events numbered from `first` (unit codes `bench-<n>` must stay unique).
pub async fn fill_log_from(backend: &dyn store::Store, first: u64, total: u64) {
    use domain::event::Payload;
    use domain::unit::{UnitCreated, UnitKind};
    use domain::{Actor, Event};
    use store::{Changes, Decide, Reader};
    let mut written = 0u64;
    while written < total {
        let batch = (total - written).min(100);
        let start = first + written;
        let decide: Decide = Box::new(move |_r: &mut dyn Reader| {
            Box::pin(async move {
                let actor = Actor::System.to_ref();
                let events = (start..start + batch)
                    .map(|i| Event {
                        id: uuid::Uuid::now_v7(),
                        at: domain::Timestamp::new(chrono::Utc::now()),
                        actor: actor.clone(),
                        payload: Payload::UnitCreated(UnitCreated {
                            id: uuid::Uuid::now_v7(),
                            code: format!("bench-{i}"),
                            kind: UnitKind::PartnerAgency,
                            name_zh: format!("压测单位{i}"),
                            name_en: format!("Bench unit {i}"),
                            parent_id: None,
                            division_code: "532800".into(),
                            demo: true,
                        }),
                    })
                    .collect();
                Ok(Changes {
                    events,
                    secrets: Vec::new(),
                })
            })
        });
        backend.write(decide).await.expect("write");
        written += batch;
    }
}

/// A fresh SQLite store in `path` (a bench's temporary folder).
pub async fn sqlite(path: &std::path::Path) -> std::sync::Arc<dyn store::Store> {
    std::sync::Arc::new(
        store_sqlite::Backend::open(&path.join("bench.db"))
            .await
            .expect("SQLite"),
    )
}

/// Serves `app` on a free local port and signs in as the demo detachment officer (who sees every
/// county): the address and a bearer token.
pub async fn serve_signed_in(app: std::sync::Arc<app::App>) -> (std::net::SocketAddr, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(web::serve(listener, app, std::future::pending()));
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "zhidui.officer", "password": app::seed::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login json");
    (addr, login["token"].as_str().expect("token").to_owned())
}

/// CI's short mode (`ECOENFORCE_BENCH_SHORT=1`): small sizes and runs of a second or two, so that
/// every bench is built and run on each change and never rots; its figures mean nothing.
pub fn short() -> bool {
    std::env::var("ECOENFORCE_BENCH_SHORT").is_ok_and(|v| v == "1")
}
