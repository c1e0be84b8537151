//! The real binary: `serve --listen 127.0.0.1:0` prints where it listens, first.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    lines: Vec<String>,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Result<Server, (Option<i32>, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecoenforce"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("ECOENFORCE__LOG__FILTER", "warn")
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
    assert_eq!(again.lines.len(), 1, "{:?}", again.lines);
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
