//! Issue 27 with the real binaries: two `ecoenforce witness serve` processes and the platform
//! configured with them; the restore drill asks the witnesses, never the restored server; a
//! restored server forced to sign a different tree is refused by both witnesses, which keep
//! the evidence, and a follower that checks cosignatures rejects its checkpoint;
//! `docs/ledger_check.py` checks the cosignatures by the spec.

use crate::binary::{Server, cli, start_with};
use ::ledger::{SigningKey, cosignature, note};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ORIGIN: &str = "ecoenforce.local/532800";
const FAST: [(&str, &str); 1] = [("ECOENFORCE__LEDGER__CHECKPOINT_INTERVAL_MS", "200")];

struct WitnessProcess {
    child: Child,
    url: String,
    vkey: String,
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(dir: &Path, name: &str, log_vkey: &str) -> WitnessProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecoenforce"))
        .args([
            "witness",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--name",
            name,
        ])
        .arg("--data-dir")
        .arg(dir)
        .args(["--log", log_vkey])
        .env("ECOENFORCE__LOG__FILTER", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the witness");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    out.read_line(&mut first).unwrap();
    out.read_line(&mut second).unwrap();
    let url = first
        .trim()
        .strip_prefix("ecoenforce witness listening on ")
        .unwrap_or_else(|| panic!("first line was {first:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let vkey = second.trim().to_owned();
    // The second line is its C2SP verifier key, of the cosignature/v1 type, with its name.
    assert_eq!(cosignature::parse_verifier_key(&vkey).unwrap().0, name);
    WitnessProcess { child, url, vkey }
}

fn settings(witnesses: &[&WitnessProcess]) -> String {
    let mut s = String::new();
    for w in witnesses {
        s.push_str(&format!(
            "[[ledger.witnesses]]\nurl = \"{}\"\nverifier_key = \"{}\"\n",
            w.url, w.vkey
        ));
    }
    s
}

async fn get(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// Waits until the platform serves a checkpoint of at least `min` entries cosigned by all
/// `witnesses`; returns it.
async fn cosigned(url: &str, min: u64, witnesses: &[String]) -> String {
    for _ in 0..300 {
        let r = reqwest::get(format!("{url}/ledger/checkpoint"))
            .await
            .unwrap();
        if r.status() == 200 {
            let cp = r.text().await.unwrap();
            let size = note::parse_checkpoint(cosignature::split(&cp).unwrap().0)
                .unwrap()
                .1;
            if size >= min && cosignature::check_quorum(&cp, witnesses, None).met() {
                return cp;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no checkpoint of {min}+ entries cosigned by every witness within 30 s");
}

/// The served checkpoint once every event written so far is in it: its size has not changed
/// for longer than the signer's interval (5 s by default), with nothing written meanwhile.
async fn settled(url: &str) -> String {
    let mut cp = get(&format!("{url}/ledger/checkpoint")).await;
    let mut since = std::time::Instant::now();
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = get(&format!("{url}/ledger/checkpoint")).await;
        if size_of(&now) != size_of(&cp) {
            since = std::time::Instant::now();
        }
        cp = now;
        if since.elapsed() > Duration::from_secs(6) {
            return cp;
        }
    }
    panic!("the served checkpoint did not settle within 50 s");
}

fn size_of(cp: &str) -> u64 {
    note::parse_checkpoint(cosignature::split(cp).unwrap().0)
        .unwrap()
        .1
}

async fn login(url: &str, user: &str) -> String {
    let v: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": user, "password": "Demo@2026!"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().unwrap().to_owned()
}

/// One more event: the first Menghai entity's address changes.
async fn write_one(url: &str, token: &str, address: &str) {
    let client = reqwest::Client::new();
    let list: serde_json::Value = client
        .get(format!("{url}/api/v1/entities?county=532822&per_page=1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let r = client
        .get(format!("{url}/api/v1/entities/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = client
        .patch(format!("{url}/api/v1/entities/{id}"))
        .bearer_auth(token)
        .header("if-match", etag)
        .header("content-type", "application/merge-patch+json")
        .body(serde_json::json!({ "address": address }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

fn python_check(args: &[&str]) -> Option<(Option<i32>, String)> {
    let py = crate::archive::python("ledger_check.py")?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ledger_check.py");
    let out = Command::new(py).arg(script).args(args).output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Some((out.status.code(), text))
}

fn start_platform(data: &Path, demo: bool) -> Server {
    let d = data.to_str().unwrap();
    let args: Vec<&str> = if demo {
        vec!["--demo", "--data-dir", d]
    } else {
        vec!["--data-dir", d]
    };
    start_with(&args, &FAST).unwrap_or_else(|e| panic!("{e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restore_drill_uses_the_witnesses_and_a_fork_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The platform's key, made before its first start so that the witnesses can be told it
    // (in production: the key is read from the first start's output or /ledger/verifier-key).
    std::fs::create_dir_all(data.join("ledger")).unwrap();
    let key = SigningKey::from_bytes(&rand_seed());
    std::fs::write(data.join("ledger/key"), note::signer_key(ORIGIN, &key)).unwrap();
    let log_vkey = note::verifier_key(ORIGIN, &key.verifying_key());
    let w1 = start_witness(&dir.path().join("w1"), "jcy.example/witness", &log_vkey);
    let w2 = start_witness(&dir.path().join("w2"), "sft.example/witness", &log_vkey);
    let keys = vec![w1.vkey.clone(), w2.vkey.clone()];
    std::fs::write(data.join("ecoenforce.toml"), settings(&[&w1, &w2])).unwrap();

    // Point 2: each checkpoint the timer signs is cosigned by both.
    let server = start_platform(&data, true);
    let first = cosigned(&server.url, 1, &keys).await;
    assert!(note::verify(&first, &log_vkey).is_ok());
    // Point 6: the independent checker verifies the cosignatures by the spec.
    let cp_file = dir.path().join("first.checkpoint");
    std::fs::write(&cp_file, &first).unwrap();
    if let Some((code, out)) = python_check(&[
        "checkpoint",
        cp_file.to_str().unwrap(),
        "--vkey",
        &log_vkey,
        "--witness-vkey",
        &w1.vkey,
        "--witness-vkey",
        &w2.vkey,
    ]) {
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains("cosigned by 2 of 2"), "{out}");
        let (code, out) = python_check(&[
            "follow",
            &server.url,
            "--vkey",
            &log_vkey,
            "--witness-vkey",
            &w1.vkey,
            "--witness-vkey",
            &w2.vkey,
        ])
        .unwrap();
        assert_eq!(code, Some(0), "{out}");
    }

    // Point 3: a certificate carries the cosignatures; the CLI requires the quorum and names
    // a witness whose cosignature is missing.
    let officer = login(&server.url, "menghai.officer").await;
    let client = reqwest::Client::new();
    let list: serde_json::Value = client
        .get(format!(
            "{}/api/v1/entities?county=532822&per_page=1",
            server.url
        ))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text(
            "subject_id",
            list["items"][0]["id"].as_str().unwrap().to_owned(),
        )
        .text("type", "documentary")
        .text("title", "见证演练（演示数据）")
        .text("collected_at", chrono::Utc::now().to_rfc3339())
        .text("collected_by", "menghai.officer")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"witness drill".to_vec()).file_name("a.txt"),
        );
    let evidence: serde_json::Value = client
        .post(format!("{}/api/v1/evidence", server.url))
        .bearer_auth(&officer)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = evidence["id"].as_str().unwrap().to_owned();
    let certificate_of = || async {
        client
            .get(format!("{}/api/v1/evidence/{id}/certificate", server.url))
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    // Asked for at once, the certificate may carry a checkpoint the witnesses have not yet
    // cosigned; once they have, it carries theirs.
    let early: serde_json::Value = serde_json::from_str(&certificate_of().await).unwrap();
    let index = early["index"].as_u64().unwrap();
    cosigned(&server.url, index + 1, &keys).await;
    let certificate = certificate_of().await;
    let cert = dir.path().join("certificate.json");
    std::fs::write(&cert, certificate).unwrap();
    let cert_arg = cert.to_str().unwrap();
    let (code, out) = cli(&[
        "ledger",
        "verify-certificate",
        cert_arg,
        "--key",
        &log_vkey,
        "--witness-key",
        &w1.vkey,
        "--witness-key",
        &w2.vkey,
    ]);
    assert_eq!(code, Some(0), "{out}");
    let stranger = cosignature::verifier_key(
        "court.example/witness",
        &SigningKey::from_bytes(&[3; 32]).verifying_key(),
    );
    let (code, out) = cli(&[
        "ledger",
        "verify-certificate",
        cert_arg,
        "--key",
        &log_vkey,
        "--witness-key",
        &w1.vkey,
        "--witness-key",
        &stranger,
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("missing: court.example/witness"), "{out}");
    let (code, out) = cli(&[
        "ledger",
        "verify-certificate",
        cert_arg,
        "--key",
        &log_vkey,
        "--witness-key",
        &w1.vkey,
        "--witness-key",
        &stranger,
        "--quorum",
        "1",
    ]);
    assert_eq!(code, Some(0), "{out}");

    // A backup while the server runs (no write in between: its newest checkpoint is the one
    // served once the signer has caught up with the log); then the server goes on writing and
    // publishing.
    let own = settled(&server.url).await;
    let backup = dir.path().join("backup");
    let (code, out) = cli(&[
        "admin",
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        "--to",
        backup.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let zhidui = login(&server.url, "zhidui.officer").await;
    let before = size_of(&get(&format!("{}/ledger/checkpoint", server.url)).await);
    write_one(&server.url, &zhidui, "景洪市 见证演练 1 号（演示数据）").await;
    let published = cosigned(&server.url, before + 1, &keys).await;
    let published_size = size_of(&published);
    drop(server);

    // Point 4: the restored data dir is behind what the witnesses cosigned; resuming asks
    // them, and refuses.
    let restored = dir.path().join("restored");
    let (code, out) = cli(&[
        "admin",
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let r = restored.to_str().unwrap();
    let (code, out) = cli(&["ledger", "resume", "--data-dir", r]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "jcy.example/witness last cosigned {published_size} entries"
        )),
        "{out}"
    );
    assert!(out.contains("are lost"), "{out}");
    // Its own checkpoint, even on someone's word, is below what the witnesses cosigned.
    let own_file = dir.path().join("own.checkpoint");
    std::fs::write(&own_file, &own).unwrap();
    let (code, out) = cli(&[
        "ledger",
        "resume",
        "--data-dir",
        r,
        "--checkpoint",
        own_file.to_str().unwrap(),
        "--i-know-it-is-the-latest",
        "--reason",
        "演练",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("are lost") && !out.contains("on your word"),
        "{out}"
    );

    // The drill for a backup behind the published checkpoint when no copy of the lost events
    // exists: the log ends with a signed statement of the lost range and continues under a
    // new origin and key (README, "Restore").
    let lossdir = dir.path().join("loss");
    let (code, out) = cli(&[
        "admin",
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--data-dir",
        lossdir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let l = lossdir.to_str().unwrap();
    let continued = "ecoenforce.local/532800/2";
    let (code, out) = cli(&[
        "ledger",
        "declare-loss",
        "--data-dir",
        l,
        "--new-origin",
        continued,
        "--reason",
        "备份落后于已公布检查点，丢失事件无副本（演练）",
    ]);
    assert_eq!(code, Some(0), "{out}");
    let statement = out[out.find("ecoenforce-lost-range/v1").unwrap()..].to_owned();
    let (_, new_key) =
        note::parse_signer_key(&std::fs::read_to_string(lossdir.join("ledger/key")).unwrap())
            .unwrap();
    let new_vkey = note::verifier_key(continued, &new_key.verifying_key());
    assert!(out.contains(&new_vkey), "{out}");
    // Signed by the old log's key and by the new one.
    let text = note::verify(&statement, &log_vkey).unwrap();
    assert_eq!(note::verify(&statement, &new_vkey).unwrap(), text);
    assert!(
        text.contains(&format!("\npublished {published_size} ")),
        "{text}"
    );
    assert!(
        text.contains(&format!("\ncontinues {continued}\n")),
        "{text}"
    );
    // The old origin cannot be served with the new key: the settings must name the new log.
    let refused = start_with(&["--data-dir", l], &FAST);
    assert!(refused.is_err(), "started with the old origin");
    let w3 = start_witness(&dir.path().join("w3"), "jcy.example/witness2", &new_vkey);
    std::fs::write(
        lossdir.join("ecoenforce.toml"),
        format!("[ledger]\norigin = \"{continued}\"\n{}", settings(&[&w3])),
    )
    .unwrap();
    let go_on = start_platform(&lossdir, false);
    let served: Vec<String> = reqwest::get(format!("{}/ledger/statements", go_on.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, std::slice::from_ref(&statement));
    let zhidui = login(&go_on.url, "zhidui.officer").await;
    let kept = text
        .lines()
        .find_map(|l| l.strip_prefix("kept "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .parse::<u64>()
        .unwrap();
    write_one(&go_on.url, &zhidui, "景洪市 续接日志 1 号（演示数据）").await;
    let next = cosigned(&go_on.url, kept + 1, std::slice::from_ref(&w3.vkey)).await;
    assert!(next.starts_with(&format!("{continued}\n")), "{next}");
    drop(go_on);
    let (code, out) = cli(&["ledger", "verify", "--data-dir", l]);
    assert_eq!(code, Some(0), "{out}");

    // Point 5: an operator takes the witnesses out of the settings, forces the resume at the
    // restored database's own checkpoint, puts them back and starts the server: it signs a
    // tree that does not extend the published one.
    std::fs::write(restored.join("ecoenforce.toml"), "").unwrap();
    let (code, out) = cli(&[
        "ledger",
        "resume",
        "--data-dir",
        r,
        "--checkpoint",
        own_file.to_str().unwrap(),
        "--i-know-it-is-the-latest",
        "--reason",
        "分叉演练",
    ]);
    assert_eq!(code, Some(0), "{out}");
    std::fs::write(restored.join("ecoenforce.toml"), settings(&[&w1, &w2])).unwrap();
    let forked = start_platform(&restored, false);
    let zhidui = login(&forked.url, "zhidui.officer").await;
    write_one(&forked.url, &zhidui, "景洪市 分叉 1 号（演示数据）").await;
    write_one(&forked.url, &zhidui, "景洪市 分叉 2 号（演示数据）").await;
    let own_size = size_of(&own);
    let mut fork_cp = String::new();
    for _ in 0..200 {
        fork_cp = get(&format!("{}/ledger/checkpoint", forked.url)).await;
        if size_of(&fork_cp) >= own_size + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let fork_size = size_of(&fork_cp);
    assert!(
        fork_size >= own_size + 2,
        "the forked server signed {fork_size}"
    );
    // Both witnesses refuse it and keep it beside what they cosigned: a checkpoint the forked
    // server signed after the resume (which one first depends on the server's retry pauses;
    // the restored server's own older checkpoint, resubmitted, is kept too: a rolled-back log).
    for w in [&w1, &w2] {
        let mut kept = serde_json::Value::Null;
        let offered_fork = |kept: &serde_json::Value| {
            kept.as_array().and_then(|a| {
                a.iter()
                    .find(|e| size_of(e["offered"].as_str().unwrap()) > own_size)
                    .cloned()
            })
        };
        for _ in 0..200 {
            kept = reqwest::get(format!("{}/evidence?origin={ORIGIN}", w.url))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if offered_fork(&kept).is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let fork_kept = offered_fork(&kept).unwrap_or_else(|| panic!("{kept}"));
        assert!(fork_kept["kind"].is_string(), "{kept}");
        assert_eq!(
            size_of(fork_kept["cosigned"].as_str().unwrap()),
            published_size
        );
        assert!(note::verify(fork_kept["offered"].as_str().unwrap(), &log_vkey).is_ok());
        let latest = get(&format!("{}/checkpoint?origin={ORIGIN}", w.url)).await;
        assert_eq!(size_of(&latest), published_size, "the witness did not move");
    }
    // The forked server's checkpoint carries no cosignature: a follower that checks them
    // rejects it.
    assert!(
        note::verify(&fork_cp, &log_vkey).is_ok(),
        "signed by the log's key"
    );
    let report = cosignature::check_quorum(&fork_cp, &keys, None);
    assert!(!report.met(), "{}", report.describe());
    let fork_file = dir.path().join("fork.checkpoint");
    std::fs::write(&fork_file, &fork_cp).unwrap();
    if let Some((code, out)) = python_check(&[
        "checkpoint",
        fork_file.to_str().unwrap(),
        "--vkey",
        &log_vkey,
        "--witness-vkey",
        &w1.vkey,
        "--witness-vkey",
        &w2.vkey,
    ]) {
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("missing: jcy.example/witness, sft.example/witness"),
            "{out}"
        );
    }
    drop(forked);

    // The drill's good ending: a backup that holds everything published (taken after the
    // last write) resumes from the witnesses with no file and no one's word, and goes on.
    let complete = dir.path().join("complete");
    let (code, out) = cli(&[
        "admin",
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        "--to",
        complete.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let again = dir.path().join("again");
    let (code, out) = cli(&[
        "admin",
        "restore",
        "--from",
        complete.to_str().unwrap(),
        "--data-dir",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = cli(&["ledger", "resume", "--data-dir", again.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Resumed"), "{out}");
    let resumed = start_platform(&again, false);
    let zhidui = login(&resumed.url, "zhidui.officer").await;
    write_one(&resumed.url, &zhidui, "景洪市 见证演练 2 号（演示数据）").await;
    let next = cosigned(&resumed.url, published_size + 1, &keys).await;
    assert!(size_of(&next) > published_size);
}

fn rand_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    seed
}
