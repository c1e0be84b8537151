//! SQL both backends share, written once against [`Exec`].
//!
//! Each backend implements [`Exec`] on its connection (rusqlite for SQLite, sqlx for PostgreSQL)
//! and [`SqlBackend`] for how it reads and how it serialises writes; every statement and every
//! `apply` lives here. Values travel as [`Value`], typed even when null, because PostgreSQL needs
//! the type of a NULL parameter.

/// Boxes async work for [`SqlBackend::run`].
// Defined before the modules that use it.
macro_rules! run {
    ($backend:expr, |$exec:ident| $body:expr) => {{
        let f: ReadFn<_> = Box::new(move |$exec: &mut dyn Exec| Box::pin(async move { $body }));
        $backend.run(f).await
    }};
}

/// [`run!`] for a short read ([`SqlBackend::run_short`]).
macro_rules! run_short {
    ($backend:expr, |$exec:ident| $body:expr) => {{
        let f: ReadFn<_> = Box::new(move |$exec: &mut dyn Exec| Box::pin(async move { $body }));
        $backend.run_short(f).await
    }};
}

pub mod case;
mod discretion;
mod document;
mod entity;
mod evidence;
mod ledger;
mod organisation;
mod projection;
mod queries;
mod sealed;

pub use evidence::{SecurityAuditRecord, Upload};
pub use ledger::{CheckpointRecord, CosignatureRecord, LedgerKey, WitnessProgress};

pub use projection::{
    Projection, Snapshot, diff_snapshots, projection_tables, replay, replay_into,
};
pub use queries::{GroupLog, GroupMark, LogTip, TxReader, append, log_size, log_tip, set_log_size};

use crate::{Committed, Decide, ReplayReport, StoreError, WriteError};
use async_trait::async_trait;
use domain::Timestamp;
use futures::future::BoxFuture;
use uuid::Uuid;

