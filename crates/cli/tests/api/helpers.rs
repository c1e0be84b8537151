//! `spawn_app`: the real server on 127.0.0.1:0 against a fresh SQLite file or a fresh PostgreSQL
//! database per test (atuin's and zero-to-production's shape).
//!
//! PostgreSQL comes from `ECOENFORCE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without a reachable server the PostgreSQL
//! variants print why they skip; with `ECOENFORCE_REQUIRE_PG=1` they fail instead.

use app::{App, AppSettings, Clock, SystemClock};
use sqlx::Connection;
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub enum Concrete {
    Sqlite(Arc<store_sqlite::Backend>),
    Postgres(Arc<store_postgres::Backend>),
}

pub struct TestApp {
    /// The last TOTP step each user signed in with: a code is good once (RFC 6238 §5.2).
    totp_steps: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub app: Arc<App>,
    /// The same store the app runs on, for tests that look under the application layer.
    pub store: Arc<dyn Store>,
    /// The app's clock.
    pub clock: Arc<dyn Clock>,
    pub concrete: Concrete,
    shutdown: Option<oneshot::Sender<()>>,
    /// The checkpoint signer's key and state (`<data dir>/ledger`).
    pub ledger_dir: std::path::PathBuf,
    /// The evidence blob store's folder (64 MiB limit in tests).
    pub evidence_dir: std::path::PathBuf,
    _ledger: tempfile::TempDir,
    _dir: Option<tempfile::TempDir>,
    pg_database: Option<(String, String)>,
}

/// The ledger origin of every test app.
pub const TEST_ORIGIN: &str = "ecoenforce.test/532800";

pub fn pg_admin_url() -> String {
    std::env::var("ECOENFORCE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn pg_required() -> bool {
    std::env::var("ECOENFORCE_REQUIRE_PG").is_ok_and(|v| v == "1")
}

/// The URL with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..host_end])
}

async fn create_pg_database(test: &str) -> Option<(String, String)> {
    let admin = pg_admin_url();
    let connect = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        sqlx::PgConnection::connect(&admin),
    )
    .await;
    let mut conn = match connect {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return skip_or_fail(test, &e.to_string()),
        Err(_) => return skip_or_fail(test, "connection timed out"),
    };
    let name = format!("ecoenforce_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    let _ = conn.close().await;
    Some((admin, name))
}

fn skip_or_fail(test: &str, why: &str) -> Option<(String, String)> {
    if pg_required() {
        panic!(
            "ECOENFORCE_REQUIRE_PG=1 but PostgreSQL at {} is not reachable: {why}",
            pg_admin_url()
        );
    }
    // Written to the stream directly, past the test harness's capture, so a skip is always seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED PostgreSQL variant of {test}: no server at {} ({why}); set ECOENFORCE_TEST_DATABASE_URL, or ECOENFORCE_REQUIRE_PG=1 to fail instead",
        pg_admin_url()
    );
    None
}

/// Starts the app on the system clock; `None` when the PostgreSQL variant is skipped.
pub async fn spawn_app(kind: Kind, test: &str) -> Option<TestApp> {
    spawn_app_with(kind, test, AppSettings::default(), Arc::new(SystemClock)).await
}

