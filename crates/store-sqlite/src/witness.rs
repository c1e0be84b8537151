//! The witness's own SQLite file (`<data dir>/witness.db`): a schema of two tables, apart from
//! the platform's. Every change is committed with `synchronous = FULL` before the witness
//! answers, as tlog-witness requires (a cosignature must never outlive a crash that forgot it).

use crate::{create_private, db};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use store::{ForkEvidence, StoreError, WitnessStore, Witnessed};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS witnessed (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    checkpoint TEXT NOT NULL,
    cosigned_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fork_evidence (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    kind TEXT NOT NULL,
    cosigned TEXT NOT NULL,
    offered TEXT NOT NULL,
    proof TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS fork_evidence_origin ON fork_evidence (origin, id);
-- Once per signed checkpoint and kind: replaying the log's old checkpoints fills nothing.
CREATE UNIQUE INDEX IF NOT EXISTS fork_evidence_once ON fork_evidence (origin, kind, offered);
-- Evidence is kept for good.
CREATE TRIGGER IF NOT EXISTS fork_evidence_no_update BEFORE UPDATE ON fork_evidence
BEGIN SELECT RAISE(ABORT, 'fork_evidence is append-only'); END;
CREATE TRIGGER IF NOT EXISTS fork_evidence_no_delete BEFORE DELETE ON fork_evidence
BEGIN SELECT RAISE(ABORT, 'fork_evidence is append-only'); END;
";

pub struct WitnessDb {
    conn: Arc<Mutex<Connection>>,
}

impl WitnessDb {
    /// Opens (creating, private to its owner) the witness's database file.
    pub async fn open(path: &Path) -> Result<WitnessDb, StoreError> {
        let path = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || {
            create_private(&path)?;
            let conn = Connection::open(&path).map_err(db("opening the witness database"))?;
            conn.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(db("setting the busy timeout"))?;
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
                .map_err(db("setting witness pragmas"))?;
            conn.execute_batch(SCHEMA)
                .map_err(db("creating the witness tables"))?;
            Ok::<_, StoreError>(conn)
        })
        .await
        .map_err(|e| StoreError::database("opening the witness database", e))??;
        Ok(WitnessDb {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| StoreError::database("running a witness query", e))?
    }
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{n} exceeds 2^63 - 1")))
}

fn witnessed_from(r: &rusqlite::Row) -> rusqlite::Result<Witnessed> {
    let root: Vec<u8> = r.get(2)?;
    let hash: [u8; 32] = root.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Blob,
            "a stored root is not 32 bytes".into(),
        )
    })?;
    Ok(Witnessed {
        origin: r.get(0)?,
        size: r.get::<_, i64>(1)? as u64,
        root: hash,
        checkpoint: r.get(3)?,
        cosigned_at: r.get::<_, i64>(4)? as u64,
    })
}

const SELECT: &str = "SELECT origin, size, root, checkpoint, cosigned_at FROM witnessed";

#[async_trait]
impl WitnessStore for WitnessDb {
    async fn latest(&self, origin: &str) -> Result<Option<Witnessed>, StoreError> {
        let origin = origin.to_owned();
        self.with(move |c| {
            c.query_row(
                &format!("{SELECT} WHERE origin = ?1"),
                [origin],
                witnessed_from,
            )
            .optional()
            .map_err(db("reading a witnessed log"))
        })
        .await
    }

    async fn logs(&self) -> Result<Vec<Witnessed>, StoreError> {
        self.with(|c| {
            let mut st = c
                .prepare(&format!("{SELECT} ORDER BY origin"))
                .map_err(db("listing witnessed logs"))?;
            let rows = st
                .query_map([], witnessed_from)
                .map_err(db("listing witnessed logs"))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(db("listing witnessed logs"))
        })
        .await
    }

