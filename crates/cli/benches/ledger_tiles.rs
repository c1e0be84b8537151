//! Checkpoint signing latency and C2SP tile serving throughput on a 1,000,000-leaf log (SQLite).
//!
//! `cargo bench -p cli --bench ledger_tiles [-- LEAVES]`. Signing: one event appended, then one
//! on-demand checkpoint, 200 times. Tiles: 16 keep-alive clients fetch full level-0 hash tiles,
//! level-1 tiles and entry bundles at random over HTTP for 10 s, against the real router.

#[allow(dead_code)]
mod common;

use app::{App, AppSettings, SystemClock};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

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
        let backend = common::sqlite(dir.path()).await;
        let t = Instant::now();
        common::fill_log(backend.as_ref(), total).await;
        println!("filled {total} events in {:.1} s", t.elapsed().as_secs_f64());
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
        for i in 0..200 {
            common::fill_log_from(backend.as_ref(), total + i, 1).await;
            let t = Instant::now();
            app.sign_checkpoint_now().await.expect("sign");
            samples.push(t.elapsed().as_secs_f64() * 1e3);
        }
        samples.sort_by(f64::total_cmp);
        println!(
            "checkpoint signing at {} leaves: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            total + 200,
            percentile(&samples, 0.5),
            percentile(&samples, 0.99),
            samples[samples.len() - 1]
        );

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let served = app.clone();
        tokio::spawn(async move {
            let _ = web::serve(listener, served, std::future::pending()).await;
        });
        let full_tiles = total / 256;
        let level1 = total / 65536;
        let deadline = Instant::now() + Duration::from_secs(10);
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
        lat.sort_by(f64::total_cmp);
        println!(
            "tiles at {} leaves: {:.0} requests/s, {:.1} MB/s, 16 clients, median {:.2} ms, p99 {:.2} ms",
            total + 200,
            n as f64 / 10.0,
            bytes as f64 / 10.0 / 1e6,
            percentile(&lat, 0.5),
            percentile(&lat, 0.99)
        );
    });
}
