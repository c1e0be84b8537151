//! The PostgreSQL backend for production.
//!
//! Every write group locks the log head row (`SELECT … FOR UPDATE`) before it decides, so
//! writers (of this server and any other) serialise there and log positions are gap-free;
//! readers never wait for it. Within a server, commands queued together commit together
//! ([`writer`]).

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod exec;
mod writer;

use async_trait::async_trait;
use exec::PgExec;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use store::sql::{ReadFn, SqlBackend};
use store::{Committed, Decide, ReplayReport, StoreError, WriteError};
use tokio::sync::{mpsc, oneshot};

pub struct Backend {
    pool: PgPool,
    writer: mpsc::Sender<writer::Job>,
    stats: Arc<WriterStats>,
}

pub use store::WriterStats;

fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::database(context, e)
}

/// The advisory lock key of the checkpoint signer ("ecoledgr" as a big-endian i64).
const SIGNER_LOCK_KEY: i64 = 0x6563_6f6c_6564_6772;

/// Fills the entity sort keys that migration 30 emptied (see it), once, in one transaction.
async fn fill_name_keys(pool: &sqlx::PgPool) -> Result<(), StoreError> {
    let mut tx = pool
        .begin()
        .await
        .map_err(db("starting to fill name keys"))?;
    let rows: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM entities WHERE length(name_key) = 0 FOR UPDATE")
            .fetch_all(&mut *tx)
            .await
            .map_err(db("reading names without a sort key"))?;
    for (id, name) in rows {
        sqlx::query("UPDATE entities SET name_key = $1 WHERE id = $2")
            .bind(domain::collation::name_key(&name).into_bytes())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db("filling a name's sort key"))?;
    }
    tx.commit().await.map_err(db("filling name keys"))
}

impl Backend {
    /// Connects, runs the migrations and returns the backend.
    pub async fn open(url: &str) -> Result<Backend, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(db("reading the database URL"))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(db("connecting to PostgreSQL"))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::database("running PostgreSQL migrations", e))?;
        fill_name_keys(&pool).await?;
        let (writer, rx) = mpsc::channel(4 * writer::MAX_GROUP);
        let stats = Arc::new(WriterStats::default());
        tokio::spawn(writer::writer_loop(pool.clone(), rx, stats.clone()));
        Ok(Backend {
            pool,
            writer,
            stats,
        })
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Every table in the current schema, for the test that each is classified.
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
             ORDER BY tablename",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db("listing tables"))?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// Runs a statement outside the write path. Only for tests that tamper with the database.
    #[doc(hidden)]
    pub async fn execute_unchecked(&self, sql: &'static str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql)
            .execute(&self.pool)
            .await
            .map_err(db("running a raw statement"))?
            .rows_affected())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl SqlBackend for Backend {
    fn kind(&self) -> store::Backend {
        store::Backend::Postgres
    }

    async fn run<R: Send + 'static>(&self, f: ReadFn<R>) -> Result<R, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(db("opening a connection"))?;
        f(&mut PgExec { conn: &mut conn }).await
    }

    fn queued(&self) -> usize {
        // Permits taken are requests sent and not yet received (or being sent).
        self.writer.max_capacity() - self.writer.capacity()
    }

    async fn write(&self, decide: Decide) -> Result<Committed, WriteError> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(writer::Job { decide, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn signer_lock(&self) -> Result<Option<store::SignerLock>, StoreError> {
        // A session-level advisory lock on a connection taken out of the pool: it is held while
        // the connection lives, and PostgreSQL frees it if this server dies.
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(db("opening a connection"))?
            .detach();
        let (locked,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(SIGNER_LOCK_KEY)
            .fetch_one(&mut conn)
            .await
            .map_err(db("taking the signer lock"))?;
        Ok(locked
            .then(|| Box::new(AdvisoryLock(tokio::sync::Mutex::new(conn))) as store::SignerLock))
    }

    async fn replay_check(&self) -> Result<ReplayReport, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db("starting a replay"))?;
        let mut e = PgExec { conn: &mut tx };
        // Holding the head keeps writers out, so the log and the live tables are seen together.
        store::sql::log_tip(&mut e, true).await?;
        let report = store::sql::replay(&mut e).await;
        tx.rollback().await.map_err(db("rolling back a replay"))?;
        report
    }
}

/// The signer's session-level advisory lock, held by its own connection.
struct AdvisoryLock(tokio::sync::Mutex<sqlx::PgConnection>);

#[async_trait::async_trait]
impl store::SignerGuard for AdvisoryLock {
    async fn still_held(&self) -> bool {
        // The lock is this session's for as long as the session lives; ask the session itself
        // (a dropped or terminated connection fails here).
        let mut conn = self.0.lock().await;
        sqlx::query_as::<_, (bool,)>(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
             AND pid = pg_backend_pid() AND granted AND objsubid = 1 \
             AND (classid::bigint << 32) | objid::bigint = $1)",
        )
        .bind(SIGNER_LOCK_KEY)
        .fetch_one(&mut *conn)
        .await
        .map(|(held,)| held)
        .unwrap_or(false)
    }
}
