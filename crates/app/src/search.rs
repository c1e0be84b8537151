//! The search index beside the database (crate `search`): entities found by fragments of their
//! name, address or legal representative and by USCC prefix, ranked, on both databases alike.
//!
//! The index is a projection of the log. It records in each commit the log size it reflects and
//! the hash of the last event then (its stamp). Before a search, it catches up on the events
//! appended since (by this server or any other sharing the database): it re-reads the rows of the
//! entities they changed. A stamp that is not of this log's history (a restored or replaced
//! database, another schema, a missing or damaged directory) makes it rebuild from the table.

use crate::{App, AppError};
use domain::entity::Entity;
use search::{EntityDoc, EntityIndex};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use store::{Page, Scope, StoreError};
use uuid::Uuid;

pub use search::{Highlighter, Order, highlights};

/// Entities read per statement while rebuilding.
const REBUILD_BATCH: i64 = 2_000;
/// Events caught up on without an entity among them, after which the new position is committed
/// anyway, so that a restart does not read them again.
const STAMP_EVERY: i64 = 10_000;

pub(crate) struct SearchIndex {
    entities: EntityIndex,
    /// The log size the index reflects; -1 until its stamp is checked (first use).
    position: AtomicI64,
    /// One catch-up at a time; the others wait for it and find nothing left to do.
    catching_up: tokio::sync::Mutex<()>,
}

impl SearchIndex {
    fn new(entities: EntityIndex) -> SearchIndex {
        SearchIndex {
            entities,
            position: AtomicI64::new(-1),
            catching_up: tokio::sync::Mutex::new(()),
        }
    }
}

fn index_error(e: search::SearchError) -> AppError {
    AppError::Internal(e.to_string())
}

fn doc<'a>(e: &'a Entity, name_key: &'a str) -> EntityDoc<'a> {
    EntityDoc {
        id: e.id,
        county: &e.data.county_code,
        class: e.data.class.as_str(),
        name: &e.data.name,
        name_key,
        uscc: &e.data.uscc,
        address: &e.data.address,
        legal_representative: &e.data.legal_representative,
    }
}

/// Writes entities to the index (off the async threads: it compresses and may fsync).
async fn write(
    idx: &Arc<SearchIndex>,
    entities: Vec<Entity>,
    replace_all: bool,
    stamp: Option<String>,
) -> Result<(), AppError> {
    let idx = idx.clone();
    tokio::task::spawn_blocking(move || {
        let keys: Vec<String> = entities
            .iter()
            .map(|e| domain::collation::name_key(&e.data.name))
            .collect();
        let docs: Vec<EntityDoc<'_>> = entities.iter().zip(&keys).map(|(e, k)| doc(e, k)).collect();
        idx.entities
            .write(&docs, replace_all, stamp.as_deref())
            .map_err(index_error)
    })
    .await
    .map_err(|e| AppError::Internal(format!("indexing entities: {e}")))?
}

impl App {
    /// Keeps the search index in `<data_dir>/search/entities` (made from the database at first
    /// use if it is missing or stale). Without this, the index lives in memory.
    pub fn attach_search_index(&self, data_dir: &Path) -> Result<(), AppError> {
        let entities =
            EntityIndex::open(&data_dir.join("search").join("entities")).map_err(index_error)?;
        self.search
            .set(Arc::new(SearchIndex::new(entities)))
            .map_err(|_| AppError::Internal("the search index is already attached".into()))
    }

    /// Catches the index up with the log (rebuilding it if it is stale), as a search would.
    pub async fn warm_search_index(&self) -> Result<(), AppError> {
        self.search_index().await.map(|_| ())
    }

