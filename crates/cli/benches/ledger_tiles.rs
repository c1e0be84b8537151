//! Checkpoint signing latency and C2SP tile serving throughput on a 1,000,000-leaf log (SQLite).
//!
//! `cargo bench -p cli --bench ledger_tiles [-- LEAVES [SECONDS]]`. Signing: one event appended,
//! then one on-demand checkpoint, 200 times. Tiles: 16 keep-alive clients fetch full level-0 hash
//! tiles, level-1 tiles and entry bundles at random over HTTP for SECONDS (10), against the real
//! router: first assembled from the database, then kept as files (`App::attach_tile_cache`).
//! Short mode (`ECOENFORCE_BENCH_SHORT=1`): 3,000 leaves, 10 signings, 1 s loads.

#[allow(dead_code)]
mod common;

use app::{App, AppSettings, SystemClock};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// 16 keep-alive clients asking for random full tiles for `seconds`.
async fn load(
    addr: std::net::SocketAddr,
    full_tiles: u64,
    level1: u64,
    seconds: u64,
) -> (u64, u64, Vec<f64>) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut clients = Vec::new();
    for c in 0..16u64 {
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut n, mut bytes, mut lat) = (0u64, 0u64, Vec::new());
            let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ c;
            while Instant::now() < deadline {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let path = match x % 8 {
                    0 if level1 > 0 => ledger::tiles::tile_path(1, x / 8 % level1, 256),
                    1 | 2 => ledger::tiles::entries_path(x / 8 % full_tiles, 256),
                    _ => ledger::tiles::tile_path(0, x / 8 % full_tiles, 256),
                };
                let t = Instant::now();
                let r = client
                    .get(format!("http://{addr}/ledger/{path}"))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(r.status(), 200, "{path}");
                bytes += r.bytes().await.expect("body").len() as u64;
                lat.push(t.elapsed().as_secs_f64() * 1e3);
                n += 1;
            }
            (n, bytes, lat)
        }));
    }
    let (mut n, mut bytes, mut lat) = (0, 0, Vec::new());
    for c in clients {
        let (a, b, l) = c.await.expect("client");
        n += a;
        bytes += b;
        lat.extend(l);
    }
    (n, bytes, lat)
}

fn report(what: &str, total: u64, n: u64, bytes: u64, mut lat: Vec<f64>, seconds: u64) {
    lat.sort_by(f64::total_cmp);
    println!(
        "tiles at {} leaves, {what}: {:.0} requests/s, {:.1} MB/s, 16 clients, median {:.2} ms, p99 {:.2} ms",
        total,
        n as f64 / seconds as f64,
        bytes as f64 / seconds as f64 / 1e6,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
}

fn main() {
    let mut numbers = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<u64>().ok());
    let short = common::short();
    let total: u64 = numbers
        .next()
        .unwrap_or(if short { 3_000 } else { 1_000_000 });
    let seconds: u64 = numbers.next().unwrap_or(if short { 1 } else { 10 }).max(1);
    let signings: u64 = if short { 10 } else { 200 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = common::sqlite(dir.path()).await;
        let t = Instant::now();
        common::fill_log(backend.as_ref(), total).await;
        println!(
            "filled {total} events in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let app = Arc::new(App::new(
            backend.clone(),
            Arc::new(SystemClock),
            AppSettings::default(),
        ));
        app.start_signer(app::checkpoints::SignerConfig {
            dir: dir.path().join("ledger"),
            origin: "ecoenforce.local/532800".into(),
            interval: Duration::from_secs(3600),
        })
        .await
        .expect("signer");
        app.sign_checkpoint_now().await.expect("first checkpoint");

        let mut samples = Vec::new();
        for i in 0..signings {
            common::fill_log_from(backend.as_ref(), total + i, 1).await;
            let t = Instant::now();
            app.sign_checkpoint_now().await.expect("sign");
            samples.push(t.elapsed().as_secs_f64() * 1e3);
        }
        samples.sort_by(f64::total_cmp);
        println!(
            "checkpoint signing at {} leaves: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            total + signings,
            percentile(&samples, 0.5),
            percentile(&samples, 0.99),
            samples[samples.len() - 1]
        );

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let served = app.clone();
        tokio::spawn(async move {
            let _ = web::serve(listener, served, std::future::pending()).await;
        });
        let full_tiles = total / 256;
        let level1 = total / 65536;
        let (n, bytes, lat) = load(addr, full_tiles, level1, seconds).await;
        report(
            "from the database",
            total + signings,
            n,
            bytes,
            lat,
            seconds,
        );
        // The same, with full tiles kept as files (as `serve` does), once each has been asked.
        app.attach_tile_cache(dir.path()).await.expect("tile cache");
        let client = reqwest::Client::new();
        let t = Instant::now();
        for n in 0..full_tiles {
            for path in [
                ledger::tiles::tile_path(0, n, 256),
                ledger::tiles::entries_path(n, 256),
            ] {
                let r = client
                    .get(format!("http://{addr}/ledger/{path}"))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(r.status(), 200, "{path}");
            }
        }
        println!(
            "every full tile asked once (kept as files): {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let (n, bytes, lat) = load(addr, full_tiles, level1, seconds).await;
        report("kept as files", total + signings, n, bytes, lat, seconds);
    });
}
