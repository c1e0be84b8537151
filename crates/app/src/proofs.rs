//! What followers of the ledger read: entries (scoped like their events), inclusion and
//! consistency proofs, C2SP tiles, checkpoints and keys.

use crate::{App, AppError};
use domain::permission::Capability;
use domain::{Actor, Reason, Refusal, RefusalKind};
use ledger::Hash;
pub use ledger::{hex, parse_hash_hex};

/// Standard base64, as checkpoints write roots.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
pub use ledger::tiles::{TileRef, parse_tile_path};
use store::{CheckpointRecord, EventRecord, LedgerKey};

/// One ledger entry: the event, its `event_hash` and its RFC 6962 leaf hash.
pub struct Entry {
    pub record: EventRecord,
    pub event_hash: Hash,
    pub leaf_hash: Hash,
}

pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    pub leaf_hash: Hash,
    pub proof: Vec<Hash>,
    pub root: Hash,
    /// The signed checkpoint of exactly this size, when one was signed.
    pub checkpoint: Option<String>,
}

pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub proof: Vec<Hash>,
    pub from_root: Hash,
    pub to_root: Hash,
}

fn out_of_range(field: &str, min: i64, max: i64) -> AppError {
    AppError::Refused(Refusal::one(
        RefusalKind::Invalid,
        Reason::new("ledger.index_out_of_range")
            .field(field)
            .arg("field", field)
            .arg("min", min)
            .arg("max", max),
    ))
}

/// What an offline proof of one event carries (evidence certificates, document proofs): the
/// event, its hash and position, its C2SP tlog-proof against the latest signed checkpoint, and
/// the ledger's verifier keys.
pub struct OfflineProof {
    pub record: EventRecord,
    pub event_hash: Hash,
    pub index: i64,
    pub tlog_proof: String,
    pub checkpoint: CheckpointRecord,
    pub verifier_keys: Vec<String>,
}