    /// Entities within the actor's scope matching the filter's words, ranked or by name.
    pub(crate) async fn search_entities(
        &self,
        scope: &Scope,
        filter: &store::EntityFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Entity>, AppError> {
        // Not caught up first: the read of the page's rows says whether the index was current.
        let idx = self.search_index_as_is()?;
        let request = search::Request {
            text: &filter.q,
            counties: scope.county_list(),
            county: &filter.county,
            class: &filter.class,
            order: match filter.sort {
                store::EntitySort::Relevance => Order::Relevance,
                store::EntitySort::Name => Order::Name,
            },
            offset: usize::try_from(offset).unwrap_or(0),
            limit: usize::try_from(limit).unwrap_or(0),
        };
        let mut caught_up = false;
        let (hits, mut found) = loop {
            // Loaded before the search: the searcher sees at least this much of the log.
            let position = idx.position.load(Ordering::Acquire);
            let hits = idx.entities.search(&request).map_err(index_error)?;
            let (found, size) = self
                .store
                .entities_by_ids_with_log_size(scope, &hits.ids)
                .await?;
            // Searched an index behind the log: catch it up and search again. Once is enough
            // for a search as current as the page's read (later writes may land meanwhile, as
            // they may after any read).
            if caught_up || position >= size {
                break (hits, found);
            }
            self.catch_up(&idx).await?;
            caught_up = true;
        };
        // In the index's order: each row's rank looked up once (a page is at most 200 rows).
        let rank: std::collections::HashMap<Uuid, usize> = hits
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        found.sort_by_cached_key(|e| rank.get(&e.id).copied());
        Ok(Page {
            items: found,
            total: i64::try_from(hits.total).unwrap_or(i64::MAX),
        })
    }

    /// The index, caught up with the log.
    async fn search_index(&self) -> Result<Arc<SearchIndex>, AppError> {
        let idx = self.search_index_as_is()?;
        self.catch_up(&idx).await?;
        Ok(idx)
    }

    /// The index as it stands (made empty, at position -1, if there was none).
    fn search_index_as_is(&self) -> Result<Arc<SearchIndex>, AppError> {
        Ok(match self.search.get() {
            Some(idx) => idx.clone(),
            None => {
                let made = EntityIndex::in_memory().map_err(index_error)?;
                self.search
                    .get_or_init(|| Arc::new(SearchIndex::new(made)))
                    .clone()
            }
        })
    }

    async fn catch_up(&self, idx: &Arc<SearchIndex>) -> Result<(), AppError> {
        let size = self.store.log_size().await?;
        if idx.position.load(Ordering::Acquire) >= size {
            return Ok(());
        }
        let _one = idx.catching_up.lock().await;
        let mut from = idx.position.load(Ordering::Acquire);
        if from >= size {
            return Ok(());
        }
        if from < 0 {
            from = match self.stamped_position(idx, size).await? {
                Some(from) => from,
                None => {
                    self.rebuild(idx, size).await?;
                    idx.position.store(size, Ordering::Release);
                    return Ok(());
                }
            };
        }
        let mut ids = self.store.entity_changes(from, size).await?;
        ids.sort_unstable();
        ids.dedup();
        let mut entities = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(REBUILD_BATCH as usize) {
            entities.extend(self.store.entities_by_ids(&Scope::all(), chunk).await?);
        }
        if !entities.is_empty() || size - from >= STAMP_EVERY {
            let stamp = self.stamp(size).await?;
            write(idx, entities, false, Some(stamp)).await?;
        }
        idx.position.store(size, Ordering::Release);
        Ok(())
    }

    /// Where the index's stamp says it stands, if that is a point of this log's history.
    async fn stamped_position(
        &self,
        idx: &SearchIndex,
        size: i64,
    ) -> Result<Option<i64>, AppError> {
        let Some(stamp) = idx.entities.stamp() else {
            return Ok(None);
        };
        let Some((at, _)) = stamp.split_once(' ') else {
            return Ok(None);
        };
        let Ok(at) = at.parse::<i64>() else {
            return Ok(None);
        };
        if at > size || self.stamp(at).await? != stamp {
            return Ok(None);
        }
        Ok(Some(at))
    }

    /// `<size> <hash of the event at size - 1>` (`-` for an empty log).
    async fn stamp(&self, size: i64) -> Result<String, StoreError> {
        if size == 0 {
            return Ok("0 -".into());
        }
        let hash = self.store.event_hashes(size - 1, 1).await?;
        Ok(match hash.first() {
            Some((_, h)) => format!("{size} {}", ledger::hex(h)),
            None => format!("{size} ?"),
        })
    }

    /// Makes the index anew from the entities table as it is at log size `size` or later
    /// (what changes meanwhile is caught up on next time: re-indexing a row is idempotent).
    async fn rebuild(&self, idx: &Arc<SearchIndex>, size: i64) -> Result<(), AppError> {
        let mut after = Uuid::nil();
        let mut first = true;
        loop {
            let batch = self.store.entities_after(after, REBUILD_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let full = batch.len() < REBUILD_BATCH as usize;
            write(idx, batch, first, None).await?;
            first = false;
            if full {
                break;
            }
        }
        let stamp = self.stamp(size).await?;
        write(idx, Vec::new(), first, Some(stamp)).await?;
        tracing::info!(size, "search index rebuilt from the database");
        Ok(())
    }
}
