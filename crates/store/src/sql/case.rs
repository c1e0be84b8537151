//! The case procedure's projections: their `apply` arms and their reads.
//!
//! Empty until the issue "Cases 1" lands its first table. Then this module gets
//! `pub(super) const TABLES` (one `projection!` entry per table, parents before children) and
//! `pub(super) async fn apply`, and one `feature!(case)` line in `projection::FEATURES`
//! (`docs/architecture.md`). It is not registered before: an empty feature would cost every
//! event on the write path a call that does nothing.