/// A bind parameter or a column value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A NULL whose type the database did not say (SQLite results); never bind it to PostgreSQL.
    Null,
    I64(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Bool(Option<bool>),
    Uuid(Option<Uuid>),
    Time(Option<Timestamp>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::I64(Some(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_owned()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Bytes(Some(v.to_vec()))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(Some(v))
    }
}
impl From<Uuid> for Value {
    fn from(v: Uuid) -> Self {
        Value::Uuid(Some(v))
    }
}
impl From<Option<Uuid>> for Value {
    fn from(v: Option<Uuid>) -> Self {
        Value::Uuid(v)
    }
}
impl From<Timestamp> for Value {
    fn from(v: Timestamp) -> Self {
        Value::Time(Some(v))
    }
}

/// A result row, columns in the order the statement names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

fn bad(col: usize, want: &str, got: &Value) -> StoreError {
    StoreError::Corrupt(format!("column {col}: expected {want}, found {got:?}"))
}

impl Row {
    fn get(&self, col: usize) -> Result<&Value, StoreError> {
        self.0
            .get(col)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {col}")))
    }

    pub fn opt_i64(&self, col: usize) -> Result<Option<i64>, StoreError> {
        match self.get(col)? {
            Value::I64(v) => Ok(*v),
            Value::Null => Ok(None),
            other => Err(bad(col, "an integer", other)),
        }
    }

    pub fn i64(&self, col: usize) -> Result<i64, StoreError> {
        self.opt_i64(col)?
            .ok_or_else(|| bad(col, "an integer", &Value::I64(None)))
    }

    /// The text at `col`, moved out of the row (no copy); the row keeps a NULL there.
    pub fn take_text(&mut self, col: usize) -> Result<String, StoreError> {
        match self.0.get_mut(col) {
            Some(Value::Text(v @ Some(_))) => {
                v.take().ok_or_else(|| bad(col, "text", &Value::Text(None)))
            }
            Some(other) => Err(bad(col, "text", other)),
            None => Err(StoreError::Corrupt(format!("no column {col}"))),
        }
    }

    pub fn opt_text(&self, col: usize) -> Result<Option<String>, StoreError> {
        match self.get(col)? {
            Value::Text(v) => Ok(v.clone()),
            Value::Null => Ok(None),
            other => Err(bad(col, "text", other)),
        }
    }

    pub fn text(&self, col: usize) -> Result<String, StoreError> {
        self.opt_text(col)?
            .ok_or_else(|| bad(col, "text", &Value::Text(None)))
    }

    pub fn bytes(&self, col: usize) -> Result<Vec<u8>, StoreError> {
        match self.get(col)? {
            Value::Bytes(Some(v)) => Ok(v.clone()),
            other => Err(bad(col, "bytes", other)),
        }
    }

    /// SQLite keeps booleans as 0 and 1.
    pub fn bool(&self, col: usize) -> Result<bool, StoreError> {
        match self.get(col)? {
            Value::Bool(Some(v)) => Ok(*v),
            Value::I64(Some(v @ (0 | 1))) => Ok(*v == 1),
            other => Err(bad(col, "a boolean", other)),
        }
    }

    /// SQLite keeps UUIDs as 16-byte blobs.
    pub fn opt_uuid(&self, col: usize) -> Result<Option<Uuid>, StoreError> {
        match self.get(col)? {
            Value::Uuid(v) => Ok(*v),
            Value::Null => Ok(None),
            Value::Bytes(Some(b)) => Uuid::from_slice(b)
                .map(Some)
                .map_err(|_| bad(col, "a 16-byte UUID", &Value::Bytes(Some(b.clone())))),
            other => Err(bad(col, "a UUID", other)),
        }
    }

    pub fn uuid(&self, col: usize) -> Result<Uuid, StoreError> {
        self.opt_uuid(col)?
            .ok_or_else(|| bad(col, "a UUID", &Value::Uuid(None)))
    }

    /// SQLite keeps instants as RFC 3339 text with six fractional digits.
    pub fn time(&self, col: usize) -> Result<Timestamp, StoreError> {
        match self.get(col)? {
            Value::Time(Some(t)) => Ok(*t),
            Value::Text(Some(s)) => Timestamp::parse(s)
                .map_err(|_| bad(col, "an RFC 3339 instant", &Value::Text(Some(s.clone())))),
            other => Err(bad(col, "an instant", other)),
        }
    }
}

/// One connection, inside or outside a transaction. SQL uses `$1`, `$2`, … placeholders.
#[async_trait]
pub trait Exec: Send {
    async fn execute(&mut self, sql: &'static str, params: &[Value]) -> Result<u64, StoreError>;
    async fn query(&mut self, sql: &'static str, params: &[Value]) -> Result<Vec<Row>, StoreError>;

    /// How many rows `sql` returns and the SHA-256 of them all, in order ([`RowDigest`]): what
    /// replay compares, without keeping the rows. A backend may stream instead of collecting.
    async fn digest(&mut self, sql: &'static str) -> Result<(u64, [u8; 32]), StoreError> {
        let mut digest = RowDigest::default();
        for row in self.query(sql, &[]).await? {
            for value in &row.0 {
                digest.value(value);
            }
            digest.end_row();
        }
        Ok(digest.finish())
    }
}

/// SHA-256 over rows, each value written as a type tag, a length where it varies, and its
/// bytes, so that no two different row sequences write the same stream.
#[derive(Default)]
pub struct RowDigest {
    hasher: sha2::Sha256,
    rows: u64,
}

impl RowDigest {
    pub fn null(&mut self) {
        self.bytes(b"N");
    }

    pub fn i64(&mut self, v: i64) {
        self.bytes(b"I");
        self.bytes(&v.to_be_bytes());
    }

    pub fn text(&mut self, v: &[u8]) {
        self.bytes(b"T");
        self.bytes(&(v.len() as u64).to_be_bytes());
        self.bytes(v);
    }

    pub fn blob(&mut self, v: &[u8]) {
        self.bytes(b"B");
        self.bytes(&(v.len() as u64).to_be_bytes());
        self.bytes(v);
    }

    /// Any [`Value`], as the typed methods above write it (a typed NULL is a NULL).
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::I64(Some(i)) => self.i64(*i),
            Value::Bool(Some(b)) => self.i64(i64::from(*b)),
            Value::Text(Some(t)) => self.text(t.as_bytes()),
            Value::Bytes(Some(b)) => self.blob(b),
            Value::Uuid(Some(u)) => self.blob(u.as_bytes()),
            Value::Time(Some(t)) => self.text(t.to_rfc3339().as_bytes()),
            Value::Null
            | Value::I64(None)
            | Value::Text(None)
            | Value::Bytes(None)
            | Value::Bool(None)
            | Value::Uuid(None)
            | Value::Time(None) => self.null(),
        }
    }

    pub fn end_row(&mut self) {
        self.bytes(b"\n");
        self.rows += 1;
    }

    pub fn finish(self) -> (u64, [u8; 32]) {
        use sha2::Digest;
        (self.rows, self.hasher.finalize().into())
    }

    fn bytes(&mut self, b: &[u8]) {
        use sha2::Digest;
        self.hasher.update(b);
    }
}

pub(crate) async fn query_opt(
    exec: &mut dyn Exec,
    sql: &'static str,
    params: &[Value],
) -> Result<Option<Row>, StoreError> {
    Ok(exec.query(sql, params).await?.into_iter().next())
}

pub(crate) async fn query_one(
    exec: &mut dyn Exec,
    sql: &'static str,
    params: &[Value],
) -> Result<Row, StoreError> {
    query_opt(exec, sql, params)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("no row from {sql}")))
}

