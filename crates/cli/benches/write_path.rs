//! Events per second through the whole write path (app → decide → store → commit) with 8
//! concurrent writers, on SQLite and, when reachable, PostgreSQL.
//!
//! Both commit durably: SQLite with `synchronous = FULL`, PostgreSQL with its defaults
//! (`synchronous_commit = on`); commands waiting together share a commit (group commit).
//!
//! `cargo bench -p cli --bench write_path [-- EVENTS_PER_WRITER]` (default 5,000, after 200
//! warm-up events; 50 after 20 in CI's short mode, `ECOENFORCE_BENCH_SHORT=1`)
//! PostgreSQL from `ECOENFORCE_TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/postgres).

use app::units::NewUnit;
use app::{App, AppSettings, SystemClock};
use domain::Actor;
use domain::unit::UnitKind;
#[allow(dead_code)]
mod common;

use std::sync::Arc;
use std::time::Instant;
use store::Store;

const WRITERS: usize = 8;

fn unit(code: String) -> NewUnit {
    NewUnit {
        name_zh: format!("协作单位 {code}"),
        name_en: format!("Partner {code}"),
        code,
        kind: UnitKind::PartnerAgency,
        parent_id: None,
        division_code: "532800".into(),
        demo: true,
    }
}

async fn run(label: &str, store: Arc<dyn Store>, per_writer: usize, warm_up: usize) -> f64 {
    let app = Arc::new(App::new(
        store,
        Arc::new(SystemClock),
        AppSettings::default(),
    ));
    // Warm-up: connections, statement caches.
    for i in 0..warm_up {
        app.create_unit(&Actor::System, unit(format!("warm-{i}")))
            .await
            .expect("warm-up");
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer {
                app.create_unit(&Actor::System, unit(format!("w{w}-{i}")))
                    .await
                    .expect("write");
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer");
    }
    let elapsed = start.elapsed();
    let events = WRITERS * per_writer;
    let size = app.log_size().await.expect("size");
    assert_eq!(
        size as usize,
        events + warm_up,
        "every event landed, gap-free"
    );
    println!(
        "{label}: {events} events by {WRITERS} writers in {:.3} s = {:.0} events/s",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64()
    );
    elapsed.as_secs_f64()
}

/// How the commands were grouped into transactions (warm-up included).
fn groups(stats: &store::WriterStats) {
    let commands = stats.commands.load(std::sync::atomic::Ordering::Relaxed);
    let groups = stats.groups.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "  {commands} commands in {groups} transactions, {:.1} commands per group",
        commands as f64 / groups as f64
    );
}

fn main() {
    let (default_per_writer, warm_up) = if common::short() {
        (50, 20)
    } else {
        (5_000, 200)
    };
    let per_writer: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default_per_writer);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = Arc::new(
            store_sqlite::Backend::open(&dir.path().join("bench.db"))
                .await
                .expect("SQLite"),
        );
        run("SQLite (group commit)", sqlite.clone(), per_writer, warm_up).await;
        groups(sqlite.stats());

        match common::PgDatabase::create().await {
            Ok(db) => {
                let pg = Arc::new(
                    store_postgres::Backend::open(&db.url)
                        .await
                        .expect("PostgreSQL"),
                );
                run(
                    "PostgreSQL (group commit under the head-row lock)",
                    pg.clone(),
                    per_writer / 5,
                    warm_up,
                )
                .await;
                groups(pg.stats());
                db.drop().await;
            }
            Err(e) => println!("PostgreSQL skipped: {e}"),
        }
    });
}
