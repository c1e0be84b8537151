//! Issue 23 point 1 (in part): the advance notice over the API — after a review that agreed,
//! by an officer of the case; the hearing form when the penalties give the right; on the same
//! facts never heavier; on both backends.

use crate::cases::{act, get_with_etag};
use crate::helpers::{TestApp, error_codes};
use crate::on_both_backends;
use crate::team::registered_case;
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

fn notice(penalties: Value) -> Value {
    json!({"penalties": penalties, "facts": "2026年11月30日，该厂废水超标排放入南览河。",
           "reasons": "违反《中华人民共和国水污染防治法》第十条。",
           "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]})
}

async fn advance_notice(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
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
    // 6,000 yuan to a natural person: at or above 5,000, a hearing right.
    let fine = json!([{"type": "fine", "amount_fen": 600_000}]);
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "issue-advance-notice",
        notice(fine.clone()),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["notice.review_not_agreed"]),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "submit-investigation-report",
        json!({"facts": "超标排放", "evidence_ids": [], "proposed_handling": "罚款六千元",
               "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-case-review",
        json!({"opinion": "agree"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Bad input: named, nothing written.
    let log = app.log_size().await;
    for (body, code) in [
        (
            notice(json!([{"type": "fine"}])),
            "penalty.measure_required",
        ),
        (notice(json!([{"type": "jail"}])), "penalty.unknown_type"),
        (notice(json!([])), "field.required"),
    ] {
        let (s, b) = act(&app, &officer, &case, "issue-advance-notice", body).await;
        assert_eq!(s, 422, "{b}");
        assert!(error_codes(&b).contains(&code), "{code}: {b}");
    }
    assert_eq!(app.log_size().await, log);
    // The reviewer is no officer of the case.
    let (s, _) = act(
        &app,
        &reviewer,
        &case,
        "issue-advance-notice",
        notice(fine.clone()),
    )
    .await;
    assert_eq!(s, 403);
    let (s, b) = act(&app, &officer, &case, "issue-advance-notice", notice(fine)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.advance_notice_issued/v1");
    let n = &b["case"]["notices"][0];
    assert_eq!(n["hearing_grounds"], json!(["fine"]));
    assert_eq!(n["issued_by"], "menghai.officer");
    // The same facts, a heavier fine: refused with the article.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "issue-advance-notice",
        notice(json!([{"type": "fine", "amount_fen": 700_000}])),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["penalty.heavier_than_noticed"]),
        "{b}"
    );
    assert!(
        b["errors"][0]["legal_source"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("第四十五条")
    );
    // A lighter fine, under 5,000 yuan: no hearing right, the plain form.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "issue-advance-notice",
        notice(json!([{"type": "fine", "amount_fen": 400_000}])),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["notices"][1]["hearing_grounds"], Value::Null);
    // Another county's officer: 404.
    let other = app.login("jinghong.officer", DEMO_PASSWORD).await;
    let (s, _, _) = get_with_etag(&app, &other, &case).await;
    assert_eq!(s, 404);
}

on_both_backends!(advance_notice);
