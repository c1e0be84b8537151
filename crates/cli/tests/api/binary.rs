//! The real binary: `serve --listen 127.0.0.1:0` prints where it listens, first.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) lines: Vec<String>,
    pub(crate) url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start(args: &[&str]) -> Result<Server, (Option<i32>, String)> {
    start_with(args, &[])
}

pub(crate) fn start_with(
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<Server, (Option<i32>, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecoenforce"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("ECOENFORCE__LOG__FILTER", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ecoenforce");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    if first.is_empty() {
        let status = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        return Err((status.code(), err));
    }
    let url = first
        .trim()
        .strip_prefix("ecoenforce listening on ")
        .unwrap_or_else(|| panic!("first line was {first:?}"))
        .to_owned();
    let mut lines = vec![first.trim().to_owned()];
    // The accounts follow at once; read what is there without blocking on the open pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(500)) {
        lines.push(line);
    }
    Ok(Server { child, lines, url })
}

#[tokio::test]
async fn serve_prints_the_bound_address_first_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let server = start(&["--demo", "--data-dir", data]).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(server.url.starts_with("http://127.0.0.1:"));
    assert!(!server.url.ends_with(":0"));
    assert!(
        server.lines.iter().any(|l| l.contains("Demo@2026!")),
        "{:?}",
        server.lines
    );
    let r = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let seeded: serde_json::Value = r.json().await.unwrap();
    assert!(seeded["log_size"].as_i64().unwrap() > 60, "{seeded}");
    let units: serde_json::Value = reqwest::get(format!("{}/api/v1/units", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        units["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["demo"] == true)
    );
    drop(server);

    // A second start does not seed again.
    let again = start(&["--demo", "--data-dir", data]).unwrap_or_else(|e| panic!("{e:?}"));
    // The listening line, then only the verifier key (in zh-CN and en): no accounts.
    assert_eq!(again.lines.len(), 3, "{:?}", again.lines);
    assert!(again.lines[2].starts_with("Ledger verifier key: ecoenforce.local/532800+"));
    let health: serde_json::Value = reqwest::get(format!("{}/healthz", again.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["log_size"], seeded["log_size"]);
}

#[tokio::test]
async fn a_real_database_refuses_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let first = start(&["--data-dir", data]).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        first
            .lines
            .iter()
            .any(|l| l.contains("admin") && l.contains("password")),
        "the new administrator's password is printed once: {:?}",
        first.lines
    );
    drop(first);
    let Err((code, stderr)) = start(&["--demo", "--data-dir", data]) else {
        panic!("--demo on real data must refuse")
    };
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("演示数据") && stderr.contains("demo data"),
        "{stderr}"
    );
}

#[test]
fn bad_settings_exit_2_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_ecoenforce"))
        .args(["serve", "--config", "/nonexistent/ecoenforce.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("配置文件不存在") && err.contains("Settings file not found"),
        "{err}"
    );
}

