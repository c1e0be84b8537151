//! The write path: one task per server takes the commands waiting and commits them together,
//! under the log head row's lock, in one transaction (group commit).
//!
//! PostgreSQL makes a commit durable by flushing its WAL to disk; with every command its own
//! transaction under the head lock, writers queued behind that flush one at a time. Here the
//! commands that arrived meanwhile share one flush. Each runs inside a savepoint, so a refused
//! or failed command leaves nothing behind and the others still commit; if the group fails
//! before or at its commit, every command of it is told so (a failed `COMMIT` leaves the
//! outcome unknown, as for any client). A command whose caller stopped waiting before its turn
//! is not run.

use crate::exec::PgExec;
use futures::FutureExt;
use sqlx::PgPool;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use store::sql::{GroupLog, TxReader};
use store::{Committed, Decide, StoreError, WriteError, WriterStats};
use tokio::sync::{mpsc, oneshot};

/// At most this many commands share one transaction: each savepoint that writes is a
/// subtransaction, and PostgreSQL caches 64 of them per backend before it overflows to
/// `pg_subtrans` (slower snapshots everywhere).
pub(crate) const MAX_GROUP: usize = 32;

pub(crate) struct Job {
    pub(crate) decide: Decide,
    pub(crate) reply: oneshot::Sender<Result<Committed, WriteError>>,
}

fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::database(context, e)
}

/// Runs until every sender is gone (the backend dropped).
pub(crate) async fn writer_loop(
    pool: PgPool,
    mut rx: mpsc::Receiver<Job>,
    stats: Arc<WriterStats>,
) {
    let mut log = GroupLog::default();
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        stats.groups.fetch_add(1, Ordering::Relaxed);
        stats
            .commands
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        commit_group(&pool, &mut log, group).await;
    }
}

/// One command's decision and append, a panic in it turned into an error.
async fn run_one(
    e: &mut PgExec<'_>,
    log: &mut GroupLog,
    size: i64,
    decide: Decide,
) -> Result<Committed, WriteError> {
    let outcome = AssertUnwindSafe(async {
        let changes = decide(&mut TxReader {
            exec: e,
            log: &mut *log,
        })
        .await?;
        Ok::<_, WriteError>(store::sql::append(e, log, size, changes).await?)
    })
    .catch_unwind()
    .await;
    outcome.unwrap_or_else(|_| {
        tracing::error!("a decision panicked; its command was rolled back");
        Err(StoreError::Corrupt("a decision panicked".into()).into())
    })
}

async fn commit_group(pool: &PgPool, log: &mut GroupLog, group: Vec<Job>) {
    // A single command needs no savepoint: if it fails, the transaction is dropped.
    let savepoints = group.len() > 1;
    let mut replies = Vec::with_capacity(group.len());
    let mut pending = group.into_iter();
    let mut size = 0;
    let result: Result<(), StoreError> = async {
        let mut tx = pool.begin().await.map_err(db("starting a write"))?;
        // The head row's lock: one group at a time across every server on this database.
        let tip = store::sql::log_tip(&mut PgExec { conn: &mut tx }, true).await?;
        size = tip.size;
        log.begin(&tip);
        let start = size;
        // Whether the savepoint holds a command that succeeded (released with the next one's).
        let mut held = false;
        let mut any_ok = false;
        for Job { decide, reply } in pending.by_ref() {
            if reply.is_closed() {
                continue;
            }
            if savepoints {
                // Keeps the last command's rows and opens this one's savepoint: one round trip.
                let sql = if held {
                    "RELEASE SAVEPOINT command; SAVEPOINT command"
                } else {
                    "SAVEPOINT command"
                };
                held = false;
                if let Err(e) = sqlx::raw_sql(sql).execute(&mut *tx).await {
                    // Not run; answered below with the group's error like the others.
                    replies.push((reply, Ok(Vec::new())));
                    return Err(StoreError::database("opening a command's savepoint", e));
                }
            }
            let mark = log.mark();
            let outcome = run_one(&mut PgExec { conn: &mut tx }, log, size, decide).await;
            match &outcome {
                Ok(seqs) => {
                    size += seqs.len() as i64;
                    any_ok = true;
                    held = savepoints;
                    replies.push((reply, outcome));
                }
                Err(_) if savepoints => {
                    replies.push((reply, outcome));
                    sqlx::raw_sql("ROLLBACK TO SAVEPOINT command; RELEASE SAVEPOINT command")
                        .execute(&mut *tx)
                        .await
                        .map_err(db("rolling back a command"))?;
                    log.roll_back(mark);
                }
                Err(_) => {
                    replies.push((reply, outcome));
                    log.roll_back(mark);
                }
            }
        }
        if !any_ok {
            // Nothing to commit (dropping `tx` rolls it back).
            return Ok(());
        }
        if held {
            // The log size update then runs outside any savepoint.
            sqlx::raw_sql("RELEASE SAVEPOINT command")
                .execute(&mut *tx)
                .await
                .map_err(db("keeping a command"))?;
        }
        if size != start {
            let mut e = PgExec { conn: &mut tx };
            log.flush(&mut e).await?;
            store::sql::set_log_size(&mut e, size).await?;
        }
        tx.commit().await.map_err(db("committing a write group"))
    }
    .await;
    match &result {
        Ok(()) => log.committed(size),
        Err(_) => log.forget(),
    }
    if let Err(e) = &result {
        tracing::error!(error = %e, "a write group failed");
    }
    store::answer_group(&result, replies, pending.map(|job| job.reply));
}
