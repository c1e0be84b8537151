//! `ledger verify`: recompute every event hash and the whole tree from the stored events, and
//! replay the events against the projections. Finds edits, deletions, reorderings and rows
//! changed without an event.

use crate::{App, AppError};
use ledger::{Hash, HashStore, Sha256Hasher};
use std::time::{Duration, Instant};

/// What verification found; `problems` empty means the database is consistent.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub events: i64,
    pub tree_hashes: i64,
    pub checkpoints: i64,
    /// Evidence files reread and rehashed (0 with `--no-blobs` or without an evidence store).
    pub blobs: i64,
    /// Issued documents whose stored PDF was rehashed against their `document.issued/v1`.
    pub documents: i64,
    pub problems: Vec<String>,
    /// How long each part took, in the order they ended; the replay runs beside the events.
    pub timings: Vec<(&'static str, Duration)>,
}

struct Memory(Vec<Hash>);

impl HashStore for Memory {
    /// The first index asked for that is not there.
    type Error = u64;
    fn read(&self, indexes: &[u64]) -> Result<Vec<Hash>, u64> {
        indexes
            .iter()
            .map(|&i| self.0.get(i as usize).copied().ok_or(i))
            .collect()
    }
}

use ledger::hex;

const BATCH: i64 = 10_000;

impl App {
    /// [`App::verify_ledger_with`] with every evidence file reread when a store is attached.
    pub async fn verify_ledger(&self) -> Result<VerifyReport, AppError> {
        self.verify_ledger_with(true).await
    }

    pub async fn verify_ledger_with(&self, blobs: bool) -> Result<VerifyReport, AppError> {
        let mut report = VerifyReport::default();
        let started = Instant::now();
        // 5 (below) runs beside 1 and 2: the replay keeps one connection busy (and a core:
        // on SQLite it has a thread of its own) while this task reads and hashes on another.
        let replay = async {
            let outcome = self.store.replay_check().await;
            (outcome, started.elapsed())
        };
        // 1 and 2 run beside 5.
        let events = async {
            let outcome = self.verify_events(&mut report).await;
            let events_took = started.elapsed();
            let outcome = match outcome {
                Ok((tree, tree_complete, next, size)) => {
                    report.events = next;
                    self.verify_tree(&tree, tree_complete, size, &mut report)
                        .await
                        .map(|()| (tree, tree_complete, next))
                }
                Err(e) => Err(e),
            };
            (outcome, events_took, started.elapsed())
        };
        let ((events, events_took, tree_done), (replay, replay_took)) =
            tokio::join!(events, replay);
        let (tree, tree_complete, next) = events?;
        report.timings.push(("events", events_took));
        report.timings.push(("tree", tree_done - events_took));
        // 3. Every checkpoint: signed by a key of this ledger, naming the tree rebuilt here, and
        // extending the one signed before it.
        let phase = Instant::now();
        self.verify_checkpoints(&tree, tree_complete, next as u64, &mut report)
            .await?;
        report.timings.push(("checkpoints", phase.elapsed()));
        // 4. Every evidence file still has both of its hashes and its size.
        if blobs {
            let phase = Instant::now();
            self.verify_blobs(&mut report).await?;
            report.timings.push(("blobs", phase.elapsed()));
        }
        // 5. Replaying the events rebuilds every projection table exactly.
        report.timings.push(("replay", replay_took));
        match replay {
            Ok(replay) => report.problems.extend(
                replay
                    .differences
                    .into_iter()
                    .map(|d| format!("projection: {d}")),
            ),
            Err(e) => report.problems.push(format!("replay failed: {e}")),
        }
        Ok(report)
    }

