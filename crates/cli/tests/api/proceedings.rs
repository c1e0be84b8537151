//! Issue 23: a case walked from its advance notice to a heard case over the API, on both
//! backends, with the test clock moved across National Day 2026: the notice's hearing form,
//! service, a late hearing request refused, the statement answered point by point, the host
//! who investigated refused, the hearing notice seven working days ahead, the host's recusal
//! window, the hearing tolling the case deadline, and periods started and ended by hand.

use crate::case_documents::issue;
use crate::cases::{act, get_with_etag};
use crate::evidence::{PNG, form, on_site, upload};
use crate::helpers::{Kind, TestApp, error_codes, spawn_app_with};
use app::seed::DEMO_PASSWORD;
use app::{AppSettings, Clock, FixedClock};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::sync::Arc;

/// Noon, China time, on `day`.
fn noon(day: &str) -> DateTime<Utc> {
    format!("{day}T04:00:00Z").parse().unwrap()
}

/// Inspection records, each with its document, that [`noticed_case`] adds during the
/// investigation: none in the tests; the `case_path` bench asks for 196 to archive a case of
/// 200 documents.
pub static EXTRA_RECORDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// An evidence item of the case, taken an hour before the clock's now: its id.
pub async fn case_evidence(app: &TestApp, token: &str, case: &str, clock: &dyn Clock) -> String {
    let case_id = case.rsplit('/').next().unwrap().to_owned();
    let collected = (clock.now().as_datetime() - chrono::Duration::hours(1)).to_rfc3339();
    let mut fields: Vec<(&str, &str)> = on_site()
        .into_iter()
        .filter(|(k, _)| *k != "collected_at")
        .collect();
    fields.insert(0, ("subject_type", "case"));
    fields.push(("collected_at", collected.as_str()));
    let (s, b) = upload(app, token, form(&case_id, &fields, PNG)).await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

/// A case of Menghai registered, investigated and reviewed with agreement on the clock's day,
/// with an advance notice of a 6,000-yuan fine (a hearing right) and its document issued, and
/// served that day when `serve`: the case's path and the notice document's id.
pub async fn noticed_case(app: &TestApp, clock: &dyn Clock, serve: bool) -> (String, String) {
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let today = clock.now().china_date();
    let r = app
        .client
        .post(app.url("/api/v1/clues"))
        .bearer_auth(&officer)
        .json(
            &json!({"source": "inspection", "received_on": today.pred_opt().unwrap().to_string(),
                      "county_code": "532822", "description": "巡查发现排污口有黑水直排入南览河",
                      "place": "勐海县勐遮镇南览河边"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let clue = r.headers()["location"].to_str().unwrap().to_owned();
    let mut register = crate::cases::register_body();
    register["act_ended_on"] = json!((today - chrono::Days::new(2)).to_string());
    let (s, b) = act(app, &officer, &clue, "register", register).await;
    assert_eq!(s, 201, "{b}");
    let case = format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap());
    let (s, b) = act(app, &head, &case, "approve-registration", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let pair = ["menghai.officer", "menghai.officer2"];
    let (s, b) = act(
        app,
        &officer,
        &case,
        "assign-officers",
        json!({"officers": pair, "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let extra = EXTRA_RECORDS.load(std::sync::atomic::Ordering::Relaxed);
    for n in 0..extra {
        let now = clock.now().as_datetime();
        let (s, b) = act(
            app,
            &officer,
            &case,
            "record-inspection",
            json!({"started_at": (now - chrono::Duration::minutes(50)).to_rfc3339(),
                   "ended_at": (now - chrono::Duration::minutes(10)).to_rfc3339(),
                   "officers": pair, "signature": {"signed": true},
                   "place": format!("勐海县勐遮镇南览河排污口 {n} 号点位"),
                   "present": ["岩温（厂长）"],
                   "observed": "排污口有黑色废水流入南览河，现场拍照三张。\n厂区废水处理设施未运行。"}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let (_, records, _) = get_with_etag(app, &officer, &format!("{case}/records")).await;
        let record = records.as_array().unwrap().last().unwrap()["record"]["id"].clone();
        let (s, b) = issue(
            app,
            &officer,
            &case,
            json!({"kind": "inspection_record", "subject": record}),
        )
        .await;
        assert_eq!(s, 201, "{b}");
    }
    let basis = json!([{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]);
    let (s, b) = act(
        app,
        &officer,
        &case,
        "submit-investigation-report",
        json!({"facts": "超标排放", "evidence_ids": [], "proposed_handling": "罚款六千元",
               "legal_basis": basis}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        app,
        &reviewer,
        &case,
        "record-case-review",
        json!({"opinion": "agree"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        app,
        &officer,
        &case,
        "issue-advance-notice",
        json!({"penalties": [{"type": "fine", "amount_fen": 600_000}],
               "facts": "岩温将未经处理的废水排入南览河。",
               "reasons": "违反《中华人民共和国水污染防治法》第十条。", "legal_basis": basis}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let notice_id = b["case"]["notices"][0]["id"].as_str().unwrap().to_owned();
    let (s, doc) = issue(
        app,
        &officer,
        &case,
        json!({"kind": "advance_notice", "subject": notice_id}),
    )
    .await;
    assert_eq!(s, 201, "{doc}");
    let doc = doc["document"]["id"].as_str().unwrap().to_owned();
    if serve {
        let proof = case_evidence(app, &officer, &case, clock).await;
        let (s, b) = act(
            app,
            &officer,
            &case,
            "record-service",
            json!({"document_id": doc, "method": "direct", "served_on": today.to_string(),
                   "recipient": "岩温", "proof_evidence_id": proof}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
    }
    (case, doc)
}

async fn deadline(app: &TestApp, token: &str, case: &str) -> Value {
    let (s, b, _) = get_with_etag(app, token, case).await;
    assert_eq!(s, 200, "{b}");
    b["deadline"].clone()
}

async fn walk(kind: Kind) {
    let clock = Arc::new(FixedClock::new(noon("2026-09-01")));
    let Some(app) =
        spawn_app_with(kind, "proceedings", AppSettings::default(), clock.clone()).await
    else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let login = |who: &'static str| {
        let app = &app;
        async move { app.login(who, DEMO_PASSWORD).await }
    };
    // Registered on Tuesday 1 September 2026: due 90 days on, Monday 30 November. Asked for
    // as the plain form, the notice of a 6,000-yuan fine to a person is issued as the hearing
    // form.
    let (case, notice_doc) = noticed_case(&app, clock.as_ref(), false).await;
    let officer = login("menghai.officer").await;
    assert_eq!(deadline(&app, &officer, &case).await["due"], "2026-11-30");
    let (s, docs, _) = get_with_etag(&app, &officer, &format!("{case}/documents")).await;
    assert_eq!(s, 200);
    let doc = &docs["items"][1];
    assert_eq!(doc["id"], notice_doc.as_str());
    assert_eq!(doc["kind"], "advance_notice_hearing");
    assert_eq!(doc["title"], "行政处罚事先（听证）告知书");
    assert!(doc["number"].as_str().unwrap().contains("罚告"), "{doc}");

    // Nothing of the party's is recorded before the notice is served.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-hearing",
        json!({"received_on": "2026-09-01"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["statement.notice_not_served"]),
        "{b}"
    );

    // Served on Wednesday 30 September, the eve of National Day.
    clock.set(noon("2026-09-30"));
    let officer = login("menghai.officer").await;
    let proof = case_evidence(&app, &officer, &case, clock.as_ref()).await;
    let log = app.log_size().await;
    for (body, status, code) in [
        (
            json!({"document_id": notice_doc, "method": "by_pigeon", "served_on": "2026-09-30",
                   "recipient": "岩温", "proof_evidence_id": proof}),
            422,
            "service.unknown_method",
        ),
        (
            json!({"document_id": notice_doc, "method": "direct", "served_on": "2026-08-31",
                   "recipient": "岩温", "proof_evidence_id": proof}),
            422,
            "service.date_out_of_range",
        ),
        (
            json!({"document_id": notice_doc, "method": "direct", "served_on": "2026-09-30",
                   "recipient": " ", "proof_evidence_id": proof}),
            422,
            "field.required",
        ),
    ] {
        let (s, b) = act(&app, &officer, &case, "record-service", body).await;
        assert_eq!(s, status, "{b}");
        assert!(error_codes(&b).contains(&code), "{code}: {b}");
    }
    assert_eq!(app.log_size().await, log, "a refusal writes nothing");
    let service = json!({"document_id": notice_doc, "method": "direct",
                         "served_on": "2026-09-30", "recipient": "岩温",
                         "proof_evidence_id": proof});
    let (s, b) = act(&app, &officer, &case, "record-service", service.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.service_recorded/v1");
    assert_eq!(
        b["case"]["proceedings"]["services"][0]["kind"],
        "advance_notice_hearing"
    );
    let (s, b) = act(&app, &officer, &case, "record-service", service).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["service.already_recorded"]),
        "{b}"
    );

    // 1–7 October rest; Thu 8, Fri 9, Sat 10 (a make-up working day), Mon 12, Tue 13: the
    // request window's last day. A request received on the 14th is refused with the article.
    clock.set(noon("2026-10-14"));
    let officer = login("menghai.officer").await;
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-hearing",
        json!({"received_on": "2026-10-14"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["hearing.request_late"]),
        "{b}"
    );
    assert_eq!(b["errors"][0]["args"]["due"], "2026-10-13", "{b}");
    assert!(
        b["errors"][0]["legal_source"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("第六十四条")
    );
    // One received on the 13th (recorded a day later) is in time.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-hearing",
        json!({"received_on": "2026-10-13"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let d = &b["case"]["deadline"];
    assert_eq!(d["suspended"], true, "{d}");
    assert_eq!(
        d["tolled"],
        json!([{"reason": "hearing", "from": "2026-10-14", "to": null}])
    );

    // No new notice while the hearing asked for is pending: its record closes its period.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "issue-advance-notice",
        json!({"penalties": [{"type": "fine", "amount_fen": 800_000}],
               "facts": "岩温将未经处理的废水排入南览河。", "new_facts": "另查明夜间偷排",
               "reasons": "违反《中华人民共和国水污染防治法》第十条。",
               "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["notice.hearing_pending"]),
        "{b}"
    );

    // A statement of two points, answered point by point.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-statement",
        json!({"received_on": "2026-10-09", "points": ["罚款过重", "已于10月5日整改完毕"]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "answer-statement",
        json!({"answers": [{"point": 1, "adopted": false, "reason": "罚款在法定幅度内"}]}),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(error_codes(&b), vec!["statement.point_unanswered"]);
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "answer-statement",
        json!({"answers": [
            {"point": 1, "adopted": false, "reason": "罚款在法定幅度内"},
            {"point": 2, "adopted": true, "reason": "经复查属实，作为从轻情节考虑"}]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let st = &b["case"]["proceedings"]["statements"][0];
    assert_eq!(st["answered_by"], "menghai.officer");
    assert_eq!(st["answers"][1]["point"], 1);
    let (s, doc) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "statement_record", "subject": "0"}),
    )
    .await;
    assert_eq!(s, 201, "{doc}");

    // The host: not one who investigated; the hearing seven working days after its notice.
    let at = "2026-10-26T02:00:00Z";
    let hearing = |host: &str, at: &str, agents: Value| json!({"host": host, "place": "勐海县生态环境局三楼会议室", "at": at, "agents": agents});
    let agent = json!([{"name": "李律师", "relation": "律师"}]);
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "schedule-hearing",
        hearing("menghai.officer2", at, agent.clone()),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["hearing.host_investigated"]),
        "{b}"
    );
    // Nor an administrator or an auxiliary.
    for host in ["admin", "menghai.aux"] {
        let (s, b) = act(
            &app,
            &officer,
            &case,
            "schedule-hearing",
            hearing(host, at, agent.clone()),
        )
        .await;
        assert_eq!(
            (s, error_codes(&b)),
            (422, vec!["hearing.host_not_eligible"]),
            "{b}"
        );
    }
    // Notice served today at the earliest: Thu 15 … Fri 23 October is the seventh working day.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "schedule-hearing",
        hearing("fazhi.reviewer", "2026-10-22T02:00:00Z", agent.clone()),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (409, vec!["hearing.too_soon"]), "{b}");
    assert_eq!(b["errors"][0]["args"]["earliest"], "2026-10-23");
    let three = json!([{"name": "甲", "relation": "律师"}, {"name": "乙", "relation": "员工"},
                       {"name": "丙", "relation": "亲属"}]);
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "schedule-hearing",
        hearing("fazhi.reviewer", at, three),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["hearing.too_many_agents"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "schedule-hearing",
        hearing("fazhi.reviewer", at, agent),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["proceedings"]["hearings"][0]["revision"], 1);
    let (s, doc) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "hearing_notice", "subject": "0.1"}),
    )
    .await;
    assert_eq!(s, 201, "{doc}");
    let hearing_doc = doc["document"]["id"].as_str().unwrap().to_owned();
    let proof = case_evidence(&app, &officer, &case, clock.as_ref()).await;
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-service",
        json!({"document_id": hearing_doc, "method": "postal", "served_on": "2026-10-14",
               "recipient": "岩温", "proof_evidence_id": proof}),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // The host's recusal: within three days of the hearing notice (served Wednesday 14
    // October: the 17th is a Saturday, so to Monday the 19th), then no longer.
    clock.set(noon("2026-10-20"));
    let officer = login("menghai.officer").await;
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-recusal",
        json!({"officer": "fazhi.reviewer", "grounds": "主持人与当事人有亲属关系", "by": "party"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["recusal.host_window_closed"]),
        "{b}"
    );

    // Held on Monday 26 October, the record signed the same day: the hearing tolled 14–26
    // October (13 days), so the deadline moves from 30 November to Sunday 13 December, and on
    // to Monday 14 December.
    clock.set(noon("2026-10-26"));
    let officer = login("menghai.officer").await;
    let record = case_evidence(&app, &officer, &case, clock.as_ref()).await;
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-hearing",
        json!({"attended": true, "record_evidence_id": record, "signed_on": "2026-10-26"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let d = &b["case"]["deadline"];
    assert_eq!(
        (
            d["due"].as_str(),
            d["suspended"].as_bool(),
            d["tolled_days"].as_i64()
        ),
        (Some("2026-12-14"), Some(false), Some(13)),
        "{d}"
    );
    let (s, doc) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "hearing_record", "subject": "0"}),
    )
    .await;
    assert_eq!(s, 201, "{doc}");

    // Periods by hand: monitoring from the 27th; an officer's suspension waits for a head.
    clock.set(noon("2026-10-29"));
    let officer = login("menghai.officer").await;
    let head = login("ju.head").await;
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "start-tolling",
        json!({"reason": "monitoring", "from": "2026-10-27"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "start-tolling",
        json!({"reason": "hearing", "from": "2026-10-27"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["tolling.unknown_reason"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "start-tolling",
        json!({"reason": "suspension", "from": "2026-10-28"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["deadline"]["tolled"].as_array().unwrap().len(), 2);
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "end-tolling",
        json!({"to": "2026-10-28"}),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (422, vec!["tolling.which"]), "{b}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "end-tolling",
        json!({"to": "2026-10-28", "reason": "monitoring"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Monitoring 27–28 October: 15 days in all, 30 November + 15 = Tuesday 15 December (the
    // rest-day rule applies to the end only, not to the date before the extension).
    assert_eq!(deadline(&app, &officer, &case).await["due"], "2026-12-15");
    let (s, b) = act(&app, &officer, &case, "approve-suspension", json!({})).await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = act(&app, &head, &case, "approve-suspension", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let d = &b["case"]["deadline"];
    assert_eq!(d["suspended"], true, "{d}");
    let (s, b) = act(
        &app,
        &head,
        &case,
        "end-tolling",
        json!({"to": "2026-10-29"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Suspended 28–29 October (the 28th already tolled): one more day, Wednesday 16 December.
    let d = deadline(&app, &officer, &case).await;
    assert_eq!(
        (d["due"].as_str(), d["suspended"].as_bool()),
        (Some("2026-12-16"), Some(false)),
        "{d}"
    );
    assert_eq!(d["tolled_days"], 16, "{d}");

    // A new table of holidays (the prefecture makes 16–17 December rest days): the deadline is
    // evaluated again against it, Friday 18 December.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("calendar/prefecture")).unwrap();
    std::fs::write(
        dir.path().join("calendar/prefecture/2026.toml"),
        "year = 2026\nsource = \"test\"\nmake_up_working_days = []\n\n[[holidays]]\n\
         name = \"test\"\nfrom = \"2026-12-16\"\nto = \"2026-12-17\"\n",
    )
    .unwrap();
    app.app.reload_calendar(Some(dir.path())).unwrap();
    assert_eq!(deadline(&app, &officer, &case).await["due"], "2026-12-18");

    // Another county's officer sees nothing.
    let other = login("jinghong.officer").await;
    let (s, _) = act(
        &app,
        &other,
        &case,
        "start-tolling",
        json!({"reason": "service", "from": "2026-10-29"}),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_heard_case_on_sqlite() {
    walk(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_heard_case_on_postgres() {
    walk(Kind::Postgres).await;
}
