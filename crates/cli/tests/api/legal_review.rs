//! Issue 25 point 1 (in part): legal review over the API — the officers send the case with the
//! penalties proposed after a case review that agreed; a qualified legal reviewer who did not
//! investigate answers six points; a failed point sends it back; a reviewer who took up review
//! after 2021-07-15 without a qualification number is refused; the system administrator
//! records a reviewer's standing. On both backends.

use crate::cases::act;
use crate::helpers::{TestApp, error_codes};
use crate::on_both_backends;
use crate::team::registered_case;
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

fn points(failed: Option<&str>) -> Value {
    let all = [
        "authority",
        "facts",
        "evidence",
        "legal_basis",
        "procedure",
        "discretion",
    ];
    Value::Array(
        all.iter()
            .map(|p| {
                let ok = Some(*p) != failed;
                json!({"point": p, "opinion": if ok { "符合规定" } else { "罚款数额偏离裁量基准而理由不足" }, "passed": ok})
            })
            .collect(),
    )
}

/// A Menghai case with its team and an investigation report (its proposed fine, if any).
async fn reported_case(app: &TestApp, officer: &str, proposed_fine_fen: Option<i64>) -> String {
    let case = registered_case(app, officer, "532822").await;
    let mut report = json!({"facts": "超标排放", "evidence_ids": [], "proposed_handling": "罚款",
        "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]});
    if let Some(f) = proposed_fine_fen {
        report["proposed_fine_fen"] = json!(f);
    }
    for (action, body) in [
        (
            "assign-officers",
            json!({"officers": ["menghai.officer", "menghai.officer2"], "lead": "menghai.officer"}),
        ),
        ("submit-investigation-report", report),
    ] {
        let (s, b) = act(app, officer, &case, action, body).await;
        assert_eq!(s, 200, "{action}: {b}");
    }
    case
}

async fn legal_review_walk(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let case = reported_case(&app, &officer, None).await;
    let fine = json!({"penalties": [{"type": "fine", "amount_fen": 15_000_000}]});
    // Not before the case review agreed.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "submit-for-legal-review",
        fine.clone(),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["legal_review.case_review_not_agreed"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-case-review",
        json!({"opinion": "agree", "flags": ["complex"]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Nothing to answer yet.
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-legal-review",
        json!({"points": points(None), "passed": true}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["legal_review.nothing_submitted"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "submit-for-legal-review",
        fine.clone(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.legal_review_submitted/v1");
    let review = &b["case"]["proceedings"]["legal_reviews"][0]["submission"];
    assert_eq!(review["triggers"], json!(["complex"]));
    // Only one waiting at a time; an officer is not a legal reviewer.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "submit-for-legal-review",
        fine.clone(),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["legal_review.pending"]),
        "{b}"
    );
    let (s, _) = act(
        &app,
        &officer,
        &case,
        "record-legal-review",
        json!({"points": points(None), "passed": true}),
    )
    .await;
    assert_eq!(s, 403);
    // Bad answers named, nothing written.
    let log = app.log_size().await;
    let mut five = points(None);
    five.as_array_mut().unwrap().pop();
    let mut unknown = points(None);
    unknown[0]["point"] = json!("luck");
    for (body, code) in [
        (
            json!({"points": five, "passed": true}),
            "legal_review.point_missing",
        ),
        (
            json!({"points": points(Some("discretion")), "passed": true}),
            "legal_review.verdict_mismatch",
        ),
        (
            json!({"points": unknown, "passed": true}),
            "legal_review.unknown_point",
        ),
    ] {
        let (s, b) = act(&app, &reviewer, &case, "record-legal-review", body).await;
        assert_eq!((s, error_codes(&b)), (422, vec![code]), "{b}");
    }
    assert_eq!(app.log_size().await, log);
    // One point fails: the review fails and the case goes back to its officers.
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-legal-review",
        json!({"points": points(Some("discretion")), "passed": false}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let answer = &b["case"]["proceedings"]["legal_reviews"][0]["answer"];
    assert_eq!(answer["passed"], false);
    assert_eq!(answer["reviewed_by"], "fazhi.reviewer");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "submit-for-legal-review",
        fine.clone(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-legal-review",
        json!({"points": points(None), "passed": true}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["case"]["proceedings"]["legal_reviews"][1]["answer"]["passed"],
        true
    );
    // A review that passed and still covers the case is not sent again for the same fine.
    let (s, b) = act(&app, &officer, &case, "submit-for-legal-review", fine).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["legal_review.already_passed"]),
        "{b}"
    );
}

/// A waiting review is in the legal reviewer's tasks, and leaves them once answered.
async fn a_waiting_review_is_a_reviewers_task(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let case = reported_case(&app, &officer, None).await;
    for (token, action, body) in [
        (&reviewer, "record-case-review", json!({"opinion": "agree"})),
        (
            &officer,
            "submit-for-legal-review",
            json!({"penalties": [{"type": "fine", "amount_fen": 10_000_000}]}),
        ),
    ] {
        let (s, b) = act(&app, token, &case, action, body).await;
        assert_eq!(s, 200, "{action}: {b}");
    }
    let tasks = |token: String| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url("/api/v1/tasks"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let t = tasks(reviewer.clone()).await;
    let steps: Vec<&str> = t
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|x| x["steps"].as_array().unwrap().iter())
        .filter_map(|s| s["command"].as_str())
        .collect();
    assert!(steps.contains(&"record-legal-review"), "{t}");
    let (s, _) = act(
        &app,
        &reviewer,
        &case,
        "record-legal-review",
        json!({"points": points(None), "passed": true}),
    )
    .await;
    assert_eq!(s, 200);
    let t = tasks(reviewer).await;
    assert!(!t.to_string().contains("record-legal-review"), "{t}");
}

/// A reviewer who took up review after the 2021 law without a qualification number is
/// refused; the system administrator records the number, and then the review is taken.
async fn an_unqualified_reviewer_is_refused(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let unit = app
        .app
        .units()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.code == "xsbn-bureau")
        .expect("the demo bureau")
        .id;
    app.app
        .create_user(
            &domain::Actor::System,
            app::users::NewUser {
                username: "fazhi.reviewer2".into(),
                display_name: "法制审核人员二（演示）".into(),
                unit_id: Some(unit),
                roles: vec![domain::Role::LegalReviewer],
                counties: None,
                password: DEMO_PASSWORD.into(),
                must_change_password: false,
                totp_secret: None,
                demo: true,
            },
        )
        .await
        .unwrap();
    let case = reported_case(&app, &officer, Some(10_000_000)).await;
    for (token, action, body) in [
        (&head, "record-case-review", json!({"opinion": "agree"})),
        (
            &officer,
            "submit-for-legal-review",
            json!({"penalties": [{"type": "fine", "amount_fen": 10_000_000}]}),
        ),
    ] {
        let (s, b) = act(&app, token, &case, action, body).await;
        assert_eq!(s, 200, "{action}: {b}");
    }
    let second = app.login("fazhi.reviewer2", DEMO_PASSWORD).await;
    let answer = json!({"points": points(None), "passed": true});
    let (s, b) = act(&app, &second, &case, "record-legal-review", answer.clone()).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["legal_review.reviewer_since_unknown"]),
        "{b}"
    );
    let admin = app.demo_admin_token().await;
    let put = |body: Value| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.client
                .put(app.url("/api/v1/admin/users/fazhi.reviewer2/legal-qualification"))
                .bearer_auth(&admin)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(put(json!({"reviewer_since": "2023-05-04"})).await, 204);
    let (s, b) = act(&app, &second, &case, "record-legal-review", answer.clone()).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["legal_review.not_qualified"]),
        "{b}"
    );
    assert_eq!(
        put(json!({"reviewer_since": "2023-05-04", "number": "A\u{7}1"})).await,
        422
    );
    assert_eq!(
        put(json!({"reviewer_since": "2023-05-04", "number": "A20235300000001"})).await,
        204
    );
    let (s, b) = act(&app, &second, &case, "record-legal-review", answer).await;
    assert_eq!(s, 200, "{b}");
}

on_both_backends!(
    legal_review_walk,
    an_unqualified_reviewer_is_refused,
    a_waiting_review_is_a_reviewers_task
);
