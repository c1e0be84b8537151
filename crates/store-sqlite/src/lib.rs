//! The SQLite backend: zero-setup, one file under the data dir.
//!
//! SQLite has one writer at a time, so one thread owns the write connection and commits groups of
//! commands: the queue of waiting writes is drained into one `BEGIN IMMEDIATE … COMMIT`, each
//! command inside its own savepoint, so a refused or failing command leaves the others intact.
//! Log positions are assigned inside that transaction, so they are gap-free. Reads use a small
//! pool of WAL readers on blocking threads.
//!
//! rusqlite rather than sqlx: a statement costs about 1.2 µs through rusqlite and about 25 µs
//! through sqlx-sqlite's channel to its worker thread (measured on the 2-core CI machine), and a
//! command is several statements; the write path's throughput target needs the former.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod exec;
mod migrate;
pub mod witness;

use async_trait::async_trait;
use exec::SqliteExec;
use rusqlite::{Connection, OpenFlags};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::sql::{GroupLog, ReadFn, SqlBackend};
use store::{Committed, Decide, ReplayReport, StoreError, WriteError};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// The most commands committed in one transaction; bounds the latency a group adds.
const MAX_GROUP: usize = 512;
const READERS: usize = 4;

pub struct Backend {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    readers: Semaphore,
    writer: mpsc::Sender<Request>,
    stats: Arc<WriterStats>,
}

pub use store::WriterStats;

/// A command for the writer, and where its outcome goes.
struct Request {
    decide: Decide,
    reply: oneshot::Sender<Result<Committed, WriteError>>,
}

pub(crate) fn db(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::database(context, e)
}

/// Creates the database file readable by its owner only, if it is not there yet. SQLite creates
/// a file 0644 less the umask, and its WAL and SHM files with the database file's mode, so
/// stating the mode here keeps all three private whatever the process's umask.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::database(
            "creating the SQLite database file",
            format!("{}: {e}", path.display()),
        )),
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db("opening the SQLite database"))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(db("setting the busy timeout"))?;
    // secure_delete: a deleted row's bytes are overwritten, not left in a free page, so an
    // erased sealed record (a lawful deletion request) is gone from the file, not merely unlinked.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;",
    )
    .map_err(db("setting connection pragmas"))?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// Fills the entity sort keys that migration 30 emptied (see it), once, in one transaction.