/// Starts the app with these settings and this clock (an `app::FixedClock` that the test moves
/// crosses a deadline without waiting for it).
pub async fn spawn_app_with(
    kind: Kind,
    test: &str,
    settings: AppSettings,
    clock: Arc<dyn Clock>,
) -> Option<TestApp> {
    let (concrete, store, dir, pg_database): (Concrete, Arc<dyn Store>, _, _) = match kind {
        Kind::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let backend = Arc::new(
                store_sqlite::Backend::open(&dir.path().join("ecoenforce.db"))
                    .await
                    .expect("open SQLite"),
            );
            (Concrete::Sqlite(backend.clone()), backend, Some(dir), None)
        }
        Kind::Postgres => {
            let (admin, name) = create_pg_database(test).await?;
            let backend = Arc::new(
                store_postgres::Backend::open(&with_database(&admin, &name))
                    .await
                    .expect("open PostgreSQL"),
            );
            (
                Concrete::Postgres(backend.clone()),
                backend,
                None,
                Some((admin, name)),
            )
        }
    };
    let app = Arc::new(App::new(store.clone(), clock.clone(), settings));
    // A signer that signs on demand only (an hour between rounds), so tests decide when.
    let ledger = tempfile::tempdir().expect("tempdir");
    let ledger_dir = ledger.path().join("ledger");
    app.start_signer(app::checkpoints::SignerConfig {
        dir: ledger_dir.clone(),
        origin: TEST_ORIGIN.into(),
        interval: std::time::Duration::from_secs(3600),
    })
    .await
    .expect("start the signer");
    let evidence_dir = ledger.path().join("evidence");
    app.attach_evidence_store(app::evidence::EvidenceStore {
        blobs: store::blobs::BlobStore::local(&evidence_dir, 64 << 20).expect("blob store"),
        uploads_dir: ledger.path().join("uploads"),
    })
    .expect("evidence store");
    app.open_sealed_key(ledger.path())
        .await
        .expect("sealed-store key");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let served = app.clone();
    tokio::spawn(async move {
        web::serve(listener, served, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    Some(TestApp {
        totp_steps: Default::default(),
        addr,
        client: reqwest::Client::new(),
        app,
        store,
        clock,
        concrete,
        shutdown: Some(tx),
        ledger_dir,
        evidence_dir,
        _ledger: ledger,
        _dir: dir,
        pg_database,
    })
}

impl TestApp {
    /// The SQLite database's folder (none on PostgreSQL).
    pub fn sqlite_dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn log_size(&self) -> i64 {
        self.store.log_size().await.expect("log size")
    }

    /// Seeds the demo organisation and signs in as the demo administrator.
    pub async fn demo_admin_token(&self) -> String {
        self.app.seed_demo().await.expect("seed demo");
        self.login("admin", app::seed::DEMO_PASSWORD).await
    }

    /// A code of `secret` for `username` that the server has not seen yet: the earliest of the
    /// steps it accepts (the current one and one either side) after the last one used, waiting
    /// for the next step when all are used. The step before is used only well inside a step,
    /// so the server's clock cannot have moved past it.
    pub async fn totp_for(&self, username: &str, secret: &str) -> String {
        let mut waited_at = None;
        loop {
            // The server checks codes against its own clock.
            let now = self.clock.now().as_datetime().timestamp();
            assert_ne!(
                waited_at,
                Some(now),
                "the app's clock stands still: move it between administrators' sign-ins"
            );
            let current = now.div_euclid(30);
            let earliest = if now.rem_euclid(30) < 25 {
                current - 1
            } else {
                current
            };
            {
                let mut steps = self.totp_steps.lock().unwrap();
                let last = steps.get(username).copied().unwrap_or(i64::MIN);
                if let Some(step) = (earliest..=current + 1).find(|s| *s > last) {
                    steps.insert(username.to_owned(), step);
                    return app::totp::code(secret, step * 30, 6).expect("code");
                }
            }
            let wait = 30 - now.rem_euclid(30);
            waited_at = Some(now);
            tokio::time::sleep(std::time::Duration::from_secs(wait as u64)).await;
        }
    }

    /// A fresh code of the demo administrators' secret for a user who signs in with a second
    /// factor; `None` for the others, without spending one of their steps: the step bookkeeping
    /// made the fourth sign-in of any user within 30 s wait for the next step, whole minutes of
    /// idle waiting in tests that sign the same officer in again and again.
    pub async fn demo_totp(&self, username: &str) -> Option<String> {
        let has_second_factor = self
            .store
            .user_with_credential(username)
            .await
            .expect("reading the user")
            .and_then(|(_, credential)| credential)
            .is_some_and(|c| c.totp_secret.is_some());
        if !has_second_factor {
            return None;
        }
        Some(self.totp_for(username, app::totp::DEMO_SECRET).await)
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password, "totp": self.demo_totp(username).await}))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), 200, "login as {username}");
        let body: serde_json::Value = r.json().await.expect("login json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Runs a statement outside the write path (tamper tests only).
    pub async fn execute_unchecked(&self, sql: &'static str) -> u64 {
        match &self.concrete {
            Concrete::Sqlite(b) => b.execute_unchecked(sql).await,
            Concrete::Postgres(b) => b.execute_unchecked(sql).await,
        }
        .expect("raw statement")
    }

    pub async fn table_names(&self) -> Vec<String> {
        match &self.concrete {
            Concrete::Sqlite(b) => b.table_names().await,
            Concrete::Postgres(b) => b.table_names().await,
        }
        .expect("table names")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((admin, name)) = self.pg_database.take() {
            // Dropping needs its own runtime: Drop cannot await, and the test's runtime is ending.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut conn)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The reason codes of a problem+json body, in order.
pub fn error_codes(body: &serde_json::Value) -> Vec<&str> {
    body["errors"]
        .as_array()
        .expect("a problem with errors[]")
        .iter()
        .map(|e| e["code"].as_str().expect("a reason code"))
        .collect()
}

/// Runs each named `async fn(TestApp)` against SQLite and against PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let app = $crate::helpers::spawn_app($crate::helpers::Kind::Sqlite, stringify!($name))
                        .await
                        .expect("SQLite is always available");
                    super::$name(app).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Kind::Postgres, stringify!($name)).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

/// A clock that runs with the system's, shifted by an offset the test sets (a past for a walk
/// of dated steps, while time still passes for the second factors of sign-ins).
pub struct ShiftedClock(std::sync::Mutex<chrono::Duration>);

impl ShiftedClock {
    pub fn new() -> Self {
        ShiftedClock(std::sync::Mutex::new(chrono::Duration::zero()))
    }

    pub fn shift(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() = by;
    }
}

impl app::Clock for ShiftedClock {
    fn now(&self) -> domain::Timestamp {
        domain::Timestamp::new(chrono::Utc::now() + *self.0.lock().unwrap())
    }
}
