//! `ledger verify` (no blobs) over 1,000,000 events on SQLite (target < 10 s).
//!
//! `cargo bench -p cli --bench ledger_verify [-- EVENTS]`. The log is filled through the write
//! path 100 events per command, to keep the fill short; verification does not care. Short mode
//! (`ECOENFORCE_BENCH_SHORT=1`): 5,000 events.

#[allow(dead_code)]
mod common;

use app::{App, AppSettings, SystemClock};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let total: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if common::short() { 5_000 } else { 1_000_000 });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = common::sqlite(dir.path()).await;
        let app = App::new(
            backend.clone(),
            Arc::new(SystemClock),
            AppSettings::default(),
        );
        let t = Instant::now();
        common::fill_log(backend.as_ref(), total).await;
        println!(
            "filled {total} events in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        // The replay alone first: what part of the whole it is.
        let t = Instant::now();
        let replay = backend.replay_check().await.expect("replay");
        println!(
            "replay alone: {} events, {} differences in {:.2} s",
            replay.events,
            replay.differences.len(),
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let report = app.verify_ledger().await.expect("verify");
        println!(
            "ledger verify --no-blobs: {} events, {} tree hashes, {} problems in {:.2} s",
            report.events,
            report.tree_hashes,
            report.problems.len(),
            t.elapsed().as_secs_f64()
        );
        for (part, took) in &report.timings {
            println!("  {part}: {:.2} s", took.as_secs_f64());
        }
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    });
}