/// Work run on one pooled connection of the backend's choosing.
pub type ReadFn<R> =
    Box<dyn for<'a> FnOnce(&'a mut dyn Exec) -> BoxFuture<'a, Result<R, StoreError>> + Send>;

/// What a backend provides; [`crate::Queries`] and [`crate::Writer`] follow from it.
#[async_trait]
pub trait SqlBackend: Send + Sync + 'static {
    fn kind(&self) -> crate::Backend;
    /// Runs `f` on a pooled connection, outside the write path: reads, and writes to tables that
    /// are not projections (sessions).
    async fn run<R: Send + 'static>(&self, f: ReadFn<R>) -> Result<R, StoreError>;
    /// [`SqlBackend::run`] for a read known to be short (indexed lookups of a bounded number of
    /// rows), where the backend runs it cheapest; by default as any other.
    async fn run_short<R: Send + 'static>(&self, f: ReadFn<R>) -> Result<R, StoreError> {
        self.run(f).await
    }
    /// Runs `decide` and appends what it returns, in one transaction, serialised with every
    /// other write (see each backend for how).
    async fn write(&self, decide: Decide) -> Result<Committed, WriteError>;
    /// See [`crate::Writer::queued`].
    fn queued(&self) -> usize;
    /// Runs [`replay`] in a transaction that is rolled back, with writers held off.
    async fn replay_check(&self) -> Result<ReplayReport, StoreError>;
    /// See [`crate::Writer::signer_lock`].
    async fn signer_lock(&self) -> Result<Option<crate::SignerLock>, StoreError>;
}

#[cfg(test)]
mod row_digest_tests {
    use super::{RowDigest, Value};

    fn digest(rows: &[&[Value]]) -> (u64, [u8; 32]) {
        let mut d = RowDigest::default();
        for row in rows {
            for v in *row {
                d.value(v);
            }
            d.end_row();
        }
        d.finish()
    }

    fn t(s: &str) -> Value {
        Value::Text(Some(s.into()))
    }

    #[test]
    fn different_rows_digest_differently() {
        let base = digest(&[&[t("ab"), t("")]]);
        assert_eq!(base, digest(&[&[t("ab"), t("")]]));
        assert_eq!(base.0, 1);
        // Where a value ends, where a row ends, and what type a value has all count.
        assert_ne!(base, digest(&[&[t("a"), t("b")]]));
        assert_ne!(base, digest(&[&[t("ab")], &[t("")]]));
        assert_ne!(
            base,
            digest(&[&[Value::Bytes(Some(b"ab".to_vec())), t("")]])
        );
        assert_ne!(base, digest(&[&[t("ab"), Value::Null]]));
        assert_ne!(
            digest(&[&[Value::I64(Some(1))]]),
            digest(&[&[Value::I64(Some(256))]])
        );
        // A typed NULL is a NULL, and a boolean is the integer SQLite stores.
        assert_eq!(digest(&[&[Value::Text(None)]]), digest(&[&[Value::Null]]));
        assert_eq!(
            digest(&[&[Value::Bool(Some(true))]]),
            digest(&[&[Value::I64(Some(1))]])
        );
    }
}
