//! The checkpoint signer: signed C2SP checkpoints of the ledger tree that can never fork.
//!
//! Beside the signing key (`<data dir>/ledger/key`, readable by its owner only) the signer keeps
//! the last checkpoint it signed (`<data dir>/ledger/state`). It signs a tree only when that tree
//! extends the state, and writes the state before the checkpoint is published. A data dir
//! restored from a backup has no state (backups never carry it) or an older one than the
//! database's last checkpoint: the signer then waits for `ecoenforce ledger resume`, and every
//! write is refused, so a restored instance cannot append different events at indexes that were
//! already published. One signer only: a lock file in the data dir, and on PostgreSQL an advisory
//! lock, so several app servers never sign two different trees.

use crate::{App, AppError};
use domain::{Actor, Reason};
use ledger::note;
use ledger::{Hash, SigningKey};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use store::{CheckpointRecord, SignerLock};

const KEY_FILE: &str = "key";
const STATE_FILE: &str = "state";
const LOCK_FILE: &str = "lock";

/// Where the ledger's files live inside a data dir.
pub fn ledger_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("ledger")
}

/// Whether writes may extend the ledger, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerStatus {
    Ready,
    /// No signer state, or one older than the database's last checkpoint (a restored data dir).
    AwaitingResume {
        signed: Option<u64>,
        database: u64,
    },
    /// The tree is shorter than what was signed: events `from..=to` are lost.
    Lost {
        from: u64,
        to: u64,
    },
    /// The tree at `size` differs from what was signed at that size.
    Diverged {
        size: u64,
    },
}