fn fill_name_keys(conn: &mut rusqlite::Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction()
        .map_err(db("starting to fill name keys"))?;
    let rows = {
        let mut stmt = tx
            .prepare("SELECT id, name FROM entities WHERE length(name_key) = 0")
            .map_err(db("reading names without a sort key"))?;
        stmt.query_map([], |r| {
            Ok((
                r.get::<_, rusqlite::types::Value>(0)?,
                r.get::<_, String>(1)?,
            ))
        })
        .map_err(db("reading names without a sort key"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db("reading names without a sort key"))?
    };
    for (id, name) in rows {
        tx.execute(
            "UPDATE entities SET name_key = ?1 WHERE id = ?2",
            rusqlite::params![domain::collation::name_key(&name).as_bytes(), id],
        )
        .map_err(db("filling a name's sort key"))?;
    }
    tx.commit().map_err(db("filling name keys"))
}

impl Backend {
    /// Opens (creating if needed) the database file, runs the migrations and starts the writer.
    pub async fn open(path: &Path) -> Result<Backend, StoreError> {
        let path = path.to_owned();
        let writer_path = path.clone();
        let write_conn = tokio::task::spawn_blocking(move || {
            create_private(&writer_path)?;
            let mut conn = open_connection(&writer_path)?;
            conn.execute_batch("PRAGMA journal_mode = WAL;")
                .map_err(db("switching to WAL"))?;
            migrate::run(&mut conn)?;
            fill_name_keys(&mut conn)?;
            Ok::<_, StoreError>(conn)
        })
        .await
        .map_err(|e| StoreError::database("opening SQLite", e))??;
        // Settings the writer alone needs. `synchronous = FULL`: every commit waits for the WAL
        // to reach the disk, so an acknowledged event survives a power cut, not only a crash of
        // this process (NORMAL may lose the last commits); the group commit shares that fsync.
        write_conn
            .execute_batch("PRAGMA wal_autocheckpoint = 4000; PRAGMA synchronous = FULL;")
            .map_err(db("setting the checkpoint interval"))?;
        let (writer, rx) = mpsc::channel(4 * MAX_GROUP);
        let stats = Arc::new(WriterStats::default());
        let thread_stats = stats.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(write_conn, rx, thread_stats))
            .map_err(|e| StoreError::database("starting the SQLite writer", e))?;
        Ok(Backend {
            path,
            idle: Mutex::new(Vec::new()),
            readers: Semaphore::new(READERS),
            writer,
            stats,
        })
    }

    /// A consistent copy of the database at `source` into the new file `target`, through
    /// SQLite's online backup API (never a file copy: a running server keeps writing). Returns
    /// the pages copied.
    pub fn backup(source: &Path, target: &Path) -> Result<i32, StoreError> {
        let src = open_connection(source)?;
        create_private(target)?;
        let mut dst = rusqlite::Connection::open(target)
            .map_err(|e| StoreError::database("creating the backup file", e))?;
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)
            .map_err(|e| StoreError::database("starting the backup", e))?;
        backup
            .run_to_completion(1024, std::time::Duration::from_millis(5), None)
            .map_err(|e| StoreError::database("copying the database", e))?;
        Ok(backup.progress().pagecount)
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Every table in the database, for the test that each is classified.
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let f: ReadFn<Vec<String>> = Box::new(|e| {
            Box::pin(async move {
                e.query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                    &[],
                )
                .await?
                .iter()
                .map(|r| r.text(0))
                .collect()
            })
        });
        self.run(f).await
    }

    /// Runs a statement outside the write path. Only for tests that tamper with the database.
    #[doc(hidden)]
    pub async fn execute_unchecked(&self, sql: &'static str) -> Result<u64, StoreError> {
        let f: ReadFn<u64> = Box::new(move |e| Box::pin(async move { e.execute(sql, &[]).await }));
        self.run(f).await
    }

    /// A reader's turn and a pooled connection; [`Backend::give_back`] returns the connection.
    async fn reader(&self) -> Result<(tokio::sync::SemaphorePermit<'_>, Connection), StoreError> {
        let permit = self
            .readers
            .acquire()
            .await
            .map_err(|e| StoreError::database("waiting for a reader", e))?;
        Ok((permit, self.take_connection()?))
    }

    fn give_back(&self, conn: Connection) {
        // One whose read could not be ended would hold its old snapshot: closed, not pooled.
        if !conn.is_autocommit() {
            return;
        }
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(conn);
    }

    fn take_connection(&self) -> Result<Connection, StoreError> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match pooled {
            Some(c) => Ok(c),
            None => open_connection(&self.path),
        }
    }
}

/// Runs a read on `conn`, in one read transaction: every statement of it sees the same
/// snapshot (a page and its count agree), and a WAL read takes its file and shared-memory locks
/// once instead of once per statement. A read fn that writes (a session's row) does so as its
/// first statement, which waits for the write lock as in autocommit. The future only awaits
/// rusqlite calls, which complete at once.
fn read_on<R>(conn: &mut Connection, f: ReadFn<R>) -> Result<R, StoreError> {
    let control = |conn: &Connection, sql: &'static str| {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute([]))
            .map_err(db("ending or starting a read transaction"))
    };
    control(conn, "BEGIN")?;
    let result = futures::executor::block_on(f(&mut SqliteExec { conn }));
    // A statement's error may have ended the transaction already; a read has nothing to keep.
    // The read's own error, if any, is the one to report.
    let ended = if conn.is_autocommit() {
        Ok(())
    } else {
        control(conn, "COMMIT").map(|_| ())
    };
    let value = result?;
    ended.map(|()| value)
}

