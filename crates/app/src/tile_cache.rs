//! Full C2SP tiles kept as files once made, and served from them: a full tile (256 items) never
//! changes in an append-only log, so after the first request it is read from the data
//! directory (and the operating system's page cache) instead of being assembled from 256–512
//! database rows. Partial tiles always come from the database.
//!
//! The one way a full tile could change is a database restored to an older state that then grew
//! another way (a fork, which witnesses catch). The folder's `STAMP` names a tree size and its
//! root that cover every tile written; at start-up a stamp this database does not reproduce
//! empties the folder.

use crate::{App, AppError};
use ledger::tiles::{TILE_WIDTH, TileRef};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) struct TileCache {
    dir: PathBuf,
    /// The tree size `STAMP` covers: tiles needing a larger tree wait for a new stamp.
    stamped: AtomicU64,
    stamping: tokio::sync::Mutex<()>,
}

const STAMP: &str = "STAMP";

fn is_full(tile: &TileRef) -> bool {
    match *tile {
        TileRef::Hashes { width, .. } | TileRef::Entries { width, .. } => width == TILE_WIDTH,
    }
}

fn relative(tile: &TileRef) -> String {
    match *tile {
        TileRef::Hashes { level, n, width } => ledger::tiles::tile_path(level, n, width),
        TileRef::Entries { n, width } => ledger::tiles::entries_path(n, width),
    }
}

/// Writes `bytes` to `path` whole or not at all (a temporary file renamed over it).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn parse_stamp(text: &str) -> Option<(u64, ledger::Hash)> {
    let (size, root) = text.trim().split_once(' ')?;
    let root = data_encoding::HEXLOWER.decode(root.as_bytes()).ok()?;
    Some((size.parse().ok()?, root.try_into().ok()?))
}

impl TileCache {
    fn path(&self, tile: &TileRef) -> PathBuf {
        self.dir.join(relative(tile))
    }
}

impl App {
    /// Serves full tiles from `<data_dir>/tiles` from now on, after checking that the folder's
    /// stamp is of this database's history (emptying it otherwise).
    pub async fn attach_tile_cache(&self, data_dir: &Path) -> Result<(), AppError> {
        let dir = data_dir.join("tiles");
        let size = u64::try_from(self.store.log_size().await?).unwrap_or(0);
        let stamp = std::fs::read_to_string(dir.join(STAMP))
            .ok()
            .and_then(|t| parse_stamp(&t));
        let valid = match stamp {
            Some((s, root)) if s <= size && self.store.root_at(s as i64).await? == root => Some(s),
            _ => None,
        };
        if valid.is_none() && dir.exists() {
            tracing::info!(dir = %dir.display(), "tile cache emptied: its stamp is not of this log");
            std::fs::remove_dir_all(&dir).map_err(|e| {
                AppError::Internal(format!("emptying the tile cache {}: {e}", dir.display()))
            })?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| {
            AppError::Internal(format!("creating the tile cache {}: {e}", dir.display()))
        })?;
        self.tile_cache
            .set(std::sync::Arc::new(TileCache {
                dir,
                stamped: AtomicU64::new(valid.unwrap_or(0)),
                stamping: tokio::sync::Mutex::new(()),
            }))
            .map_err(|_| AppError::Internal("the tile cache is already attached".into()))
    }

    /// A full tile kept earlier, if there is one.
    pub(crate) async fn cached_tile(&self, tile: &TileRef) -> Option<Vec<u8>> {
        let cache = self.tile_cache.get()?;
        if !is_full(tile) {
            return None;
        }
        tokio::fs::read(cache.path(tile)).await.ok()
    }

    /// Keeps a full tile just made from a tree of `size` (a failure to keep it is logged: the
    /// tile is served anyway and made again next time).
    pub(crate) async fn keep_tile(&self, tile: &TileRef, bytes: &[u8], size: u64) {
        let Some(cache) = self.tile_cache.get() else {
            return;
        };
        if !is_full(tile) {
            return;
        }
        if let Err(e) = self.keep(cache, tile, bytes, size).await {
            tracing::warn!(error = %e, tile = %relative(tile), "tile not kept");
        }
    }

    async fn keep(
        &self,
        cache: &TileCache,
        tile: &TileRef,
        bytes: &[u8],
        size: u64,
    ) -> Result<(), AppError> {
        let needs = tile.needs_size().unwrap_or(u64::MAX);
        if needs > cache.stamped.load(Ordering::Acquire) {
            let _one = cache.stamping.lock().await;
            if needs > cache.stamped.load(Ordering::Acquire) {
                // The stamp first: a tile on disk is always covered by it.
                let root = self.store.root_at(size as i64).await?;
                let text = format!("{size} {}\n", ledger::hex(&root));
                let path = cache.dir.join(STAMP);
                tokio::task::spawn_blocking(move || write_atomically(&path, text.as_bytes()))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .map_err(|e| AppError::Internal(format!("writing the tile stamp: {e}")))?;
                cache.stamped.store(size, Ordering::Release);
            }
        }
        let path = cache.path(tile);
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("writing a tile: {e}")))
    }
}