impl LedgerStatus {
    /// The reason every write is refused while the ledger is not ready.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            LedgerStatus::Ready => None,
            LedgerStatus::AwaitingResume { signed, database } => Some(
                Reason::new("ledger.read_only_resume")
                    .arg(
                        "signed",
                        signed.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                    )
                    .arg("database", database),
            ),
            LedgerStatus::Lost { from, to } => Some(
                Reason::new("ledger.read_only_lost")
                    .arg("from", from)
                    .arg("to", to),
            ),
            LedgerStatus::Diverged { size } => {
                Some(Reason::new("ledger.read_only_diverged").arg("size", size))
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {detail}")]
    Io { path: PathBuf, detail: String },
    #[error("{path} is not a signer key of this ledger: {detail}")]
    Bad { path: PathBuf, detail: String },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |e| KeyError::Io {
        path: path.to_owned(),
        detail: e.to_string(),
    }
}

/// Creates the ledger dir readable by its owner only.
fn ensure_dir(dir: &Path) -> Result<(), KeyError> {
    crate::private_dir(dir).map_err(io_error(dir))
}

/// Writes a file readable by its owner only, atomically (a temporary file, fsync, rename).
fn write_private(path: &Path, text: &str) -> Result<(), KeyError> {
    let tmp = path.with_extension("tmp");
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp).map_err(io_error(&tmp))?;
    f.write_all(text.as_bytes()).map_err(io_error(&tmp))?;
    f.sync_all().map_err(io_error(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_error(path))?;
    if let Some(parent) = path.parent()
        && let Ok(d) = File::open(parent)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

fn new_key() -> Result<SigningKey, KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Io {
        path: PathBuf::from("getrandom"),
        detail: e.to_string(),
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The signing key in `dir`, which must exist and be named `origin`.
fn load_key(dir: &Path, origin: &str) -> Result<SigningKey, KeyError> {
    let path = dir.join(KEY_FILE);
    if !path.is_file() {
        return Err(KeyError::Bad {
            path,
            detail: "there is no key: the old log's key must be restored with the database".into(),
        });
    }
    load_or_create_key(dir, origin)
}

/// The signing key in `dir`, created (0600) when there is none. Its name must be `origin`.
pub fn load_or_create_key(dir: &Path, origin: &str) -> Result<SigningKey, KeyError> {
    ensure_dir(dir)?;
    let path = dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let (name, key) = note::parse_signer_key(&text).map_err(|e| KeyError::Bad {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            if name != origin {
                return Err(KeyError::Bad {
                    path,
                    detail: format!("it is named {name}, ledger.origin is {origin}"),
                });
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = new_key()?;
            write_private(&path, &note::signer_key(origin, &key))?;
            Ok(key)
        }
        Err(e) => Err(io_error(&path)(e)),
    }
}

/// Replaces the signing key with a new one; the old key file is kept as `key-<id>.retired`.
/// Returns the old and the new verifier key.
pub fn rotate_key(dir: &Path, origin: &str) -> Result<(String, String), KeyError> {
    let old = load_or_create_key(dir, origin)?;
    let old_vkey = note::verifier_key(origin, &old.verifying_key());
    let old_id = ledger::hex(&note::key_id(origin, &old.verifying_key()));
    let retired = dir.join(format!("key-{old_id}.retired"));
    write_private(&retired, &note::signer_key(origin, &old))?;
    let new = new_key()?;
    write_private(&dir.join(KEY_FILE), &note::signer_key(origin, &new))?;
    Ok((old_vkey, note::verifier_key(origin, &new.verifying_key())))
}

/// The last checkpoint this signer signed (or was told by `ledger resume`), as size and root.
fn read_state(dir: &Path) -> Result<Option<(u64, Hash)>, KeyError> {
    let path = dir.join(STATE_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let body = text.split("\n\n").next().unwrap_or_default();
            let (_, size, root) = note::parse_checkpoint(body).map_err(|e| KeyError::Bad {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            Ok(Some((size, root)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&path)(e)),
    }
}

/// The signer's settings.
#[derive(Clone, Debug)]
pub struct SignerConfig {
    /// `<data dir>/ledger`.
    pub dir: PathBuf,
    /// `ledger.origin`: the checkpoint's first line and the key's name.
    pub origin: String,
    /// How often to sign when the tree grew.
    pub interval: Duration,
}

/// The running signer, owned by the [`App`].
pub struct Signer {
    config: SignerConfig,
    /// Held for the life of the process; `None` when another process holds the data dir's lock.
    _lock_file: Option<File>,
    db_lock: tokio::sync::Mutex<Option<SignerLock>>,
    /// One signing round at a time (the timer and on-demand requests).
    round: tokio::sync::Mutex<()>,
}

/// What `start_signer` found.
pub struct SignerStarted {
    pub vkey: String,
    pub status: LedgerStatus,
}

fn key_error(e: KeyError) -> AppError {
    AppError::Internal(e.to_string())
}

impl App {
    /// Loads (or creates) the key, registers it, evaluates the fork guard and starts signing
    /// every `interval` while the tree grows.
    pub async fn start_signer(
        self: &Arc<Self>,
        config: SignerConfig,
    ) -> Result<SignerStarted, AppError> {
        let key = load_or_create_key(&config.dir, &config.origin).map_err(key_error)?;
        let lock_path = config.dir.join(LOCK_FILE);
        let mut lock_options = OpenOptions::new();
        lock_options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            lock_options.mode(0o600);
        }
        let lock_file = lock_options
            .open(&lock_path)
            .map_err(|e| AppError::Internal(format!("{}: {e}", lock_path.display())))?;
        let lock_file = match lock_file.try_lock() {
            Ok(()) => Some(lock_file),
            Err(_) => {
                tracing::warn!(path = %lock_path.display(), "another process holds the ledger lock; this one does not sign");
                None
            }
        };
        let vkey = note::verifier_key(&config.origin, &key.verifying_key());
        self.register_key(&config.origin, &key).await?;
        let signer = Arc::new(Signer {
            config,
            _lock_file: lock_file,
            db_lock: tokio::sync::Mutex::new(None),
            round: tokio::sync::Mutex::new(()),
        });
        if self.signer.set(signer.clone()).is_err() {
            return Err(AppError::Internal("the signer is already running".into()));
        }
        let status = self.evaluate_ledger().await?;
        let app = self.clone();
        let interval = signer.config.interval;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                if let Err(e) = app.sign_round().await {
                    tracing::warn!(error = %e, "checkpoint not signed");
                }
            }
        });
        Ok(SignerStarted { vkey, status })
    }

    async fn register_key(&self, origin: &str, key: &SigningKey) -> Result<(), AppError> {
        let public = key.verifying_key();
        let id = ledger::hex(&note::key_id(origin, &public));
        self.store
            .register_ledger_key(&id, &note::verifier_key(origin, &public), self.clock.now())
            .await?;
        Ok(())
    }

    /// Whether this process signs the ledger's checkpoints now: it holds the data dir's lock and
    /// the database's signer lock, and the ledger is writable. Only then may it speak for the
    /// log to witnesses: a read-only restored server, or a second app server, would show them an
    /// older checkpoint than the one they cosigned.
    pub(crate) async fn signs_now(&self) -> bool {
        let Some(signer) = self.signer.get() else {
            return false;
        };
        signer._lock_file.is_some()
            && signer.db_lock.lock().await.is_some()
            && self.ledger_status() == LedgerStatus::Ready
    }

    /// Whether writes may extend the ledger now.
    pub fn ledger_status(&self) -> LedgerStatus {
        self.ledger_status
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_status(&self, status: LedgerStatus) {
        let mut s = self
            .ledger_status
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if *s != status {
            match status.reason() {
                None => tracing::info!("ledger writable"),
                Some(r) => tracing::error!(reason = r.code, args = ?r.args, "ledger read-only"),
            }
        }
        *s = status;
    }

    /// Compares the signer's state with the database: the fork guard.
    pub async fn evaluate_ledger(&self) -> Result<LedgerStatus, AppError> {
        Ok(self.evaluate().await?.0)
    }

    /// The fork guard's finding, and the tree size the signer's state names (if any).
    async fn evaluate(&self) -> Result<(LedgerStatus, Option<u64>), AppError> {
        let Some(signer) = self.signer.get() else {
            return Ok((LedgerStatus::Ready, None));
        };
        let state = read_state(&signer.config.dir).map_err(key_error)?;
        let signed_size = state.as_ref().map(|(s, _)| *s);
        let last = self.store.latest_checkpoint().await?;
        let size = self.store.log_size().await? as u64;
        let status = match (state, last) {
            (None, None) => LedgerStatus::Ready,
            (None, Some(last)) => LedgerStatus::AwaitingResume {
                signed: None,
                database: last.size as u64,
            },
            (Some((signed, _)), Some(last)) if (last.size as u64) > signed => {
                LedgerStatus::AwaitingResume {
                    signed: Some(signed),
                    database: last.size as u64,
                }
            }
            (Some((signed, _)), _) if size < signed => LedgerStatus::Lost {
                from: size,
                to: signed - 1,
            },
            (Some((signed, root)), _) => {
                if self.store.root_at(signed as i64).await? == root {
                    LedgerStatus::Ready
                } else {
                    LedgerStatus::Diverged { size: signed }
                }
            }
        };
        self.set_status(status.clone());
        Ok((status, signed_size))
    }

    /// Refuses a write while the ledger is read-only.
    pub(crate) fn check_writable(&self) -> Result<(), AppError> {
        match self.ledger_status().reason() {
            None => Ok(()),
            Some(reason) => Err(AppError::ReadOnly(reason)),
        }
    }

    /// One round of the signer: sign the tree if it grew and extends what was signed.
    async fn sign_round(&self) -> Result<Option<CheckpointRecord>, AppError> {
        let Some(signer) = self.signer.get() else {
            return Err(AppError::Unavailable(Reason::new("ledger.no_signer")));
        };
        let _round = signer.round.lock().await;
        if signer._lock_file.is_none() {
            return Err(AppError::Unavailable(Reason::new("ledger.not_signer")));
        }
        {
            let mut held = signer.db_lock.lock().await;
            // A lock whose connection dropped may already be another server's: take it again
            // (or learn that someone else signs) before signing anything.
            if let Some(lock) = held.as_ref()
                && !lock.still_held().await
            {
                tracing::warn!("the checkpoint signer's database lock was lost; taking it again");
                *held = None;
            }
            if held.is_none() {
                *held = self.store.signer_lock().await?;
            }
            if held.is_none() {
                return Err(AppError::Unavailable(Reason::new("ledger.not_signer")));
            }
        }
        // Never sign a tree that does not extend what was signed: `Ready` means the tree at the
        // signed size has the signed root, and the log only grows, so the tree read below
        // extends it.
        let (status, signed) = self.evaluate().await?;
        if let Some(reason) = status.reason() {
            return Err(AppError::ReadOnly(reason));
        }
        let cfg = &signer.config;
        // Read each round, so `ledger rotate-key` takes effect without a restart.
        let key = load_or_create_key(&cfg.dir, &cfg.origin).map_err(key_error)?;
        let (size, root) = self.store.tree_head().await?;
        if size == 0 || signed == Some(size as u64) {
            return Ok(None);
        }
        let body = note::checkpoint_body(&cfg.origin, size as u64, &root);
        let signed = note::sign(&body, &cfg.origin, &key)
            .map_err(|e| AppError::Internal(format!("signing a checkpoint: {e}")))?;
        // The state first: a crash after it leaves a state newer than the database, which is
        // safe; the other order would leave a state older than a published checkpoint.
        write_private(&cfg.dir.join(STATE_FILE), &signed).map_err(key_error)?;
        self.register_key(&cfg.origin, &key).await?;
        let key_id = ledger::hex(&note::key_id(&cfg.origin, &key.verifying_key()));
        self.store
            .record_checkpoint(size, root, &key_id, &signed, self.clock.now())
            .await?;
        self.checkpoint_signed(size as u64);
        Ok(self.store.latest_checkpoint().await?)
    }

    /// `POST /api/v1/ledger/checkpoints`: a checkpoint signed now at a person's request, for
    /// those who answer for the record (`Capability::CheckpointSign`); 403 for anyone else.
    pub async fn sign_checkpoint_for(&self, actor: &Actor) -> Result<CheckpointRecord, AppError> {
        domain::permission::require(actor, domain::permission::Capability::CheckpointSign)?;
        self.sign_checkpoint_now().await
    }

    /// Signs a checkpoint now if the tree grew, and returns the latest checkpoint.
    pub async fn sign_checkpoint_now(&self) -> Result<CheckpointRecord, AppError> {
        if let Some(signed) = self.sign_round().await? {
            return Ok(signed);
        }
        self.store
            .latest_checkpoint()
            .await?
            .ok_or_else(|| AppError::Unavailable(Reason::new("ledger.no_checkpoint")))
    }

    /// `ledger resume`: accepts the last published checkpoint for a restored data dir when the
    /// database's tree extends it, and makes it the signer's state.
    ///
    ///
    /// A checkpoint this database itself recorded is refused unless `source` shows it is the
    /// latest published one: a restored database's own newest checkpoint is, by the way backups
    /// are made, usually older than what was published after the backup, and resuming at it
    /// makes the server sign a tree that forks the published one.
    pub async fn resume_ledger(
        &self,
        dir: &Path,
        origin: &str,
        checkpoint: &str,
        source: ResumeSource<'_>,
        witnessed: &[(u64, Hash)],
    ) -> Result<ResumeOutcome, AppError> {
        let key = load_or_create_key(dir, origin).map_err(key_error)?;
        self.register_key(origin, &key).await?;
        let keys = self.store.ledger_keys().await?;
        let Some(vkey) = keys
            .iter()
            .find(|k| note::verify(checkpoint, &k.vkey).is_ok())
        else {
            return Ok(ResumeOutcome::NotSigned);
        };
        let body = note::verify(checkpoint, &vkey.vkey).unwrap_or_default();
        let (cp_origin, size, root) = match note::parse_checkpoint(body) {
            Ok(c) => c,
            Err(_) => return Ok(ResumeOutcome::NotSigned),
        };
        if cp_origin != origin {
            return Ok(ResumeOutcome::OtherOrigin(cp_origin));
        }
        // Kept as the signer's state: the text and the log's own signature, nothing else the
        // file carried.
        let line = note::verified_line(checkpoint, &vkey.vkey).unwrap_or_default();
        let checkpoint = &format!("{body}\n{line}\n");
        // Every tree the witnesses cosigned must be in the database, and the checkpoint must
        // not be below any of them.
        let tree = self.store.log_size().await? as u64;
        for &(w, w_root) in witnessed {
            if w > tree {
                return Ok(ResumeOutcome::Lost {
                    from: tree,
                    to: w - 1,
                });
            }
            if self.store.root_at(w as i64).await? != w_root {
                return Ok(ResumeOutcome::Diverged { size: w });
            }
            if size < w {
                return Ok(ResumeOutcome::BelowWitnesses {
                    given: size,
                    witnessed: w,
                });
            }
        }
        if let Some(last) = self.store.latest_checkpoint().await?
            && (last.size as u64) > size
        {
            return Ok(ResumeOutcome::OlderThanDatabase {
                given: size,
                database: last.size as u64,
            });
        }
        let own = self
            .store
            .checkpoint_of_size(size as i64)
            .await?
            .is_some_and(|c| c.root == root);
        match (own, source) {
            (false, _) | (true, ResumeSource::Witnessed) => {}
            (true, ResumeSource::Forced(reason)) if !reason.trim().is_empty() => {
                self.audit_ledger_act(
                    "ledger.resume_own_checkpoint",
                    serde_json::json!({
                        "size": size,
                        "root": ledger::hex(&root),
                        "reason": reason.trim(),
                    }),
                )
                .await?;
            }
            (true, _) => return Ok(ResumeOutcome::OwnCheckpoint { size }),
        }
        if tree < size {
            return Ok(ResumeOutcome::Lost {
                from: tree,
                to: size - 1,
            });
        }
        if self.store.root_at(size as i64).await? != root {
            return Ok(ResumeOutcome::Diverged { size });
        }
        write_private(&dir.join(STATE_FILE), checkpoint).map_err(key_error)?;
        if self.store.checkpoint_of_size(size as i64).await?.is_none() {
            self.store
                .record_checkpoint(
                    size as i64,
                    root,
                    &vkey.key_id,
                    checkpoint,
                    self.clock.now(),
                )
                .await?;
        }
        Ok(ResumeOutcome::Resumed { size })
    }
}

/// The statement `ledger declare-loss` signs: the log `origin` published `published` entries
/// but only the first `kept` survive; it continues as the log `continues`, whose first tree is
/// those `kept` entries. Signed by the old key (its last word on the old log) and the new one.
pub const LOSS_STATEMENT: &str = "ecoenforce-lost-range/v1";

/// What `ledger declare-loss` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LossOutcome {
    Declared {
        statement: String,
        new_vkey: String,
        kept: u64,
        published: u64,
    },
    /// The published checkpoint is not signed by a key of this ledger, or names another log.
    NotSigned,
    /// Nothing is lost: the database holds the published tree (use `ledger resume`).
    NothingLost {
        size: u64,
    },
    /// The database holds as many entries as were published, but its tree differs there.
    Diverged {
        size: u64,
    },
    BadOrigin(String),
}

impl App {
    /// `ledger declare-loss`: the database lost entries `kept..published` that the witnesses
    /// cosigned (a backup behind the published checkpoint, and no copy of those events
    /// anywhere). The old log cannot be continued: any new tree of its origin forks the
    /// published one, and the witnesses would refuse it. So the log ends, with a statement
    /// signed by its key naming the lost range and the reason, and continues under a new
    /// origin and a new key from the surviving entries: the retired key is kept, the signer's
    /// state becomes the new log's first checkpoint, and the act is in the security audit.
    pub async fn declare_loss(
        &self,
        dir: &Path,
        old_origin: &str,
        new_origin: &str,
        published: &str,
        reason: &str,
    ) -> Result<LossOutcome, AppError> {
        let reason = reason.trim();
        if !note::valid_key_name(new_origin) || new_origin == old_origin || new_origin.contains(':')
        {
            return Ok(LossOutcome::BadOrigin(new_origin.to_owned()));
        }
        if reason.is_empty() || reason.contains('\n') {
            return Err(AppError::Internal(
                "the reason must be one line of text".into(),
            ));
        }
        let keys = self.store.ledger_keys().await?;
        let Some(body) = keys
            .iter()
            .find_map(|k| note::verify(published, &k.vkey).ok())
        else {
            return Ok(LossOutcome::NotSigned);
        };
        let Ok((origin, size, root)) = note::parse_checkpoint(body) else {
            return Ok(LossOutcome::NotSigned);
        };
        if origin != old_origin {
            return Ok(LossOutcome::NotSigned);
        }
        let kept = self.store.log_size().await? as u64;
        if kept >= size {
            return Ok(if self.store.root_at(size as i64).await? == root {
                LossOutcome::NothingLost { size }
            } else {
                LossOutcome::Diverged { size }
            });
        }
        let kept_root = self.store.root_at(kept as i64).await?;
        // The old log's own key, as this ledger registered it: never one made up now.
        let old_key = load_key(dir, old_origin).map_err(key_error)?;
        let old_id = ledger::hex(&note::key_id(old_origin, &old_key.verifying_key()));
        if !keys.iter().any(|k| k.key_id == old_id) {
            return Ok(LossOutcome::NotSigned);
        }
        let new = new_key().map_err(key_error)?;
        let b64 = |h: &Hash| crate::proofs::base64(h);
        let text = format!(
            "{LOSS_STATEMENT}\norigin {old_origin}\npublished {size} {}\nkept {kept} {}\ncontinues {new_origin}\nreason {reason}\n",
            b64(&root),
            b64(&kept_root)
        );
        let by_old = note::sign(&text, old_origin, &old_key)
            .map_err(|e| AppError::Internal(format!("signing the statement: {e}")))?;
        let by_new = note::sign(&text, new_origin, &new)
            .map_err(|e| AppError::Internal(format!("signing the statement: {e}")))?;
        let new_line = by_new
            .rsplit_once("\n\n")
            .map(|(_, l)| l.to_owned())
            .unwrap_or_default();
        let statement = ledger::cosignature::add_signatures(&by_old, &[new_line])
            .map_err(|e| AppError::Internal(format!("the statement: {e}")))?;
        // The statement first: if anything below fails, it is already kept (in the database,
        // which backups carry, and beside the keys).
        self.store
            .record_ledger_statement("lost_range", &statement, self.clock.now())
            .await?;
        write_private(
            &dir.join(format!("lost-{kept}-{size}.statement")),
            &statement,
        )
        .map_err(key_error)?;
        write_private(
            &dir.join(format!("key-{old_id}.retired")),
            &note::signer_key(old_origin, &old_key),
        )
        .map_err(key_error)?;
        // The new log's first checkpoint: the surviving tree under the new origin.
        let first = note::sign(
            &note::checkpoint_body(new_origin, kept, &kept_root),
            new_origin,
            &new,
        )
        .map_err(|e| AppError::Internal(format!("signing a checkpoint: {e}")))?;
        write_private(&dir.join(STATE_FILE), &first).map_err(key_error)?;
        write_private(&dir.join(KEY_FILE), &note::signer_key(new_origin, &new))
            .map_err(key_error)?;
        self.register_key(new_origin, &new).await?;
        let new_id = ledger::hex(&note::key_id(new_origin, &new.verifying_key()));
        if kept > 0 {
            self.store
                .record_checkpoint(kept as i64, kept_root, &new_id, &first, self.clock.now())
                .await?;
        }
        self.audit_ledger_act(
            "ledger.loss_declared",
            serde_json::json!({
                "origin": old_origin, "published": size, "kept": kept,
                "continues": new_origin, "reason": reason,
            }),
        )
        .await?;
        Ok(LossOutcome::Declared {
            statement,
            new_vkey: note::verifier_key(new_origin, &new.verifying_key()),
            kept,
            published: size,
        })
    }

    /// A ledger act done from the command line on someone's word, in the security audit (the
    /// operating-system user, no address).
    async fn audit_ledger_act(
        &self,
        kind: &str,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        self.store
            .record_security_audit(&store::SecurityAuditRecord {
                at: self.clock.now(),
                username: std::env::var("USER").unwrap_or_else(|_| "cli".into()),
                user_id: None,
                ip: "local".into(),
                kind: kind.into(),
                detail: detail.to_string(),
            })
            .await?;
        Ok(())
    }

    /// The statements this ledger's keys signed about the log (`ledger declare-loss`), oldest
    /// first.
    pub async fn ledger_statements(&self) -> Result<Vec<String>, AppError> {
        Ok(self.store.ledger_statements().await?)
    }
}

/// Where the checkpoint `ledger resume` is given comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeSource<'a> {
    /// A file (a follower's copy): refused if it is the restored database's own checkpoint.
    Given,
    /// The witnesses' latest cosigned checkpoint: their cosignature says it is the latest
    /// they saw, so the database's own is accepted.
    Witnessed,
    /// `--i-know-it-is-the-latest --reason …`: accepted on the operator's word, audited.
    Forced(&'a str),
}

/// What `ledger resume` concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResumeOutcome {
    Resumed {
        size: u64,
    },
    /// No known key of this ledger signed it (or it is not a checkpoint).
    NotSigned,
    OtherOrigin(String),
    OlderThanDatabase {
        given: u64,
        database: u64,
    },
    /// The restored database's own checkpoint, not shown to be the latest published one.
    OwnCheckpoint {
        size: u64,
    },
    /// The witnesses cosigned a larger tree than the checkpoint given.
    BelowWitnesses {
        given: u64,
        witnessed: u64,
    },
    /// The restored tree is shorter than the published checkpoint.
    Lost {
        from: u64,
        to: u64,
    },
    Diverged {
        size: u64,
    },
}