#[async_trait]
impl SqlBackend for Backend {
    fn kind(&self) -> store::Backend {
        store::Backend::Sqlite
    }

    async fn run<R: Send + 'static>(&self, f: ReadFn<R>) -> Result<R, StoreError> {
        let (_permit, mut conn) = self.reader().await?;
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let result = read_on(&mut conn, f);
            (conn, result)
        })
        .await
        .map_err(|e| StoreError::database("running a read", e))?;
        self.give_back(conn);
        result
    }

    /// On the calling thread: a short read costs less than the two thread switches of a hop to
    /// the blocking pool and back (a signed-in request's session, a search page's rows), and
    /// readers of a WAL database do not wait for the writer.
    async fn run_short<R: Send + 'static>(&self, f: ReadFn<R>) -> Result<R, StoreError> {
        let (_permit, mut conn) = self.reader().await?;
        let result = read_on(&mut conn, f);
        self.give_back(conn);
        result
    }

    fn queued(&self) -> usize {
        // Permits taken are requests sent and not yet received (or being sent).
        self.writer.max_capacity() - self.writer.capacity()
    }

    async fn write(&self, decide: Decide) -> Result<Committed, WriteError> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(Request { decide, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn signer_lock(&self) -> Result<Option<store::SignerLock>, StoreError> {
        // One server owns a SQLite file; the lock file in the data dir keeps a second one out.
        Ok(Some(Box::new(FileOwned)))
    }

    /// Replays into a private temporary database (no journal: it is thrown away), reading the
    /// log and the live tables in one read transaction of a connection of its own: the writer
    /// carries on meanwhile, and nothing of the live file is rewritten and rolled back.
    async fn replay_check(&self) -> Result<ReplayReport, StoreError> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            // Read-only: a replay never writes the live file (nor creates one that is missing).
            let mut source = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(db("opening the database for the replay"))?;
            source
                .busy_timeout(Duration::from_secs(10))
                .map_err(db("setting the busy timeout"))?;
            // A private temporary file (deleted when closed), without a journal: it is thrown
            // away. secure_delete as on the live file: it holds the same rows.
            let mut target =
                Connection::open("").map_err(db("opening a temporary database for the replay"))?;
            target
                .execute_batch(
                    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
                     PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
                     PRAGMA cache_size = -262144;",
                )
                .map_err(db("setting up the replay database"))?;
            migrate::run_quietly(&mut target)?;
            // One transaction for the whole replay: ending one per statement walks the whole
            // (large) page cache each time. It is never committed: the file is thrown away.
            target
                .execute_batch("BEGIN")
                .map_err(db("starting the replay's writes"))?;
            source
                .execute_batch("BEGIN")
                .map_err(db("starting the replay's read"))?;
            let report = futures::executor::block_on(store::sql::replay_into(
                &mut SqliteExec { conn: &mut source },
                &mut SqliteExec { conn: &mut target },
            ));
            source
                .execute_batch("COMMIT")
                .map_err(db("ending the replay's read"))?;
            report
        })
        .await
        .map_err(|e| StoreError::database("running the replay", e))?
    }
}

fn writer_loop(mut conn: Connection, mut rx: mpsc::Receiver<Request>, stats: Arc<WriterStats>) {
    let mut log = GroupLog::default();
    while let Some(first) = rx.blocking_recv() {
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
        commit_group(&mut conn, &mut log, group);
    }
}

fn exec(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.execute_batch(sql)
        .map_err(db("controlling a write transaction"))
}

/// Runs one decision and appends its events, inside a savepoint the caller opened.
fn run_one(
    conn: &mut Connection,
    log: &mut GroupLog,
    size: i64,
    decide: Decide,
) -> Result<Committed, WriteError> {
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        futures::executor::block_on(async {
            let mut e = SqliteExec { conn };
            let changes = {
                let mut reader = store::sql::TxReader {
                    exec: &mut e,
                    log: &mut *log,
                };
                decide(&mut reader).await?
            };
            Ok::<_, WriteError>(store::sql::append(&mut e, log, size, changes).await?)
        })
    }));
    outcome.unwrap_or_else(|_| {
        tracing::error!("a decision panicked; its command was rolled back");
        Err(StoreError::Corrupt("a decision panicked".into()).into())
    })
}

