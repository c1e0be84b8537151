//! Issue 18 item 3: sign-in timing. A test binary of its own: cargo runs test binaries one after
//! another, so this measures without the API suite competing for the same two cores.

use crate::helpers::{Kind, TestApp, error_codes, spawn_app_with};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn sign_in(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

// ---------------------------------------------------------------------------------------------
// Item 3: sign-in timing
// ---------------------------------------------------------------------------------------------

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// An unknown username costs as much as a known one with a wrong password: 30 sign-ins of
/// each, in pairs back to back so a busy machine slows both of a pair alike; the median of the
/// pairs' ratios within 25 %.
/// (A timing test, allowed here only: that the time does not tell whether an account exists is
/// the security property itself.)
async fn an_unknown_name_costs_as_much_as_a_wrong_password(kind: Kind) {
    // Limits raised so neither the per-name lockout nor the per-address limit cuts the run
    // short: a refused attempt would skip the hash and spoil the measure.
    let settings = app::AppSettings {
        signin_max_failures: 1000,
        signin_ip_max_failures: 1000,
        ..Default::default()
    };
    let Some(app) = spawn_app_with(
        kind,
        "sign-in timing",
        settings,
        std::sync::Arc::new(app::SystemClock),
    )
    .await
    else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let attempt = |user: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let (s, b) = sign_in(app, user, "Wrong@2026!").await;
            let took = started.elapsed();
            assert_eq!(
                (s, error_codes(&b)),
                (401, vec!["auth.invalid_credentials"]),
                "{user}"
            );
            took
        }
    };
    // Warm up: connections, the dummy hash computed once.
    for _ in 0..3 {
        attempt("no.such.user").await;
        attempt("menghai.officer").await;
    }
    // A busy machine (another test process, a build, PostgreSQL dropping the API suite's
    // databases just before) can slow one run of 60 sign-ins more than another: up to five
    // rounds, a second apart, and one within the margin passes. A real difference (an unknown
    // name skipping the hash: 1.4 ms against 26 ms before issue 18) fails every round.
    let mut rounds = Vec::new();
    for round in 0..5 {
        if round > 0 {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        let (mut unknown, mut known) = (Vec::new(), Vec::new());
        // Alternating which goes first (ABBA), so a drift in the machine's load weighs on both.
        for i in 0..30 {
            if i % 2 == 0 {
                unknown.push(attempt("no.such.user").await);
                known.push(attempt("menghai.officer").await);
            } else {
                known.push(attempt("menghai.officer").await);
                unknown.push(attempt("no.such.user").await);
            }
        }
        // The median of the paired ratios: each pair ran back to back, so a load that comes
        // and goes weighs on both of a pair, where two separate medians can each catch a
        // different stretch of it (a CI run saw 50–54 ms against 38–43 ms in five rounds,
        // and 44 against 46 ms when run alone).
        let mut ratios: Vec<f64> = unknown
            .iter()
            .zip(&known)
            .map(|(u, k)| u.as_secs_f64() / k.as_secs_f64())
            .collect();
        ratios.sort_by(f64::total_cmp);
        let ratio = ratios[ratios.len() / 2];
        let (unknown, known) = (median(unknown), median(known));
        eprintln!(
            "sign-in ({kind:?}): medians unknown name {unknown:?}, wrong password {known:?}; \
             median ratio {ratio:.3}"
        );
        if (1.0 / 1.25..=1.25).contains(&ratio) {
            return;
        }
        rounds.push((unknown, known, ratio));
    }
    panic!(
        "medians (unknown name, known name with a wrong password, median of the paired ratios) \
         of five rounds: {rounds:?}"
    );
}

/// Both backends one after the other, never at the same time as each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unknown_name_costs_as_much_as_a_wrong_password_on_both_backends() {
    an_unknown_name_costs_as_much_as_a_wrong_password(Kind::Sqlite).await;
    an_unknown_name_costs_as_much_as_a_wrong_password(Kind::Postgres).await;
}
