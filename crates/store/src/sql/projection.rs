//! The projection tables and how the events rebuild them: one list, [`FEATURES`], that `apply`,
//! replay, snapshots and clearing follow.
//!
//! Adding a projection table is its migration (both backends), its `apply` arms in its feature's
//! module, and one [`projection!`] entry in that feature's `TABLES`. A new feature module adds
//! one [`Feature`] line to [`FEATURES`].

use super::{Exec, Row, log_size};
use crate::{ReplayReport, Scope, StoreError};
use domain::Event;
use futures::future::BoxFuture;

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(corrupt)
}

/// A table rebuilt from the events alone, with the statements replay runs on it.
#[derive(Clone, Copy, Debug)]
pub struct Projection {
    pub table: &'static str,
    /// Every row, in a stable order: what a replay must rebuild exactly.
    pub(crate) snapshot: &'static str,
    pub(crate) clear: &'static str,
}

/// `projection!("units", order_by "id")`: a [`Projection`] whose rows are compared in that order.
#[macro_export]
#[doc(hidden)]
macro_rules! projection {
    ($table:literal, order_by $order:literal) => {
        $crate::sql::Projection {
            table: $table,
            snapshot: concat!("SELECT * FROM ", $table, " ORDER BY ", $order),
            clear: concat!("DELETE FROM ", $table),
        }
    };
}

/// Applies one event to a feature's tables: `Some(rows changed)` when the event is the
/// feature's, `None` otherwise.
pub(crate) type ApplyFn =
    for<'a> fn(&'a mut dyn Exec, &'a Event) -> BoxFuture<'a, Result<Option<u64>, StoreError>>;

/// A feature's projection tables (parents before children) and the `apply` of its events.
pub(crate) struct Feature {
    pub tables: &'static [Projection],
    pub apply: ApplyFn,
}

macro_rules! feature {
    ($module:ident) => {
        Feature {
            tables: super::$module::TABLES,
            apply: |exec, event| Box::pin(super::$module::apply(exec, event)),
        }
    };
}

/// Every feature with projections, parents before children.
pub(crate) const FEATURES: &[Feature] = &[
    feature!(organisation),
    feature!(entity),
    feature!(evidence),
    feature!(case),
    feature!(sealed),
    feature!(discretion),
];

/// Every projection table, parents before children.
pub fn projection_tables() -> impl Iterator<Item = &'static Projection> {
    FEATURES.iter().flat_map(|f| f.tables.iter())
}

/// Applies the event to the projection of the one feature it belongs to; every event changes
/// exactly one row of its feature's main table.
pub async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<(), StoreError> {
    for feature in FEATURES {
        if let Some(affected) = (feature.apply)(exec, event).await? {
            if affected != 1 {
                return Err(corrupt(format!(
                    "event {} ({}) changed {affected} rows, expected 1",
                    event.id,
                    event.schema(),
                )));
            }
            return Ok(());
        }
    }
    Err(corrupt(format!(
        "event {} ({}) belongs to no projection",
        event.id,
        event.schema()
    )))
}

/// Every projection table's rows, in the order of [`projection_tables`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub tables: Vec<(&'static str, Vec<Row>)>,
}

pub(crate) async fn snapshot(exec: &mut dyn Exec) -> Result<Snapshot, StoreError> {
    let mut tables = Vec::new();
    for p in projection_tables() {
        tables.push((p.table, exec.query(p.snapshot, &[]).await?));
    }
    Ok(Snapshot { tables })
}

/// Empties every projection table, children before parents (inside a transaction the caller
/// rolls back).
async fn clear_projections(exec: &mut dyn Exec) -> Result<(), StoreError> {
    let tables: Vec<&Projection> = projection_tables().collect();
    for p in tables.into_iter().rev() {
        exec.execute(p.clear, &[]).await?;
    }
    Ok(())
}

/// Compares two snapshots table by table, naming the first rows that differ.
pub fn diff_snapshots(live: &Snapshot, replayed: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for ((table, a), (_, b)) in live.tables.iter().zip(&replayed.tables) {
        if a.len() != b.len() {
            out.push(format!(
                "{table}: {} live rows, {} replayed rows",
                a.len(),
                b.len()
            ));
        }
        if let Some((i, (x, y))) = a.iter().zip(b).enumerate().find(|(_, (x, y))| x != y) {
            out.push(format!("{table} row {i}: live {x:?}, replayed {y:?}"));
        }
    }
    out
}

