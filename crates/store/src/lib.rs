//! What the application may ask of a database, whichever backend holds it.
//!
//! Writes take one road: [`Writer::write`] runs a decision against a consistent read of the state
//! ([`Reader`]), then appends the events it returns, applies them to the projection tables and
//! stores any secrets, all in one transaction. Reads go through [`Queries`] with a [`Scope`].
//!
//! Every statement is written once, in [`sql`], against the small [`sql::Exec`] trait that each
//! backend (`store-sqlite`, `store-postgres`) implements on its own connection.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod blobs;
mod scope;
pub mod sql;
mod tables;
pub mod witness;

pub use scope::Scope;
pub use sql::{
    CheckpointRecord, CosignatureRecord, LedgerKey, SecurityAuditRecord, Upload, WitnessProgress,
};
pub use tables::{LOG_TABLES, MIGRATION_TABLES, NON_PROJECTION_TABLES, projection_tables};
pub use witness::{ForkEvidence, WitnessStore, Witnessed};

use async_trait::async_trait;
use domain::entity::Entity;
use domain::evidence::{CustodyEntry, Evidence};
use domain::refusal::Refusal;
use domain::unit::Unit;
use domain::user::User;
use domain::{Event, Timestamp};
use futures::future::BoxFuture;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error while {context}: {message}")]
    Database {
        context: &'static str,
        message: String,
    },
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("the writer has stopped")]
    WriterGone,
    /// A row a command's load needs does not exist (answered as 404, like a row out of reach).
    #[error("not found")]
    NotFound,
}

impl StoreError {
    pub fn database(context: &'static str, err: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            context,
            message: err.to_string(),
        }
    }
}

/// A write that did not happen: refused by the rules, or failed in the store. Either way nothing of
/// it was written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An event as the log holds it: its gap-free 0-based position and the counties it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub seq: i64,
    pub event: Event,
    pub counties: Vec<String>,
}

/// Answers every command of a write group: each with its own outcome, turned into the group's
/// error if the group failed after it succeeded; the commands the group never reached (`rest`)
/// with the group's error. A caller that stopped waiting is no error: nothing waits for it.
pub fn answer_group(
    result: &Result<(), StoreError>,
    replies: Vec<(
        tokio::sync::oneshot::Sender<Result<Committed, WriteError>>,
        Result<Committed, WriteError>,
    )>,
    rest: impl Iterator<Item = tokio::sync::oneshot::Sender<Result<Committed, WriteError>>>,
) {
    let failed = |e: &StoreError| StoreError::database("writing a group of commands", e);
    for (reply, outcome) in replies {
        let outcome = match (result, outcome) {
            (Err(e), Ok(_)) => Err(failed(e).into()),
            (_, outcome) => outcome,
        };
        let _ = reply.send(outcome);
    }
    if let Err(e) = result {
        for reply in rest {
            let _ = reply.send(Err(failed(e).into()));
        }
    }
}

/// Counters of a backend's writer, to see group commit at work.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub commands: std::sync::atomic::AtomicU64,
    pub groups: std::sync::atomic::AtomicU64,
}

/// An event as the log holds it, undecoded, with its stored hash: what `ledger verify` hashes.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: Uuid,
    pub schema: String,
    pub at: Timestamp,
    /// The actor and the payload, as the JSON text stored.
    pub actor: String,
    pub payload: String,
    /// The `event_hash` the ledger holds for it.
    pub hash: ledger::Hash,
}

impl StoredEvent {
    /// The RFC 8785 canonical JSON of the envelope made of the stored parts themselves, without
    /// decoding the payload into its type: for an untouched event, the bytes
    /// [`canonical_json`] gave when it was written (the payload text is that JSON). Stricter
    /// than decoding: a field a decoder would ignore still changes these bytes.
    pub fn canonical_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let actor: serde_json::Value = serde_json::from_str(&self.actor)?;
        let payload: serde_json::Value = serde_json::from_str(&self.payload)?;
        let envelope = serde_json::json!({
            "schema": self.schema,
            "id": self.id,
            "at": self.at,
            "actor": actor,
            "payload": payload,
        });
        serde_json_canonicalizer::to_vec(&envelope)
    }

    /// The typed event these parts hold.
    pub fn decode(&self) -> Result<Event, domain::event::EventDecodeError> {
        Event::from_parts(self.id, self.at, &self.actor, &self.schema, &self.payload)
    }
}

