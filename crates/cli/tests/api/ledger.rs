//! `ledger verify` catches an edited event, a deleted one, two swapped, and a projection row
//! changed without an event, on both backends.

use crate::helpers::{Concrete, TestApp};
use crate::on_both_backends;

/// Statements that switch the append-only guards off, as someone with database access could.
async fn disarm(app: &TestApp) {
    match &app.concrete {
        Concrete::Sqlite(_) => {
            for sql in [
                "DROP TRIGGER events_no_update",
                "DROP TRIGGER events_no_delete",
                "DROP TRIGGER event_counties_no_delete",
            ] {
                app.execute_unchecked(sql).await;
            }
        }
        Concrete::Postgres(_) => {
            for sql in [
                "ALTER TABLE events DISABLE TRIGGER events_append_only",
                "ALTER TABLE event_counties DISABLE TRIGGER event_counties_append_only",
            ] {
                app.execute_unchecked(sql).await;
            }
        }
    }
}

async fn seeded(app: &TestApp) {
    app.app.seed_demo().await.unwrap();
    let report = app.app.verify_ledger().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.events, app.log_size().await);
    disarm(app).await;
}

async fn problems(app: &TestApp) -> Vec<String> {
    match app.app.verify_ledger().await {
        Ok(r) => r.problems,
        Err(e) => vec![e.to_string()],
    }
}

async fn an_edited_event_is_caught(app: TestApp) {
    seeded(&app).await;
    let n = app
        .execute_unchecked(
            "UPDATE events SET payload = replace(payload, 'Jinghong', 'Jinhong') WHERE seq = 2",
        )
        .await;
    assert_eq!(n, 1);
    let p = problems(&app).await;
    assert!(
        p.iter()
            .any(|x| x.starts_with("event 2: content hashes to")),
        "{p:?}"
    );
}

async fn a_deleted_event_is_caught(app: TestApp) {
    seeded(&app).await;
    app.execute_unchecked("DELETE FROM event_counties WHERE seq = 5")
        .await;
    assert_eq!(
        app.execute_unchecked("DELETE FROM events WHERE seq = 5")
            .await,
        1
    );
    let p = problems(&app).await;
    assert!(p.iter().any(|x| x.contains("event 5 is missing")), "{p:?}");
}

async fn swapped_events_are_caught(app: TestApp) {
    seeded(&app).await;
    // Events 0 and 1 (the bureau and the detachment) change places, hashes and all.
    for sql in [
        "UPDATE events SET seq = 1000000 WHERE seq = 0",
        "UPDATE events SET seq = 0 WHERE seq = 1",
        "UPDATE events SET seq = 1 WHERE seq = 1000000",
    ] {
        assert_eq!(app.execute_unchecked(sql).await, 1, "{sql}");
    }
    let p = problems(&app).await;
    assert!(
        p.iter().any(|x| x.starts_with("tree hash 0: stored")),
        "{p:?}"
    );
}

async fn a_projection_changed_without_an_event_is_caught(app: TestApp) {
    seeded(&app).await;
    app.execute_unchecked(
        "UPDATE entities SET legal_representative = '某人' WHERE county_code = '532823'",
    )
    .await;
    let p = problems(&app).await;
    assert!(
        p.iter().any(|x| x.starts_with("projection: entities row")),
        "{p:?}"
    );
}

on_both_backends!(
    an_edited_event_is_caught,
    a_deleted_event_is_caught,
    swapped_events_are_caught,
    a_projection_changed_without_an_event_is_caught,
);

#[test]
fn the_command_exits_0_or_1() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let bin = env!("CARGO_BIN_EXE_ecoenforce");
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).output().unwrap();
    let out = run(&["ledger", "verify", "--data-dir", data]);
    assert_eq!(out.status.code(), Some(2), "no database yet");
    // A short-lived server makes the database.
    let mut child = std::process::Command::new(bin)
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data,
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let out = run(&["ledger", "verify", "--data-dir", data, "--no-blobs"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Ledger verified") && text.contains("台账验证通过"));
}
