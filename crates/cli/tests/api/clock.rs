//! A clock the test moves: the real server started on an `app::FixedClock`, so a deadline is
//! crossed without waiting for it (issue 17). On both backends.

use crate::entities::get;
use crate::evidence::{PNG, form, menghai_entity, on_site, upload};
use crate::helpers::{Kind, spawn_app_with};
use app::seed::DEMO_PASSWORD;
use app::{AppSettings, Clock, FixedClock};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// Noon in China Standard Time on the day seeding happens.
const SEEDED_AT: &str = "2026-06-15T04:00:00Z";

/// The demo officers' certificates run for three years from 30 days before seeding: evidence
/// taken on site on
/// their last valid day is accepted, and the next day, with nothing else changed, it is refused
/// (two certified officers, APL Art. 42 and 55); the sign-in of the day before has expired too.
async fn a_certificate_runs_out_when_the_clock_crosses_its_last_day(kind: Kind) {
    let start: DateTime<Utc> = SEEDED_AT.parse().unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let Some(app) = spawn_app_with(kind, "clock", AppSettings::default(), clock.clone()).await
    else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let (officer, _) = app
        .store
        .user_with_credential("menghai.officer")
        .await
        .unwrap()
        .unwrap();
    let certificate = officer.certificate.unwrap();
    assert_eq!(certificate.valid_from.to_string(), "2026-05-16");
    let last_day = certificate.valid_until;
    assert_eq!(last_day.to_string(), "2029-05-15");

    // Noon (China) on the certificate's last day.
    clock.set(last_day.and_hms_opt(4, 0, 0).unwrap().and_utc());
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let fields = |at: &str| -> Vec<(&'static str, String)> {
        on_site()
            .into_iter()
            .map(|(k, v)| {
                let v = if k == "collected_at" { at } else { v };
                (k, v.to_owned())
            })
            .collect()
    };
    let send = |f: Vec<(&'static str, String)>| {
        let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(&entity, &borrowed, PNG)
    };
    let at = clock.now().to_rfc3339();
    let (status, body) = upload(&app, &token, send(fields(&at))).await;
    assert_eq!(status, 201, "accepted on the last valid day: {body}");

    // One day later: the same officers, the same kind of evidence.
    clock.advance(Duration::days(1));
    // (Asked with a GET: the server may answer an upload's 401 before reading its body and
    // close the connection under the client's feet.)
    let (status, _) = get(&app, &token, "/api/v1/entities?per_page=1").await;
    assert_eq!(status, 401, "a 12-hour sign-in has run out a day later");
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let at = clock.now().to_rfc3339();
    let (status, body) = upload(&app, &token, send(fields(&at))).await;
    assert_eq!(status, 409, "{body}");
    let codes = crate::helpers::error_codes(&body);
    assert_eq!(
        codes,
        [
            "evidence.certificate_not_valid",
            "evidence.certificate_not_valid",
            "evidence.two_officers_required"
        ],
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["args"]["date"],
        (last_day + Duration::days(1)).to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    a_certificate_runs_out_when_the_clock_crosses_its_last_day(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    a_certificate_runs_out_when_the_clock_crosses_its_last_day(Kind::Postgres).await;
}
