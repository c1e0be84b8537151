//! Every table the backends create, sorted into what replay rebuilds and what it leaves alone.
//! A test in each backend fails if a migration adds a table missing here.

/// Rebuilt from the events alone; compared by replay and `ledger verify`.
pub const PROJECTION_TABLES: &[&str] = &["units", "users"];

/// The log itself.
pub const LOG_TABLES: &[&str] = &["events", "event_counties", "log_head"];

/// Not projections, excluded from replay: credentials, sessions, and the migration bookkeeping.
pub const NON_PROJECTION_TABLES: &[&str] = &["credentials", "sessions", "_sqlx_migrations"];