    async fn advance(&self, expected: Option<u64>, next: &Witnessed) -> Result<bool, StoreError> {
        let next = next.clone();
        self.with(move |c| {
            let size = to_i64(next.size)?;
            let at = to_i64(next.cosigned_at)?;
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(db("starting a witness update"))?;
            let changed = match expected {
                None => tx
                    .execute(
                        "INSERT INTO witnessed (origin, size, root, checkpoint, cosigned_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (origin) DO NOTHING",
                        params![next.origin, size, next.root.as_slice(), next.checkpoint, at],
                    )
                    .map_err(db("recording a first cosigned checkpoint"))?,
                Some(old) => tx
                    .execute(
                        "UPDATE witnessed SET size = ?2, root = ?3, checkpoint = ?4, \
                         cosigned_at = ?5 WHERE origin = ?1 AND size = ?6",
                        params![
                            next.origin,
                            size,
                            next.root.as_slice(),
                            next.checkpoint,
                            at,
                            to_i64(old)?
                        ],
                    )
                    .map_err(db("recording a cosigned checkpoint"))?,
            };
            tx.commit().map_err(db("committing a witness update"))?;
            Ok(changed == 1)
        })
        .await
    }

    async fn record_evidence(&self, e: &ForkEvidence) -> Result<(), StoreError> {
        let e = e.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO fork_evidence (origin, kind, cosigned, offered, proof, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                params![
                    e.origin,
                    e.kind,
                    e.cosigned,
                    e.offered,
                    e.proof,
                    to_i64(e.at)?
                ],
            )
            .map_err(db("recording fork evidence"))?;
            Ok(())
        })
        .await
    }

    async fn evidence(&self, origin: &str) -> Result<Vec<ForkEvidence>, StoreError> {
        let origin = origin.to_owned();
        self.with(move |c| {
            let mut st = c
                .prepare(
                    "SELECT origin, kind, cosigned, offered, proof, at FROM fork_evidence \
                     WHERE origin = ?1 ORDER BY id",
                )
                .map_err(db("reading fork evidence"))?;
            let rows = st
                .query_map([origin], |r| {
                    Ok(ForkEvidence {
                        origin: r.get(0)?,
                        kind: r.get(1)?,
                        cosigned: r.get(2)?,
                        offered: r.get(3)?,
                        proof: r.get(4)?,
                        at: r.get::<_, i64>(5)? as u64,
                    })
                })
                .map_err(db("reading fork evidence"))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(db("reading fork evidence"))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(origin: &str, size: u64, root: u8) -> Witnessed {
        Witnessed {
            origin: origin.into(),
            size,
            root: [root; 32],
            checkpoint: format!("{origin}\n{size}\n\n— x AAAA\n"),
            cosigned_at: 1_700_000_000 + size,
        }
    }

    #[tokio::test]
    async fn the_latest_only_moves_from_the_size_it_was_read_at_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("witness.db");
        let w = WitnessDb::open(&path).await.unwrap();
        assert_eq!(w.latest("a/log").await.unwrap(), None);
        assert!(w.advance(None, &at("a/log", 3, 1)).await.unwrap());
        // A second first-contact loses: the log was cosigned meanwhile.
        assert!(!w.advance(None, &at("a/log", 4, 2)).await.unwrap());
        assert!(!w.advance(Some(2), &at("a/log", 5, 2)).await.unwrap());
        assert!(w.advance(Some(3), &at("a/log", 5, 2)).await.unwrap());
        assert!(w.advance(None, &at("b/log", 1, 9)).await.unwrap());
        let e = ForkEvidence {
            origin: "a/log".into(),
            kind: "same_size_other_root".into(),
            cosigned: "one".into(),
            offered: "two".into(),
            proof: String::new(),
            at: 7,
        };
        w.record_evidence(&e).await.unwrap();
        // The same again is kept once.
        w.record_evidence(&ForkEvidence { at: 8, ..e.clone() })
            .await
            .unwrap();
        drop(w);
        let w = WitnessDb::open(&path).await.unwrap();
        assert_eq!(w.latest("a/log").await.unwrap(), Some(at("a/log", 5, 2)));
        let logs: Vec<String> = w
            .logs()
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.origin)
            .collect();
        assert_eq!(logs, ["a/log", "b/log"]);
        assert_eq!(w.evidence("a/log").await.unwrap(), [e]);
        assert!(w.evidence("b/log").await.unwrap().is_empty());
        // Evidence cannot be erased.
        let conn = Connection::open(&path).unwrap();
        assert!(conn.execute("DELETE FROM fork_evidence", []).is_err());
    }
}
