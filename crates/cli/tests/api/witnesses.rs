//! Issue 27: witnesses cosign the platform's checkpoints (C2SP tlog-witness), on both backends.
//! The witnesses here run in the test process on loopback, with their own SQLite files.

use crate::helpers::{TEST_ORIGIN, TestApp};
use crate::on_both_backends;
use crate::pages::{page, pair, sign_in};
use ::ledger::{SigningKey, cosignature, note};
use app::cosigning::{CosigningConfig, WitnessEndpoint};
use app::seed::DEMO_PASSWORD;
use app::witness::{Witness, WitnessConfig};
use std::sync::Arc;

pub(crate) struct LocalWitness {
    pub(crate) url: String,
    pub(crate) vkey: String,
    pub(crate) witness: Arc<Witness>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A witness of `log_vkey`'s log, served on a free loopback port.
pub(crate) async fn start_witness(name: &str, seed: u8, log_vkey: &str) -> LocalWitness {
    let dir = tempfile::tempdir().unwrap();
    let db = store_sqlite::witness::WitnessDb::open(&dir.path().join("witness.db"))
        .await
        .unwrap();
    let config = WitnessConfig {
        name: name.into(),
        key: SigningKey::from_bytes(&[seed; 32]),
        logs: WitnessConfig::logs_from_keys(&[log_vkey.to_owned()]).unwrap(),
    };
    let vkey = config.verifier_key();
    let witness = Arc::new(Witness::new(
        Arc::new(db),
        config,
        Arc::new(app::SystemClock),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(web::witness::serve(listener, witness.clone(), async {
        let _ = rx.await;
    }));
    LocalWitness {
        url,
        vkey,
        witness,
        _dir: dir,
        _stop: tx,
    }
}

async fn text(app: &TestApp, path: &str) -> String {
    app.client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn sign_now(app: &TestApp, token: &str) -> i64 {
    let r = app
        .client
        .post(app.url("/api/v1/ledger/checkpoints"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<serde_json::Value>().await.unwrap()["size"]
        .as_i64()
        .unwrap()
}

/// Waits until the served checkpoint names `size` entries and carries `witness`'s cosignature.
async fn cosigned_at(app: &TestApp, size: i64, witness: &str) -> String {
    for _ in 0..200 {
        let note = text(app, "/ledger/checkpoint").await;
        let body = cosignature::split(&note).unwrap().0;
        if note::parse_checkpoint(body).unwrap().1 == size as u64
            && cosignature::verify(&note, witness).is_ok()
        {
            return note;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no cosignature for size {size} within 10 s");
}

/// Points 1–3: each signed checkpoint goes to the witnesses with a consistency proof from the
/// size each last cosigned; their cosignatures are kept and served with the checkpoint and in
/// the offline proofs; a witness that is down delays nothing and shows on the admin page.
async fn checkpoints_are_cosigned_and_a_down_witness_delays_nothing(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let log_vkey = text(&app, "/ledger/verifier-key").await.trim().to_owned();
    let w1 = start_witness("w1.example/witness", 21, &log_vkey).await;
    // A second witness that never answers (nothing listens on the discard port).
    let down = cosignature::verifier_key(
        "w2.example/witness",
        &SigningKey::from_bytes(&[22; 32]).verifying_key(),
    );
    let config = CosigningConfig::new(
        vec![
            WitnessEndpoint::new(&w1.url, &w1.vkey).unwrap(),
            // https: the client speaks TLS (without it this would be another error than no connection).
            WitnessEndpoint::new("https://127.0.0.1:9", &down).unwrap(),
        ],
        Some(1),
    )
    .unwrap();
    app.app.start_cosigning(config).unwrap();
    let token = app.login("admin", DEMO_PASSWORD).await;
    let first = sign_now(&app, &token).await;
    let note1 = cosigned_at(&app, first, &w1.vkey).await;
    // The log's own signature still verifies; the cosignature is the witness's, as of now.
    assert!(note::verify(&note1, &log_vkey).is_ok());
    let report = cosignature::check_quorum(&note1, &[w1.vkey.clone(), down.clone()], None);
    assert_eq!(
        report.describe(),
        "cosigned by 1 of 2 witnesses, quorum 2; missing: w2.example/witness"
    );
    let now = chrono::Utc::now().timestamp() as u64;
    let time = cosignature::verify(&note1, &w1.vkey).unwrap();
    assert!(time <= now && now - time < 60, "{time} vs {now}");
    // The log grows; the next checkpoint goes with a proof from the first size.
    let officer = app.login("zhidui.officer", DEMO_PASSWORD).await;
    let (s, b) = crate::checkpoints::create_entity(&app, &officer, 7).await;
    assert_eq!(s, 201, "{b}");
    let second = sign_now(&app, &token).await;
    assert!(second > first);
    let note2 = cosigned_at(&app, second, &w1.vkey).await;
    let witnessed = w1.witness.latest(TEST_ORIGIN).await.unwrap().unwrap();
    assert_eq!(witnessed.size, second as u64);
    assert!(cosignature::verify(&witnessed.checkpoint, &w1.vkey).is_ok());
    assert!(w1.witness.evidence(TEST_ORIGIN).await.unwrap().is_empty());
    // The offline proofs carry the cosigned checkpoint: an inclusion proof, and the tlog-proof
    // of any event (what certificates and document checks embed).
    let r: serde_json::Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/ledger/proof/inclusion?index={}",
            second - 1
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["checkpoint"].as_str(), Some(note2.as_str()), "{r}");
    let last = app
        .store
        .events(&store::Scope::all(), second - 1, 1)
        .await
        .unwrap()
        .remove(0);
    let proof = app.app.offline_proof(last.event.id).await.unwrap();
    let cp = ::ledger::tiles::parse_tlog_proof(&proof.tlog_proof)
        .unwrap()
        .checkpoint;
    assert!(cosignature::check_quorum(&cp, std::slice::from_ref(&w1.vkey), None).met());
    // The admin page shows each witness: how far it cosigned and when; the one that is down
    // is marked, with what went wrong.
    let (_, _, set) = sign_in(&app, "admin", DEMO_PASSWORD).await;
    let (status, html, _) = page(&app, &pair(&set), "/admin").await;
    assert_eq!(status, 200);
    let row = |name: &str| {
        let at = html
            .find(&format!("data-witness=\"{name}\""))
            .unwrap_or_else(|| panic!("no row for {name}"));
        html[at..at + html[at..].find("</tr>").unwrap()].to_owned()
    };
    let ok = row("w1.example/witness");
    assert!(ok.contains(&format!("witness-size\">{second}<")), "{ok}");
    assert!(
        ok.contains("data-state=\"ok\"") && ok.contains("秒前"),
        "{ok}"
    );
    assert!(html.contains("id=\"witness-quorum\" data-met=\"true\""));
    let down_row = row("w2.example/witness");
    assert!(down_row.contains("data-state=\"problem\""), "{down_row}");
    assert!(down_row.contains("无法建立连接"), "{down_row}");
    assert!(down_row.contains("witness-size\">—<"), "{down_row}");
    assert!(down_row.contains("从未联署"), "{down_row}");
    assert!(down_row.contains("127.0.0.1:9"), "{down_row}");
    // The witness stops; the log goes on. A proof of an old entry carries the newest checkpoint
    // that has the quorum, not a newer one without it; a proof of a new entry the newest there is.
    let w1_vkey = w1.vkey.clone();
    drop(w1);
    let (s, b) = crate::checkpoints::create_entity(&app, &officer, 8).await;
    assert_eq!(s, 201, "{b}");
    let third = sign_now(&app, &token).await;
    assert!(third > second);
    let cp_of = |p: app::proofs::OfflineProof| {
        ::ledger::tiles::parse_tlog_proof(&p.tlog_proof)
            .unwrap()
            .checkpoint
    };
    let old_entry = cp_of(app.app.offline_proof(last.event.id).await.unwrap());
    assert_eq!(size_of(&old_entry), second as u64);
    assert!(cosignature::verify(&old_entry, &w1_vkey).is_ok());
    let newest = app
        .store
        .events(&store::Scope::all(), third - 1, 1)
        .await
        .unwrap()
        .remove(0);
    let new_entry = cp_of(app.app.offline_proof(newest.event.id).await.unwrap());
    assert_eq!(size_of(&new_entry), third as u64);
    assert!(cosignature::verify(&new_entry, &w1_vkey).is_err());
}

fn size_of(cp: &str) -> u64 {
    note::parse_checkpoint(cosignature::split(cp).unwrap().0)
        .unwrap()
        .1
}

/// Point 1: the witness refuses what does not extend what it cosigned, with the protocol's
/// statuses, and keeps a forked checkpoint beside the one it cosigned.
async fn a_witness_refuses_a_fork_and_keeps_it(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let log_vkey = text(&app, "/ledger/verifier-key").await.trim().to_owned();
    let w = start_witness("w1.example/witness", 23, &log_vkey).await;
    let token = app.login("admin", DEMO_PASSWORD).await;
    let size = sign_now(&app, &token).await as u64;
    let published = app.store.latest_checkpoint().await.unwrap().unwrap().note;
    let post = |body: String| {
        let url = format!("{}/add-checkpoint", w.url);
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .body(body)
                .send()
                .await
                .unwrap();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            (r.status().as_u16(), ct, r.text().await.unwrap())
        }
    };
    let (s, _, lines) = post(format!("old 0\n\n{published}")).await;
    assert_eq!(s, 200, "{lines}");
    let cosigned = cosignature::add_signatures(&published, &[lines]).unwrap();
    assert!(cosignature::verify(&cosigned, &w.vkey).is_ok());
    // A client that does not know the witness's size learns it from a 409.
    let (s, ct, body) = post(format!("old 0\n\n{published}")).await;
    assert_eq!(
        (s, ct.as_deref(), body.as_str()),
        (409, Some("text/x.tlog.size"), format!("{size}\n").as_str())
    );
    // Unknown log 404, another key 403, malformed 400.
    let other = SigningKey::from_bytes(&[5; 32]);
    let stranger = note::sign(
        &note::checkpoint_body("other.example/log", 1, &[1; 32]),
        "other.example/log",
        &other,
    )
    .unwrap();
    assert_eq!(post(format!("old 0\n\n{stranger}")).await.0, 404);
    let forged = note::sign(
        &note::checkpoint_body(TEST_ORIGIN, size + 1, &[1; 32]),
        TEST_ORIGIN,
        &other,
    )
    .unwrap();
    assert_eq!(post(format!("old {size}\n\n{forged}")).await.0, 403);
    assert_eq!(post("old x\n\nnot a note".into()).await.0, 400);
    assert!(w.witness.evidence(TEST_ORIGIN).await.unwrap().is_empty());
    // The log's key signs another tree of the same size: 409, and both are kept.
    let (_, key) =
        note::parse_signer_key(&std::fs::read_to_string(app.ledger_dir.join("key")).unwrap())
            .unwrap();
    let fork = note::sign(
        &note::checkpoint_body(TEST_ORIGIN, size, &[9; 32]),
        TEST_ORIGIN,
        &key,
    )
    .unwrap();
    let (s, ct, _) = post(format!("old {size}\n\n{fork}")).await;
    // A plain 409: no size to retry with (tlog-witness).
    assert_eq!((s, ct.as_deref()), (409, Some("text/plain; charset=utf-8")));
    // A larger tree whose proof from the cosigned size does not verify: 422, kept too.
    let longer = note::sign(
        &note::checkpoint_body(TEST_ORIGIN, size + 2, &[8; 32]),
        TEST_ORIGIN,
        &key,
    )
    .unwrap();
    let proof = app
        .store
        .consistency_proof(1, size as i64)
        .await
        .unwrap()
        .iter()
        .map(|h| format!("{}\n", app::proofs::base64(h)))
        .collect::<String>();
    assert_eq!(post(format!("old {size}\n{proof}\n{longer}")).await.0, 422);
    // The same fork again, and junk lines added to it, are kept once, without the junk.
    let junk = format!("{fork}\u{2014} someone.example/x AAAAAAAA\n");
    assert_eq!(post(format!("old {size}\n\n{junk}")).await.0, 409);
    let kept = w.witness.evidence(TEST_ORIGIN).await.unwrap();
    let kinds: Vec<&str> = kept.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["same_size_other_root", "proof_fails"]);
    let now = w.witness.latest(TEST_ORIGIN).await.unwrap().unwrap();
    assert!(kept.iter().all(|e| e.cosigned == now.checkpoint));
    assert_eq!(kept[0].offered, fork);
    // What it cosigned did not move.
    assert_eq!(
        w.witness.latest(TEST_ORIGIN).await.unwrap().unwrap().size,
        size
    );
    // The evidence is public.
    let listed: serde_json::Value =
        reqwest::get(format!("{}/evidence?origin={TEST_ORIGIN}", w.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

on_both_backends!(
    checkpoints_are_cosigned_and_a_down_witness_delays_nothing,
    a_witness_refuses_a_fork_and_keeps_it,
);
