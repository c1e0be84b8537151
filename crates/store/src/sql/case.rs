//! The case procedure's projections: their `apply` arms and their reads.
//!
//! Registered in `projection::FEATURES`, so the first case table is its migrations (both
//! backends), one `projection!` entry below and its arms in `apply` (`docs/architecture.md`).

use super::Exec;
use super::projection::Projection;
use crate::StoreError;
use domain::Event;

/// Parents before children. None yet: the issue "Cases 1" adds the first.
pub(super) const TABLES: &[Projection] = &[];

/// Applies a case event; `None` for events of other kinds (every event, until case events exist).
pub(super) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    let _ = (exec, event);
    Ok(None)
}