pub(crate) fn cli(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ecoenforce"))
        .args(args)
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

async fn wait_for_checkpoint(url: &str) -> String {
    for _ in 0..300 {
        let r = reqwest::get(format!("{url}/ledger/checkpoint"))
            .await
            .unwrap();
        if r.status() == 200 {
            return r.text().await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no checkpoint was signed within 30 s");
}

/// The restore drill: a data dir without the signer's state waits for `ledger resume`, which
/// takes the last published checkpoint; `rotate-key` and `verify` work on the result.
#[tokio::test]
async fn a_restored_data_dir_is_resumed_with_the_published_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fast = [("ECOENFORCE__LEDGER__CHECKPOINT_INTERVAL_MS", "200")];
    let server = start_with(&["--demo", "--data-dir", data.to_str().unwrap()], &fast)
        .unwrap_or_else(|e| panic!("{e:?}"));
    // Signed by the timer, with no request asking for it.
    let published = wait_for_checkpoint(&server.url).await;
    let vkey = reqwest::get(format!("{}/ledger/verifier-key", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(::ledger::note::verify(&published, vkey.trim()).is_ok());
    // Some evidence, so the backup carries a blob.
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&serde_json::json!({"username": "menghai.officer", "password": "Demo@2026!"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let list: serde_json::Value = client
        .get(format!(
            "{}/api/v1/entities?county=532822&per_page=1",
            server.url
        ))
        .bearer_auth(&token)
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
        .text("title", "备份演练")
        .text("collected_at", chrono::Utc::now().to_rfc3339())
        .text("collected_by", "menghai.officer")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"backup drill".to_vec()).file_name("a.txt"),
        );
    let r = client
        .post(format!("{}/api/v1/evidence", server.url))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // The backup is made while the server runs.
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
    assert!(
        out.contains("1 evidence files") && out.contains("2 key file(s)"),
        "{out}"
    );
    assert!(backup.join("ledger/key").is_file());
    assert!(backup.join("sealed.key").is_file());
    assert!(
        !backup.join("ledger/state").exists(),
        "the signer's state is never backed up"
    );
    // The last published checkpoint, read after the backup: the timer may have signed the
    // evidence upload's event in between, and `ledger resume` wants the latest one.
    let published = reqwest::get(format!("{}/ledger/checkpoint", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    drop(server);
    let checkpoint = dir.path().join("published.checkpoint");
    std::fs::write(&checkpoint, &published).unwrap();
    // A restore into an empty data dir; a non-empty one is refused.
    let restored = dir.path().join("restored");
    let (code, out) = cli(&[
        "admin",
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{out}");
    let (code, out) = cli(&[
        "admin",
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    // The sealed store's key comes back with the database whose records it opens.
    assert_eq!(
        std::fs::read(restored.join("sealed.key")).unwrap(),
        std::fs::read(data.join("sealed.key")).unwrap()
    );
    let restored_arg = restored.to_str().unwrap();
    let waiting = start(&["--data-dir", restored_arg]).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        waiting.lines.iter().any(|l| l.contains("ledger resume")),
        "{:?}",
        waiting.lines
    );
    drop(waiting);
    let cp_arg = checkpoint.to_str().unwrap();
    let forged = dir.path().join("forged.checkpoint");
    std::fs::write(&forged, published.replacen('\n', "\n1", 1)).unwrap();
    let (code, out) = cli(&[
        "ledger",
        "resume",
        "--data-dir",
        restored_arg,
        "--checkpoint",
        forged.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not a checkpoint signed"), "{out}");
    // Without witnesses, a checkpoint given in a file that the restored database itself holds
    // is taken only on someone's word that nothing was published after it (issue 27 point 4).
    let own = published.split("\n\n").next().unwrap().to_owned();
    let held = ::ledger::note::parse_checkpoint(&own).unwrap().1;
    let (code, out) = cli(&[
        "ledger",
        "resume",
        "--data-dir",
        restored_arg,
        "--checkpoint",
        cp_arg,
    ]);
    let out = if out.contains("restored database's own") {
        assert_eq!(code, Some(1), "{out}");
        let (code, out) = cli(&["ledger", "resume", "--data-dir", restored_arg]);
        assert_eq!(code, Some(2), "no file and no witness: {out}");
        assert!(out.contains("configure witnesses"), "{out}");
        let (code, out) = cli(&[
            "ledger",
            "resume",
            "--data-dir",
            restored_arg,
            "--checkpoint",
            cp_arg,
            "--i-know-it-is-the-latest",
            "--reason",
            "演练：备份后无写入",
        ]);
        assert_eq!(code, Some(0), "{out}");
        assert!(
            out.contains("演练：备份后无写入"),
            "the reason is printed: {out}"
        );
        out
    } else {
        // The timer signed the upload's event after the backup: the file is newer than the
        // restored database's checkpoints, and is taken as it is.
        assert_eq!(code, Some(0), "{out} (held {held})");
        out
    };
    assert!(out.contains("已恢复") && out.contains("Resumed"), "{out}");
    let (code, out) = cli(&["ledger", "rotate-key", "--data-dir", restored_arg]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("new: ecoenforce.local/532800+"), "{out}");
    let resumed = start(&["--data-dir", restored_arg]).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        !resumed.lines.iter().any(|l| l.contains("ledger resume")),
        "{:?}",
        resumed.lines
    );
    drop(resumed);
    let (code, out) = cli(&["ledger", "verify", "--data-dir", restored_arg]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("signed checkpoints"), "{out}");
    assert!(out.contains("1 evidence files rehashed"), "{out}");
}

/// Every file and folder under `root` with a mode other than 0600 (files) or 0700 (folders).
pub(crate) fn not_private(root: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut wrong = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        if mode != 0o700 {
            wrong.push(format!("{:o} {}/", mode, dir.display()));
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else {
                let mode = meta.permissions().mode() & 0o777;
                if mode != 0o600 {
                    wrong.push(format!("{mode:o} {}", path.display()));
                }
            }
        }
    }
    wrong.sort();
    wrong
}

/// Issue 18 (hardening): what the server and the CLI write under the data dir and into a
/// backup is its owner's alone — the database with its WAL and SHM files, evidence, uploads in
/// progress, keys, the signer's state and lock — whatever the umask they were started with.
#[tokio::test]
async fn every_file_the_server_and_the_cli_write_is_private_to_its_owner() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let fast = [("ECOENFORCE__LEDGER__CHECKPOINT_INTERVAL_MS", "200")];
    let server =
        start_with(&["--demo", "--data-dir", data_arg], &fast).unwrap_or_else(|e| panic!("{e:?}"));
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&serde_json::json!({"username": "menghai.officer", "password": "Demo@2026!"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let list: serde_json::Value = client
        .get(format!(
            "{}/api/v1/entities?county=532822&per_page=1",
            server.url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entity = list["items"][0]["id"].as_str().unwrap().to_owned();
    let collected = chrono::Utc::now().to_rfc3339();
    let form = reqwest::multipart::Form::new()
        .text("subject_id", entity.clone())
        .text("type", "documentary")
        .text("title", "权限")
        .text("collected_at", collected.clone())
        .text("collected_by", "menghai.officer")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"private".to_vec()).file_name("a.txt"),
        );
    let r = client
        .post(format!("{}/api/v1/evidence", server.url))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // A resumable upload left in progress.
    let b64 = |v: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(v)
    };
    let metadata = [
        ("subject_id", entity.as_str()),
        ("type", "documentary"),
        ("title", "未完成"),
        ("collected_at", collected.as_str()),
        ("collected_by", "menghai.officer"),
    ]
    .iter()
    .map(|(k, v)| format!("{k} {}", b64(v)))
    .collect::<Vec<_>>()
    .join(",");
    let r = client
        .post(format!("{}/api/v1/uploads", server.url))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "100")
        .header("upload-metadata", metadata)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let r = client
        .patch(format!("{}{location}", server.url))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "application/offset+octet-stream")
        .body(vec![b'x'; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // A checkpoint signed (the signer's state written).
    wait_for_checkpoint(&server.url).await;
    let backup = dir.path().join("backup");
    let (code, out) = cli(&[
        "admin",
        "backup",
        "--data-dir",
        data_arg,
        "--to",
        backup.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    // While the server runs, so the WAL and SHM files are there.
    let files: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("-wal")) && files.iter().any(|f| f.ends_with("-shm")),
        "{files:?}"
    );
    assert_eq!(not_private(&data), Vec::<String>::new(), "the data dir");
    drop(server);
    let (code, out) = cli(&["ledger", "rotate-key", "--data-dir", data_arg]);
    assert_eq!(code, Some(0), "{out}");
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
    for root in [&data, &backup, &restored] {
        assert_eq!(
            not_private(root),
            Vec::<String>::new(),
            "{}",
            root.display()
        );
    }
}

/// Issue 20 (2): a seeded ID number is sealed — its plaintext is nowhere under the data dir (the
/// database, its WAL, the event log in it, the keys) nor in a backup, while the server shows it
/// to the detachment on request.
#[tokio::test]
async fn a_sealed_id_number_is_nowhere_in_the_data_dir_or_a_backup() {
    use crate::sealed::{ID_NUMBER, party};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    // Sealed before the server starts, through the application layer on the same data dir (no
    // command seals yet): the key is created here, and the server must load the same one.
    let reference = {
        let db = data.join("ecoenforce.db");
        std::fs::create_dir_all(&data).unwrap();
        let backend = std::sync::Arc::new(store_sqlite::Backend::open(&db).await.unwrap());
        let app = app::App::new(
            backend.clone(),
            std::sync::Arc::new(app::SystemClock),
            app::AppSettings::default(),
        );
        app.open_sealed_key(&data).await.unwrap();
        let (reference, write) = app
            .seal(domain::sealed::SealedKind::Party, "532822", &party())
            .unwrap();
        store::Writer::write(
            backend.as_ref(),
            Box::new(move |_| {
                Box::pin(async move {
                    Ok(store::Changes {
                        events: Vec::new(),
                        secrets: vec![write],
                    })
                })
            }),
        )
        .await
        .unwrap();
        reference
    };
    let server = start(&["--demo", "--data-dir", data_arg]).unwrap_or_else(|e| panic!("{e:?}"));
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&serde_json::json!({"username": "zhidui.officer", "password": "Demo@2026!"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let r = client
        .post(format!("{}/api/v1/sealed/{reference}/view", server.url))
        .bearer_auth(&token)
        .json(&serde_json::json!({"purpose": "核对当事人身份"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["record"]["id_number"], ID_NUMBER);
    let backup = dir.path().join("backup");
    let (code, out) = cli(&[
        "admin",
        "backup",
        "--data-dir",
        data_arg,
        "--to",
        backup.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(backup.join("sealed.key").is_file());
    // Scanned while the server runs, so the WAL holds the latest pages.
    fn files(root: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(root).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    files(&data, &mut all);
    files(&backup, &mut all);
    let names: Vec<String> = all
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in ["ecoenforce.db", "ecoenforce.db-wal", "sealed.key"] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    let needle = ID_NUMBER.as_bytes();
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the ID number is in {} in plaintext",
            path.display()
        );
    }
    drop(server);
}
