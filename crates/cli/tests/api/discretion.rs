//! Issue 24 (in part): the discretion calculator and the published tables, without sign-in —
//! the two worked examples of the Guangdong model exactly, bad input named, the same input the
//! same answer; the public page and `/discretion.json`. On both backends.

use crate::helpers::{TestApp, error_codes};
use crate::on_both_backends;
use serde_json::{Value, json};

async fn calculate(app: &TestApp, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/discretion/calculate"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn public_calculator(app: TestApp) {
    let example_b = json!({"item": "air_99_2", "version": "gd-model-1", "facts": {
        "pollutant_count": "2", "pollutant_class": "a_class",
        "location": "ecologically_sensitive", "timing": "heavy_pollution_alert",
        "exceedance": "8x_to_20x", "similar_in_2_years": "3"}});
    let (s, b) = calculate(&app, example_b.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["amount_fen"], 82_000_000);
    assert_eq!(b["total_weight_bp"], 8200);
    assert_eq!(b["legal_max_fen"], 100_000_000);
    assert_eq!(b["factors"].as_array().unwrap().len(), 6);
    // The same input, the same answer; nothing written.
    let log = app.log_size().await;
    assert_eq!(calculate(&app, example_b).await.1, b);
    assert_eq!(app.log_size().await, log);
    // Example A, the version in force by default.
    let (s, b) = calculate(
        &app,
        json!({"item": "air_99_2", "facts": {"pollutant_class": "b_class"}}),
    )
    .await;
    assert_eq!((s, &b["amount_fen"]), (200, &json!(20_000_000)), "{b}");
    // A circumstance that rules out the penalty, one that moves it.
    let (_, b) = calculate(
        &app,
        json!({"item": "air_99_2", "circumstances": ["minor_corrected_no_harm"]}),
    )
    .await;
    assert_eq!(
        (&b["amount_fen"], &b["no_penalty"]),
        (&json!(0), &json!("required"))
    );
    // Bad input, each named.
    for (body, code) in [
        (json!({"item": "nothing"}), "discretion.unknown_item"),
        (
            json!({"item": "air_99_2", "version": "v9"}),
            "discretion.unknown_version",
        ),
        (
            json!({"item": "air_99_2", "facts": {"colour": "red"}}),
            "discretion.unknown_factor",
        ),
        (
            json!({"item": "air_99_2", "facts": {"timing": "noon"}}),
            "discretion.unknown_tier",
        ),
        (
            json!({"item": "air_99_2", "circumstances": ["luck"]}),
            "discretion.unknown_circumstance",
        ),
    ] {
        let (s, b) = calculate(&app, body).await;
        assert_eq!((s, error_codes(&b)), (422, vec![code]), "{b}");
    }
    // The tables as data, and the page, without sign-in.
    let r = app
        .client
        .get(app.url("/discretion.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["versions"][0]["version"], "gd-model-1");
    assert_eq!(t["versions"][0]["adopted"], false);
    assert_eq!(t["circumstances"].as_array().unwrap().len(), 21);
    let r = app
        .client
        .get(app.url(
            "/discretion?item=air_99_2&f.pollutant_class=a_class&f.location=ecologically_sensitive",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("广东省模型，未经本州采纳"),
        "labelled as not adopted"
    );
    // 10 + 25 + 15 + 2 = 52 % of 1,000,000 yuan.
    assert!(html.contains("¥520,000.00"), "{html}");
    // Pollution across counties: the top of its tier (below the middle of the legal range,
    // light: up to 550,000), the factors' amount shown beside it.
    let html = app
        .client
        .get(app.url("/discretion?item=air_99_2&f.pollutant_class=a_class&f.location=ecologically_sensitive&c=cross_county"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("¥550,000.00") && html.contains("¥520,000.00"),
        "{html}"
    );
}

/// Issue 24 point 4 (in part): an advance notice takes the benchmark's amount, kept with the
/// notice (inputs, version, amount); a fine that departs from it needs a reason, and flags the
/// case for the legal reviewer.
async fn a_notice_follows_the_benchmark(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let (case, _) = crate::proceedings::noticed_case(&app, &app::SystemClock, false).await;
    let officer = app.login("menghai.officer", app::seed::DEMO_PASSWORD).await;
    let benchmark = |reason: Option<&str>| {
        let mut b = json!({"item": "air_99_2", "facts": {"pollutant_class": "b_class"}});
        if let Some(r) = reason {
            b["departure_reason"] = json!(r);
        }
        b
    };
    let notice = |fen: i64, new_facts: &str, b: Value| {
        json!({"penalties": [{"type": "fine", "amount_fen": fen}],
               "facts": "岩温将未经处理的废水排入南览河。", "new_facts": new_facts,
               "reasons": "违反《中华人民共和国大气污染防治法》第十八条。",
               "legal_basis": [{"law": "《中华人民共和国大气污染防治法》", "article": "第九十九条"}],
               "benchmark": b})
    };
    // On newly found facts, the benchmark's 200,000 yuan.
    let (s, b) = crate::cases::act(
        &app,
        &officer,
        &case,
        "issue-advance-notice",
        notice(20_000_000, "另查明锅炉二氧化硫超标排放", benchmark(None)),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let kept = &b["case"]["notices"][1]["benchmark"];
    assert_eq!(
        (&kept["version"], &kept["amount_fen"]),
        (&json!("gd-model-1"), &json!(20_000_000))
    );
    assert_eq!(b["case"]["departs_from_benchmark"], false);
    // A lighter fine on the same facts departs from it: the reason is required, then kept.
    let (s, b) = crate::cases::act(
        &app,
        &officer,
        &case,
        "issue-advance-notice",
        notice(15_000_000, "", benchmark(None)),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["notice.departure_unexplained"]),
        "{b}"
    );
    let (s, b) = crate::cases::act(
        &app,
        &officer,
        &case,
        "issue-advance-notice",
        notice(
            15_000_000,
            "",
            benchmark(Some("当事人已主动停产整改，危害较小")),
        ),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["departs_from_benchmark"], true);
    // The notice as issued names the benchmark with its label, and the departure's reason.
    let notice_id = b["case"]["notices"][2]["id"].as_str().unwrap().to_owned();
    let (s, d) = crate::case_documents::issue(
        &app,
        &officer,
        &case,
        json!({"kind": "advance_notice", "subject": notice_id}),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    let (s, pdf) =
        crate::case_documents::get_bytes(&app, &officer, d["document"]["pdf"].as_str().unwrap())
            .await;
    assert_eq!(s, 200);
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        let flat: String = text.split_whitespace().collect();
        assert!(flat.contains("gd-model-1"), "{text}");
        assert!(flat.contains("未经本州采纳"), "{text}");
        assert!(!flat.contains("notadopted"), "a Chinese document: {text}");
        assert!(flat.contains("当事人已主动停产整改"), "{text}");
    }
    // The client cannot set the amount: an unknown field is refused.
    let mut forged = benchmark(None);
    forged["amount_fen"] = json!(1);
    let (s, _) = crate::cases::act(
        &app,
        &officer,
        &case,
        "issue-advance-notice",
        notice(100, "", forged),
    )
    .await;
    assert_eq!(s, 422);
}

/// A Menghai case with its two officers, ready for the report.
async fn teamed_case(app: &TestApp, officer: &str) -> String {
    let case = crate::team::registered_case(app, officer, "532822").await;
    let (s, b) = crate::cases::act(
        app,
        officer,
        &case,
        "assign-officers",
        json!({"officers": ["menghai.officer", "menghai.officer2"], "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    case
}

/// Issue 24 point 4: the investigation report's proposed handling takes the benchmark's
/// amount (a fine left out takes it); a different proposed fine needs the reason, which flags
/// the case for the legal reviewer until a notice speaks for the fine.
async fn a_report_proposes_the_benchmark_fine(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", app::seed::DEMO_PASSWORD).await;
    let case = teamed_case(&app, &officer).await;
    let report = |fine: Option<i64>, reason: Option<&str>| {
        let mut b = json!({"facts": "锅炉二氧化硫超标排放", "evidence_ids": [],
            "proposed_handling": "拟按裁量基准罚款",
            "legal_basis": [{"law": "《中华人民共和国大气污染防治法》", "article": "第九十九条"}],
            "benchmark": {"item": "air_99_2", "facts": {"pollutant_class": "b_class"}}});
        if let Some(f) = fine {
            b["proposed_fine_fen"] = json!(f);
        }
        if let Some(r) = reason {
            b["benchmark"]["departure_reason"] = json!(r);
        }
        b
    };
    // Bad input named; a departure without a reason refused; nothing written.
    let log = app.log_size().await;
    let mut bad = report(None, None);
    bad["benchmark"]["facts"]["timing"] = json!("noon");
    for (body, status, code) in [
        (bad, 422, "discretion.unknown_tier"),
        (report(Some(0), None), 422, "penalty.measure_out_of_range"),
        (
            report(Some(15_000_000), None),
            409,
            "notice.departure_unexplained",
        ),
    ] {
        let (s, b) =
            crate::cases::act(&app, &officer, &case, "submit-investigation-report", body).await;
        assert_eq!((s, error_codes(&b)), (status, vec![code]), "{b}");
    }
    assert_eq!(app.log_size().await, log);
    let (s, b) = crate::cases::act(
        &app,
        &officer,
        &case,
        "submit-investigation-report",
        report(Some(15_000_000), Some("当事人主动停产整改")),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let r = &b["case"]["report"];
    assert_eq!(r["proposed_fine_fen"], 15_000_000);
    assert_eq!(r["benchmark"]["amount_fen"], 20_000_000);
    assert_eq!(r["benchmark"]["version"], "gd-model-1");
    assert_eq!(b["case"]["departs_from_benchmark"], true);
}

/// A report that leaves the fine out proposes the benchmark's amount, and needs no reason.
async fn a_report_without_a_fine_takes_the_amount(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", app::seed::DEMO_PASSWORD).await;
    let case = teamed_case(&app, &officer).await;
    let (s, b) = crate::cases::act(
        &app,
        &officer,
        &case,
        "submit-investigation-report",
        json!({"facts": "锅炉二氧化硫超标排放", "evidence_ids": [],
            "proposed_handling": "拟按裁量基准罚款",
            "legal_basis": [{"law": "《中华人民共和国大气污染防治法》", "article": "第九十九条"}],
            "benchmark": {"item": "air_99_2", "facts": {"pollutant_class": "b_class"},
                          "departure_reason": "ignored when it follows"}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let r = &b["case"]["report"];
    assert_eq!(r["proposed_fine_fen"], 20_000_000);
    assert!(r["benchmark"].get("departure_reason").is_none(), "{r}");
    assert_eq!(b["case"]["departs_from_benchmark"], false);
}

/// Issue 24 point 6 and 7 (in part): the legal review proposes a version, a head approves it
/// with an effective day; both are ledger events; an approved version never changes and a
/// proposed one is not used until approved.
async fn versions_are_proposed_approved_and_never_change(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let reviewer = app.login("fazhi.reviewer", app::seed::DEMO_PASSWORD).await;
    let head = app.login("ju.head", app::seed::DEMO_PASSWORD).await;
    let officer = app.login("menghai.officer", app::seed::DEMO_PASSWORD).await;
    let mut table: Value = toml::from_str(include_str!(
        "../../../../config/discretion/gd-model-1.toml"
    ))
    .unwrap();
    table["version"] = json!("xsbn-demo-1");
    table["label"] = json!("西双版纳州裁量基准（演示数据） / Xishuangbanna benchmark (demo data)");
    let propose = |token: String, body: Value| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(app.url("/api/v1/discretion/versions"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let approve = |token: String, version: &str, day: String| {
        let app = &app;
        let url = app.url(&format!("/api/v1/discretion/versions/{version}/approve"));
        async move {
            let r = app
                .client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"effective_on": day}))
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    // An officer proposes nothing; a control character in a tier's name is named by its place.
    assert_eq!(propose(officer.clone(), table.clone()).await.0, 403);
    let mut bad = table.clone();
    bad["items"][0]["factors"][1]["tiers"][2]["name"] = json!("A类\u{7}");
    let (s, b) = propose(reviewer.clone(), bad).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["errors"][0]["field"], "items[0].factors[1].tiers[2].name");
    let log = app.log_size().await;
    let (s, b) = propose(reviewer.clone(), table.clone()).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["events"][0]["schema"], "discretion.version_proposed/v1");
    assert_eq!(app.log_size().await, log + 1);
    // A version that exists is never proposed again, shipped or proposed.
    let (s, b) = propose(reviewer.clone(), table.clone()).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["discretion.version_exists"])
    );
    let mut shipped = table.clone();
    shipped["version"] = json!("gd-model-1");
    assert_eq!(propose(reviewer.clone(), shipped).await.0, 409);
    // Not used before it is approved.
    let (s, b) = calculate(&app, json!({"item": "air_99_2", "version": "xsbn-demo-1"})).await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["discretion.unknown_version"])
    );
    let today = app.app.today();
    let (s, b) = approve(
        head.clone(),
        "xsbn-demo-1",
        (today - chrono::Days::new(1)).to_string(),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["discretion.effective_in_past"])
    );
    assert_eq!(
        approve(reviewer.clone(), "xsbn-demo-1", today.to_string())
            .await
            .0,
        403
    );
    assert_eq!(
        approve(head.clone(), "nothing", today.to_string()).await.0,
        404
    );
    let (s, b) = approve(head.clone(), "xsbn-demo-1", today.to_string()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "discretion.version_approved/v1");
    let (s, b) = approve(head.clone(), "xsbn-demo-1", today.to_string()).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["discretion.version_approved"])
    );
    // In force from today: the default version, adopted, and published.
    let (s, b) = calculate(
        &app,
        json!({"item": "air_99_2", "facts": {"pollutant_class": "b_class"}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (&b["version"], &b["adopted"]),
        (&json!("xsbn-demo-1"), &json!(true))
    );
    let t: Value = app
        .client
        .get(app.url("/discretion.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["versions"][0]["version"], "xsbn-demo-1");
    assert_eq!(t["versions"][1]["version"], "gd-model-1");
    let (s, list) = crate::entities::get(&app, &reviewer, "/api/v1/discretion/versions").await;
    assert_eq!(s, 200);
    assert_eq!(list["items"][0]["approved_by"], "ju.head");
    assert_eq!(
        crate::entities::get(&app, &officer, "/api/v1/discretion/versions")
            .await
            .0,
        403
    );
}

on_both_backends!(
    public_calculator,
    a_notice_follows_the_benchmark,
    versions_are_proposed_approved_and_never_change,
    a_report_proposes_the_benchmark_fine,
    a_report_without_a_fine_takes_the_amount,
);
