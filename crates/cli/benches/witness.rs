//! Witnesses (issue 27): cosigning latency per checkpoint with two local witness processes;
//! checkpoints per second one witness sustains; its RSS and storage per log.
//! `cargo bench -p cli --bench witness` (env `ECOENFORCE_BENCH_ROUNDS`, default 200;
//! `ECOENFORCE_BENCH_CHECKPOINTS`, default 2000; `ECOENFORCE_BENCH_LOGS`, default 1000; in CI's
//! short mode, `ECOENFORCE_BENCH_SHORT=1`, the defaults are 5, 20 and 10).

#[allow(dead_code)]
mod common;

use app::cosigning::{CosigningConfig, WitnessEndpoint};
use app::{App, AppSettings, SystemClock};
use ledger::{Hash, HashStore, Sha256Hasher, SigningKey, note};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Witness {
    child: Child,
    url: String,
    vkey: String,
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn witness(dir: &Path, name: &str, logs: &[String]) -> Witness {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecoenforce"));
    cmd.args([
        "witness",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--name",
        name,
    ])
    .arg("--data-dir")
    .arg(dir)
    .env("ECOENFORCE__LOG__FILTER", "warn")
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    for l in logs {
        cmd.args(["--log", l]);
    }
    let mut child = cmd.spawn().expect("spawn the witness");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut first, mut second) = (String::new(), String::new());
    out.read_line(&mut first).expect("first line");
    out.read_line(&mut second).expect("second line");
    Witness {
        child,
        url: first
            .trim()
            .strip_prefix("ecoenforce witness listening on ")
            .expect("listening line")
            .to_owned(),
        vkey: second.trim().to_owned(),
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stats(label: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: n={} median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        v.len(),
        ms(v[v.len() / 2]),
        ms(v[v.len() * 95 / 100]),
        ms(v[v.len() - 1])
    );
}

struct Mem(Vec<Hash>);
impl HashStore for Mem {
    type Error = u64;
    fn read(&self, idx: &[u64]) -> Result<Vec<Hash>, u64> {
        idx.iter()
            .map(|i| self.0.get(*i as usize).copied().ok_or(*i))
            .collect()
    }
}

/// `n` successive add-checkpoint bodies of one log, one leaf apart, each with its proof.
fn bodies(origin: &str, key: &SigningKey, n: u64) -> Vec<String> {
    let mut tree = Mem(Vec::new());
    let mut out = Vec::with_capacity(n as usize);
    for size in 1..=n {
        let leaf = ledger::leaf_hash(&ledger::event_hash(&size.to_be_bytes()));
        let add = ledger::stored_hashes_for_leaf::<Sha256Hasher, _>(size - 1, leaf, &tree)
            .expect("hashes");
        tree.0.extend(add);
        let root = ledger::tree_hash::<Sha256Hasher, _>(size, &tree).expect("root");
        let cp =
            note::sign(&note::checkpoint_body(origin, size, &root), origin, key).expect("sign");
        let old = size - 1;
        let proof = if old == 0 {
            Vec::new()
        } else {
            ledger::prove_consistency::<Sha256Hasher, _>(old, size, &tree).expect("proof")
        };
        out.push(
            ledger::witness::AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: cp,
            }
            .to_body(),
        );
    }
    out
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn db_bytes(dir: &Path) -> u64 {
    ["witness.db", "witness.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

fn main() {
    let (rounds, checkpoints, logs) = if common::short() {
        (5, 20, 10)
    } else {
        (200, 2000, 1000)
    };
    let rounds = env("ECOENFORCE_BENCH_ROUNDS", rounds);
    let checkpoints = env("ECOENFORCE_BENCH_CHECKPOINTS", checkpoints) as u64;
    let logs = env("ECOENFORCE_BENCH_LOGS", logs);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        // 1. The platform with two witness processes: from signing to both cosignatures kept.
        let backend = common::sqlite(dir.path()).await;
        let app = Arc::new(App::new(backend.clone(), Arc::new(SystemClock), AppSettings::default()));
        let started = app
            .start_signer(app::checkpoints::SignerConfig {
                dir: dir.path().join("ledger"),
                origin: "ecoenforce.local/532800".into(),
                interval: Duration::from_secs(3600),
            })
            .await
            .expect("signer");
        let w1 = witness(&dir.path().join("w1"), "w1.example/witness", std::slice::from_ref(&started.vkey));
        let w2 = witness(&dir.path().join("w2"), "w2.example/witness", std::slice::from_ref(&started.vkey));
        app.start_cosigning(
            CosigningConfig::new(
                vec![
                    WitnessEndpoint::new(&w1.url, &w1.vkey).expect("w1"),
                    WitnessEndpoint::new(&w2.url, &w2.vkey).expect("w2"),
                ],
                None,
            )
            .expect("config"),
        )
        .expect("cosigning");
        let mut latencies = Vec::with_capacity(rounds);
        for i in 0..rounds as u64 {
            common::fill_log_from(backend.as_ref(), i * 10, 10).await;
            let t = Instant::now();
            let cp = app.sign_checkpoint_now().await.expect("sign");
            loop {
                if backend.cosignatures(cp.id).await.expect("cosignatures").len() == 2 {
                    break;
                }
                if t.elapsed() > Duration::from_secs(30) {
                    panic!("no two cosignatures within 30 s");
                }
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            latencies.push(t.elapsed());
        }
        stats("cosigned by both witnesses after signing", latencies);
        drop((w1, w2));

        // 2. One witness alone: successive checkpoints of one log, one client; then four logs
        //    with a client each.
        let keys: Vec<(String, SigningKey)> = (0..4u8)
            .map(|i| (format!("bench.example/log{i}"), SigningKey::from_bytes(&[i + 1; 32])))
            .collect();
        let vkeys: Vec<String> = keys
            .iter()
            .map(|(o, k)| note::verifier_key(o, &k.verifying_key()))
            .collect();
        let wdir = dir.path().join("w3");
        let w = witness(&wdir, "w3.example/witness", &vkeys);
        let client = reqwest::Client::new();
        let one = bodies(&keys[0].0, &keys[0].1, checkpoints);
        let t = Instant::now();
        for b in &one {
            let r = client
                .post(format!("{}/add-checkpoint", w.url))
                .body(b.clone())
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "one witness, one log, one client: {checkpoints} checkpoints in {secs:.2} s = {:.0}/s",
            checkpoints as f64 / secs
        );
        let more: Vec<Vec<String>> = keys[1..]
            .iter()
            .map(|(o, k)| bodies(o, k, checkpoints))
            .collect();
        let t = Instant::now();
        let tasks: Vec<_> = more
            .into_iter()
            .map(|list| {
                let client = client.clone();
                let url = w.url.clone();
                tokio::spawn(async move {
                    for b in list {
                        let r = client
                            .post(format!("{url}/add-checkpoint"))
                            .body(b)
                            .send()
                            .await
                            .expect("post");
                        assert_eq!(r.status(), 200);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "one witness, three logs, a client each: {} checkpoints in {secs:.2} s = {:.0}/s",
            3 * checkpoints,
            3.0 * checkpoints as f64 / secs
        );
        println!(
            "witness RSS after {} checkpoints of 4 logs: {} KiB; database {} KiB",
            4 * checkpoints,
            rss_kib(w.child.id()),
            db_bytes(&wdir) / 1024
        );
        drop(w);

        // 3. Storage and memory per log: a witness of `logs` logs, one checkpoint each.
        let many: Vec<(String, SigningKey)> = (0..logs)
            .map(|i| {
                let mut seed = [0u8; 32];
                seed[..8].copy_from_slice(&(i as u64 + 100).to_be_bytes());
                (format!("bench.example/many{i}"), SigningKey::from_bytes(&seed))
            })
            .collect();
        let vkeys: Vec<String> = many
            .iter()
            .map(|(o, k)| note::verifier_key(o, &k.verifying_key()))
            .collect();
        let mdir = dir.path().join("w4");
        let w = witness(&mdir, "w4.example/witness", &vkeys);
        let empty_rss = rss_kib(w.child.id());
        let empty_db = db_bytes(&mdir);
        for (o, k) in &many {
            let b = &bodies(o, k, 1)[0];
            let r = client
                .post(format!("{}/add-checkpoint", w.url))
                .body(b.clone())
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), 200);
        }
        let rss = rss_kib(w.child.id());
        let db = db_bytes(&mdir);
        println!(
            "witness of {logs} logs: RSS {empty_rss} KiB before, {rss} KiB after ({:.2} KiB per log); database {} KiB ({:.0} bytes per log)",
            (rss.saturating_sub(empty_rss)) as f64 / logs as f64,
            db / 1024,
            (db.saturating_sub(empty_db)) as f64 / logs as f64
        );
    });
}
