//! Issue 26's measurements, on SQLite and (when reachable) PostgreSQL, with 100,000 open cases:
//!
//! 1. the daily deadline sweep (`App::deadlines`: clues and cases due soon or overdue, lapsed
//!    preservations, fines unpaid) as the bureau head (every county) and as the Menghai brigade
//!    officer, for windows of 0, 7 and 30 days;
//! 2. the case workspace page (`GET /cases/{id}`, HTML) of random open cases and of the walked
//!    ones;
//! 3. every request of `ECOENFORCE_BENCH_WALKS` (default 30) cases walked from a clue to the
//!    archive (every third left unpaid after its decision) by the API tests' own helpers,
//!    timed in the server from the request's span opening to its closing (the body sent);
//! 4. the archive of one case with 200 documents and 1 GiB of evidence, its time and the
//!    process's peak RSS, then its bundle.
//!
//! `cargo bench -p cli --bench case_path` (`ECOENFORCE_BENCH_ONLY=sqlite` or `postgres` for one)
//!
//! The 100,000 cases (`ECOENFORCE_BENCH_CASES` for a smaller run) are written through the write
//! path as `--bench cases` writes them (nine in ten registered, a tenth waiting), spread over
//! the 120 days before the walks, so that the sweep finds cases due soon, due today and long
//! overdue. The app's clock is the tests' `FixedClock`, moved 30 s every 50 ms during a walk
//! (every second for the long one): the helpers sign in several times, and the test helper
//! uses a sign-in code once per 30-s step.
//! PostgreSQL from `ECOENFORCE_TEST_DATABASE_URL` (default
//! postgres://postgres@127.0.0.1:5432/postgres); skipped, with the reason, when unreachable.
//!
//! CI's short mode (`ECOENFORCE_BENCH_SHORT=1`): 24 cases and 3 walks by default, a few pages,
//! and a case of 5 documents and 2 MiB of evidence archived.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code, unused_imports)]
#[path = "../tests/api/archive.rs"]
mod archive;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/case_documents.rs"]
mod case_documents;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/cases.rs"]
mod cases;
#[allow(dead_code)]
mod common;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/decision.rs"]
mod decision;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/documents.rs"]
mod documents;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/entities.rs"]
mod entities;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/evidence.rs"]
mod evidence;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/helpers.rs"]
mod helpers;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/pages.rs"]
mod pages;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/proceedings.rs"]
mod proceedings;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/records.rs"]
mod records;
#[allow(dead_code, unused_imports)]
#[path = "../tests/api/team.rs"]
mod team;

use app::{AppSettings, Clock, FixedClock};
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use common::cases::{Actors, OFFICERS, actor, seed_case_range};
use helpers::{Kind, TestApp, spawn_app_with};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::span;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Days over which the cases are seeded, ending the day before the first walk.
const SEED_DAYS: u32 = 120;

/// How much the run does: the full run's sizes, or CI's short mode's (`common::short()`).
struct Sizes {
    /// Cases seeded (`ECOENFORCE_BENCH_CASES`) and walked (`ECOENFORCE_BENCH_WALKS`).
    cases: u32,
    walks: u32,
    /// Workspace pages of random seeded Menghai cases, and of each walked case.
    random_pages: usize,
    pages_per_walked: usize,
    /// Documents in the archived case of measure 4 (three issued by the walk itself: the
    /// registration approval form, the advance notice, the penalty decision).
    big_documents: usize,
    /// Evidence in that case: `big_files` files of `big_file_mib` MiB (the test store takes up
    /// to 64 MiB a file).
    big_files: usize,
    big_file_mib: usize,
}

impl Sizes {
    fn new() -> Sizes {
        let sizes = if common::short() {
            Sizes {
                cases: 24,
                walks: 3,
                random_pages: 10,
                pages_per_walked: 2,
                big_documents: 5,
                big_files: 2,
                big_file_mib: 1,
            }
        } else {
            Sizes {
                cases: 100_000,
                walks: 30,
                random_pages: 300,
                pages_per_walked: 10,
                big_documents: 200,
                big_files: 17,
                big_file_mib: 62,
            }
        };
        Sizes {
            cases: env_count("ECOENFORCE_BENCH_CASES", sizes.cases),
            walks: env_count("ECOENFORCE_BENCH_WALKS", sizes.walks),
            ..sizes
        }
    }
}

