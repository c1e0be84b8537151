//! Requests/s and p99 of `GET /api/v1/entities?q=…` (the search index) with 10,000 entities,
//! beside `/healthz` in the same run as the ceiling, on SQLite and (when reachable) PostgreSQL.
//! Client and server share the machine's cores.
//!
//! `cargo bench -p cli --bench entity_search [-- SECONDS [ENTITIES]]` (5 s, 10,000; issue 28 also
//! asks for 100,000). Short mode (`ECOENFORCE_BENCH_SHORT=1`): 1 s, 500 entities.

use app::{App, AppSettings, SystemClock};
use domain::Actor;
use domain::entity::{EntityClass, EntityData};
#[allow(dead_code)]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;

const CLIENTS: usize = 16;
const KINDS: [(&str, &str); 5] = [
    ("糖厂", "1340"),
    ("精制茶厂", "1530"),
    ("橡胶加工厂", "2919"),
    ("污水处理厂", "4620"),
    ("水电站", "4412"),
];

/// The demo organisation, then `entities` entities written 500 to a command (the write path
/// without the per-command round trips, so that 100,000 take seconds, not minutes).
async fn fill(app: &App, store: &dyn Store, entities: u32) {
    use domain::entity::EntityRegistered;
    use domain::event::Payload;
    use store::{Changes, Decide, Reader};
    app.seed_demo().await.expect("demo");
    let counties = ["532801", "532822", "532823"];
    let mut n = 0u32;
    while n < entities {
        let batch: Vec<u32> = (n..(n + 500).min(entities)).collect();
        n += batch.len() as u32;
        let decide: Decide = Box::new(move |_r: &mut dyn Reader| {
            Box::pin(async move {
                let actor = Actor::System.to_ref();
                let events = batch
                    .into_iter()
                    .map(|n| {
                        let county = counties[(n % 3) as usize];
                        let (kind, industry) = KINDS[(n % 5) as usize];
                        domain::Event {
                            id: uuid::Uuid::now_v7(),
                            at: domain::Timestamp::new(chrono::Utc::now()),
                            actor: actor.clone(),
                            payload: Payload::EntityRegistered(EntityRegistered {
                                id: uuid::Uuid::now_v7(),
                                demo: true,
                                data: EntityData {
                                    uscc: app::seed::demo_uscc(county, 10_000 + n),
                                    name: format!("压测{kind}{n:06}"),
                                    county_code: county.into(),
                                    industry_code: industry.into(),
                                    class: if n % 4 == 0 {
                                        EntityClass::Key
                                    } else {
                                        EntityClass::General
                                    },
                                    address: format!("压测地址 {n}"),
                                    legal_representative: format!("压测法人{n}"),
                                    lat_e6: 21_900_000 + i64::from(n),
                                    lon_e6: 100_800_000 + i64::from(n),
                                    outlets: Vec::new(),
                                    permit: None,
                                },
                            }),
                        }
                    })
                    .collect();
                Ok(Changes {
                    events,
                    secrets: Vec::new(),
                })
            })
        });
        store.write(decide).await.expect("write");
    }
}

fn percent(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn load(
    client: &reqwest::Client,
    url: String,
    token: &str,
    seconds: u64,
) -> (f64, Duration, Duration) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let client = client.clone();
        let url = url.clone();
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = client
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("request");
                assert!(r.status().is_success(), "{}", r.status());
                r.bytes().await.expect("body");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    all.sort();
    let p50 = all[all.len() / 2];
    let p99 = all[(all.len() * 99 / 100).min(all.len() - 1)];
    (all.len() as f64 / seconds as f64, p50, p99)
}

