//! Issue 20 points 1, 4, 5 and 8: triage of a clue (merge, transfer, an extension of the time to
//! decide approved by a head), naming an unidentified party, and the case list's filters — on a
//! clock the test moves, on both backends.

use crate::cases::{act, get_with_etag, register_body};
use crate::helpers::{Kind, TestApp, error_codes, spawn_app_with};
use app::seed::DEMO_PASSWORD;
use app::{AppSettings, FixedClock};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::sync::Arc;

/// Noon in China Standard Time, 1 December 2026 (a Tuesday).
const START: &str = "2026-12-01T04:00:00Z";

async fn clue(app: &TestApp, token: &str, county: &str, entity: Option<&str>) -> String {
    let mut body = crate::cases::clue_body(county);
    if let Some(e) = entity {
        body["entity_id"] = json!(e);
    }
    let r = app
        .client
        .post(app.url("/api/v1/clues"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.headers()["location"].to_str().unwrap().to_owned()
}

async fn propose(app: &TestApp, token: &str, clue: &str, party: Value) -> String {
    let mut body = register_body();
    body["party"] = party;
    let (s, b) = act(app, token, clue, "register", body).await;
    assert_eq!(s, 201, "{b}");
    format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap())
}

fn schemas(answer: &Value) -> Vec<&str> {
    answer["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["schema"].as_str().unwrap())
        .collect()
}

async fn triage(kind: Kind) {
    let start: DateTime<Utc> = START.parse().unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let Some(app) = spawn_app_with(kind, "triage", AppSettings::default(), clock.clone()).await
    else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let jinghong = app.login("jinghong.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let deputy = app.login("ju.deputy", DEMO_PASSWORD).await;
    let liaison = app.login("mengzhe.liaison", DEMO_PASSWORD).await;

    // Extension: received 1 December, due 16 December; an officer asks, a head approves.
    let a = clue(&app, &officer, "532822", None).await;
    assert_eq!(
        get_with_etag(&app, &officer, &a).await.1["registration_due"],
        "2026-12-16"
    );
    let reason = json!({"reason": "需调取在线监测数据核实"});
    assert_eq!(
        act(&app, &liaison, &a, "extend-registration", reason.clone())
            .await
            .0,
        403,
        "a liaison reports clues; it never triages them"
    );
    let (s, b) = act(&app, &officer, &a, "extend-registration", reason.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(schemas(&b), ["clue.extension_proposed/v1"]);
    assert_eq!(b["clue"]["extension"]["proposed_by"], "menghai.officer");
    assert_eq!(b["clue"]["registration_due"], "2026-12-16");
    let (s, b) = act(&app, &officer, &a, "extend-registration", reason.clone()).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["clue.extension_pending"]));
    assert_eq!(
        act(&app, &officer, &a, "approve-extension", json!({}))
            .await
            .0,
        403
    );
    let (_, waiting, _) = get_with_etag(&app, &head, "/api/v1/approvals").await;
    let waiting = waiting.as_array().unwrap();
    assert!(
        waiting.iter().any(|w| w["step"] == "registration_extension"
            && format!("/api/v1/clues/{}", w["clue"]["id"].as_str().unwrap()) == a),
        "{waiting:?}"
    );
    let (s, b) = act(&app, &head, &a, "reject-extension", json!({"reason": " "})).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["field.required"]));
    let (s, b) = act(
        &app,
        &head,
        &a,
        "approve-extension",
        json!({"comment": "同意"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(schemas(&b), ["clue.extension_decided/v1"]);
    assert_eq!(b["clue"]["extended"], true);
    assert_eq!(b["clue"]["extension"], Value::Null);
    assert_eq!(b["clue"]["registration_due"], "2026-12-31");
    let (s, b) = act(&app, &officer, &a, "extend-registration", reason.clone()).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["clue.already_extended"]));
    assert_eq!(
        b["errors"][0]["legal_source"]["zh-CN"],
        "《生态环境行政处罚办法》第十八条"
    );

    // A head who asks approves in the same event; a rejection leaves the first deadline.
    let b_clue = clue(&app, &officer, "532822", None).await;
    let (s, b) = act(
        &app,
        &deputy,
        &b_clue,
        "extend-registration",
        reason.clone(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(schemas(&b), ["clue.extension_proposed/v1"]);
    assert_eq!(b["clue"]["extended"], true);
    let c = clue(&app, &officer, "532822", None).await;
    act(&app, &officer, &c, "extend-registration", reason.clone()).await;
    let (s, b) = act(
        &app,
        &head,
        &c,
        "reject-extension",
        json!({"reason": "理由不充分"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["clue"]["extended"], false);
    assert_eq!(b["clue"]["registration_due"], "2026-12-16");

    // Merge: a second report of the same act joins the open case.
    let case = propose(&app, &officer, &c, json!({"kind": "unidentified"})).await;
    let d = clue(&app, &officer, "532822", None).await;
    let case_id = case.rsplit('/').next().unwrap().to_owned();
    let (s, b) = act(&app, &officer, &d, "merge", json!({"case_id": "x"})).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["clue.merge_case_unknown"]));
    let jh = clue(&app, &jinghong, "532801", None).await;
    let (s, b) = act(&app, &jinghong, &jh, "merge", json!({"case_id": case_id})).await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["clue.merge_case_unknown"]),
        "a case of another county is unknown to the clue"
    );
    let entity = crate::evidence::menghai_entity(&app, &officer).await;
    let e = clue(&app, &officer, "532822", Some(&entity)).await;
    let (s, b) = act(&app, &officer, &e, "merge", json!({"case_id": case_id})).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["clue.merge_other_party"]));
    let (s, b) = act(&app, &officer, &d, "merge", json!({"case_id": case_id})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["clue"]["status"], "merged");
    assert_eq!(b["clue"]["merged_into"], case_id.as_str());
    let (s, b) = act(&app, &officer, &d, "merge", json!({"case_id": case_id})).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["clue.not_open"]));
    let (_, timeline, _) = get_with_etag(&app, &officer, &format!("{case}/timeline")).await;
    assert!(
        timeline
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["schema"] == "clue.merged/v1"),
        "{timeline}"
    );

    // Identify the party: a person, sealed; only once.
    let person = json!({"party": {"kind": "person", "name": "玉香", "id_type": "resident_id",
        "id_number": "532822198805054321", "phone": "13987654321"}});
    let (s, b) = act(&app, &liaison, &case, "identify-party", person.clone()).await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "identify-party",
        json!({"party": {"kind": "unidentified"}}),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (422, vec!["case.party_form"]));
    let (s, b) = act(&app, &officer, &case, "identify-party", person.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(schemas(&b), ["case.party_identified/v1"]);
    assert_eq!(b["case"]["party"]["id_number_masked"], "5328**********4321");
    let seq = b["events"][0]["seq"].as_i64().unwrap();
    let (_, entry, _) =
        get_with_etag(&app, &officer, &format!("/api/v1/ledger/entries/{seq}")).await;
    let entry = entry.to_string();
    assert!(entry.contains("5328**********4321"), "{entry}");
    assert!(!entry.contains("532822198805054321"), "{entry}");
    assert!(!entry.contains("13987654321"), "{entry}");
    let (s, b) = act(&app, &officer, &case, "identify-party", person).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["case.party_known"]));

    // Transfer to the police, with the letter's date.
    let f = clue(&app, &officer, "532822", None).await;
    let transfer = |on: &str| json!({"to": "勐海县公安局", "reason": "涉嫌污染环境罪，移送公安机关", "letter_on": on});
    let (s, b) = act(&app, &officer, &f, "transfer", transfer("2026-12-02")).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["clue.letter_date"]));
    let (s, b) = act(&app, &officer, &f, "transfer", transfer("2026-11-30")).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["clue.letter_date"]));
    let (s, b) = act(&app, &officer, &f, "transfer", transfer("2026-12-01")).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["clue"]["status"], "transferred");
    assert_eq!(b["clue"]["transfer"]["to"], "勐海县公安局");

    // Too late to ask: a clue received on 1 December, asked on 17 December.
    clock.set(clock_at("2026-12-17"));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let g = clue(&app, &officer, "532822", None).await;
    let (s, b) = act(&app, &officer, &g, "extend-registration", reason).await;
    // `g` was received on 1 December (clue_body's date), so its first period ended on the 16th.
    assert_eq!((s, error_codes(&b)), (409, vec!["clue.extension_late"]));

    // The case list's filters: officer, handling unit, overdue (90 days after approval).
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let (s, b) = act(&app, &head, &case, "approve-registration", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let unit = b["case"]["handling_unit_id"].as_str().unwrap().to_owned();
    // The token is the caller's: a session ends when the clock moves past its life.
    let total = |token: String, q: String| {
        let app = &app;
        async move {
            let (s, b, _) = get_with_etag(app, &token, &format!("/api/v1/cases?{q}")).await;
            assert_eq!(s, 200, "{q}: {b}");
            b["total"].as_i64().unwrap()
        }
    };
    assert_eq!(
        total(officer.clone(), "officer=menghai.officer".into()).await,
        1
    );
    assert_eq!(
        total(officer.clone(), "officer=menghai.officer2".into()).await,
        0
    );
    assert_eq!(
        total(officer.clone(), format!("handling_unit_id={unit}")).await,
        1
    );
    assert_eq!(
        total(
            officer.clone(),
            format!("handling_unit_id={}", uuid::Uuid::nil())
        )
        .await,
        0
    );
    assert_eq!(total(officer.clone(), "overdue=true".into()).await, 0);
    // Registered 17 December 2026: due 17 March 2027 (a Wednesday); overdue from the 18th.
    clock.set(clock_at("2027-03-17"));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (_, b, _) = get_with_etag(&app, &officer, &case).await;
    assert_eq!(b["deadline"]["due"], "2027-03-17");
    assert_eq!(total(officer.clone(), "overdue=true".into()).await, 0);
    clock.set(clock_at("2027-03-18"));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    assert_eq!(total(officer.clone(), "overdue=true".into()).await, 1);
    assert_eq!(total(officer.clone(), "overdue=false".into()).await, 1);
    let (s, b, _) = get_with_etag(&app, &officer, "/api/v1/cases?overdue=yes").await;
    assert_eq!((s, error_codes(&b)), (422, vec!["query.invalid"]));
}

/// Noon (China) on `day`.
fn clock_at(day: &str) -> DateTime<Utc> {
    format!("{day}T04:00:00Z").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    triage(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    triage(Kind::Postgres).await;
}