/// Writes to tables that are not projections, made in the same transaction as the events.
/// Nothing here ever enters an event.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretWrite {
    Password {
        user_id: Uuid,
        /// An argon2id PHC string.
        hash: String,
        must_change: bool,
        at: Timestamp,
    },
    /// Sets the user's TOTP secret (after the password row exists).
    Totp {
        user_id: Uuid,
        /// Base32 (RFC 4648, no padding).
        secret: String,
        at: Timestamp,
    },
    /// Revokes every session of the user but `keep` (the session that changed its own
    /// password): written with the credential change that calls for it, so no session opened
    /// with the old credential outlives the change, not even for a request.
    EndSessions {
        user_id: Uuid,
        keep: Option<[u8; 32]>,
    },
    /// Stores a sealed record of personal data (`app::sealed` encrypts it).
    Sealed(SealedRecord),
    /// Deletes a sealed record, salt and all (the command's `sealed.erased/v1` stays).
    EraseSealed { reference: String },
    /// Stores an issued document's PDF (its `document.issued/v1` holds the SHA-256).
    DocumentFile { document_id: Uuid, pdf: Vec<u8> },
}

/// A sealed record as stored: encrypted, with what names it and who may see it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedRecord {
    /// Lowercase hex SHA-256 of `salt ‖ record_id`: what events carry.
    pub reference: String,
    pub record_id: Uuid,
    pub salt: Vec<u8>,
    pub kind: domain::sealed::SealedKind,
    /// Who may see it is decided by county.
    pub county_code: String,
    /// Which key sealed it (`app::sealed::SealedKey::id`).
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for SealedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SealedRecord {{ reference: {}, kind: {}, county_code: {}, key_id: {}, .. }}",
            self.reference,
            self.kind.as_str(),
            self.county_code,
            self.key_id
        )
    }
}

impl std::fmt::Debug for SecretWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretWrite::Password { user_id, .. } => {
                write!(f, "SecretWrite::Password {{ user_id: {user_id}, .. }}")
            }
            SecretWrite::Totp { user_id, .. } => {
                write!(f, "SecretWrite::Totp {{ user_id: {user_id}, .. }}")
            }
            SecretWrite::EndSessions { user_id, keep } => write!(
                f,
                "SecretWrite::EndSessions {{ user_id: {user_id}, keep: {} }}",
                if keep.is_some() { "one" } else { "none" }
            ),
            SecretWrite::Sealed(r) => write!(f, "SecretWrite::Sealed({r:?})"),
            SecretWrite::EraseSealed { reference } => {
                write!(f, "SecretWrite::EraseSealed {{ reference: {reference} }}")
            }
            SecretWrite::DocumentFile { document_id, pdf } => write!(
                f,
                "SecretWrite::DocumentFile {{ document_id: {document_id}, {} bytes }}",
                pdf.len()
            ),
        }
    }
}

/// What a decision hands to the store.
#[derive(Debug, Default)]
pub struct Changes {
    pub events: Vec<Event>,
    pub secrets: Vec<SecretWrite>,
}