async fn run(label: &str, store: Arc<dyn Store>, seconds: u64, entities: u32) {
    let app = Arc::new(App::new(
        store.clone(),
        Arc::new(SystemClock),
        AppSettings::default(),
    ));
    let index_dir = tempfile::tempdir().expect("index dir");
    app.attach_search_index(index_dir.path()).expect("index");
    let t = Instant::now();
    fill(&app, store.as_ref(), entities).await;
    println!(
        "{label}: {entities} entities written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    app.warm_search_index().await.expect("index");
    println!(
        "  search index built from the database in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let (addr, token) = common::serve_signed_in(app.clone()).await;
    let client = reqwest::Client::new();
    let one = format!("压测法人{}", entities / 2 + 1);
    let mut healthz = 0.0;
    for (name, path) in [
        ("GET /healthz".to_owned(), "/healthz".to_owned()),
        (
            format!(
                "GET /api/v1/entities?q=糖厂 ({} matches, first page of 50)",
                entities / 5
            ),
            "/api/v1/entities?q=%E7%B3%96%E5%8E%82".to_owned(),
        ),
        (
            format!("GET /api/v1/entities?q={one} (1 match)"),
            format!("/api/v1/entities?q={}", percent(&one)),
        ),
        (
            "GET /api/v1/entities?q=糖厂&sort=name (by pinyin, first page)".to_owned(),
            "/api/v1/entities?q=%E7%B3%96%E5%8E%82&sort=name".to_owned(),
        ),
    ] {
        let (rps, p50, p99) = load(&client, format!("http://{addr}{path}"), &token, seconds).await;
        if path == "/healthz" {
            healthz = rps;
        }
        println!(
            "  {name}: {rps:.0} req/s ({:.0} % of /healthz), p50 {:.2} ms, p99 {:.2} ms ({CLIENTS} clients)",
            100.0 * rps / healthz,
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    // The HTML list and the exports, signed in by cookie as an officer who sees every entity.
    let quiet = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = quiet
        .post(format!("http://{addr}/login"))
        .form(&[
            ("username", "zhidui.officer"),
            ("password", app::seed::DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    for (name, path, times) in [
        ("HTML /entities (first page of 50)", "/entities", 20),
        (
            "HTML /entities?q=糖厂",
            "/entities?q=%E7%B3%96%E5%8E%82",
            20,
        ),
        ("export.xlsx, every row", "/entities/export.xlsx", 3),
        ("export.csv, every row", "/entities/export.csv", 3),
    ] {
        let mut best = Duration::MAX;
        let mut size = 0;
        let mut failed = Vec::new();
        for _ in 0..times {
            let t = Instant::now();
            let r = quiet
                .get(format!("http://{addr}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("page");
            let status = r.status();
            let body = r.bytes().await.expect("body");
            // A refused or timed-out answer is no measurement: say so instead of timing it.
            if status != 200 {
                failed.push(status.as_u16());
                continue;
            }
            best = best.min(t.elapsed());
            size = body.len();
        }
        if failed.len() == times {
            println!("  {name}: FAILED, HTTP {failed:?} (one client)");
            continue;
        }
        println!(
            "  {name}: {:.1} ms (best of {times}, one client), {:.1} KiB{}",
            best.as_secs_f64() * 1e3,
            size as f64 / 1024.0,
            if failed.is_empty() {
                String::new()
            } else {
                format!("; also HTTP {failed:?}")
            }
        );
    }
}

fn main() {
    let mut numbers = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<u64>().ok());
    let short = common::short();
    let seconds = numbers.next().unwrap_or(if short { 1 } else { 5 });
    let entities = numbers
        .next()
        .map_or(if short { 500 } else { 10_000 }, |n| n as u32);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = store_sqlite::Backend::open(&dir.path().join("bench.db"))
            .await
            .expect("SQLite");
        run("SQLite", Arc::new(sqlite), seconds, entities).await;
        match common::PgDatabase::create().await {
            Ok(db) => {
                let pg = store_postgres::Backend::open(&db.url)
                    .await
                    .expect("PostgreSQL");
                run("PostgreSQL", Arc::new(pg), seconds, entities).await;
                db.drop().await;
            }
            Err(e) => println!("PostgreSQL skipped: {e}"),
        }
    });
}
