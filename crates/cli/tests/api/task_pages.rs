//! Issue 21 points 7 and 8 through the pages: "my tasks" with the steps waiting for me, the
//! deadlines of a brigade or of all, the monthly interference list for its readers only — each
//! exportable to XLSX, bad filters refused.

use crate::case_pages::xlsx_cells;
use crate::cases::{act, get_with_etag, new_clue};
use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::{page, pair, sign_in};
use crate::team::registered_case;
use app::seed::DEMO_PASSWORD;
use serde_json::json;

async fn tasks_deadlines_and_interference_pages(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &token, "532822").await;
    let (s, b) = act(
        &app,
        &token,
        &case,
        "assign-officers",
        json!({"officers": ["menghai.officer", "menghai.officer2"], "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, view, _) = get_with_etag(&app, &token, &case).await;
    let number = view["number"].as_str().unwrap().to_owned();
    // An open clue: registration falls due 15 days after its receipt (1 December).
    new_clue(&app, &token, "532822").await;

    let officer = pair(&sign_in(&app, "menghai.officer", DEMO_PASSWORD).await.2);
    let (s, html, _) = page(&app, &officer, "/tasks").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"nav-tasks\""));
    let tasks = &html[html.find("id=\"tasks\"").expect("a task table")..];
    assert!(tasks.contains(&number), "the case is my task");
    assert!(
        tasks.contains("制作现场检查（勘察）笔录"),
        "its steps, in words"
    );
    assert!(
        !tasks[..tasks.find("</table>").unwrap()].contains("申请回避"),
        "not on demand steps"
    );
    let rows = xlsx_cells(&app, &officer, "/tasks/export.xlsx").await;
    assert_eq!(rows[0][0], "案号");
    assert!(rows.iter().any(|r| r[0] == number), "{rows:?}");

    // Blank forms to print, from the same page.
    assert!(html.contains("href=\"/documents/blank/inspection_record.pdf\""));
    let r = crate::pages::client()
        .get(app.url("/documents/blank/inspection_record.pdf"))
        .header("cookie", &officer)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    let (s, _, _) = page(&app, &officer, "/documents/blank/nothing.pdf").await;
    assert_eq!(s, 404);

    // Deadlines of my brigade by default; a fortnight shows the clue, in both formats.
    let (s, html, _) = page(&app, &officer, "/tasks?within=30").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("决定是否立案"),
        "the clue's registration deadline"
    );
    let rows = xlsx_cells(&app, &officer, "/tasks/deadlines.xlsx?unit=all&within=30").await;
    assert!(
        rows.iter().skip(1).any(|r| r[0] == "决定是否立案"),
        "{rows:?}"
    );
    let (s, html, _) = page(&app, &officer, "/tasks?within=30&lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains("Decide on registration"));
    // Another brigade's unit is not this officer's to list; a window out of range is refused.
    let units = app.app.units().await.unwrap();
    let jinghong = units
        .iter()
        .find(|u| u.division_code == "532801" && u.kind == domain::unit::UnitKind::Brigade)
        .unwrap()
        .id;
    for bad in [
        format!("/tasks?unit={jinghong}"),
        "/tasks?within=365".to_owned(),
        "/tasks?unit=nope".to_owned(),
        "/tasks/deadlines.xlsx?within=x".to_owned(),
    ] {
        let (s, html, _) = page(&app, &officer, &bad).await;
        assert_eq!(s, 422, "{bad}: {html}");
    }
    // The detachment leader lists the Jinghong brigade's: none of Menghai's there.
    let leader = pair(&sign_in(&app, "zhidui.lead", DEMO_PASSWORD).await.2);
    let (s, html, _) = page(&app, &leader, &format!("/tasks?unit={jinghong}&within=30")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"no-deadlines\""), "{html}");

    // Interference: recorded by an officer of the case, listed for its readers only.
    let r = app
        .client
        .post(app.url(&format!("{case}/record-interference")))
        .bearer_auth(&token)
        .json(
            &json!({"who": "某局副局长", "when": "2026-12-01T02:00:00Z", "how": "电话",
                      "what_was_asked": "要求从轻处理"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (s, _, _) = page(&app, &officer, "/interference").await;
    assert_eq!(s, 403, "not the case officers' to read");
    assert!(
        !page(&app, &officer, "/tasks")
            .await
            .1
            .contains("nav-interference")
    );
    for who in ["ju.head", "zhidui.lead", "auditadmin"] {
        let cookie = pair(&sign_in(&app, who, DEMO_PASSWORD).await.2);
        let (s, html, _) = page(&app, &cookie, "/interference?month=2026-12").await;
        assert_eq!(s, 200, "{who}: {html}");
        assert!(
            html.contains("要求从轻处理") && html.contains(&number),
            "{who}"
        );
        // The audit administrator reads the record, not the case.
        assert_eq!(
            html.contains(&format!("href=\"{}\"", case.replace("/api/v1", ""))),
            who != "auditadmin",
            "{who}"
        );
        let rows = xlsx_cells(&app, &cookie, "/interference/export.xlsx?month=2026-12").await;
        assert!(
            rows.iter().any(|r| r.contains(&"要求从轻处理".to_owned())),
            "{rows:?}"
        );
        let (s, html, _) = page(&app, &cookie, "/interference?month=2026-11").await;
        assert_eq!(s, 200);
        assert!(html.contains("id=\"no-interference\""));
        let (s, _, _) = page(&app, &cookie, "/interference?month=2026-13").await;
        assert_eq!(s, 422);
    }
}

on_both_backends!(tasks_deadlines_and_interference_pages);