/// Consistent reads inside a write's transaction; all a decision may see.
#[async_trait]
pub trait Reader: Send {
    async fn unit_by_id(&mut self, id: Uuid) -> Result<Option<Unit>, StoreError>;
    async fn unit_by_code(&mut self, code: &str) -> Result<Option<Unit>, StoreError>;
    async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_id(&mut self, id: Uuid) -> Result<Option<User>, StoreError>;
    async fn entity_by_id(&mut self, id: Uuid) -> Result<Option<Entity>, StoreError>;
    async fn uscc_taken(&mut self, uscc: &str) -> Result<bool, StoreError>;
    /// Which of `usccs` are registered (an import asks for all its rows at once).
    async fn registered_usccs(
        &mut self,
        usccs: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError>;
    /// Any evidence, unscoped: the decision checks the actor's reach.
    async fn evidence_by_id(&mut self, id: Uuid) -> Result<Option<Evidence>, StoreError>;
    /// Any clue, unscoped: the decision checks the actor's reach.
    async fn clue_by_id(
        &mut self,
        id: Uuid,
    ) -> Result<Option<domain::case::clue::Clue>, StoreError>;
    /// Any case, unscoped: the decision checks the actor's reach.
    async fn case_by_id(
        &mut self,
        id: Uuid,
    ) -> Result<Option<domain::case::registration::Case>, StoreError>;
    /// The last serial of a case-number counter (0 before the first).
    async fn case_counter(&mut self, key: &str) -> Result<i64, StoreError>;
    /// Everyone named as an officer of a case's records, or who recorded one.
    async fn record_officers(&mut self, case_id: Uuid) -> Result<Vec<String>, StoreError>;
    /// The kind of one of a case's records (`None` when the case has no such record).
    async fn record_kind(
        &mut self,
        case_id: Uuid,
        record_id: Uuid,
    ) -> Result<Option<domain::case::record::RecordKind>, StoreError>;
    /// A sealed record, unscoped: the decision checks the actor's reach.
    async fn sealed_record(&mut self, reference: &str) -> Result<Option<SealedRecord>, StoreError>;
    /// The documents of a case already issued, of one kind.
    async fn documents_of_kind(
        &mut self,
        case_id: Uuid,
        kind: domain::case::document::DocumentKind,
    ) -> Result<Vec<domain::case::document::Document>, StoreError>;
    /// The log positions and hashes of a case's events, as its archive counts them
    /// (`docs/archive.md` §2).
    async fn case_ledger(
        &mut self,
        case_id: Uuid,
        clue_id: Uuid,
    ) -> Result<Vec<(i64, ledger::Hash)>, StoreError>;
    /// Any issued document, unscoped: the decision checks the actor's reach.
    async fn document_by_id(
        &mut self,
        id: Uuid,
    ) -> Result<Option<domain::case::document::Document>, StoreError>;
    /// Every discretion benchmark version proposed (approved or not), by version.
    async fn benchmark_versions(
        &mut self,
    ) -> Result<Vec<domain::discretion::StoredBenchmark>, StoreError>;
    /// One proposed benchmark version.
    async fn benchmark_version(
        &mut self,
        version: &str,
    ) -> Result<Option<domain::discretion::StoredBenchmark>, StoreError>;
}

/// Filters of the entity list; empty strings mean no filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntityFilter {
    /// Words to look for in the name, address or legal representative, or a USCC prefix (the
    /// search index answers; the database lists without words).
    pub q: String,
    pub county: String,
    pub class: String,
    /// The order of a list with words to look for (without, it is always by name).
    pub sort: EntitySort,
}

/// How a searched entity list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EntitySort {
    /// Best match first.
    #[default]
    Relevance,
    /// By name in pinyin order (`domain::collation`).
    Name,
}

/// One page of a list and the total across all pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// What became of a sign-in attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigninOutcome {
    Success,
    Failure,
    /// Refused before checking the password: too many failures for the username.
    LockedOut,
    /// Refused before checking the password: too many failures from the address.
    IpLimited,
    /// An administrator cleared the username's failures.
    Unlock,
}

impl SigninOutcome {
    pub fn parse(s: &str) -> Option<SigninOutcome> {
        [
            SigninOutcome::Success,
            SigninOutcome::Failure,
            SigninOutcome::LockedOut,
            SigninOutcome::IpLimited,
            SigninOutcome::Unlock,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SigninOutcome::Success => "success",
            SigninOutcome::Failure => "failure",
            SigninOutcome::LockedOut => "locked_out",
            SigninOutcome::IpLimited => "ip_limited",
            SigninOutcome::Unlock => "unlock",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigninRecord {
    pub at: Timestamp,
    /// As submitted, whether or not such a user exists.
    pub username: String,
    pub user_id: Option<Uuid>,
    pub ip: String,
    pub outcome: SigninOutcome,
}

/// Failures counted in a window, and when the oldest of them happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureCount {
    pub count: i64,
    pub oldest: Option<Timestamp>,
}

/// A decision run by the store inside its transaction. It may only read through the [`Reader`]
/// (on SQLite it runs on the single writer task, so it must not wait on anything else).
pub type Decide = Box<
    dyn for<'a> FnOnce(&'a mut dyn Reader) -> BoxFuture<'a, Result<Changes, WriteError>> + Send,
>;

/// The result of a committed write: its events with their log positions, in order.
pub type Committed = Vec<EventRecord>;

#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub user_id: Uuid,
    pub password_hash: String,
    pub must_change: bool,
    /// Base32 TOTP secret (RFC 6238) when the user signs in with a second factor.
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credential {{ user_id: {}, must_change: {}, totp: {}, .. }}",
            self.user_id,
            self.must_change,
            self.totp_secret.is_some()
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the bearer token or cookie value; the token itself is never stored.
    pub token_hash: [u8; 32],
    pub user_id: Uuid,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub revoked: bool,
}

