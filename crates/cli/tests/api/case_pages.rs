//! Issue 20 through the pages: triage of a clue (an extension asked by an officer and approved
//! by a head, a merge, a transfer), naming the party of a case, the approvals page, the case
//! list's filters and the XLSX exports — the party masked, no complainant ever.

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::{client, page, pair, sign_in};
use app::seed::DEMO_PASSWORD;

/// A form posted from one of our pages: status, `Location`, body.
async fn post(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let r = client()
        .post(app.url(path))
        .header("cookie", cookie)
        .header("sec-fetch-site", "same-origin")
        .form(form)
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), location, r.text().await.unwrap())
}

/// The `value` of the hidden `version` input inside the form that posts to `action`.
fn version_in(html: &str, action: &str) -> String {
    let at = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let rest = &html[at..];
    let v = rest.find("name=\"version\" value=\"").unwrap() + "name=\"version\" value=\"".len();
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

async fn submit_clue(app: &TestApp, cookie: &str, source: &str, place: &str) -> String {
    let today = app.app.today().to_string();
    let (s, to, body) = post(
        app,
        cookie,
        "/clues",
        &[
            ("source", source),
            ("received_on", &today),
            ("county_code", "532822"),
            ("place", place),
            ("description", "排污口附近河水发黑"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    to.unwrap()
}

/// The text of every cell of the first sheet of an XLSX download, and its bytes' check.
async fn xlsx_cells(app: &TestApp, cookie: &str, path: &str) -> Vec<Vec<String>> {
    use calamine::Reader as _;
    let r = client()
        .get(app.url(path))
        .header("cookie", cookie)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"),
        "{path}"
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

async fn triage_and_party_through_the_pages(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = pair(&sign_in(&app, "menghai.officer", DEMO_PASSWORD).await.2);
    let head = pair(&sign_in(&app, "ju.head", DEMO_PASSWORD).await.2);
    let liaison = pair(&sign_in(&app, "mengzhe.liaison", DEMO_PASSWORD).await.2);
    let today = app.app.today().to_string();

    // An extension: the officer asks on the clue's page, the head approves from the approvals
    // list; the due date moves and the form goes.
    let a = submit_clue(&app, &officer, "inspection", "勐遮镇曼洪村排污口").await;
    let (_, html, _) = page(&app, &officer, &a).await;
    for id in [
        "extend-form",
        "transfer-form",
        "no-merge-cases",
        "register-form",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
    }
    assert!(
        html.contains(&format!("name=\"letter_on\" required value=\"{today}\"")),
        "the letter's date defaults to today"
    );
    let due_before = html.split("id=\"clue-due\">").nth(1).unwrap()[..10].to_owned();
    let v = version_in(&html, &format!("{a}/extend-registration"));
    let (s, to, body) = post(
        &app,
        &officer,
        &format!("{a}/extend-registration"),
        &[("version", &v), ("text", "需调取在线监测数据核实")],
    )
    .await;
    assert_eq!((s, to.as_deref()), (303, Some(a.as_str())), "{body}");
    let (_, html, _) = page(&app, &officer, &a).await;
    assert!(
        html.contains("id=\"clue-extension\"")
            && html.contains("勐海大队执法人员甲（演示）")
            && html.contains("需调取在线监测数据核实"),
        "who asked and why: {html}"
    );
    assert!(!html.contains("id=\"extend-form\"") && !html.contains("id=\"approve-extension\""));
    let (_, home, _) = page(&app, &head, "/").await;
    assert!(home.contains(&format!("href=\"{a}\"")), "{home}");
    let (s, list, _) = page(&app, &head, "/approvals").await;
    assert_eq!(s, 200);
    assert!(
        list.contains(&format!("href=\"{a}\"")) && list.contains("延长立案期限审批"),
        "{list}"
    );
    assert!(list.contains("id=\"nav-approvals\""));
    let (_, officer_home, _) = page(&app, &officer, "/").await;
    assert!(!officer_home.contains("id=\"nav-approvals\""));
    let (_, html, _) = page(&app, &head, &a).await;
    assert!(html.contains("id=\"approve-extension\""), "{html}");
    let v = version_in(&html, &format!("{a}/approve-extension"));
    // The version the page showed is the If-Match: a stale one is refused, in words.
    let (s, _, body) = post(
        &app,
        &head,
        &format!("{a}/approve-extension"),
        &[("version", "1"), ("text", "同意")],
    )
    .await;
    assert_eq!(s, 412, "{body}");
    assert!(body.contains("id=\"errors\""), "{body}");
    let (s, _, body) = post(
        &app,
        &head,
        &format!("{a}/approve-extension"),
        &[("version", &v), ("text", "同意")],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &a).await;
    assert!(html.contains("id=\"clue-extended\""), "{html}");
    let due_after = html.split("id=\"clue-due\">").nth(1).unwrap()[..10].to_owned();
    assert!(due_after > due_before, "{due_before} → {due_after}");
    let (_, list, _) = page(&app, &head, "/approvals").await;
    assert!(list.contains("id=\"no-approvals\""), "{list}");

    // A case from clue A, approved: the one the next clue merges into.
    let v = version_in(&html, &format!("{a}/register"));
    let (s, to, body) = post(
        &app,
        &officer,
        &format!("{a}/register"),
        &[
            ("version", &v),
            ("law", "《中华人民共和国水污染防治法》"),
            ("article", "第八十三条"),
            ("act_ended_on", &today),
            ("violation", "超标排放水污染物"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let case = to.unwrap();
    let case_id = case.trim_start_matches("/cases/").to_owned();
    let (_, html, _) = page(&app, &head, &case).await;
    let v = version_in(&html, &format!("{case}/approve-registration"));
    let (s, _, body) = post(
        &app,
        &head,
        &format!("{case}/approve-registration"),
        &[("version", &v), ("text", "")],
    )
    .await;
    assert_eq!(s, 303, "{body}");

    // A merge: chosen from the county's open cases.
    let b = submit_clue(
        &app,
        &officer,
        "inspection",
        "勐遮镇曼洪村排污口（再次反映）",
    )
    .await;
    let (_, html, _) = page(&app, &officer, &b).await;
    assert!(
        html.contains(&format!("<option value=\"{case_id}\">")),
        "the open case is offered: {html}"
    );
    let v = version_in(&html, &format!("{b}/merge"));
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{b}/merge"),
        &[("version", &v), ("case_id", "not-a-case")],
    )
    .await;
    assert_eq!(s, 422, "{body}");
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{b}/merge"),
        &[("version", &v), ("case_id", &case_id)],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &b).await;
    assert!(
        html.contains("已并入案件") && html.contains(&format!("<a href=\"{case}\">")),
        "{html}"
    );
    assert!(!html.contains("id=\"merge-form\""), "no triage once merged");

    // A transfer: a letter dated tomorrow is refused in words; today's is recorded.
    let c = submit_clue(&app, &liaison, "township_liaison", "勐遮镇集市噪声").await;
    let (_, html, _) = page(&app, &officer, &c).await;
    let v = version_in(&html, &format!("{c}/transfer"));
    let tomorrow = (app.app.today() + chrono::Days::new(1)).to_string();
    let transfer = |date: String, v: String| {
        let c = c.clone();
        let officer = officer.clone();
        let app = &app;
        async move {
            post(
                app,
                &officer,
                &format!("{c}/transfer"),
                &[
                    ("version", &v),
                    ("to", "勐海县公安局"),
                    ("reason", "涉嫌治安案件，不属本局管辖"),
                    ("letter_on", &date),
                ],
            )
            .await
        }
    };
    let (s, _, body) = transfer(tomorrow, v.clone()).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("移送函日期须在线索接收日"), "{body}");
    let (s, _, body) = transfer(today.clone(), v).await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &liaison, &c).await;
    assert!(
        html.contains("已移送")
            && html.contains("勐海县公安局")
            && html.contains(&format!("移送函日期 {today}")),
        "the liaison sees where its clue went: {html}"
    );

    // Naming the party: a person, sealed; the page shows the name and the masked ID only.
    let (_, html, _) = page(&app, &officer, &case).await;
    assert!(html.contains("id=\"identify-form\"") && html.contains("尚未确定"));
    let v = version_in(&html, &format!("{case}/identify-party"));
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{case}/identify-party"),
        &[
            ("version", &v),
            ("kind", "person"),
            ("person_name", ""),
            ("id_type", "resident_id"),
            ("id_number", "532822199001011234"),
        ],
    )
    .await;
    assert_eq!(s, 422, "a person needs a name: {body}");
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{case}/identify-party"),
        &[
            ("version", &v),
            ("kind", "person"),
            ("person_name", "岩温"),
            ("id_type", "resident_id"),
            ("id_number", "532822199001011234"),
            ("address", "勐海县勐遮镇曼洪村"),
            ("phone", "13800001234"),
            ("org_name", "ignored"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &case).await;
    assert!(
        html.contains("岩温") && html.contains("5328**********1234") && html.contains("自然人"),
        "{html}"
    );
    for secret in ["532822199001011234", "13800001234", "勐海县勐遮镇曼洪村"] {
        assert!(!html.contains(secret), "{secret} on the page");
    }
    assert!(!html.contains("id=\"identify-form\""), "named once");

    // The case list's filters, and its export: the party masked, never the plain number.
    let registered = "/cases?stage=registered&county=532822&officer=menghai.officer";
    let (_, html, _) = page(&app, &officer, registered).await;
    assert!(html.contains(&format!("href=\"{case}\"")), "{html}");
    assert!(
        html.contains("岩*") && !html.contains("岩温"),
        "masked in lists"
    );
    for other in [
        "/cases?stage=pending_registration",
        "/cases?officer=menghai.officer2",
        "/cases?overdue=1",
        "/cases?county=532801",
    ] {
        let (s, html, _) = page(&app, &head, other).await;
        assert_eq!(s, 200, "{other}");
        assert!(!html.contains(&format!("href=\"{case}\"")), "{other}");
        assert!(html.contains("id=\"no-cases\""), "{other}");
    }
    let (s, _, _) = page(&app, &head, "/cases?stage=nonsense").await;
    assert_eq!(s, 422);
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let api: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/cases/{case_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let unit = api["handling_unit_id"].as_str().unwrap();
    let (_, html, _) = page(&app, &head, &format!("/cases?unit={unit}")).await;
    assert!(
        html.contains(&format!("href=\"{case}\"")),
        "by handling unit"
    );
    assert!(
        html.contains(&format!(
            "/cases/export.xlsx?stage=&#38;county=&#38;unit={unit}&#38;"
        )),
        "the export carries the filters: {html}"
    );
    let rows = xlsx_cells(
        &app,
        &officer,
        &format!("/cases/export.xlsx?stage=registered&unit={unit}"),
    )
    .await;
    assert_eq!(rows[0][0], "案号");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let text = format!("{rows:?}");
    assert!(
        text.contains("5328**********1234")
            && text.contains("岩*")
            && text.contains("西环立（勐海）"),
        "{text}"
    );
    for secret in [
        "532822199001011234",
        "13800001234",
        "岩温",
        "勐海县勐遮镇曼洪村",
    ] {
        assert!(!text.contains(secret), "{secret} in the export");
    }
    let rows = xlsx_cells(&app, &head, "/cases/export.xlsx?stage=pending_registration").await;
    assert_eq!(rows.len(), 1, "the header alone: {rows:?}");

    // The clue inbox's export: a complaint's complainant never leaves the sealed store.
    let mut body = crate::cases::clue_body("532822");
    body["source"] = serde_json::json!("complaint_12369");
    body["received_on"] = serde_json::json!(today);
    body["complainant"] = serde_json::json!({"name": "玉香", "id_type": "resident_id",
        "id_number": "532822198805050022", "phone": "13900001111"});
    let r = app
        .client
        .post(app.url("/api/v1/clues"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, inbox, _) = page(&app, &officer, "/clues?status=all").await;
    assert!(
        inbox.contains("勐遮镇集市噪声") && inbox.contains("已移送"),
        "{inbox}"
    );
    let (_, open, _) = page(&app, &officer, "/clues").await;
    assert!(
        !open.contains("勐遮镇集市噪声"),
        "the inbox shows open clues"
    );
    let rows = xlsx_cells(&app, &officer, "/clues/export.xlsx?status=all").await;
    let text = format!("{rows:?}");
    assert!(
        text.contains("勐遮镇集市噪声") && text.contains("勐海县公安局") && text.contains("12369"),
        "{text}"
    );
    for secret in ["玉香", "532822198805050022", "13900001111"] {
        assert!(!text.contains(secret), "{secret} in the clue export");
    }
    // A liaison exports only its own clues.
    let rows = xlsx_cells(&app, &liaison, "/clues/export.xlsx?status=all").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
}

on_both_backends!(triage_and_party_through_the_pages);
