//! Issue 20's measurements, on SQLite and (when reachable) PostgreSQL: with 100,000 cases written
//! through the write path (clue submitted, case proposed by the county's brigade officer, nine in
//! ten approved by the bureau head, one in ten left waiting), p50/p99 of `GET /api/v1/cases/{id}`
//! and of `POST /api/v1/clues/{id}/register`; with 10,000 open clues in Menghai (532822) on top,
//! p50/p99 of the clue inbox page (`GET /clues`) as the Menghai brigade officer and as the bureau
//! head. Client and server share the machine's cores, in one process. On PostgreSQL the reads and
//! one-client registrations are measured again after `VACUUM ANALYZE` (what autovacuum, off on the
//! local test server, would have done).
//!
//! `cargo bench -p cli --bench cases`
//!
//! `ECOENFORCE_BENCH_CASES` (default 100,000) and `ECOENFORCE_BENCH_OPEN_CLUES` (default 10,000)
//! make a smaller run; `ECOENFORCE_BENCH_KEEP=1` keeps the PostgreSQL database (for `EXPLAIN`).
//! CI's short mode (`ECOENFORCE_BENCH_SHORT=1`): 15 cases and 300 open clues (more than the
//! inbox's page of 200) by default, and a few requests of each kind.
//! PostgreSQL from `ECOENFORCE_TEST_DATABASE_URL` (default
//! postgres://postgres@127.0.0.1:5432/postgres); skipped, with the reason, when unreachable.

use app::{App, AppSettings, SystemClock};
#[allow(dead_code)]
mod common;
use common::cases::{Actors, OFFICERS, PENDING_EVERY, WRITERS, actor, clue_data, seed_cases};

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use store::Store;
use uuid::Uuid;

const MENGHAI: &str = "532822";
/// The machine's load average, printed beside the numbers: the runners share their cores.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// How many requests of each kind: the full run's, or a few in CI's short mode.
#[derive(Clone, Copy)]
struct Requests {
    /// `GET /api/v1/cases/{id}`: warm-up, one client (each officer), 16 clients.
    warm_up: usize,
    one_client: usize,
    sixteen_clients: usize,
    /// The clue inbox page: warm-up, measured; then `App::clues` in process.
    inbox_warm_up: usize,
    inbox: usize,
    in_process: usize,
    /// Registrations by one client, then by eight.
    register_one: usize,
    register_eight: usize,
}

impl Requests {
    fn new(short: bool) -> Requests {
        if short {
            Requests {
                warm_up: 20,
                one_client: 50,
                sixteen_clients: 160,
                inbox_warm_up: 1,
                inbox: 5,
                in_process: 5,
                register_one: 20,
                register_eight: 16,
            }
        } else {
            Requests {
                warm_up: 200,
                one_client: 3_000,
                sixteen_clients: 6_400,
                inbox_warm_up: 3,
                inbox: 100,
                in_process: 30,
                register_one: 300,
                register_eight: 400,
            }
        }
    }
}

fn env_count(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// `total` open clues in Menghai, reported by its brigade officer.
async fn seed_open_clues(app: &Arc<App>, actors: &Arc<Actors>, total: u32) -> Vec<Uuid> {
    let next = Arc::new(AtomicU32::new(0));
    let today = app.today();
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let (app, actors, next) = (app.clone(), actors.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let officer = &actors.officers[1].1;
            let mut ids = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let (clue, _) = app
                    .submit_clue(officer, clue_data(MENGHAI, 1_000_000 + n, today), None)
                    .await
                    .expect("submit open clue");
                ids.push(clue.id);
            }
            ids
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("writer"));
    }
    all
}

/// A small deterministic generator for the request order (no rand among the dev-dependencies).
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