fn commit_group(conn: &mut Connection, log: &mut GroupLog, group: Vec<Request>) {
    let mut replies = Vec::with_capacity(group.len());
    let mut pending = group.into_iter();
    let mut size = 0;
    let result: Result<(), StoreError> = (|| {
        exec(conn, "BEGIN IMMEDIATE")?;
        let tip =
            futures::executor::block_on(store::sql::log_tip(&mut SqliteExec { conn }, false))?;
        size = tip.size;
        log.begin(&tip);
        let start = size;
        for Request { decide, reply } in pending.by_ref() {
            // Its caller stopped waiting before its turn (a request cancelled): not run.
            if reply.is_closed() {
                continue;
            }
            exec(conn, "SAVEPOINT command")?;
            let mark = log.mark();
            let outcome = run_one(conn, log, size, decide);
            if let Ok(seqs) = &outcome {
                exec(conn, "RELEASE command")?;
                size += seqs.len() as i64;
            } else {
                exec(conn, "ROLLBACK TO command; RELEASE command")?;
                log.roll_back(mark);
            }
            replies.push((reply, outcome));
        }
        if size != start {
            futures::executor::block_on(async {
                let mut e = SqliteExec { conn };
                log.flush(&mut e).await?;
                store::sql::set_log_size(&mut e, size).await
            })?;
        }
        exec(conn, "COMMIT")
    })();
    match &result {
        Ok(()) => log.committed(size),
        Err(_) => log.forget(),
    }
    if let Err(e) = &result {
        tracing::error!(error = %e, "a write group failed; nothing of it was committed");
        // Best effort: the transaction may already be gone with the error.
        let _ = conn.execute_batch("ROLLBACK");
    }
    store::answer_group(&result, replies, pending.map(|request| request.reply));
}

/// The signer role on SQLite: the data dir's lock file already makes this server the only one.
struct FileOwned;

#[async_trait::async_trait]
impl store::SignerGuard for FileOwned {
    async fn still_held(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use store::sql::{Exec, SqlBackend};

    async fn count(e: &mut dyn Exec) -> Result<i64, StoreError> {
        e.query("SELECT COUNT(*) FROM t", &[]).await?[0].i64(0)
    }

    fn insert(path: &Path) {
        Connection::open(path)
            .unwrap()
            .execute("INSERT INTO t VALUES (1)", [])
            .unwrap();
    }

    /// Every statement of one read sees the same snapshot: a row committed by another
    /// connection between two of them is not seen by the second. A read that fails ends its
    /// transaction all the same: the next read on the pooled connection sees what is new.
    #[tokio::test]
    async fn a_read_sees_one_snapshot_and_ends_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let backend = Backend::open(&path).await.unwrap();
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();

        let other = path.clone();
        let read: ReadFn<(i64, i64)> = Box::new(move |e: &mut dyn Exec| {
            Box::pin(async move {
                let first = count(e).await?;
                insert(&other);
                Ok((first, count(e).await?))
            })
        });
        assert_eq!(backend.run_short(read).await.unwrap(), (0, 0));

        let other = path.clone();
        let failing: ReadFn<()> = Box::new(move |e: &mut dyn Exec| {
            Box::pin(async move {
                assert_eq!(count(e).await?, 1);
                insert(&other);
                Err(StoreError::Corrupt("a read that fails".into()))
            })
        });
        assert!(backend.run_short(failing).await.is_err());
        let after: ReadFn<i64> = Box::new(|e: &mut dyn Exec| Box::pin(count(e)));
        assert_eq!(backend.run_short(after).await.unwrap(), 2);
        let after: ReadFn<i64> = Box::new(|e: &mut dyn Exec| Box::pin(count(e)));
        assert_eq!(backend.run(after).await.unwrap(), 2);
    }
}
