//! The SQLite backend: zero-setup, one file under the data dir.
//!
//! SQLite has one writer at a time, so one task owns the write connection and commits groups of
//! commands: a queue of waiting writes is drained into one `BEGIN IMMEDIATE … COMMIT`, each command
//! inside its own savepoint, so a refused or failing command leaves the others intact. Log
//! positions are assigned inside that transaction, so they are gap-free. Reads use a small pool of
//! WAL readers.

#![cfg_attr(test, allow(clippy::unwrap_used))]

#[path = "../../store/shared/queries.rs"]
mod queries;

use async_trait::async_trait;
use futures::FutureExt;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection, SqlitePool};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use store::{Committed, Decide, ReplayReport, StoreError, WriteError, Writer};
use tokio::sync::{mpsc, oneshot};

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type DbConn = SqliteConnection;

/// The most commands committed in one transaction; bounds the latency a group adds.
const MAX_GROUP: usize = 512;

pub struct Backend {
    pool: SqlitePool,
    writer: mpsc::Sender<Request>,
    stats: Arc<WriterStats>,
}

/// Counters of the writer task, to see group commit at work.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub commands: AtomicU64,
    pub groups: AtomicU64,
}

enum Request {
    Write {
        decide: Decide,
        reply: oneshot::Sender<Result<Committed, WriteError>>,
    },
    Replay {
        reply: oneshot::Sender<Result<ReplayReport, StoreError>>,
    },
}

fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::database(context, e)
}

impl Backend {
    /// Opens (creating if needed) the database file, runs the migrations and starts the writer.
    pub async fn open(path: &Path) -> Result<Backend, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let mut write_conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(db("opening the SQLite database"))?;
        sqlx::migrate!("./migrations")
            .run(&mut write_conn)
            .await
            .map_err(|e| StoreError::database("running SQLite migrations", e))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(db("opening SQLite readers"))?;
        let (writer, rx) = mpsc::channel(4 * MAX_GROUP);
        let stats = Arc::new(WriterStats::default());
        tokio::spawn(run_writer(write_conn, rx, stats.clone()));
        Ok(Backend {
            pool,
            writer,
            stats,
        })
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Every table in the database, for the test that each is classified.
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
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
}

#[async_trait]
impl Writer for Backend {
    fn backend(&self) -> store::Backend {
        store::Backend::Sqlite
    }

    async fn write(&self, decide: Decide) -> Result<Committed, WriteError> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(Request::Write { decide, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn replay_check(&self) -> Result<ReplayReport, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(Request::Replay { reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }
}

async fn run_writer(
    mut conn: SqliteConnection,
    mut rx: mpsc::Receiver<Request>,
    stats: Arc<WriterStats>,
) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(r) => group.push(r),
                Err(_) => break,
            }
        }
        stats.groups.fetch_add(1, Ordering::Relaxed);
        stats
            .commands
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        commit_group(&mut conn, group).await;
    }
}

enum Reply {
    Write(
        oneshot::Sender<Result<Committed, WriteError>>,
        Result<Committed, WriteError>,
    ),
    Replay(
        oneshot::Sender<Result<ReplayReport, StoreError>>,
        Result<ReplayReport, StoreError>,
    ),
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::query(sql)
        .execute(&mut *conn)
        .await
        .map_err(db("controlling a write transaction"))?;
    Ok(())
}

/// Runs one decision and appends its events, inside a savepoint the caller opened.
async fn run_one(
    conn: &mut SqliteConnection,
    size: i64,
    decide: Decide,
) -> Result<Committed, WriteError> {
    let decided = AssertUnwindSafe(async {
        let mut reader = queries::TxReader { conn: &mut *conn };
        decide(&mut reader).await
    })
    .catch_unwind()
    .await;
    let changes = match decided {
        Ok(result) => result?,
        Err(_) => {
            tracing::error!("a decision panicked; its command was rolled back");
            return Err(StoreError::Corrupt("a decision panicked".into()).into());
        }
    };
    Ok(queries::append(conn, size, &changes).await?)
}

async fn commit_group(conn: &mut SqliteConnection, group: Vec<Request>) {
    let mut replies = Vec::with_capacity(group.len());
    let result: Result<(), StoreError> = async {
        exec(conn, "BEGIN IMMEDIATE").await?;
        let mut size = queries::log_size(conn).await?;
        let start = size;
        for request in group {
            match request {
                Request::Write { decide, reply } => {
                    exec(conn, "SAVEPOINT command").await?;
                    let outcome = run_one(conn, size, decide).await;
                    if let Ok(seqs) = &outcome {
                        exec(conn, "RELEASE command").await?;
                        size += seqs.len() as i64;
                    } else {
                        exec(conn, "ROLLBACK TO command").await?;
                        exec(conn, "RELEASE command").await?;
                    }
                    replies.push(Reply::Write(reply, outcome));
                }
                Request::Replay { reply } => {
                    exec(conn, "SAVEPOINT replay").await?;
                    let outcome = queries::replay(conn).await;
                    exec(conn, "ROLLBACK TO replay").await?;
                    exec(conn, "RELEASE replay").await?;
                    replies.push(Reply::Replay(reply, outcome));
                }
            }
        }
        if size != start {
            queries::set_log_size(conn, size).await?;
        }
        exec(conn, "COMMIT").await
    }
    .await;
    if let Err(e) = &result {
        tracing::error!(error = %e, "a write group failed; nothing of it was committed");
        // Best effort: the transaction may already be gone with the error.
        let _ = exec(conn, "ROLLBACK").await;
    }
    for reply in replies {
        // A caller that stopped waiting is not an error: its write committed (or not) all the same.
        match reply {
            Reply::Write(tx, outcome) => {
                let outcome = match (&result, outcome) {
                    (Err(e), Ok(_)) => Err(StoreError::database("committing", e).into()),
                    (_, outcome) => outcome,
                };
                let _ = tx.send(outcome);
            }
            Reply::Replay(tx, outcome) => {
                let _ = tx.send(outcome);
            }
        }
    }
}
