//! Every table the backends create, sorted into what replay rebuilds and what it leaves alone.
//! A test in each backend fails if a migration adds a table missing here.

/// Rebuilt from the events alone; compared by replay and `ledger verify`. Declared by each
/// feature beside its `apply` (see `sql::projection`).
pub fn projection_tables() -> Vec<&'static str> {
    crate::sql::projection_tables().map(|p| p.table).collect()
}

/// The log itself.
pub const LOG_TABLES: &[&str] = &[
    "events",
    "event_counties",
    "log_head",
    "ledger_hashes",
    // The signer's record of what it signed, with which key.
    "checkpoints",
    "ledger_keys",
    // The witnesses' cosignatures of those checkpoints.
    "cosignatures",
    // What the ledger's keys signed about the log itself (a declared loss).
    "ledger_statements",
];

/// Not projections, excluded from replay: credentials and sessions, and the sealed records of
/// personal data, which no event holds (events carry only their references).
pub const NON_PROJECTION_TABLES: &[&str] = &[
    "credentials",
    "sealed_records",
    // The issued PDFs, whose SHA-256 the events hold.
    "document_files",
    "sessions",
    "signin_audit",
    "security_audit",
    "uploads",
];

/// Migration bookkeeping: `schema_migrations` on SQLite, sqlx's table on PostgreSQL.
pub const MIGRATION_TABLES: &[&str] = &["schema_migrations", "_sqlx_migrations"];
