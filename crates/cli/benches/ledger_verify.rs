//! `ledger verify` (no blobs) over 1,000,000 events on SQLite (target < 10 s).
//!
//! `cargo bench -p cli --bench ledger_verify [-- EVENTS]`. The log is filled through the write
//! path 100 events per command, to keep the fill short; verification does not care.

use app::{App, AppSettings, SystemClock};
use domain::event::Payload;
use domain::unit::{UnitCreated, UnitKind};
use domain::{Actor, Event};
use std::sync::Arc;
use std::time::Instant;
use store::{Changes, Decide, Reader, Store};

fn main() {
    let total: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend: Arc<dyn Store> = Arc::new(
            store_sqlite::Backend::open(&dir.path().join("bench.db"))
                .await
                .expect("SQLite"),
        );
        let app = App::new(
            backend.clone(),
            Arc::new(SystemClock),
            AppSettings::default(),
        );
        let t = Instant::now();
        let mut written = 0u64;
        while written < total {
            let batch = (total - written).min(100);
            let start = written;
            let decide: Decide = Box::new(move |_r: &mut dyn Reader| {
                Box::pin(async move {
                    let actor = Actor::System.to_ref();
                    let events = (start..start + batch)
                        .map(|i| Event {
                            id: uuid::Uuid::now_v7(),
                            at: domain::Timestamp::new(chrono::Utc::now()),
                            actor: actor.clone(),
                            payload: Payload::UnitCreated(UnitCreated {
                                id: uuid::Uuid::now_v7(),
                                code: format!("bench-{i}"),
                                kind: UnitKind::PartnerAgency,
                                name_zh: format!("压测单位{i}"),
                                name_en: format!("Bench unit {i}"),
                                parent_id: None,
                                division_code: "532800".into(),
                                demo: true,
                            }),
                        })
                        .collect();
                    Ok(Changes {
                        events,
                        secrets: Vec::new(),
                    })
                })
            });
            backend.write(decide).await.expect("write");
            written += batch;
        }
        println!(
            "filled {total} events in {:.1} s",
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
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    });
}