impl App {
    /// The offline proof of the event `event_id`, unscoped (the caller has checked the reader
    /// may see it, or it is public); a checkpoint is signed first when none covers it yet.
    pub async fn offline_proof(&self, event_id: uuid::Uuid) -> Result<OfflineProof, AppError> {
        let index = self
            .store
            .event_seq(event_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("event {event_id} is not in the log")))?;
        let record = self
            .store
            .events(&store::Scope::all(), index, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Internal(format!("event {event_id} is not in the log")))?;
        let event_hash = store::event_hash(&record.event);
        let checkpoint = self.checkpoint_covering(index).await?;
        let path = self.store.inclusion_proof(index, checkpoint.size).await?;
        let tlog_proof = ledger::tiles::tlog_proof(index as u64, &path, &checkpoint.note, None);
        let verifier_keys = self
            .store
            .ledger_keys()
            .await?
            .into_iter()
            .map(|k| k.vkey)
            .collect();
        Ok(OfflineProof {
            record,
            event_hash,
            index,
            tlog_proof,
            checkpoint,
            verifier_keys,
        })
    }

    /// The entry at `index`, if the actor may read its event (404 otherwise, like any row).
    pub async fn ledger_entry(&self, actor: &Actor, index: i64) -> Result<Entry, AppError> {
        let scope = crate::scope(actor, Capability::LedgerRead)?;
        let size = self.store.log_size().await?;
        if index < 0 || index >= size {
            return Err(out_of_range("index", 0, size - 1));
        }
        let record = self
            .store
            .events(&scope, index, 1)
            .await?
            .into_iter()
            .next()
            .filter(|r| r.seq == index)
            .filter(|r| {
                !r.event.payload.is_administration()
                    || domain::permission::allows(actor, Capability::AdministrationEventsRead)
            })
            .filter(|r| {
                !r.event.payload.is_confidential()
                    || domain::permission::allows(actor, Capability::InterferenceRead)
            })
            .ok_or_else(Refusal::not_found)?;
        let (_, event_hash) = self
            .store
            .event_hashes(index, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Internal(format!("no event hash at {index}")))?;
        Ok(Entry {
            record,
            event_hash,
            leaf_hash: ledger::leaf_hash(&event_hash),
        })
    }

    /// Inclusion of entry `index` in the tree of `size` entries (default: the latest
    /// checkpoint's size, so the proof checks against a signed root).
    pub async fn inclusion_proof(
        &self,
        actor: &Actor,
        index: i64,
        size: Option<i64>,
    ) -> Result<InclusionProof, AppError> {
        let entry = self.ledger_entry(actor, index).await?;
        let log = self.store.log_size().await?;
        let size = match size {
            Some(s) if s > index && s <= log => s,
            Some(_) => return Err(out_of_range("size", index + 1, log)),
            None => match self.store.latest_checkpoint().await? {
                Some(cp) if cp.size > index => cp.size,
                latest => {
                    return Err(AppError::Refused(Refusal::one(
                        RefusalKind::Invalid,
                        Reason::new("ledger.not_in_checkpoint")
                            .field("size")
                            .arg("index", index)
                            .arg("size", latest.map(|c| c.size).unwrap_or(0)),
                    )));
                }
            },
        };
        let proof = self.store.inclusion_proof(index, size).await?;
        let root = self.store.root_at(size).await?;
        let checkpoint = match self.store.checkpoint_of_size(size).await? {
            Some(c) => Some(self.cosigned(c).await?.note),
            None => None,
        };
        Ok(InclusionProof {
            index: index as u64,
            size: size as u64,
            leaf_hash: entry.leaf_hash,
            proof,
            root,
            checkpoint,
        })
    }

    /// Proof that the tree of `from` entries is a prefix of the tree of `to` entries.
    pub async fn consistency_proof(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
    ) -> Result<ConsistencyProof, AppError> {
        domain::permission::require(actor, Capability::LedgerRead)?;
        let log = self.store.log_size().await?;
        if to < 1 || to > log {
            return Err(out_of_range("to", 1, log));
        }
        if from < 1 || from > to {
            return Err(out_of_range("from", 1, to));
        }
        Ok(ConsistencyProof {
            from: from as u64,
            to: to as u64,
            proof: self.store.consistency_proof(from, to).await?,
            from_root: self.store.root_at(from).await?,
            to_root: self.store.root_at(to).await?,
        })
    }

    /// A C2SP tile's bytes: 32-byte hashes back to back, or for an entry bundle each
    /// `event_hash` with its big-endian uint16 length. `None` when the tree is too small for it.
    pub async fn ledger_tile(&self, tile: TileRef) -> Result<Option<Vec<u8>>, AppError> {
        if let Some(kept) = self.cached_tile(&tile).await {
            return Ok(Some(kept));
        }
        let size = self.store.log_size().await? as u64;
        if tile.needs_size().is_none_or(|n| n > size) {
            return Ok(None);
        }
        let hashes = self.store.tile(tile).await?;
        let entries = matches!(tile, TileRef::Entries { .. });
        let mut out = Vec::with_capacity(hashes.len() * if entries { 34 } else { 32 });
        for h in hashes {
            if entries {
                out.extend_from_slice(&32u16.to_be_bytes());
            }
            out.extend_from_slice(&h);
        }
        self.keep_tile(&tile, &out, size).await;
        Ok(Some(out))
    }

    /// The newest signed checkpoint, with the witnesses' cosignatures received so far.
    pub async fn latest_checkpoint(&self) -> Result<Option<CheckpointRecord>, AppError> {
        match self.store.latest_checkpoint().await? {
            Some(c) => Ok(Some(self.cosigned(c).await?)),
            None => Ok(None),
        }
    }

    pub async fn ledger_keys(&self) -> Result<Vec<LedgerKey>, AppError> {
        Ok(self.store.ledger_keys().await?)
    }
}
