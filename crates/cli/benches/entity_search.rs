//! Requests/s and p99 of `GET /api/v1/entities?q=…` with 10,000 entities, beside `/healthz` in
//! the same run as the ceiling, on SQLite and (when reachable) PostgreSQL. Client and server share
//! the machine's cores.
//!
//! `cargo bench -p cli --bench entity_search [-- SECONDS]`

use app::{App, AppSettings, SystemClock};
use domain::Actor;
use domain::entity::{EntityClass, EntityData};
#[allow(dead_code)]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;

const ENTITIES: u32 = 10_000;
const CLIENTS: usize = 16;
const KINDS: [(&str, &str); 5] = [
    ("糖厂", "1340"),
    ("精制茶厂", "1530"),
    ("橡胶加工厂", "2919"),
    ("污水处理厂", "4620"),
    ("水电站", "4412"),
];

async fn fill(app: &App) {
    app.seed_demo().await.expect("demo");
    let counties = ["532801", "532822", "532823"];
    let mut tasks = Vec::new();
    let app = Arc::new(app);
    for w in 0..8u32 {
        let app = app.clone();
        tasks.push(async move {
            let mut n = w;
            while n < ENTITIES - 60 {
                let county = counties[(n % 3) as usize];
                let (kind, industry) = KINDS[(n % 5) as usize];
                let data = EntityData {
                    uscc: app::seed::demo_uscc(county, 10_000 + n),
                    name: format!("压测{kind}{n:05}"),
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
                };
                app.register_entity(&Actor::System, data, true)
                    .await
                    .expect("register");
                n += 8;
            }
        });
    }
    futures::future::join_all(tasks).await;
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

async fn run(label: &str, store: Arc<dyn Store>, seconds: u64) {
    let app = Arc::new(App::new(
        store,
        Arc::new(SystemClock),
        AppSettings::default(),
    ));
    let t = Instant::now();
    fill(&app).await;
    println!(
        "{label}: {} entities written in {:.1} s",
        ENTITIES,
        t.elapsed().as_secs_f64()
    );
    let (addr, token) = common::serve_signed_in(app.clone()).await;
    let client = reqwest::Client::new();
    for (name, path) in [
        ("GET /healthz", "/healthz".to_owned()),
        (
            "GET /api/v1/entities?q=糖厂 (2,000 matches, first page of 50)",
            "/api/v1/entities?q=%E7%B3%96%E5%8E%82".to_owned(),
        ),
        (
            "GET /api/v1/entities?q=压测法人1234 (1 match)",
            "/api/v1/entities?q=%E5%8E%8B%E6%B5%8B%E6%B3%95%E4%BA%BA1234".to_owned(),
        ),
    ] {
        let (rps, p50, p99) = load(&client, format!("http://{addr}{path}"), &token, seconds).await;
        println!(
            "  {name}: {rps:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({CLIENTS} clients)",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    // The HTML list and the exports, signed in by cookie as an officer who sees all 10,000.
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
        ("export.xlsx, all 10,000 rows", "/entities/export.xlsx", 3),
        ("export.csv, all 10,000 rows", "/entities/export.csv", 3),
    ] {
        let mut best = Duration::MAX;
        let mut size = 0;
        for _ in 0..times {
            let t = Instant::now();
            let body = quiet
                .get(format!("http://{addr}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("page")
                .bytes()
                .await
                .expect("body");
            best = best.min(t.elapsed());
            size = body.len();
        }
        println!(
            "  {name}: {:.1} ms (best of {times}, one client), {:.1} KiB",
            best.as_secs_f64() * 1e3,
            size as f64 / 1024.0
        );
    }
}

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = store_sqlite::Backend::open(&dir.path().join("bench.db"))
            .await
            .expect("SQLite");
        run("SQLite", Arc::new(sqlite), seconds).await;
        match common::PgDatabase::create().await {
            Ok(db) => {
                let pg = store_postgres::Backend::open(&db.url)
                    .await
                    .expect("PostgreSQL");
                run("PostgreSQL", Arc::new(pg), seconds).await;
                db.drop().await;
            }
            Err(e) => println!("PostgreSQL skipped: {e}"),
        }
    });
}
