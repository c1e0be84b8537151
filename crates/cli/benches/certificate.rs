//! Certificate generation at 1,000,000 leaves, and `verify-certificate` (in-process, with a
//! 1 MiB file). `cargo bench -p cli --bench certificate [-- LEAVES]`. CI's short mode
//! (`ECOENFORCE_BENCH_SHORT=1`): 1,000 leaves by default, 5 certificates after the first.

#[allow(dead_code)]
mod common;

use app::{App, AppSettings, SystemClock};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let (default_total, repeats) = if common::short() {
        (1_000, 5)
    } else {
        (1_000_000, 100)
    };
    let total: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default_total);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = common::sqlite(dir.path()).await;
        let app = Arc::new(App::new(backend.clone(), Arc::new(SystemClock), AppSettings::default()));
        app.start_signer(app::checkpoints::SignerConfig {
            dir: dir.path().join("ledger"),
            origin: "ecoenforce.local/532800".into(),
            interval: Duration::from_secs(3600),
        })
        .await
        .expect("signer");
        app.attach_evidence_store(app::evidence::EvidenceStore {
            blobs: store::blobs::BlobStore::local(&dir.path().join("evidence"), 1 << 30).expect("blobs"),
            uploads_dir: dir.path().join("uploads"),
        })
        .expect("evidence store");
        app.seed_demo().await.expect("demo");
        let t = Instant::now();
        common::fill_log(backend.as_ref(), total).await;
        println!("filled {total} events in {:.1} s", t.elapsed().as_secs_f64());
        let login = app.login("menghai.officer", app::seed::DEMO_PASSWORD, "127.0.0.1").await.expect("login");
        let token = login.token;
        let actor = app.authenticate(&token).await.expect("auth").actor;
        let entity = app
            .entities(&actor, &store::EntityFilter { county: "532822".into(), ..Default::default() }, 1, 1)
            .await
            .expect("entities")
            .items[0]
            .id;
        let file: Vec<u8> = (0..(1u32 << 20)).map(|i| (i % 251) as u8).collect();
        let fields = app::evidence::EvidenceFields {
            fields: vec![
                ("subject_id".into(), entity.to_string()),
                ("type".into(), "documentary".into()),
                ("title".into(), "bench".into()),
                ("collected_at".into(), chrono::Utc::now().to_rfc3339()),
                ("collected_by".into(), "menghai.officer".into()),
            ],
            file_name: "bench.bin".into(),
        };
        let body = futures::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from(file.clone()))]);
        let e = app.register_evidence(&actor, &fields, body, "127.0.0.1").await.expect("evidence");
        let t = Instant::now();
        let first = app.evidence_certificate(&actor, e.id).await.expect("certificate");
        println!(
            "certificate at {} leaves, first (signs a checkpoint): {:.2} ms",
            first["index"], t.elapsed().as_secs_f64() * 1e3
        );
        let mut samples = Vec::new();
        for _ in 0..repeats {
            let t = Instant::now();
            app.evidence_certificate(&actor, e.id).await.expect("certificate");
            samples.push(t.elapsed().as_secs_f64() * 1e3);
        }
        samples.sort_by(f64::total_cmp);
        let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
        println!(
            "certificate, next {repeats} (each records an export, so a new checkpoint covers it only when needed): median {:.2} ms, p99 {:.2} ms",
            at(0.5), at(0.99)
        );
        let f = tempfile::NamedTempFile::new().expect("file");
        std::fs::write(f.path(), &file).expect("write");
        let t = Instant::now();
        let hashes =
            store::blobs::sha256_sm3(&mut std::fs::File::open(f.path()).expect("open")).expect("hashes");
        let hashing = t.elapsed();
        let checks = ledger::certificate::check_bundle(&first, Some((&hashes.0, &hashes.1)), None);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        println!(
            "verify-certificate with a 1 MiB file: {:.2} ms, of which reading and hashing the file {:.2} ms",
            t.elapsed().as_secs_f64() * 1e3,
            hashing.as_secs_f64() * 1e3
        );
    });
}