/// Request durations by "METHOD /path" with ids replaced by `{id}`.
#[derive(Default)]
struct Timings(Mutex<BTreeMap<String, Vec<Duration>>>);

impl Timings {
    fn take(&self) -> BTreeMap<String, Vec<Duration>> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Times the web crate's `request` spans: opened when the request arrives, closed when the
/// response's body has been sent.
struct RequestTimer(Arc<Timings>);

struct Started {
    at: Instant,
    key: String,
}

#[derive(Default)]
struct Fields {
    method: String,
    path: String,
}

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "method" => self.method = format!("{value:?}"),
            "path" => self.path = format!("{value:?}"),
            _ => {}
        }
    }
}

/// `/api/v1/cases/0190…/decide` → `/api/v1/cases/{id}/decide`.
fn route_of(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if uuid::Uuid::parse_str(s).is_ok() {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl RequestTimer {
    fn wanted(m: &tracing::Metadata<'_>) -> bool {
        m.is_span() && m.name() == "request"
    }
}

impl<S> Layer<S> for RequestTimer
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    // Only the request spans, decided once per callsite: everything else (sqlx's statements,
    // the app's events) is never built.
    fn register_callsite(
        &self,
        m: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if Self::wanted(m) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(&self, m: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        Self::wanted(m)
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut f = Fields::default();
        attrs.record(&mut f);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Started {
                at: Instant::now(),
                key: format!("{} {}", f.method, route_of(&f.path)),
            });
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(s) = span.extensions().get::<Started>()
        {
            self.0
                .0
                .lock()
                .unwrap()
                .entry(s.key.clone())
                .or_default()
                .push(s.at.elapsed());
        }
    }
}

fn env_count(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The process's peak resident set (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets VmHWM to the current RSS (Linux `clear_refs` 5), so a later peak is this step's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50, p99, max in ms of `v` (sorted here).
fn quantiles(v: &mut [Duration]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    (ms(at(0.5)), ms(at(0.99)), ms(v[v.len() - 1]))
}

/// 09:00 China time on `day`.
fn morning(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(1, 0, 0).unwrap().and_utc()
}

fn next_weekday(mut day: NaiveDate) -> NaiveDate {
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day.succ_opt().unwrap();
    }
    day
}

/// Moves the clock 30 s every `every` until dropped.
struct Ticker(tokio::task::JoinHandle<()>);

impl Ticker {
    fn start(clock: Arc<FixedClock>, every: Duration) -> Ticker {
        Ticker(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                clock.advance(chrono::Duration::seconds(30));
            }
        }))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn cookie(app: &TestApp, username: &str) -> String {
    let quiet = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = quiet
        .post(app.url("/login"))
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

async fn run(kind: Kind, timings: &Arc<Timings>, sizes: &Sizes) {
    let (total, walks) = (sizes.cases, sizes.walks);
    let first_walk = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let first_seed = first_walk - chrono::Days::new(u64::from(SEED_DAYS));
    let clock = Arc::new(FixedClock::new(morning(first_seed)));
    let Some(app) = spawn_app_with(kind, "case_path", AppSettings::default(), clock.clone()).await
    else {
        println!("{kind:?}: skipped (PostgreSQL not reachable)");
        return;
    };
    app.app.seed_demo().await.expect("demo");
    println!("{kind:?} (load average {}):", load());

    // 1. The cases, a share on each of the 120 days.
    let mut officers = Vec::new();
    for (county, username) in OFFICERS {
        officers.push((county, actor(&app.app, username).await));
    }
    let actors = Arc::new(Actors {
        officers,
        head: actor(&app.app, "ju.head").await,
    });
    let t = Instant::now();
    let before = app.log_size().await;
    let mut seeded = Vec::new();
    for d in 0..SEED_DAYS {
        clock.set(morning(first_seed + chrono::Days::new(u64::from(d))));
        let (from, to) = (total * d / SEED_DAYS, total * (d + 1) / SEED_DAYS);
        seeded.extend(seed_case_range(&app.app, &actors, from, to).await);
        if (d + 1) % 30 == 0 {
            println!("    {to} cases after {:.0} s", t.elapsed().as_secs_f64());
        }
    }
    let events = app.log_size().await - before;
    println!(
        "  seeded {total} cases over {SEED_DAYS} days in {:.0} s ({events} events)",
        t.elapsed().as_secs_f64()
    );
    timings.take();

    // 3. The walks, one a working day.
    let mut day = first_walk;
    let mut walked = Vec::new();
    let t = Instant::now();
    for i in 0..walks {
        day = next_weekday(day);
        clock.set(morning(day));
        let _tick = Ticker::start(clock.clone(), Duration::from_millis(50));
        let case = if i % 3 == 2 {
            decision::performing_case(&app, clock.as_ref()).await
        } else {
            archive::archived_case(&app, clock.as_ref()).await
        };
        walked.push(case.rsplit('/').next().unwrap().to_owned());
        day = day.succ_opt().unwrap();
    }
    println!(
        "  {walks} cases walked from a clue (every third to its unpaid decision, the others to \
         the archive) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut requests = timings.take();
    println!(
        "  {:<58} {:>5} {:>9} {:>9} {:>9}",
        "request (server side, ms)", "n", "p50", "p99", "max"
    );
    for (key, v) in requests.iter_mut() {
        if key.contains("/auth/login") {
            continue;
        }
        let (p50, p99, max) = quantiles(v);
        println!(
            "  {key:<58} {:>5} {p50:>9.2} {p99:>9.2} {max:>9.2}",
            v.len()
        );
    }

    // 1. The sweep, the day after the last walk (the unpaid ones now overdue).
    clock.set(morning(next_weekday(day + chrono::Days::new(20))));
    let head = actors.head.clone();
    let menghai = actors.officers[1].1.clone();
    for (who, actor) in [("bureau head", &head), ("Menghai officer", &menghai)] {
        for within in [0u32, 7, 30] {
            let mut runs = Vec::new();
            let mut counts = BTreeMap::new();
            for _ in 0..3 {
                let t = Instant::now();
                let items = app
                    .app
                    .deadlines(actor, None, within)
                    .await
                    .expect("deadlines");
                runs.push(t.elapsed());
                counts = BTreeMap::new();
                for i in &items {
                    *counts
                        .entry(format!(
                            "{:?}{}",
                            i.kind,
                            if i.overdue { " overdue" } else { "" }
                        ))
                        .or_insert(0usize) += 1;
                }
            }
            runs.sort();
            println!(
                "  sweep as {who}, within {within} days: min {:.0} ms, median {:.0} ms, max {:.0} \
                 ms; {counts:?}",
                ms(runs[0]),
                ms(runs[1]),
                ms(runs[2])
            );
        }
    }

    // 2. The workspace page.
    let officer_cookie = cookie(&app, "menghai.officer").await;
    let menghai_cases: Vec<_> = seeded
        .iter()
        .filter(|(_, county)| *county == "532822")
        .map(|(id, _)| id.to_string())
        .collect();
    for (label, ids, n) in [
        (
            "random seeded Menghai cases",
            &menghai_cases,
            sizes.random_pages,
        ),
        (
            "the walked cases",
            &walked,
            walked.len() * sizes.pages_per_walked,
        ),
    ] {
        timings.take();
        for i in 0..n {
            let id = &ids[(i * 7919) % ids.len()];
            let r = app
                .client
                .get(app.url(&format!("/cases/{id}")))
                .header("cookie", &officer_cookie)
                .send()
                .await
                .expect("page");
            assert_eq!(r.status(), 200, "/cases/{id}");
            let _ = r.bytes().await.expect("page body");
        }
        let mut v: Vec<Duration> = timings.take().into_values().flatten().collect();
        let (p50, p99, max) = quantiles(&mut v);
        println!(
            "  workspace page GET /cases/{{id}}, {label} ({n}): p50 {p50:.1} ms, p99 {p99:.1} ms, \
             max {max:.1} ms"
        );
    }

    // 4. A case of 200 documents and 1 GiB of evidence (as many as `sizes` says), archived.
    day = next_weekday(day + chrono::Days::new(21));
    clock.set(morning(day));
    let extra = sizes.big_documents - 3;
    proceedings::EXTRA_RECORDS.store(extra, std::sync::atomic::Ordering::Relaxed);
    let t = Instant::now();
    let case = {
        // Slower: this walk takes long enough that a faster clock would end its sessions.
        let _tick = Ticker::start(clock.clone(), Duration::from_secs(1));
        archive::closed_case(&app, clock.as_ref()).await
    };
    proceedings::EXTRA_RECORDS.store(0, std::sync::atomic::Ordering::Relaxed);
    // The ticker has stopped: sign-ins during the walk may have used every code step the
    // server accepts at this instant (one either side), so move past them.
    clock.advance(chrono::Duration::seconds(90));
    let officer = app.login("menghai.officer", app::seed::DEMO_PASSWORD).await;
    let (_, docs, _) = cases::get_with_etag(&app, &officer, &format!("{case}/documents")).await;
    let documents = docs["items"].as_array().map_or(0, Vec::len);
    println!(
        "  a case with {documents} documents walked to its closing in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let id = case.rsplit('/').next().unwrap().to_owned();
    let collected = (clock.now().as_datetime() - chrono::Duration::hours(1)).to_rfc3339();
    let t = Instant::now();
    let (files, mib) = (sizes.big_files, sizes.big_file_mib);
    let mut bytes = vec![0u8; mib << 20];
    for n in 0..files {
        // Different bytes in every file (the store keeps one copy of equal files).
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let v = (i as u64)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .wrapping_add(n as u64);
            chunk.copy_from_slice(&v.to_le_bytes()[..chunk.len()]);
        }
        let form = reqwest::multipart::Form::new()
            .text("subject_type", "case")
            .text("subject_id", id.clone())
            .text("type", "audio_visual")
            .text("title", format!("执法记录仪视频 {n}"))
            .text("collected_at", collected.clone())
            .text("collected_by", "menghai.officer")
            .text("collected_by", "menghai.officer2")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes.clone()).file_name("video.mp4"),
            );
        let (s, b) = evidence::upload(&app, &officer, form).await;
        assert_eq!(s, 201, "{b}");
    }
    drop(bytes);
    println!(
        "  {files} evidence files of {mib} MiB ({} MiB) uploaded in {:.1} s",
        files * mib,
        t.elapsed().as_secs_f64()
    );
    reset_peak_rss();
    let rss_before = peak_rss_mib();
    timings.take();
    let t = Instant::now();
    let (s, b) = cases::act(&app, &officer, &case, "archive", serde_json::json!({})).await;
    assert_eq!(s, 200, "{b}");
    let took = t.elapsed();
    let archived = &b["case"]["proceedings"]["archive"];
    let pages: Vec<i64> = archived["volumes"]
        .as_array()
        .map(|v| v.iter().filter_map(|x| x["pages"].as_i64()).collect())
        .unwrap_or_default();
    println!(
        "  archive of that case: {:.0} ms ({pages:?} pages in the volumes); process peak RSS \
         {rss_before:.0} MiB before, {:.0} MiB during",
        ms(took),
        peak_rss_mib()
    );
    reset_peak_rss();
    let t = Instant::now();
    let r = app
        .client
        .get(app.url(&format!("{case}/archive-bundle")))
        .bearer_auth(&officer)
        .send()
        .await
        .expect("bundle");
    assert_eq!(r.status(), 200);
    let size = r.bytes().await.expect("bundle body").len();
    println!(
        "  its archive bundle: {:.0} ms, {:.1} MiB; process peak RSS {:.0} MiB",
        ms(t.elapsed()),
        size as f64 / f64::from(1 << 20),
        peak_rss_mib()
    );
}

fn main() {
    let timings = Arc::new(Timings::default());
    tracing_subscriber::registry()
        .with(RequestTimer(timings.clone()))
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    let only = std::env::var("ECOENFORCE_BENCH_ONLY").unwrap_or_default();
    let sizes = Sizes::new();
    rt.block_on(async {
        for (kind, name) in [(Kind::Sqlite, "sqlite"), (Kind::Postgres, "postgres")] {
            if only.is_empty() || only == name {
                run(kind, &timings, &sizes).await;
            }
        }
    });
}
