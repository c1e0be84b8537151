//! Issue 25 points 2–6: the decision over the API, on both backends, with the clock moved — a
//! case whose deadline is warned of, extended once by a head and a second time after the heads'
//! deliberation (never past 150 days), then decided within the notice, the decision document
//! issued with its 文号 and its statutory elements; and a case that needs legal review and the
//! heads' deliberation, refused until both are recorded.

use crate::case_documents::{get_bytes, issue};
use crate::cases::{act, get_with_etag};
use crate::helpers::{Kind, TestApp, error_codes, spawn_app_with};
use crate::proceedings::{case_evidence, noticed_case};
use app::seed::DEMO_PASSWORD;
use app::{AppSettings, FixedClock};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::sync::Arc;

fn noon(day: &str) -> DateTime<Utc> {
    format!("{day}T04:00:00Z").parse().unwrap()
}

/// A case decided with a 6,000-yuan fine on the clock's day (the party waived its statement
/// and hearing in writing), its decision document issued and served: the case's path.
pub async fn performing_case(app: &TestApp, clock: &dyn app::Clock) -> String {
    let (case, _) = noticed_case(app, clock, true).await;
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let today = clock.now().china_date().to_string();
    let proof = case_evidence(app, &officer, &case, clock).await;
    for right in ["statement", "hearing"] {
        let (s, b) = act(
            app,
            &officer,
            &case,
            "record-waiver",
            json!({"right": right, "received_on": today, "evidence_id": proof}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, b) = act(
        app,
        &head,
        &case,
        "decide",
        json!({"outcome": "penalty", "penalties": [fine(600_000)], "reasons": "事实清楚"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = issue(app, &officer, &case, json!({"kind": "penalty_decision"})).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = act(
        app,
        &officer,
        &case,
        "record-service",
        json!({"document_id": b["document"]["id"], "method": "direct", "served_on": today,
               "recipient": "岩温", "proof_evidence_id": proof}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    case
}

async fn deadline(app: &TestApp, token: &str, case: &str) -> Value {
    let (s, b, _) = get_with_etag(app, token, case).await;
    assert_eq!(s, 200, "{b}");
    b["deadline"].clone()
}

/// The fines to pay of `case` in the deadline list within `within` days: (due, overdue).
async fn payments_due(app: &TestApp, token: &str, case: &str, within: u32) -> Vec<(String, bool)> {
    let id = case.rsplit('/').next().unwrap();
    let (s, b, _) = get_with_etag(app, token, &format!("/api/v1/deadlines?within={within}")).await;
    assert_eq!(s, 200, "{b}");
    b.as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "payment" && i["case_id"] == id)
        .map(|i| {
            (
                i["due"].as_str().unwrap().to_owned(),
                i["overdue"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn fine(fen: i64) -> Value {
    json!({"type": "fine", "amount_fen": fen})
}

fn both_heads() -> Value {
    json!({"attendees": ["ju.head", "ju.deputy"],
           "opinions": [{"member": "ju.head", "opinion": "同意"},
                        {"member": "ju.deputy", "opinion": "同意，案情复杂需补充鉴定"}],
           "outcome": "同意"})
}

async fn decided_walk(kind: Kind) {
    // Registered Monday 1 June 2026: 90 days end on Sunday 30 August, so Monday 31 August.
    let clock = Arc::new(FixedClock::new(noon("2026-06-01")));
    let Some(app) = spawn_app_with(kind, "decision", AppSettings::default(), clock.clone()).await
    else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let (case, _) = noticed_case(&app, clock.as_ref(), true).await;
    let login = |who: &'static str| {
        let app = &app;
        async move { app.login(who, DEMO_PASSWORD).await }
    };
    let (officer, head) = (login("menghai.officer").await, login("ju.head").await);
    let d = deadline(&app, &officer, &case).await;
    assert_eq!(
        (d["due"].as_str(), d["warned"].as_bool()),
        (Some("2026-08-31"), Some(false))
    );

    // The party's windows are open: no decision, each rule named with its article.
    let decide = |penalties: Value| {
        json!({"outcome": "penalty", "penalties": penalties,
                                           "reasons": "事实清楚，证据确凿。"})
    };
    let (s, b) = act(&app, &head, &case, "decide", decide(json!([fine(600_000)]))).await;
    assert_eq!(
        (s, error_codes(&b)),
        (
            409,
            vec![
                "decision.statement_window_open",
                "decision.hearing_window_open"
            ]
        ),
        "{b}"
    );
    assert!(
        b["errors"][0]["legal_source"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("第四十五条")
    );
    // An officer does not decide; two fines for one act are refused with Art. 29.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "decide",
        decide(json!([fine(600_000)])),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (403, vec!["decision.not_a_decider"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &head,
        &case,
        "decide",
        decide(json!([fine(300_000), fine(300_000)])),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["decision.two_fines"]),
        "{b}"
    );
    assert!(
        b["errors"][0]["legal_source"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("第二十九条")
    );

    // Thursday 20 August: due within 10 working days, so warned; an extension of 31 days is
    // refused, one of 30 asked and approved by a head moves the due date to 29 September.
    clock.set(noon("2026-08-20"));
    let (officer, head) = (login("menghai.officer").await, login("ju.head").await);
    let d = deadline(&app, &officer, &case).await;
    assert_eq!(
        (d["warned"].as_bool(), d["counted_days"].as_u64()),
        (Some(true), Some(90)),
        "{d}"
    );
    let log = app.log_size().await;
    for (body, code) in [
        (
            json!({"days": 31, "reason": "需要鉴定"}),
            "extension.days_range",
        ),
        (
            json!({"days": 0, "reason": "需要鉴定"}),
            "extension.days_range",
        ),
        (json!({"days": 30, "reason": " "}), "field.required"),
    ] {
        let (s, b) = act(&app, &officer, &case, "extend-deadline", body).await;
        assert_eq!((s, error_codes(&b)), (422, vec![code]), "{b}");
    }
    assert_eq!(app.log_size().await, log);
    let ask = json!({"days": 30, "reason": "废水样品需送省级机构鉴定"});
    let (s, b) = act(&app, &officer, &case, "extend-deadline", ask.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.extension_requested/v1");
    // Not in effect until approved; one request at a time; the officer cannot approve it.
    assert_eq!(deadline(&app, &officer, &case).await["due"], "2026-08-31");
    let (s, b) = act(&app, &officer, &case, "extend-deadline", ask.clone()).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["extension.pending"]),
        "{b}"
    );
    let (s, _) = act(&app, &officer, &case, "approve-extension", json!({})).await;
    assert_eq!(s, 403);
    let (s, b) = act(&app, &head, &case, "approve-extension", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let d = deadline(&app, &officer, &case).await;
    assert_eq!(
        (
            d["due"].as_str(),
            d["extensions"].as_i64(),
            d["counted_days"].as_u64()
        ),
        (Some("2026-09-29"), Some(1), Some(120)),
        "{d}"
    );

    // Friday 25 September: a second extension waits for the heads' deliberation, which needs
    // more than half of them; then the head approves it: 150 days, 29 October.
    clock.set(noon("2026-09-25"));
    let (officer, head) = (login("menghai.officer").await, login("ju.head").await);
    // Past 90 days but extended: not in the detachment leader's overdue list.
    let leader = login("zhidui.lead").await;
    let (s, list, _) = get_with_etag(&app, &leader, "/api/v1/cases?overdue=true").await;
    assert_eq!(s, 200, "{list}");
    let id = case.rsplit('/').next().unwrap();
    assert!(
        !list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id),
        "{list}"
    );
    let (s, b) = act(&app, &officer, &case, "extend-deadline", ask.clone()).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(&app, &head, &case, "approve-extension", json!({})).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["extension.deliberation_required"]),
        "{b}"
    );
    let mut alone = both_heads();
    alone["purpose"] = json!("extension");
    alone["extend"] = json!(true);
    alone["attendees"] = json!(["ju.head"]);
    alone["opinions"] = json!([{"member": "ju.head", "opinion": "同意"}]);
    let (s, b) = act(&app, &head, &case, "record-deliberation", alone).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["deliberation.no_quorum"]),
        "{b}"
    );
    let mut met = both_heads();
    met["purpose"] = json!("extension");
    // The heads must say whether to extend.
    let (s, b) = act(&app, &head, &case, "record-deliberation", met.clone()).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["field.required"]), "{b}");
    met["extend"] = json!(true);
    let (s, b) = act(&app, &officer, &case, "record-deliberation", met.clone()).await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = act(&app, &head, &case, "record-deliberation", met.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["proceedings"]["deliberations"][0]["extension"], 1);
    // Once is enough.
    let (s, b) = act(&app, &head, &case, "record-deliberation", met).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["deliberation.already_recorded"]),
        "{b}"
    );
    let (s, b) = act(&app, &head, &case, "approve-extension", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let d = deadline(&app, &officer, &case).await;
    assert_eq!(
        (
            d["due"].as_str(),
            d["extensions"].as_i64(),
            d["counted_days"].as_u64()
        ),
        (Some("2026-10-29"), Some(2), Some(150)),
        "{d}"
    );
    // No third.
    let (s, b) = act(&app, &officer, &case, "extend-deadline", ask).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["extension.no_more"]),
        "{b}"
    );

    // Decided: not above the notice; a lighter fine is decided.
    let (s, b) = act(&app, &head, &case, "decide", decide(json!([fine(700_000)]))).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["penalty.heavier_than_noticed"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &head,
        &case,
        "decide",
        json!({"outcome": "not_established", "penalties": [fine(1)], "reasons": "x"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["decision.penalties_not_applicable"]),
        "{b}"
    );
    let (s, b) = act(&app, &head, &case, "decide", decide(json!([fine(500_000)]))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.decided/v1");
    assert_eq!(b["case"]["stage"], "decided");
    let decision = &b["case"]["proceedings"]["decision"];
    assert_eq!(decision["outcome"], "penalty");
    assert_eq!(decision["decided_by"], "ju.head");
    // Once decided, nothing before the decision is taken again.
    let (s, b) = act(&app, &head, &case, "decide", decide(json!([fine(500_000)]))).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["decision.not_ready"]),
        "{b}"
    );

    // The documents: the decision with its 文号 and every element, the approvals, the record.
    let (s, b) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "no_penalty_decision"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["document.wrong_decision_form"]),
        "{b}"
    );
    let (s, b) = issue(&app, &officer, &case, json!({"kind": "penalty_decision"})).await;
    assert_eq!(s, 201, "{b}");
    let doc = &b["document"];
    assert_eq!(doc["number"], "西环罚（勐海）〔2026〕1号", "{doc}");
    assert_eq!(doc["title"], "行政处罚决定书");
    let (s, pdf) = get_bytes(&app, &officer, doc["pdf"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        let text: String = text.split_whitespace().collect();
        for element in [
            "行政处罚决定书",
            "西环罚（勐海）〔2026〕1号",
            "岩温",
            "违反《中华人民共和国水污染防治法》第十条",
            "西环罚告（勐海）〔2026〕1号",
            "罚款人民币5,000.00元",
            "十五日内",
            "百分之三",
            "六十日内",
            "西双版纳傣族自治州人民政府",
            "六个月内",
            "景洪市人民法院",
        ] {
            assert!(text.contains(element), "{element} in {text}");
        }
    }
    for (kind, subject) in [
        ("extension_approval", "0"),
        ("extension_approval", "1"),
        ("deliberation_record", "0"),
    ] {
        let (s, b) = issue(
            &app,
            &officer,
            &case,
            json!({"kind": kind, "subject": subject}),
        )
        .await;
        assert_eq!(s, 201, "{kind} {subject}: {b}");
    }

    // Performance (issue 26 point 3): nothing before the decision is served.
    let decision_doc = doc["id"].as_str().unwrap().to_owned();
    let proof = case_evidence(&app, &officer, &case, clock.as_ref()).await;
    let paid = |fen: i64, on: &str| {
        json!({"kind": "payment", "amount_fen": fen, "on": on,
               "evidence_id": proof, "note": "银行缴款回单"})
    };
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-performance",
        paid(200_000, "2026-09-25"),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["performance.decision_not_served"]),
        "{b}"
    );
    // A 送达回证 is for a document served on the party, not an internal form.
    let (_, docs, _) = get_with_etag(&app, &officer, &format!("{case}/documents")).await;
    let internal = docs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "extension_approval")
        .unwrap()["id"]
        .clone();
    let (s, b) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "service_receipt", "subject": internal}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["document.subject_unknown"]),
        "{b}"
    );
    // Left at the address: its witnesses; electronic: the party's prior written consent.
    let serve = json!({"document_id": decision_doc, "method": "direct", "served_on": "2026-09-25",
                       "recipient": "岩温", "proof_evidence_id": proof});
    for (method, code) in [
        ("left_at_address", "service.witnesses_required"),
        ("electronic", "service.consent_required"),
    ] {
        let mut body = serve.clone();
        body["method"] = json!(method);
        let (s, b) = act(&app, &officer, &case, "record-service", body).await;
        assert_eq!((s, error_codes(&b)), (422, vec![code]), "{b}");
    }
    let mut left = serve.clone();
    left["method"] = json!("left_at_address");
    left["witnesses"] = json!(["曼令村委会主任岩罕"]);
    let (s, b) = act(&app, &officer, &case, "record-service", left).await;
    assert_eq!(s, 200, "{b}");
    // Its proof of service, the 送达回证, names the witness.
    let (s, b) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "service_receipt", "subject": decision_doc}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (_, pdf) = get_bytes(&app, &officer, b["document"]["pdf"].as_str().unwrap()).await;
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        let text: String = text.split_whitespace().collect();
        for element in [
            "送达回证",
            "留置送达",
            "曼令村委会主任岩罕",
            "西环罚（勐海）〔2026〕1号",
        ] {
            assert!(text.contains(element), "{element} in {text}");
        }
    }
    // Served Friday 25 September: due 15 days on, Saturday 10 October (a make-up working day).
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-performance",
        paid(200_000, "2026-09-25"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["performance"]["due_on"], "2026-10-10", "{b}");
    assert_eq!(b["case"]["performance"]["unperformed"], false);
    // The deadline sweep lists the fine to pay once its day is within the window.
    assert_eq!(payments_due(&app, &officer, &case, 7).await, vec![]);
    assert_eq!(
        payments_due(&app, &officer, &case, 30).await,
        vec![("2026-10-10".to_owned(), false)]
    );
    // Tuesday 13 October: three days late on the 3,000 yuan unpaid, 3 % a day: 270 yuan.
    clock.set(noon("2026-10-13"));
    let (officer, head) = (login("menghai.officer").await, login("ju.head").await);
    let (_, c, _) = get_with_etag(&app, &officer, &case).await;
    let p = &c["performance"];
    assert_eq!(
        (
            p["surcharge_fen"].as_i64(),
            p["outstanding_fen"].as_i64(),
            p["unperformed"].as_bool()
        ),
        (Some(27_000), Some(327_000), Some(true)),
        "{p}"
    );
    assert_eq!(
        payments_due(&app, &officer, &case, 0).await,
        vec![("2026-10-10".to_owned(), true)]
    );
    // The court may be asked once the six months to sue have run out (after a demand).
    assert_eq!(p["court_from"], "2027-03-26", "{p}");
    // Too late to ask to defer; the case does not close while money is owed.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-arrangement",
        json!({"schedule": [{"due_on": "2026-11-30", "amount_fen": 300_000}],
               "reason": "资金困难", "received_on": "2026-10-13", "evidence_id": proof}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["performance.applied_late"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &head,
        &case,
        "close-case",
        json!({"ground": "performed"}),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (409, vec!["closing.not_paid"]), "{b}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-performance",
        paid(327_000, "2026-10-13"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(payments_due(&app, &officer, &case, 90).await, vec![]);
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "close-case",
        json!({"ground": "performed"}),
    )
    .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = act(
        &app,
        &head,
        &case,
        "close-case",
        json!({"ground": "performed"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.closed/v1");
    assert_eq!(b["case"]["stage"], "closed");
    assert_eq!(b["case"]["proceedings"]["closing"]["ground"], "performed");
}

/// A case that needs legal review (a setting: fines from 5,000 yuan) and the heads'
/// deliberation (a setting: every fine): refused until both are recorded and cover the case.
async fn review_and_deliberation(kind: Kind) {
    let clock = Arc::new(FixedClock::new(noon("2026-06-01")));
    let mut settings = AppSettings::default();
    settings.legal_review_triggers.fine_at_or_above_fen = Some(500_000);
    settings
        .deliberation
        .penalty_types
        .push(domain::case::penalty::PenaltyType::Fine);
    // The bureau numbers a decision with its notice's n.
    settings
        .document_numbers
        .get_mut("penalty_decision")
        .unwrap()
        .sequence = "罚告".into();
    let Some(app) = spawn_app_with(kind, "decision_review", settings, clock.clone()).await else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    // Another case's notice takes n = 1; this one's, 2.
    noticed_case(&app, clock.as_ref(), false).await;
    let (case, _) = noticed_case(&app, clock.as_ref(), true).await;
    clock.set(noon("2026-06-22"));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let decide = json!({"outcome": "penalty", "penalties": [fine(600_000)],
                        "reasons": "事实清楚，证据确凿。"});
    let (s, b) = act(&app, &head, &case, "decide", decide.clone()).await;
    assert_eq!(
        (s, error_codes(&b)),
        (
            409,
            vec![
                "decision.legal_review_required",
                "decision.deliberation_required"
            ]
        ),
        "{b}"
    );
    // The workspace's step says the same.
    let (_, c, _) = get_with_etag(&app, &head, &case).await;
    let step = c["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["command"] == "decide")
        .unwrap()
        .clone();
    assert_eq!(step["allowed"], false, "{step}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "submit-for-legal-review",
        json!({"penalties": [fine(600_000)]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let points: Vec<Value> = [
        "authority",
        "facts",
        "evidence",
        "legal_basis",
        "procedure",
        "discretion",
    ]
    .iter()
    .map(|p| json!({"point": p, "opinion": "符合规定", "passed": true}))
    .collect();
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-legal-review",
        json!({"points": points, "passed": true}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(&app, &head, &case, "decide", decide.clone()).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["decision.deliberation_required"]),
        "{b}"
    );
    let (s, b) = act(&app, &head, &case, "record-deliberation", both_heads()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["case"]["proceedings"]["deliberations"][0]["penalties"][0]["amount_fen"],
        600_000
    );
    let (s, b) = act(&app, &head, &case, "decide", decide).await;
    assert_eq!(s, 200, "{b}");
    // The decision reuses its notice's n, not the shared counter's next (3).
    let (s, b) = issue(&app, &officer, &case, json!({"kind": "penalty_decision"})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["document"]["number"], "西环罚（勐海）〔2026〕2号", "{b}");
    for (kind, subject) in [("legal_review_opinion", "0"), ("deliberation_record", "0")] {
        let (s, b) = issue(
            &app,
            &officer,
            &case,
            json!({"kind": kind, "subject": subject}),
        )
        .await;
        assert_eq!(s, 201, "{kind}: {b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_decided_case_with_two_extensions_on_sqlite() {
    decided_walk(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_decided_case_with_two_extensions_on_postgres() {
    decided_walk(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn review_and_deliberation_before_the_decision_on_sqlite() {
    review_and_deliberation(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn review_and_deliberation_before_the_decision_on_postgres() {
    review_and_deliberation(Kind::Postgres).await;
}