    /// 2. The stored tree equals the tree rebuilt from the stored event hashes.
    async fn verify_tree(
        &self,
        tree: &Memory,
        tree_complete: bool,
        size: i64,
        report: &mut VerifyReport,
    ) -> Result<(), AppError> {
        let mut idx = 0;
        while tree_complete && report.problems.len() < 20 {
            let stored = self.store.tree_hashes(idx, BATCH).await?;
            for (i, h) in &stored {
                match tree.0.get(*i as usize) {
                    Some(expected) if expected == h => {}
                    Some(expected) => {
                        report.problems.push(format!(
                            "tree hash {i}: stored {}, rebuilt {}",
                            hex(h),
                            hex(expected)
                        ));
                        break;
                    }
                    None => {
                        report
                            .problems
                            .push(format!("tree hash {i} has no event behind it"));
                        break;
                    }
                }
            }
            report.tree_hashes += stored.len() as i64;
            if (stored.len() as i64) < BATCH {
                break;
            }
            idx += BATCH;
        }
        if tree_complete && report.tree_hashes != tree.0.len() as i64 {
            report.problems.push(format!(
                "the tree holds {} stored hashes, {} events need {}",
                report.tree_hashes,
                size,
                tree.0.len()
            ));
        }
        Ok(())
    }

    /// 1. Every event: contiguous positions, and its stored hash is the hash of its stored
    /// content. Returns the tree rebuilt from the stored event hashes, whether it is complete,
    /// and how many positions were walked.
    async fn verify_events(
        &self,
        report: &mut VerifyReport,
    ) -> Result<(Memory, bool, i64, i64), AppError> {
        let size = self.store.log_size().await?;
        let mut tree = Memory(Vec::new());
        // After a missing event the tree cannot be rebuilt position by position.
        let mut tree_complete = true;
        let mut next = 0;
        // The next batch is read (on another thread) while this one is hashed.
        let fetch = |from: i64| {
            let store = self.store.clone();
            tokio::spawn(async move { store.stored_events(from, BATCH).await })
        };
        let mut ahead = fetch(0);
        while next < size && report.problems.len() < 20 {
            let events = ahead
                .await
                .map_err(|e| AppError::Internal(format!("reading events: {e}")))??;
            let after = events.last().map_or(next, |e| e.seq + 1);
            ahead = fetch(after);
            if events.is_empty() {
                report.problems.push(format!(
                    "events {next}…{} are missing (the log head says {size})",
                    size - 1
                ));
                break;
            }
            for stored in &events {
                let seq = stored.seq;
                if seq != next {
                    report.problems.push(format!(
                        "event {next} is missing (next stored event is {seq})"
                    ));
                    next = seq;
                    tree_complete = false;
                }
                if stored.schema == domain::event::DocumentIssued::SCHEMA
                    || stored.schema == domain::event::CaseArchived::SCHEMA
                {
                    self.verify_files_of(stored, report).await?;
                }
                match stored.canonical_json() {
                    Ok(bytes) => {
                        let computed = ledger::event_hash(&bytes);
                        if computed != stored.hash {
                            report.problems.push(format!(
                                "event {seq}: content hashes to {}, the ledger holds {}",
                                hex(&computed),
                                hex(&stored.hash)
                            ));
                        }
                    }
                    Err(e) => report
                        .problems
                        .push(format!("event {seq}: its stored JSON does not parse: {e}")),
                }
                if tree_complete {
                    match ledger::stored_hashes_for_leaf::<Sha256Hasher, _>(
                        seq as u64,
                        ledger::leaf_hash(&stored.hash),
                        &tree,
                    ) {
                        Ok(add) => tree.0.extend(add),
                        Err(_) => tree_complete = false,
                    }
                }
                next += 1;
            }
        }
        Ok((tree, tree_complete, next, size))
    }

