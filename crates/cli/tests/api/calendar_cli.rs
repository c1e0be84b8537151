//! `ecoenforce calendar …`: dates on stdout, warnings on stderr, bad input exits 2.

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ecoenforce"))
        .arg("calendar")
        .args(args)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_four_verbs() {
    assert_eq!(
        run(&["add-working-days", "2026-02-13", "2"]),
        (Some(0), "2026-02-24\n".into(), String::new())
    );
    assert_eq!(
        run(&["add-days", "2026-09-16", "15"]),
        (Some(0), "2026-10-08\n".into(), String::new())
    );
    assert_eq!(
        run(&["add-months", "2025-08-31", "6"]),
        (Some(0), "2026-02-28\n".into(), String::new())
    );
    assert_eq!(
        run(&["is-working-day", "2026-02-28"]),
        (Some(0), "true\n".into(), String::new())
    );
    assert_eq!(
        run(&["is-working-day", "2026-02-23"]),
        (Some(0), "false\n".into(), String::new())
    );
}

#[test]
fn a_missing_table_warns_on_stderr_and_exits_0() {
    let (code, out, err) = run(&["add-months", "2026-08-31", "6"]);
    assert_eq!((code, out.as_str()), (Some(0), "2027-03-01\n"));
    assert!(
        err.contains("2027") && err.contains("weekends only") && err.contains("按周末计算"),
        "{err}"
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    for args in [
        ["add-days", "2026-01-01", "0"],
        ["add-days", "2026-01-01", "-3"],
        ["add-days", "2026-01-01", "x"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(out.is_empty());
        assert!(
            err.contains("N 须为不小于 1 的整数") && err.contains("N must be an integer"),
            "{err}"
        );
    }
    let (code, _, err) = run(&["is-working-day", "2026-02-30"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("YYYY-MM-DD"));
}
