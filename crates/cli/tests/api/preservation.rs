//! Issue 21 point 5: preservation of evidence (先行登记保存) — on a head's approval, or at once
//! in an emergency and approved afterwards (overdue past the window); decided within 7 working
//! days or lapsed — on a clock moved across the National Day holiday, on both backends.

use crate::cases::{act, get_with_etag};
use crate::helpers::{Kind, error_codes, spawn_app_with};
use app::seed::DEMO_PASSWORD;
use app::{AppSettings, FixedClock};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::sync::Arc;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn preservation(kind: Kind) {
    // Noon in China, Wednesday 30 September 2026, the eve of the National Day holiday.
    let clock = Arc::new(FixedClock::new(at("2026-09-30T04:00:00Z")));
    let Some(app) =
        spawn_app_with(kind, "preservation", AppSettings::default(), clock.clone()).await
    else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let mut clue = crate::cases::clue_body("532822");
    clue["received_on"] = json!("2026-09-29");
    let r = app
        .client
        .post(app.url("/api/v1/clues"))
        .bearer_auth(&officer)
        .json(&clue)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let clue = r.headers()["location"].to_str().unwrap().to_owned();
    let mut register = crate::cases::register_body();
    register["act_ended_on"] = json!("2026-09-01");
    let (s, b) = act(&app, &officer, &clue, "register", register).await;
    assert_eq!(s, 201, "{b}");
    let case = format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap());
    let (s, b) = act(&app, &head, &case, "approve-registration", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let pair = ["menghai.officer", "menghai.officer2"];
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "assign-officers",
        json!({"officers": pair, "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let items = json!([{"description": "废水处理设施运行台账", "quantity": "3 本",
                        "kept_at": "勐海大队证物室"}]);

    // Two officers of the case, as for every act.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "preserve-evidence",
        json!({"items": items, "officers": ["menghai.officer", "menghai.aux"]}),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "preserve-evidence",
        json!({"items": items, "officers": pair}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["case"]["preservations"][0]["standing"]["status"],
        "pending_approval"
    );
    let first = b["case"]["preservations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "decide-preserved",
        json!({"action": "release"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["preservation.none_waiting"])
    );
    let (_, waiting, _) = get_with_etag(&app, &head, "/api/v1/approvals").await;
    assert!(
        waiting
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["step"] == "preservation"),
        "{waiting}"
    );
    let (s, _) = act(&app, &officer, &case, "approve-preservation", json!({})).await;
    assert_eq!(s, 403);
    let (s, b) = act(&app, &head, &case, "approve-preservation", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let p = &b["case"]["preservations"][0];
    assert_eq!(p["standing"]["status"], "in_effect");
    // 7 working days from 30 September across the holiday (1–7 October rest, 10 October a
    // make-up working day): 8, 9, 10, 12, 13, 14, 15 October.
    assert_eq!(p["standing"]["decision_due"], "2026-10-15");

    // In an emergency: in effect at once, to be approved within 24 hours.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "preserve-evidence",
        json!({"items": items, "officers": pair, "emergency": true}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let second = &b["case"]["preservations"][1];
    assert_eq!(second["standing"]["status"], "in_effect");
    assert_eq!(second["standing"]["approval_overdue"], false);
    clock.set(at("2026-10-01T05:00:00Z"));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (_, view, _) = get_with_etag(&app, &officer, &case).await;
    assert_eq!(
        view["preservations"][1]["standing"]["approval_overdue"], true,
        "{view}"
    );
    // The deadline lists show the approval overdue and both decisions due.
    let (_, due, _) = get_with_etag(&app, &officer, "/api/v1/deadlines?within=30").await;
    let kinds: Vec<(&str, bool)> = due
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["case_id"] == view["id"])
        .map(|i| (i["kind"].as_str().unwrap(), i["overdue"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("preservation_approval", true),
            ("preservation_decision", false),
            ("preservation_decision", false)
        ],
        "{due}"
    );

    // Decided in time; the other, undecided, lapses the next working day.
    clock.set(at("2026-10-15T04:00:00Z"));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "decide-preserved",
        json!({"action": "seal_or_seize"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["preservation.which"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "decide-preserved",
        json!({"action": "seal_or_seize", "preservation_id": first}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["case"]["preservations"][0]["standing"]["status"],
        "decided"
    );
    clock.set(at("2026-10-16T04:00:00Z"));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (_, view, _) = get_with_etag(&app, &officer, &case).await;
    assert_eq!(
        view["preservations"][1]["standing"]["status"], "lapsed",
        "{view}"
    );
    let (_, due, _) = get_with_etag(&app, &officer, "/api/v1/deadlines").await;
    let lapsed: Vec<&Value> = due
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["case_id"] == view["id"] && i["kind"] == "preservation_decision")
        .collect();
    assert_eq!(lapsed.len(), 1, "the decided one is done: {due}");
    assert_eq!(
        (&lapsed[0]["due"], &lapsed[0]["overdue"]),
        (&json!("2026-10-15"), &json!(true))
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "decide-preserved",
        json!({"action": "release"}),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (409, vec!["preservation.lapsed"]));
    assert_eq!(b["errors"][0]["args"]["due"], "2026-10-15");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    preservation(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    preservation(Kind::Postgres).await;
}