struct Stats {
    n: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut lat: Vec<Duration>) -> Stats {
    lat.sort();
    let n = lat.len();
    Stats {
        n,
        p50: lat[n / 2],
        p99: lat[(n * 99 / 100).min(n - 1)],
        max: lat[n - 1],
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(name: &str, s: &Stats, extra: &str) {
    println!(
        "  {name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} requests{extra})",
        ms(s.p50),
        ms(s.p99),
        ms(s.max),
        s.n
    );
}

async fn bearer(client: &reqwest::Client, addr: std::net::SocketAddr, username: &str) -> String {
    let login: serde_json::Value = client
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": app::seed::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login json");
    login["token"].as_str().expect("token").to_owned()
}

/// Signs in through the form as a browser does: the session cookie pair.
async fn cookie(addr: std::net::SocketAddr, username: &str) -> String {
    let quiet = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = quiet
        .post(format!("http://{addr}/login"))
        .form(&[
            ("username", username),
            ("password", app::seed::DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ecoenforce_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned()
}

/// `requests` GETs of random cases by `clients` concurrent clients.
async fn get_cases(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
    token: &str,
    ids: &Arc<Vec<Uuid>>,
    clients: usize,
    requests: usize,
) -> (Stats, f64) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, token, ids) = (client.clone(), token.to_owned(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ (c as u64 + 1));
            let mut lat = Vec::new();
            for _ in 0..requests / clients {
                let id = ids[rng.below(ids.len())];
                let t = Instant::now();
                let r = client
                    .get(format!("http://{addr}/api/v1/cases/{id}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("GET case");
                assert_eq!(r.status(), 200, "GET /api/v1/cases/{id}");
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
    let rps = all.len() as f64 / started.elapsed().as_secs_f64();
    (stats(all), rps)
}

/// The API test's body (a natural person, sealed); the act ended before any clue was received.
fn register_body(n: usize, act_ended_on: &str) -> serde_json::Value {
    serde_json::json!({
        "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}],
        "act_ended_on": act_ended_on,
        "endangers_life_health_or_finance": false,
        "violation": "超过水污染物排放标准排放水污染物",
        "party": {"kind": "person", "name": "岩温", "id_type": "resident_id",
                  "id_number": format!("53282219900101{:04}", n % 10_000),
                  "address": "勐海县勐遮镇曼令村", "phone": "13812345678"}
    })
}

/// `POST /api/v1/clues/{id}/register` on each of `clues` (fresh open clues), by `clients`
/// concurrent clients; the clue's ETag is read just before and not timed.
async fn register(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
    token: &str,
    clues: Vec<Uuid>,
    clients: usize,
    act_ended_on: &str,
) -> (Stats, f64) {
    let per_client = clues.len().div_ceil(clients).max(1);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in clues.chunks(per_client) {
        let (client, token, chunk) = (client.clone(), token.to_owned(), chunk.to_vec());
        let act_ended_on = act_ended_on.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for (i, id) in chunk.into_iter().enumerate() {
                let url = format!("http://{addr}/api/v1/clues/{id}");
                let r = client
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("GET clue");
                assert_eq!(r.status(), 200, "GET {url}");
                let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
                let t = Instant::now();
                let r = client
                    .post(format!("{url}/register"))
                    .bearer_auth(&token)
                    .header("if-match", etag)
                    .json(&register_body(i, &act_ended_on))
                    .send()
                    .await
                    .expect("register");
                let status = r.status();
                let body = r.bytes().await.expect("body");
                lat.push(t.elapsed());
                assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    // Includes the untimed GETs of the ETags: a floor on the throughput, not the ceiling.
    let rps = all.len() as f64 / started.elapsed().as_secs_f64();
    (stats(all), rps)
}

/// The clue inbox page, `requests` times one after another.
async fn inbox(addr: std::net::SocketAddr, cookie: &str, requests: usize) -> (Stats, usize) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut lat = Vec::new();
    let mut size = 0;
    for _ in 0..requests {
        let t = Instant::now();
        let r = client
            .get(format!("http://{addr}/clues"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("inbox");
        let status = r.status();
        let body = r.bytes().await.expect("body");
        lat.push(t.elapsed());
        assert_eq!(status, 200, "GET /clues");
        size = body.len();
    }
    (stats(lat), size)
}

async fn run(
    label: &str,
    store: Arc<dyn Store>,
    cases: u32,
    open: u32,
    requests: Requests,
    pg_url: Option<&str>,
) {
    let data = tempfile::tempdir().expect("tempdir");
    let app = Arc::new(App::new(
        store,
        Arc::new(SystemClock),
        AppSettings::default(),
    ));
    app.seed_demo().await.expect("demo");
    app.open_sealed_key(data.path())
        .await
        .expect("sealed-store key");
    let mut officers = Vec::new();
    for (county, username) in OFFICERS {
        officers.push((county, actor(&app, username).await));
    }
    let actors = Arc::new(Actors {
        officers,
        head: actor(&app, "ju.head").await,
    });

    println!("{label} (load average {}):", load());
    let before = app.log_size().await.expect("log size");
    let t = Instant::now();
    let ids = seed_cases(&app, &actors, cases).await;
    let took = t.elapsed().as_secs_f64();
    let events = app.log_size().await.expect("log size") - before;
    let pending = cases / PENDING_EVERY;
    println!(
        "  seeded {cases} cases ({} registered, {pending} pending registration; parties a third \
         each person/organisation/unidentified) in {took:.0} s: {:.0} cases/s, {events} events = \
         {:.0} events/s, {WRITERS} writers",
        cases - pending,
        cases as f64 / took,
        events as f64 / took
    );
    let before = app.log_size().await.expect("log size");
    let t = Instant::now();
    let mut fresh = seed_open_clues(&app, &actors, open).await;
    let took = t.elapsed().as_secs_f64();
    let events = app.log_size().await.expect("log size") - before;
    println!(
        "  seeded {open} open clues in Menghai in {took:.1} s: {:.0} events/s",
        events as f64 / took
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(web::serve(listener, app.clone(), std::future::pending()));
    let client = reqwest::Client::new();
    let s = Session {
        addr,
        zhidui: bearer(&client, addr, "zhidui.officer").await,
        officer: bearer(&client, addr, "menghai.officer").await,
        client,
        all: Arc::new(ids.iter().map(|(id, _)| *id).collect()),
        menghai: Arc::new(
            ids.iter()
                .filter(|(_, c)| *c == MENGHAI)
                .map(|(id, _)| *id)
                .collect(),
        ),
        open,
        act_ended_on: (app.today() - chrono::Days::new(8)).to_string(),
        requests,
    };
    println!("  measuring (load average {})", load());
    reads(&app, &actors, &s).await;
    writes(&s, &mut fresh, true).await;

    // This server may run without autovacuum (the local test server does): the projection
    // tables then keep every dead row version and the planner has no statistics. Measured again
    // after what autovacuum would have done.
    if let Some(url) = pg_url {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
            .await
            .expect("PostgreSQL");
        let autovacuum: String = sqlx::query_scalar("SHOW autovacuum")
            .fetch_one(&mut conn)
            .await
            .expect("SHOW autovacuum");
        let t = Instant::now();
        sqlx::query("VACUUM ANALYZE")
            .execute(&mut conn)
            .await
            .expect("VACUUM ANALYZE");
        println!(
            "  after VACUUM ANALYZE ({:.1} s; the server's autovacuum is {autovacuum}; load \
             average {}):",
            t.elapsed().as_secs_f64(),
            load()
        );
        reads(&app, &actors, &s).await;
        writes(&s, &mut fresh, false).await;
    }
    println!(
        "  log: {} events (load average {})",
        app.log_size().await.expect("log size"),
        load()
    );
}

/// What the measurements share: the server, its bearer tokens, the case ids.
struct Session {
    client: reqwest::Client,
    addr: std::net::SocketAddr,
    /// The detachment officer, who reads every county.
    zhidui: String,
    /// Menghai's brigade officer.
    officer: String,
    all: Arc<Vec<Uuid>>,
    menghai: Arc<Vec<Uuid>>,
    open: u32,
    act_ended_on: String,
    requests: Requests,
}

/// `GET /api/v1/cases/{id}` for random ids, and the clue inbox page.
async fn reads(app: &App, actors: &Actors, s: &Session) {
    let (client, addr, n) = (&s.client, s.addr, s.requests);
    get_cases(client, addr, &s.zhidui, &s.all, 1, n.warm_up).await; // warm-up
    let (st, _) = get_cases(client, addr, &s.zhidui, &s.all, 1, n.one_client).await;
    report(
        "GET /api/v1/cases/{id}, detachment officer, any county",
        &st,
        ", one client",
    );
    let (st, _) = get_cases(client, addr, &s.officer, &s.menghai, 1, n.one_client).await;
    report(
        "GET /api/v1/cases/{id}, Menghai brigade officer, Menghai's",
        &st,
        ", one client",
    );
    let (st, rps) = get_cases(client, addr, &s.zhidui, &s.all, 16, n.sixteen_clients).await;
    report(
        "GET /api/v1/cases/{id}, detachment officer, any county",
        &st,
        &format!(", 16 clients, {rps:.0} req/s"),
    );

    // The clue inbox: the first 200 open clues (oldest first) and their count; beside the page,
    // the same query in process (`App::clues`), without HTTP, session or rendering.
    for (who, username, actor) in [
        (
            "Menghai brigade officer",
            "menghai.officer",
            &actors.officers[1].1,
        ),
        ("bureau head", "ju.head", &actors.head),
    ] {
        let c = cookie(addr, username).await;
        inbox(addr, &c, n.inbox_warm_up).await; // warm-up
        let (st, size) = inbox(addr, &c, n.inbox).await;
        report(
            &format!("GET /clues ({} open clues in Menghai), {who}", s.open),
            &st,
            &format!(", one client, {:.0} KiB", size as f64 / 1024.0),
        );
        let mut lat = Vec::new();
        for _ in 0..n.in_process {
            let filter = app::ClueFilter {
                status: "open".into(),
                ..Default::default()
            };
            let t = Instant::now();
            let page = app.clues(actor, filter, 1, 200).await.expect("clues");
            lat.push(t.elapsed());
            assert_eq!(page.items.len() as i64, page.total.min(200), "a full page");
        }
        report(
            &format!("  of which App::clues (count + first 200), {who}"),
            &stats(lat),
            ", in process",
        );
    }
}

/// `POST /api/v1/clues/{id}/register` on fresh open clues: one client, then (`concurrent`)
/// eight.
async fn writes(s: &Session, fresh: &mut Vec<Uuid>, concurrent: bool) {
    let single = fresh.len().min(s.requests.register_one);
    let first: Vec<Uuid> = fresh.drain(..single).collect();
    if first.is_empty() {
        return;
    }
    let (st, _) = register(&s.client, s.addr, &s.officer, first, 1, &s.act_ended_on).await;
    report(
        "POST /api/v1/clues/{id}/register, Menghai brigade officer",
        &st,
        ", one client",
    );
    let many = if concurrent {
        fresh.len().min(s.requests.register_eight)
    } else {
        0
    };
    let second: Vec<Uuid> = fresh.drain(..many).collect();
    if !second.is_empty() {
        let (st, rps) = register(&s.client, s.addr, &s.officer, second, 8, &s.act_ended_on).await;
        report(
            "POST /api/v1/clues/{id}/register, Menghai brigade officer",
            &st,
            &format!(", 8 clients, {rps:.0} req/s"),
        );
    }
}

fn main() {
    let short = common::short();
    let requests = Requests::new(short);
    let (cases, open) = if short { (15, 300) } else { (100_000, 10_000) };
    let cases = env_count("ECOENFORCE_BENCH_CASES", cases);
    let open = env_count("ECOENFORCE_BENCH_OPEN_CLUES", open);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        run(
            "SQLite",
            common::sqlite(dir.path()).await,
            cases,
            open,
            requests,
            None,
        )
        .await;
        match common::PgDatabase::create().await {
            Ok(db) => {
                let pg = store_postgres::Backend::open(&db.url)
                    .await
                    .expect("PostgreSQL");
                run(
                    "PostgreSQL",
                    Arc::new(pg),
                    cases,
                    open,
                    requests,
                    Some(&db.url),
                )
                .await;
                if std::env::var_os("ECOENFORCE_BENCH_KEEP").is_some() {
                    println!("PostgreSQL database kept: {}", db.url);
                } else {
                    db.drop().await;
                }
            }
            Err(e) => println!("PostgreSQL skipped: {e}"),
        }
    });
}