/// The outcome of rebuilding the projections from the events alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayReport {
    pub events: i64,
    /// Human-readable differences between the live tables and the replayed ones; empty = agree.
    pub differences: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Reads, scoped where rows belong to a county, and the session table.
#[async_trait]
pub trait Queries: Send + Sync {
    async fn ping(&self) -> Result<(), StoreError>;
    /// Every discretion benchmark version proposed (approved or not), by version.
    async fn stored_benchmarks(
        &self,
    ) -> Result<Vec<domain::discretion::StoredBenchmark>, StoreError>;
    async fn log_size(&self) -> Result<i64, StoreError>;
    async fn events(
        &self,
        scope: &Scope,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError>;
    /// Administration events (accounts, access, resets, certificates) from `after_seq` on.
    async fn administration_events(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError>;
    /// The organisation chart is public information, so units are not scoped.
    async fn units(&self) -> Result<Vec<Unit>, StoreError>;
    async fn unit(&self, id: Uuid) -> Result<Option<Unit>, StoreError>;
    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    async fn user_with_credential(
        &self,
        username: &str,
    ) -> Result<Option<(User, Option<Credential>)>, StoreError>;
    /// Whether any row not marked demo exists (a demo seed refuses to mix with real data).
    async fn has_real_data(&self) -> Result<bool, StoreError>;
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;
    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError>;
    /// A session with its user and the user's credential, in one trip to the database (every
    /// signed-in request asks): `None` without the session, `(session, None)` without the user.
    #[allow(clippy::type_complexity)]
    async fn session_holder(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<(Session, Option<(User, Option<Credential>)>)>, StoreError>;
    async fn touch_session(&self, token_hash: &[u8; 32], at: Timestamp) -> Result<(), StoreError>;
    async fn revoke_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError>;
    /// Records that the user's TOTP code for `step` was used; false if that step or a later one
    /// already was (the code is a replay).
    async fn claim_totp_step(&self, user_id: Uuid, step: i64) -> Result<bool, StoreError>;
    /// Entities within `scope` matching `filter`, ordered by name then id.
    async fn entities(
        &self,
        scope: &Scope,
        filter: &EntityFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Entity>, StoreError>;
    /// [`Queries::entities`] walked by key, for an export of every row: the first `limit` after
    /// `after` (the name key and id of the last row before) in list order, each with its name
    /// key to go on from. No count and no `OFFSET`, so every batch costs the same.
    async fn entities_after_key(
        &self,
        scope: &Scope,
        filter: &EntityFilter,
        after: Option<&(Vec<u8>, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Entity, Vec<u8>)>, StoreError>;
    /// The ids of the entities that the events at `from_seq <= seq < to_seq` registered or
    /// updated, in log order (repeated if changed twice): what the search index catches up on.
    async fn entity_changes(&self, from_seq: i64, to_seq: i64) -> Result<Vec<Uuid>, StoreError>;
    /// Up to `limit` entities with an id after `after` (the nil UUID: from the first), in id
    /// order, whatever the scope: the search index's rebuild.
    async fn entities_after(&self, after: Uuid, limit: i64) -> Result<Vec<Entity>, StoreError>;
    /// Those of `ids` that exist within `scope`, in no particular order.
    async fn entities_by_ids(&self, scope: &Scope, ids: &[Uuid])
    -> Result<Vec<Entity>, StoreError>;
    /// [`Queries::entities_by_ids`] with the log's size read just before them, in one trip to
    /// the database: a search page checks its index is current with the same read.
    async fn entities_by_ids_with_log_size(
        &self,
        scope: &Scope,
        ids: &[Uuid],
    ) -> Result<(Vec<Entity>, i64), StoreError>;
    /// One entity, if it exists within `scope`.
    async fn entity(&self, scope: &Scope, id: Uuid) -> Result<Option<Entity>, StoreError>;
    /// Which of `usccs` are registered, whatever the scope: a USCC is unique prefecture-wide.
    async fn registered_usccs(
        &self,
        usccs: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError>;
    async fn record_signin(&self, record: &SigninRecord) -> Result<(), StoreError>;
    /// Failures for a username since `since`, not counting any before its last unlock.
    async fn username_failures(
        &self,
        username: &str,
        since: Timestamp,
    ) -> Result<FailureCount, StoreError>;
    async fn ip_failures(&self, ip: &str, since: Timestamp) -> Result<FailureCount, StoreError>;
    /// The size and root hash of the ledger tree now.
    async fn tree_head(&self) -> Result<(i64, ledger::Hash), StoreError>;
    /// The stored `event_hash` of each event from `from_seq`, in order.
    async fn event_hashes(
        &self,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<(i64, ledger::Hash)>, StoreError>;
    /// Up to `limit` events from `from_seq` as stored, undecoded, in order, with their stored
    /// hashes: what `ledger verify` rehashes.
    async fn stored_events(
        &self,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// Stored tree hashes from index `from`, in index order.
    async fn tree_hashes(
        &self,
        from: i64,
        limit: i64,
    ) -> Result<Vec<(i64, ledger::Hash)>, StoreError>;
    /// The inclusion proof of the event at `seq` in the tree of `size` events.
    async fn inclusion_proof(&self, seq: i64, size: i64) -> Result<Vec<ledger::Hash>, StoreError>;
    /// Entities within `scope` counted by county and class.
    async fn entity_counts(&self, scope: &Scope) -> Result<Vec<(String, String, i64)>, StoreError>;
    /// Every user, ordered by username.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    /// The users of these usernames (those that exist), in the order named.
    async fn users_named(&self, usernames: &[String]) -> Result<Vec<User>, StoreError>;
    /// A user's sessions, newest first.
    async fn sessions_of(&self, user_id: Uuid) -> Result<Vec<Session>, StoreError>;
    /// Every sign-in attempt, newest first.
    async fn recent_signins(&self, limit: i64) -> Result<Vec<SigninRecord>, StoreError>;
    /// A username's sign-in attempts, newest first.
    async fn signins_of(&self, username: &str, limit: i64)
    -> Result<Vec<SigninRecord>, StoreError>;
}

/// The one write path.
#[async_trait]
pub trait Writer: Send + Sync {
    fn backend(&self) -> Backend;
    /// Runs `decide` in a transaction and commits what it returns, or nothing.
    async fn write(&self, decide: Decide) -> Result<Committed, WriteError>;
    /// Commands waiting for the writer, not yet taken into a write group (a gauge; tests use it
    /// to know that commands are queued behind a held writer).
    fn queued(&self) -> usize;
    /// Rebuilds every projection table from the events in a transaction that is rolled back, and
    /// reports where the result differs from the live tables.
    async fn replay_check(&self) -> Result<ReplayReport, StoreError>;
    /// Tries to become the one checkpoint signer among every server sharing this database; the
    /// role lasts while the returned guard lives. `None`: another server signs.
    async fn signer_lock(&self) -> Result<Option<SignerLock>, StoreError>;
}

/// Held by the one server that signs checkpoints (see [`Writer::signer_lock`]).
pub type SignerLock = Box<dyn SignerGuard>;

/// The signer role, for as long as [`SignerGuard::still_held`] says so.
#[async_trait]
pub trait SignerGuard: Send + Sync {
    /// Whether the role is still this server's. On PostgreSQL the advisory lock lives with its
    /// connection: if that connection dropped, another server may have taken the lock, so the
    /// role is gone and must be taken again before signing.
    async fn still_held(&self) -> bool;
}

/// The ledger's own records and reads: signed checkpoints, their keys, past roots, proofs, tiles.
#[async_trait]
pub trait LedgerQueries: Send + Sync {
    async fn latest_checkpoint(&self) -> Result<Option<CheckpointRecord>, StoreError>;
    /// The newest checkpoint of exactly this tree size.
    async fn checkpoint_of_size(&self, size: i64) -> Result<Option<CheckpointRecord>, StoreError>;
    /// Checkpoints in the order they were signed, after the one with `after_id`.
    async fn checkpoints(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<CheckpointRecord>, StoreError>;
    async fn record_checkpoint(
        &self,
        size: i64,
        root: ledger::Hash,
        key_id: &str,
        note: &str,
        signed_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Records a signing key once; a key already known is left as it is.
    async fn register_ledger_key(
        &self,
        key_id: &str,
        vkey: &str,
        created_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Every key, newest first, with the first and last tree size it signed.
    async fn ledger_keys(&self) -> Result<Vec<LedgerKey>, StoreError>;
    /// The log position of the event with this ID.
    async fn event_seq(&self, event_id: Uuid) -> Result<Option<i64>, StoreError>;
    /// The root of the tree of the first `size` events (any size up to the log's).
    async fn root_at(&self, size: i64) -> Result<ledger::Hash, StoreError>;
    /// RFC 9162 consistency proof between the trees of `from` and `to` events.
    async fn consistency_proof(&self, from: i64, to: i64) -> Result<Vec<ledger::Hash>, StoreError>;
    /// The hashes of a C2SP tile: tree hashes, or for an entry bundle the events' `event_hash`.
    async fn tile(&self, tile: ledger::tiles::TileRef) -> Result<Vec<ledger::Hash>, StoreError>;
    /// Keeps a witness's cosignature of a checkpoint; a second one by the same witness for the
    /// same checkpoint is left out (the first stays).
    async fn record_cosignature(&self, c: &CosignatureRecord) -> Result<(), StoreError>;
    /// The cosignatures of a checkpoint, in the order received.
    async fn cosignatures(&self, checkpoint_id: i64) -> Result<Vec<CosignatureRecord>, StoreError>;
    /// The largest tree size the witness with this key ID cosigned, and that cosignature's
    /// times; `None` before its first.
    async fn witness_progress(
        &self,
        witness_key_id: &str,
    ) -> Result<Option<WitnessProgress>, StoreError>;
    /// Keeps a statement the ledger's keys signed about the log (`kind`: `lost_range`).
    async fn record_ledger_statement(
        &self,
        kind: &str,
        statement: &str,
        made_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Every such statement, oldest first.
    async fn ledger_statements(&self) -> Result<Vec<String>, StoreError>;
    /// The newest `limit` checkpoints larger than `above` with at least `cosignatures`
    /// cosignatures (by any witness: the caller checks which), largest first.
    async fn latest_cosigned_checkpoints(
        &self,
        above: i64,
        cosignatures: i64,
        limit: i64,
    ) -> Result<Vec<CheckpointRecord>, StoreError>;
}

/// Evidence reads, the security audit and resumable uploads.
#[async_trait]
pub trait EvidenceQueries: Send + Sync {
    /// One piece of evidence, if it exists within `scope`.
    async fn evidence(&self, scope: &Scope, id: Uuid) -> Result<Option<Evidence>, StoreError>;
    /// The evidence about one subject within `scope`, newest first.
    async fn evidence_of_subject(
        &self,
        scope: &Scope,
        subject_id: Uuid,
    ) -> Result<Vec<Evidence>, StoreError>;
    /// The custody timeline of one piece of evidence, oldest first.
    async fn custody(&self, evidence_id: Uuid) -> Result<Vec<CustodyEntry>, StoreError>;
    /// Distinct stored blobs `(sha256, sm3, size)` after `after_sha256`, in hash order.
    async fn blobs(
        &self,
        after_sha256: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, i64)>, StoreError>;
    async fn record_security_audit(&self, record: &SecurityAuditRecord) -> Result<(), StoreError>;
    /// The newest security audit rows.
    async fn security_audit(&self, limit: i64) -> Result<Vec<SecurityAuditRecord>, StoreError>;
    /// Whether any evidence refers to the blob with this SHA-256.
    async fn blob_in_use(&self, sha256: &str) -> Result<bool, StoreError>;
    async fn create_upload(&self, upload: &Upload) -> Result<(), StoreError>;
    async fn upload(&self, id: Uuid) -> Result<Option<Upload>, StoreError>;
    /// Moves the offset from `from` to `received`; false when the upload was not at `from`
    /// (another request moved it) or is already finished.
    async fn set_upload_received(
        &self,
        id: Uuid,
        from: i64,
        received: i64,
    ) -> Result<bool, StoreError>;
    /// Links the upload to its evidence; false when it was already linked.
    async fn finish_upload(&self, id: Uuid, evidence_id: Uuid) -> Result<bool, StoreError>;
    async fn delete_upload(&self, id: Uuid) -> Result<(), StoreError>;
    /// Uploads whose expiry is before `now`.
    async fn expired_uploads(&self, now: Timestamp) -> Result<Vec<Uuid>, StoreError>;
}

/// Clue and case reads for lists and pages, scoped.
#[async_trait]
pub trait CaseQueries: Send + Sync {
    /// One clue within `scope`; with `only_submitted_by` non-empty, only if that user submitted it.
    async fn clue(
        &self,
        scope: &Scope,
        only_submitted_by: &str,
        id: Uuid,
    ) -> Result<Option<domain::case::clue::Clue>, StoreError>;
    /// Clues within `scope`, the oldest first (the registration deadline runs from receipt).
    async fn clues(
        &self,
        scope: &Scope,
        filter: &ClueFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<domain::case::clue::Clue>, StoreError>;
    async fn case(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> Result<Option<domain::case::registration::Case>, StoreError>;
    async fn cases(
        &self,
        scope: &Scope,
        filter: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<domain::case::registration::Case>, StoreError>;
    /// Up to `limit` cases of the filter whose id sorts after `after`, by id: a sweep reads
    /// every matching case in chunks that cost the same however far it has gone (an offset
    /// re-reads what it skips) and misses none written meanwhile before its position.
    async fn cases_after(
        &self,
        scope: &Scope,
        filter: &CaseFilter,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<domain::case::registration::Case>, StoreError>;
    /// The ledger entries of a case and of its clue, in log order (the caller has checked the
    /// reader may see the case; every entry concerns its county).
    async fn case_timeline(
        &self,
        case_id: Uuid,
        clue_id: Uuid,
    ) -> Result<Vec<TimelineEntry>, StoreError>;
    /// The log positions and hashes of a case's events, as its archive counts them
    /// (`docs/archive.md` §2; the caller has checked the reader may see the case).
    async fn case_ledger(
        &self,
        case_id: Uuid,
        clue_id: Uuid,
    ) -> Result<Vec<(i64, ledger::Hash)>, StoreError>;
    /// The published decisions (in force or withdrawn), newest first: public, unscoped.
    async fn publications(
        &self,
        filter: &PublicationFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<domain::case::publicity::Publication>, StoreError>;
    /// Cases whose registration or cancellation waits for a head, oldest first.
    async fn awaiting_approval(
        &self,
        scope: &Scope,
    ) -> Result<Vec<domain::case::registration::Case>, StoreError>;
    /// A case's records, in the order recorded (the caller has checked the reader may see the
    /// case).
    async fn case_records(&self, case_id: Uuid) -> Result<Vec<RecordEntry>, StoreError>;
    /// The records of interference of a month (`YYYY-MM`, China Standard Time) within `scope`,
    /// in the order they happened.
    async fn interference(
        &self,
        scope: &Scope,
        month: &str,
    ) -> Result<Vec<domain::case::interference::InterferenceRecorded>, StoreError>;
    /// Clues whose extension of the time to decide waits for a head, oldest first.
    async fn extensions_awaiting_approval(
        &self,
        scope: &Scope,
    ) -> Result<Vec<domain::case::clue::Clue>, StoreError>;
}

pub use sql::case::{CaseFilter, ClueFilter, PublicationFilter};

/// One record of a case, with who recorded it and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordEntry {
    pub record: domain::case::record::Record,
    pub recorded_by: String,
    pub recorded_at: domain::Timestamp,
}

/// One ledger entry of a case's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    pub seq: i64,
    pub schema: String,
    pub at: Timestamp,
    pub actor: String,
}

/// Reads of issued documents.
#[async_trait]
pub trait DocumentQueries: Send + Sync {
    /// The documents of a case within `scope`, in the order issued.
    async fn case_documents(
        &self,
        scope: &Scope,
        case_id: Uuid,
    ) -> Result<Vec<domain::case::document::Document>, StoreError>;
    /// One document, unscoped: `app` checks the reader may see its case.
    async fn document(
        &self,
        id: Uuid,
    ) -> Result<Option<domain::case::document::Document>, StoreError>;
    /// The PDF as issued.
    async fn document_pdf(&self, id: Uuid) -> Result<Option<Vec<u8>>, StoreError>;
    /// A document by its check code, with its issuing event's id (the public check page).
    async fn document_by_code(
        &self,
        code: &str,
    ) -> Result<Option<(domain::case::document::Document, Uuid)>, StoreError>;
}

/// Reads of the sealed store (its writes are [`SecretWrite`]s on the write path).
#[async_trait]
pub trait SealedQueries: Send + Sync {
    /// A sealed record, unscoped: `app` checks the actor's reach (and records the view) first.
    async fn sealed_record(&self, reference: &str) -> Result<Option<SealedRecord>, StoreError>;
    /// The ID of a key some record was sealed under that is not `key_id`, if any.
    async fn sealed_key_other_than(&self, key_id: &str) -> Result<Option<String>, StoreError>;
    async fn sealed_count(&self) -> Result<i64, StoreError>;
}

pub trait Store:
    Queries + Writer + LedgerQueries + EvidenceQueries + CaseQueries + SealedQueries + DocumentQueries
{
}
impl<
    T: Queries
        + Writer
        + LedgerQueries
        + EvidenceQueries
        + CaseQueries
        + SealedQueries
        + DocumentQueries,
> Store for T
{
}

/// An event's RFC 8785 canonical JSON (keys sorted, no insignificant white space): the bytes its
/// `event_hash` is taken over.
pub fn canonical_json(event: &Event) -> Vec<u8> {
    // The envelope is plain JSON without floats; canonicalising it cannot fail.
    serde_json_canonicalizer::to_vec(&event.envelope()).unwrap_or_default()
}

/// SHA-256 of the event's canonical JSON.
pub fn event_hash(event: &Event) -> ledger::Hash {
    ledger::event_hash(&canonical_json(event))
}

#[cfg(test)]
mod stored_event_tests {
    use super::*;
    use domain::event::Payload;
    use domain::unit::{UnitCreated, UnitKind};

    fn event() -> Event {
        Event {
            id: Uuid::now_v7(),
            at: Timestamp::parse("2026-12-07T08:30:00.123456Z").expect("instant"),
            actor: domain::Actor::System.to_ref(),
            payload: Payload::UnitCreated(UnitCreated {
                id: Uuid::now_v7(),
                code: "mengla-brigade".into(),
                kind: UnitKind::Brigade,
                name_zh: "勐腊县生态环境保护综合行政执法大队 \"甲\"\n\u{1F600}".into(),
                name_en: "Mengla brigade".into(),
                parent_id: None,
                division_code: "532823".into(),
                demo: false,
            }),
        }
    }

    /// The parts as `append` stores them.
    fn stored(e: &Event) -> StoredEvent {
        StoredEvent {
            seq: 0,
            id: e.id,
            schema: e.schema().to_owned(),
            at: e.at,
            actor: serde_json::to_string(&e.actor).expect("actor"),
            payload: serde_json::to_string(&e.payload_json()).expect("payload"),
            hash: event_hash(e),
        }
    }

    #[test]
    fn stored_parts_hash_to_what_was_written() {
        let e = event();
        let s = stored(&e);
        assert_eq!(s.canonical_json().expect("canonical"), canonical_json(&e));
        assert_eq!(s.decode().expect("decodes"), e);
    }

    #[test]
    fn a_changed_stored_payload_changes_the_bytes() {
        let e = event();
        let mut s = stored(&e);
        // White space is not content ...
        s.payload = format!(" {} ", s.payload.replacen(',', " ,\n", 1));
        assert_eq!(s.canonical_json().expect("canonical"), canonical_json(&e));
        // ... a field added is, whether or not a decoder would accept it.
        s.payload = s.payload.replacen('{', "{\"extra\":1,", 1);
        assert_ne!(s.canonical_json().expect("canonical"), canonical_json(&e));
        s.payload.push('x');
        assert!(
            s.canonical_json().is_err(),
            "JSON that does not parse is refused"
        );
    }
}