    /// An issued document's stored PDF is the bytes its event holds the hash of; so is each
    /// sealed volume of an archived case.
    async fn verify_files_of(
        &self,
        stored: &store::StoredEvent,
        report: &mut VerifyReport,
    ) -> Result<(), AppError> {
        let seq = stored.seq;
        let event = match stored.decode() {
            Ok(event) => event,
            Err(e) => {
                report.problems.push(format!("event {seq}: {e}"));
                return Ok(());
            }
        };
        match &event.payload {
            domain::Payload::DocumentIssued(d) => {
                report.documents += 1;
                self.verify_document_file(seq, d, report).await?;
            }
            domain::Payload::CaseArchived(a) => {
                for v in &a.archive.volumes {
                    report.documents += 1;
                    let what = format!("the {} volume of case {}", v.volume.as_str(), a.case_id);
                    self.verify_pdf(seq, &what, v.id, &v.sha256, v.size, report)
                        .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn verify_checkpoints(
        &self,
        tree: &Memory,
        tree_complete: bool,
        events: u64,
        report: &mut VerifyReport,
    ) -> Result<(), AppError> {
        use ledger::note;
        let keys = self.store.ledger_keys().await?;
        // Origin changes a statement signed by the old log's key declares (`declare-loss`):
        // (old origin, new origin, the surviving size and root the new log starts from).
        let mut continued: Vec<(String, String, u64, Hash)> = Vec::new();
        for statement in self.store.ledger_statements().await? {
            match continuation(&statement, &keys) {
                Ok(c) => continued.push(c),
                Err(why) => report.problems.push(format!(
                    "a ledger statement is not a valid continuation: {why}"
                )),
            }
        }
        let mut previous: Option<(u64, Hash)> = None;
        let mut origin: Option<String> = None;
        let mut after = 0;
        loop {
            let batch = self.store.checkpoints(after, 1000).await?;
            if batch.is_empty() {
                return Ok(());
            }
            for cp in batch {
                after = cp.id;
                report.checkpoints += 1;
                let name = format!("checkpoint {} (size {})", cp.id, cp.size);
                let body = keys
                    .iter()
                    .filter(|k| k.key_id == cp.key_id)
                    .find_map(|k| note::verify(&cp.note, &k.vkey).ok());
                let Some(body) = body else {
                    report.problems.push(format!(
                        "{name}: no valid signature by key {} of this ledger",
                        cp.key_id
                    ));
                    continue;
                };
                let Ok((o, size, root)) = note::parse_checkpoint(body) else {
                    report.problems.push(format!("{name}: not a checkpoint"));
                    continue;
                };
                if (size, root) != (cp.size as u64, cp.root) {
                    report.problems.push(format!(
                        "{name}: the signed note names size {size}, root {}",
                        hex(&root)
                    ));
                }
                match &origin {
                    None => origin = Some(o),
                    Some(first) if *first != o => {
                        // Only a declared continuation, starting from the surviving tree.
                        if continued.iter().any(|(from, to, k, r)| {
                            from == first && *to == o && (*k, *r) == (size, root)
                        }) {
                            origin = Some(o);
                        } else {
                            report
                                .problems
                                .push(format!("{name}: origin {o}, earlier checkpoints {first}"));
                        }
                    }
                    Some(_) => {}
                }
                if size > events {
                    report.problems.push(format!(
                        "{name}: names {size} events, the log holds {events}"
                    ));
                } else if tree_complete {
                    match ledger::tree_hash::<Sha256Hasher, _>(size, tree) {
                        Ok(r) if r == root => {}
                        Ok(r) => report.problems.push(format!(
                            "{name}: signed root {}, the events give {}",
                            hex(&root),
                            hex(&r)
                        )),
                        Err(i) => report
                            .problems
                            .push(format!("{name}: tree hash {i} missing")),
                    }
                }
                if let Some((prev_size, prev_root)) = previous {
                    let extends = size >= prev_size
                        && (!tree_complete
                            || size == prev_size && root == prev_root
                            || ledger::prove_consistency::<Sha256Hasher, _>(prev_size, size, tree)
                                .is_ok_and(|proof| {
                                    ledger::verify_consistency::<Sha256Hasher>(
                                        prev_size, size, &prev_root, &root, &proof,
                                    )
                                }));
                    if !extends {
                        report.problems.push(format!(
                            "{name}: does not extend the checkpoint before it (size {prev_size})"
                        ));
                    }
                }
                previous = Some((size, root));
            }
        }
    }

    async fn verify_document_file(
        &self,
        seq: i64,
        d: &domain::case::document::DocumentIssued,
        report: &mut VerifyReport,
    ) -> Result<(), AppError> {
        let what = format!("document {}", d.document_id);
        self.verify_pdf(seq, &what, d.document_id, &d.sha256, d.size, report)
            .await
    }

    /// A stored PDF (`what`, kept under `id`) against the hash and size its event holds.
    async fn verify_pdf(
        &self,
        seq: i64,
        what: &str,
        id: uuid::Uuid,
        sha256_held: &str,
        size_held: i64,
        report: &mut VerifyReport,
    ) -> Result<(), AppError> {
        use sha2::Digest;
        match self.store.document_pdf(id).await? {
            None => report
                .problems
                .push(format!("event {seq}: the PDF of {what} is missing")),
            Some(pdf) => {
                let sha256 = hex(&sha2::Sha256::digest(&pdf));
                if sha256 != sha256_held || pdf.len() as i64 != size_held {
                    report.problems.push(format!(
                        "event {seq}: the stored PDF of {what} hashes to {sha256} \
                         ({} bytes); the ledger holds {sha256_held} ({size_held} bytes)",
                        pdf.len(),
                    ));
                }
            }
        }
        Ok(())
    }

    async fn verify_blobs(&self, report: &mut VerifyReport) -> Result<(), AppError> {
        let Some(store) = self.evidence_store.get() else {
            return Ok(());
        };
        let mut after = String::new();
        loop {
            let batch = self.store.blobs(&after, 1000).await?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            after = last.0.clone();
            for (sha256, sm3, size) in &batch {
                report.blobs += 1;
                if let Err(problem) = store.blobs.check(sha256, sm3, *size).await {
                    report.problems.push(format!("evidence {problem}"));
                }
            }
        }
    }
}

/// Reads a `ledger declare-loss` statement: its header, the old and the new origin, the sizes
/// (published above kept) and the surviving root; it must be signed by a key of this ledger
/// named for the old origin and by one named for the new.
fn continuation(
    statement: &str,
    keys: &[store::LedgerKey],
) -> Result<(String, String, u64, Hash), String> {
    use ledger::note;
    let signed_by = |origin: &str| {
        keys.iter()
            .filter(|k| k.vkey.split('+').next() == Some(origin))
            .find_map(|k| note::verify(statement, &k.vkey).ok())
    };
    let (text, _) = ledger::cosignature::split(statement).map_err(|e| e.to_string())?;
    let mut lines = text.lines();
    if lines.next() != Some(crate::checkpoints::LOSS_STATEMENT) {
        return Err("not an ecoenforce-lost-range/v1 statement".into());
    }
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .ok_or_else(|| format!("no {name} line"))
    };
    let sized = |name: &str| -> Result<(u64, Hash), String> {
        let (n, r) = field(name)?
            .split_once(' ')
            .ok_or_else(|| format!("{name}: a size and a root"))?;
        use base64::Engine;
        let root = base64::engine::general_purpose::STANDARD
            .decode(r)
            .ok()
            .and_then(|r| Hash::try_from(r).ok())
            .ok_or_else(|| format!("{name}: the root is not a base64 hash"))?;
        Ok((
            note::parse_decimal(n).ok_or_else(|| format!("{name}: bad size"))?,
            root,
        ))
    };
    let (old, new) = (field("origin")?, field("continues")?);
    let (published, _) = sized("published")?;
    let (kept, root) = sized("kept")?;
    if published <= kept {
        return Err(format!("published {published} is not above kept {kept}"));
    }
    if signed_by(old) != Some(text) || signed_by(new) != Some(text) {
        return Err(format!("not signed by a key of {old} and a key of {new}"));
    }
    Ok((old.to_owned(), new.to_owned(), kept, root))
}
