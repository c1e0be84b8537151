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
}

on_both_backends!(public_calculator);
