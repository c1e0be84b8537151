//! Discretion benchmark versions proposed and approved (`domain::discretion`): one row a
//! version, the table as JSON.

use super::projection::{Projection, corrupt, to_json};
use super::{Exec, Row};
use crate::StoreError;
use domain::Event;
use domain::discretion::StoredBenchmark;
use domain::event::Payload;

pub(super) const TABLES: &[Projection] =
    &[crate::projection!("benchmark_versions", order_by "version")];

const INSERT: &str = "INSERT INTO benchmark_versions (version, benchmark, proposed_by) \
     VALUES ($1, $2, $3)";
const APPROVE: &str = "UPDATE benchmark_versions SET approved_by = $2, effective_on = $3 \
     WHERE version = $1 AND approved_by IS NULL";
const ALL: &str = "SELECT benchmark, proposed_by, approved_by, effective_on \
     FROM benchmark_versions ORDER BY version";
const ONE: &str = "SELECT benchmark, proposed_by, approved_by, effective_on \
     FROM benchmark_versions WHERE version = $1";

pub(super) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    Ok(Some(match &event.payload {
        Payload::BenchmarkProposed(p) => {
            exec.execute(
                INSERT,
                &[
                    p.benchmark.version.as_str().into(),
                    to_json(&p.benchmark)?.into(),
                    p.proposed_by.as_str().into(),
                ],
            )
            .await?
        }
        Payload::BenchmarkApproved(p) => {
            let n = exec
                .execute(
                    APPROVE,
                    &[
                        p.version.as_str().into(),
                        p.approved_by.as_str().into(),
                        p.effective_on.to_string().into(),
                    ],
                )
                .await?;
            if n != 1 {
                return Err(corrupt("discretion.version_approved: no proposal waiting"));
            }
            n
        }
        _ => return Ok(None),
    }))
}

fn stored(r: &Row) -> Result<StoredBenchmark, StoreError> {
    let mut benchmark: domain::discretion::Benchmark =
        serde_json::from_str(&r.text(0)?).map_err(corrupt)?;
    if let Some(day) = r.opt_text(3)? {
        benchmark.effective_on = day.parse().map_err(corrupt)?;
    }
    Ok(StoredBenchmark {
        benchmark,
        proposed_by: r.text(1)?,
        approved_by: r.opt_text(2)?,
    })
}

pub(crate) async fn all(exec: &mut dyn Exec) -> Result<Vec<StoredBenchmark>, StoreError> {
    exec.query(ALL, &[]).await?.iter().map(stored).collect()
}

pub(crate) async fn one(
    exec: &mut dyn Exec,
    version: &str,
) -> Result<Option<StoredBenchmark>, StoreError> {
    exec.query(ONE, &[version.into()])
        .await?
        .first()
        .map(stored)
        .transpose()
}