/// Every projection table's row count and digest, in the order of [`projection_tables`].
async fn digests(exec: &mut dyn Exec) -> Result<Vec<(u64, [u8; 32])>, StoreError> {
    let mut out = Vec::new();
    for p in projection_tables() {
        out.push(exec.digest(p.snapshot).await?);
    }
    Ok(out)
}

/// Rebuilds the projections from the events on this connection and compares them with what was
/// there. The caller runs this in a transaction and rolls it back.
///
/// First by a digest of each table ([`Exec::digest`]: SQLite streams the rows into it); only
/// when a digest differs is the replay run again keeping every row of both sides, to name the
/// rows that differ.
pub async fn replay(exec: &mut dyn Exec) -> Result<ReplayReport, StoreError> {
    let live = digests(exec).await?;
    exec.execute("SAVEPOINT replay_digest", &[]).await?;
    let replayed = async {
        let events = rebuild(exec).await?;
        Ok::<_, StoreError>((events, digests(exec).await?))
    }
    .await;
    // Back to the live tables, whatever happened (an error may have aborted the transaction);
    // the replay's own error, if any, is the one worth reporting.
    let restored = async {
        exec.execute("ROLLBACK TO SAVEPOINT replay_digest", &[])
            .await?;
        exec.execute("RELEASE SAVEPOINT replay_digest", &[]).await
    }
    .await;
    let (events, replayed) = replayed?;
    restored?;
    if replayed == live {
        return Ok(ReplayReport {
            events,
            differences: Vec::new(),
        });
    }
    let live = snapshot(exec).await?;
    let events = rebuild(exec).await?;
    let replayed = snapshot(exec).await?;
    let mut differences = diff_snapshots(&live, &replayed);
    if differences.is_empty() {
        // The rows are equal and their digests were not: the database changed between the two
        // passes, which the caller's transaction rules out. Say so rather than pass.
        differences.push("the table digests differ but no row does".into());
    }
    Ok(ReplayReport {
        events,
        differences,
    })
}

/// Empties the projections and applies every event again; returns how many were applied.
async fn rebuild(exec: &mut dyn Exec) -> Result<i64, StoreError> {
    clear_projections(exec).await?;
    let mut next = 0;
    loop {
        let batch = events_batch(exec, next).await?;
        for record in &batch {
            apply(exec, &record.event).await?;
        }
        next += batch.len() as i64;
        if (batch.len() as i64) < REPLAY_BATCH {
            break;
        }
    }
    check_log_size(exec, next).await?;
    Ok(next)
}

const REPLAY_BATCH: i64 = 10_000;

/// The next events from `next`, refusing a gap in their positions.
async fn events_batch(
    exec: &mut dyn Exec,
    next: i64,
) -> Result<Vec<crate::EventRecord>, StoreError> {
    let batch = super::queries::events_from(exec, &Scope::all(), next, REPLAY_BATCH).await?;
    for (expected, record) in (next..).zip(&batch) {
        if record.seq != expected {
            return Err(corrupt(format!(
                "the log has a gap: expected position {expected}, found {}",
                record.seq
            )));
        }
    }
    Ok(batch)
}

async fn check_log_size(exec: &mut dyn Exec, applied: i64) -> Result<(), StoreError> {
    let size = log_size(exec).await?;
    if size != applied {
        return Err(corrupt(format!(
            "the log head says {size} events, the table holds {applied}"
        )));
    }
    Ok(())
}

/// [`replay`] into another database: the events of `source` are applied to the empty
/// projection tables of `target` (same schema), and the two sets of tables compared. `source`
/// is only read (in one read transaction, the caller's), so writers carry on meanwhile; the
/// rows of both sides are read again only to name the differences when a digest differs.
pub async fn replay_into(
    source: &mut dyn Exec,
    target: &mut dyn Exec,
) -> Result<ReplayReport, StoreError> {
    let live = digests(source).await?;
    clear_projections(target).await?;
    let mut next = 0;
    loop {
        let batch = events_batch(source, next).await?;
        for record in &batch {
            apply(target, &record.event).await?;
        }
        next += batch.len() as i64;
        if (batch.len() as i64) < REPLAY_BATCH {
            break;
        }
    }
    check_log_size(source, next).await?;
    let mut differences = Vec::new();
    if digests(target).await? != live {
        differences = diff_snapshots(&snapshot(source).await?, &snapshot(target).await?);
        if differences.is_empty() {
            differences.push("the table digests differ but no row does".into());
        }
    }
    Ok(ReplayReport {
        events: next,
        differences,
    })
}
