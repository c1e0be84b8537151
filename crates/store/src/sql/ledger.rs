//! The ledger's reads beyond the write path: signed checkpoints and their keys, roots and proofs
//! at any past size, and the C2SP tiles followers fetch.

use super::queries::{EVENT_HASHES, hash32, ledger_hashes, ledger_root, log_size};
use super::{Exec, ReadFn, Row, SqlBackend, Value, query_opt};
use crate::{LedgerQueries, StoreError};
use async_trait::async_trait;
use domain::Timestamp;
use ledger::Hash;
use ledger::tiles::TileRef;

/// A signed checkpoint as kept: the tree it names and the whole signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRecord {
    pub id: i64,
    pub size: i64,
    pub root: Hash,
    /// Hex of the 4-byte key ID of the key that signed it.
    pub key_id: String,
    pub note: String,
    pub signed_at: Timestamp,
}

/// A key that has signed (or will sign) checkpoints, with the tree sizes it signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerKey {
    pub key_id: String,
    /// The C2SP verifier key string.
    pub vkey: String,
    pub created_at: Timestamp,
    pub first_size: Option<i64>,
    pub last_size: Option<i64>,
}

/// A witness's cosignature of a checkpoint: its signature line as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignatureRecord {
    pub checkpoint_id: i64,
    /// Hex of the witness's 4-byte key ID.
    pub witness_key_id: String,
    pub witness: String,
    /// `— <name> <base64>`, without its newline.
    pub line: String,
    /// The cosignature's own time (POSIX seconds).
    pub cosigned_at: i64,
    pub received_at: Timestamp,
}

/// How far a witness has cosigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessProgress {
    pub witness_key_id: String,
    /// The largest tree size it cosigned.
    pub size: i64,
    pub cosigned_at: i64,
    pub received_at: Timestamp,
}

const INSERT_COSIGNATURE: &str = "INSERT INTO cosignatures \
     (checkpoint_id, witness_key_id, witness, line, cosigned_at, received_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (checkpoint_id, witness_key_id) DO NOTHING";
const COSIGNATURES: &str = "SELECT checkpoint_id, witness_key_id, witness, line, cosigned_at, \
     received_at FROM cosignatures WHERE checkpoint_id = $1 ORDER BY received_at, witness_key_id";
// The witness's newest cosignature, on the (witness_key_id, checkpoint_id) index: checkpoints are
// signed in growing sizes, so the newest is the largest.
// (In a subquery, so that PostgreSQL's planner does not move the order onto the join and scan
// every checkpoint when the witness is far behind.)
const WITNESS_PROGRESS: &str = "SELECT c.witness_key_id, k.size, c.cosigned_at, c.received_at \
     FROM (SELECT checkpoint_id, witness_key_id, cosigned_at, received_at FROM cosignatures \
           WHERE witness_key_id = $1 ORDER BY checkpoint_id DESC LIMIT 1) c \
     JOIN checkpoints k ON k.id = c.checkpoint_id";
// By size, newest first, on the size index: the scan stops at the first cosigned checkpoint and
// never goes below `$1` (by id it would read every older checkpoint when none is cosigned).
const LATEST_COSIGNED: &str = "SELECT id, size, root, key_id, note, signed_at FROM checkpoints k \
     WHERE k.size > $1 AND (SELECT COUNT(*) FROM cosignatures c WHERE c.checkpoint_id = k.id) >= $2 \
     ORDER BY k.size DESC, k.id DESC LIMIT $3";

const CHECKPOINT_COLUMNS: &str = "id, size, root, key_id, note, signed_at";
const LATEST_CHECKPOINT: &str =
    "SELECT id, size, root, key_id, note, signed_at FROM checkpoints ORDER BY id DESC LIMIT 1";
const CHECKPOINT_OF_SIZE: &str = "SELECT id, size, root, key_id, note, signed_at FROM checkpoints \
     WHERE size = $1 ORDER BY id DESC LIMIT 1";
const CHECKPOINTS_AFTER: &str = "SELECT id, size, root, key_id, note, signed_at FROM checkpoints \
     WHERE id > $1 ORDER BY id LIMIT $2";
const INSERT_CHECKPOINT: &str = "INSERT INTO checkpoints (size, root, key_id, note, signed_at) \
     VALUES ($1, $2, $3, $4, $5)";
const INSERT_KEY: &str = "INSERT INTO ledger_keys (key_id, vkey, created_at) VALUES ($1, $2, $3) \
     ON CONFLICT (key_id) DO NOTHING";
const KEYS: &str = "SELECT k.key_id, k.vkey, k.created_at, MIN(c.size), MAX(c.size) \
     FROM ledger_keys k LEFT JOIN checkpoints c ON c.key_id = k.key_id \
     GROUP BY k.key_id, k.vkey, k.created_at ORDER BY k.created_at DESC, k.key_id DESC";
const EVENT_SEQ: &str = "SELECT seq FROM events WHERE id = $1";
const HASH_RANGE: &str = "SELECT idx, hash FROM ledger_hashes WHERE idx >= $1 AND idx <= $2";

fn checkpoint_from_row(r: &Row) -> Result<CheckpointRecord, StoreError> {
    Ok(CheckpointRecord {
        id: r.i64(0)?,
        size: r.i64(1)?,
        root: hash32(r.bytes(2)?)?,
        key_id: r.text(3)?,
        note: r.text(4)?,
        signed_at: r.time(5)?,
    })
}

/// Builds a proof from stored hashes, reading each hash it turns out to need.
async fn prove<F>(exec: &mut dyn Exec, build: F) -> Result<Vec<Hash>, StoreError>
where
    F: Fn(&Recorded) -> Result<Vec<Hash>, ledger::ProofError<u64>> + Send,
{
    let mut known = Recorded(Default::default());
    loop {
        match build(&known) {
            Ok(proof) => return Ok(proof),
            Err(ledger::ProofError::Store(missing)) => {
                let h = ledger_hashes(exec, &[missing]).await?;
                known.0.insert(missing, h[0]);
            }
            Err(other) => return Err(StoreError::Corrupt(other.to_string())),
        }
    }
}

/// Hashes read so far; a miss names the index to read next.
pub(crate) struct Recorded(pub(crate) std::collections::BTreeMap<u64, Hash>);

impl ledger::HashStore for Recorded {
    type Error = u64;
    fn read(&self, indexes: &[u64]) -> Result<Vec<Hash>, u64> {
        indexes
            .iter()
            .map(|i| self.0.get(i).copied().ok_or(*i))
            .collect()
    }
}

/// Proves inclusion of leaf `seq` in the tree of `size` leaves from stored hashes.
pub(crate) async fn inclusion(
    exec: &mut dyn Exec,
    seq: u64,
    size: u64,
) -> Result<Vec<Hash>, StoreError> {
    prove(exec, |k| {
        ledger::prove_inclusion::<ledger::Sha256Hasher, _>(seq, size, k)
    })
    .await
}

#[async_trait]
impl<B: SqlBackend> LedgerQueries for B {
    async fn latest_checkpoint(&self) -> Result<Option<CheckpointRecord>, StoreError> {
        debug_assert!(LATEST_CHECKPOINT.contains(CHECKPOINT_COLUMNS));
        run!(self, |e| query_opt(e, LATEST_CHECKPOINT, &[])
            .await?
            .as_ref()
            .map(checkpoint_from_row)
            .transpose())
    }

    async fn checkpoint_of_size(&self, size: i64) -> Result<Option<CheckpointRecord>, StoreError> {
        run!(self, |e| query_opt(e, CHECKPOINT_OF_SIZE, &[size.into()])
            .await?
            .as_ref()
            .map(checkpoint_from_row)
            .transpose())
    }

    async fn checkpoints(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<CheckpointRecord>, StoreError> {
        run!(self, |e| e
            .query(CHECKPOINTS_AFTER, &[after_id.into(), limit.into()])
            .await?
            .iter()
            .map(checkpoint_from_row)
            .collect())
    }

    async fn record_checkpoint(
        &self,
        size: i64,
        root: Hash,
        key_id: &str,
        note: &str,
        signed_at: Timestamp,
    ) -> Result<(), StoreError> {
        let values: Vec<Value> = vec![
            size.into(),
            root.as_slice().into(),
            key_id.into(),
            note.into(),
            signed_at.into(),
        ];
        run!(self, |e| e
            .execute(INSERT_CHECKPOINT, &values)
            .await
            .map(|_| ()))
    }

    async fn record_cosignature(&self, c: &CosignatureRecord) -> Result<(), StoreError> {
        let values: Vec<Value> = vec![
            c.checkpoint_id.into(),
            c.witness_key_id.as_str().into(),
            c.witness.as_str().into(),
            c.line.as_str().into(),
            c.cosigned_at.into(),
            c.received_at.into(),
        ];
        run!(self, |e| e
            .execute(INSERT_COSIGNATURE, &values)
            .await
            .map(|_| ()))
    }

    async fn cosignatures(&self, checkpoint_id: i64) -> Result<Vec<CosignatureRecord>, StoreError> {
        run!(self, |e| e
            .query(COSIGNATURES, &[checkpoint_id.into()])
            .await?
            .iter()
            .map(|r| Ok(CosignatureRecord {
                checkpoint_id: r.i64(0)?,
                witness_key_id: r.text(1)?,
                witness: r.text(2)?,
                line: r.text(3)?,
                cosigned_at: r.i64(4)?,
                received_at: r.time(5)?,
            }))
            .collect())
    }

    async fn witness_progress(
        &self,
        witness_key_id: &str,
    ) -> Result<Option<WitnessProgress>, StoreError> {
        let key: Vec<Value> = vec![witness_key_id.into()];
        run!(self, |e| query_opt(e, WITNESS_PROGRESS, &key)
            .await?
            .map(|r| Ok(WitnessProgress {
                witness_key_id: r.text(0)?,
                size: r.i64(1)?,
                cosigned_at: r.i64(2)?,
                received_at: r.time(3)?,
            }))
            .transpose())
    }

    async fn record_ledger_statement(
        &self,
        kind: &str,
        statement: &str,
        made_at: Timestamp,
    ) -> Result<(), StoreError> {
        let values: Vec<Value> = vec![kind.into(), statement.into(), made_at.into()];
        run!(self, |e| e
            .execute(
                "INSERT INTO ledger_statements (kind, statement, made_at) VALUES ($1, $2, $3)",
                &values
            )
            .await
            .map(|_| ()))
    }

    async fn ledger_statements(&self) -> Result<Vec<String>, StoreError> {
        run!(self, |e| e
            .query("SELECT statement FROM ledger_statements ORDER BY id", &[])
            .await?
            .iter()
            .map(|r| r.text(0))
            .collect())
    }

    async fn latest_cosigned_checkpoints(
        &self,
        above: i64,
        cosignatures: i64,
        limit: i64,
    ) -> Result<Vec<CheckpointRecord>, StoreError> {
        run!(self, |e| e
            .query(
                LATEST_COSIGNED,
                &[above.into(), cosignatures.into(), limit.into()]
            )
            .await?
            .iter()
            .map(checkpoint_from_row)
            .collect())
    }

    async fn register_ledger_key(
        &self,
        key_id: &str,
        vkey: &str,
        created_at: Timestamp,
    ) -> Result<(), StoreError> {
        let values: Vec<Value> = vec![key_id.into(), vkey.into(), created_at.into()];
        run!(self, |e| e.execute(INSERT_KEY, &values).await.map(|_| ()))
    }

    async fn ledger_keys(&self) -> Result<Vec<LedgerKey>, StoreError> {
        run!(self, |e| e
            .query(KEYS, &[])
            .await?
            .iter()
            .map(|r| Ok(LedgerKey {
                key_id: r.text(0)?,
                vkey: r.text(1)?,
                created_at: r.time(2)?,
                first_size: r.opt_i64(3)?,
                last_size: r.opt_i64(4)?,
            }))
            .collect())
    }

    async fn event_seq(&self, event_id: uuid::Uuid) -> Result<Option<i64>, StoreError> {
        run!(self, |e| query_opt(e, EVENT_SEQ, &[event_id.into()])
            .await?
            .map(|r| r.i64(0))
            .transpose())
    }

    async fn root_at(&self, size: i64) -> Result<Hash, StoreError> {
        run!(self, |e| {
            let now = log_size(e).await?;
            if size < 0 || size > now {
                return Err(StoreError::Corrupt(format!(
                    "no tree of size {size}: the log holds {now}"
                )));
            }
            ledger_root(e, size).await
        })
    }

    async fn consistency_proof(&self, from: i64, to: i64) -> Result<Vec<Hash>, StoreError> {
        run!(self, |e| prove(e, |k| {
            ledger::prove_consistency::<ledger::Sha256Hasher, _>(from as u64, to as u64, k)
        })
        .await)
    }

    async fn tile(&self, tile: TileRef) -> Result<Vec<Hash>, StoreError> {
        run!(self, |e| {
            let (first, width) = match tile {
                TileRef::Hashes { n, width, .. } | TileRef::Entries { n, width } => {
                    (n * u64::from(ledger::tiles::TILE_WIDTH), u64::from(width))
                }
            };
            if let TileRef::Entries { .. } = tile {
                // Entry bundles carry each event's `event_hash`, never the event itself.
                let rows = e
                    .query(
                        EVENT_HASHES,
                        &[(first as i64).into(), (width as i64).into()],
                    )
                    .await?;
                if rows.len() as u64 != width {
                    return Err(StoreError::Corrupt(format!(
                        "event hashes from {first}: {} of {width}",
                        rows.len()
                    )));
                }
                return rows.iter().map(|r| hash32(r.bytes(1)?)).collect();
            }
            let height = tile.height();
            let indexes: Vec<u64> = (first..first + width)
                .map(|m| ledger::stored_hash_index(height, m))
                .collect();
            if height == 0 {
                // The leaves of one tile and the subtrees between them are stored side by side:
                // one range read (about 2 × width rows) instead of `width` point reads.
                let (lo, hi) = (indexes[0], indexes[indexes.len() - 1]);
                let rows = e
                    .query(HASH_RANGE, &[(lo as i64).into(), (hi as i64).into()])
                    .await?;
                let mut by_index = std::collections::HashMap::with_capacity(rows.len());
                for r in rows {
                    by_index.insert(r.i64(0)? as u64, hash32(r.bytes(1)?)?);
                }
                indexes
                    .iter()
                    .map(|i| {
                        by_index.get(i).copied().ok_or_else(|| {
                            StoreError::Corrupt(format!("ledger hash {i} is missing"))
                        })
                    })
                    .collect()
            } else {
                ledger_hashes(e, &indexes).await
            }
        })
    }
}
