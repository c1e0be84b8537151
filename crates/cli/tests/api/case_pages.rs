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
pub(crate) async fn xlsx_cells(app: &TestApp, cookie: &str, path: &str) -> Vec<Vec<String>> {
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

/// The text of the page's error box (`#errors`), tags dropped.
fn errors_of(html: &str) -> String {
    let Some(at) = html.find("id=\"errors\">") else {
        return String::new();
    };
    let rest = &html[at + "id=\"errors\">".len()..];
    let mut text = String::new();
    let mut in_tag = false;
    for ch in rest[..rest.find("</div>").unwrap()].chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Issue 21 through the pages: a case proposed with its party (a person, sealed) and
/// investigated first; a head's own extension; the team assigned (a refusal for an auxiliary
/// counted as an officer, people named by name); recusals requested and decided — an officer's
/// by a head, the main head's by the heads together.
async fn register_team_and_recusal_through_the_pages(kind: crate::helpers::Kind) {
    let settings = app::AppSettings {
        main_head: "ju.head".into(),
        ..Default::default()
    };
    let clock = std::sync::Arc::new(app::SystemClock);
    let Some(app) = crate::helpers::spawn_app_with(kind, "team_pages", settings, clock).await
    else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let officer = pair(&sign_in(&app, "menghai.officer", DEMO_PASSWORD).await.2);
    let head = pair(&sign_in(&app, "ju.head", DEMO_PASSWORD).await.2);
    let deputy = pair(&sign_in(&app, "ju.deputy", DEMO_PASSWORD).await.2);
    let today = app.app.today().to_string();

    // The register form: the party (not yet identified by default), legal-basis rows, the
    // investigation first.
    let clue = submit_clue(&app, &officer, "inspection", "勐遮镇曼恩村养殖场").await;
    let (_, html, _) = page(&app, &officer, &clue).await;
    for needle in [
        "id=\"kind-unidentified\" value=\"unidentified\" required checked",
        "id=\"kind-person\"",
        "id=\"kind-entity\"",
        "id=\"add-basis\"",
        "name=\"urgent\"",
        "先行调查（立案批准前即开始调查取证）",
        "type=\"date\" id=\"act_ended_on\"",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    let v = version_in(&html, &format!("{clue}/register"));
    let proposal = |law: &'static str| {
        vec![
            ("version", v.clone()),
            ("law", law.to_owned()),
            ("article", "第八十三条".to_owned()),
            ("law", "《中华人民共和国环境保护法》".to_owned()),
            ("article", "第四十二条".to_owned()),
            // A row added and left blank.
            ("law", String::new()),
            ("article", String::new()),
            ("act_ended_on", today.clone()),
            ("violation", "养殖废水未经处理直排河道".to_owned()),
            ("kind", "person".to_owned()),
            ("person_name", "岩温".to_owned()),
            ("id_type", "resident_id".to_owned()),
            ("id_number", "532822199001011234".to_owned()),
            ("address", "勐海县勐遮镇曼恩村".to_owned()),
            ("phone", "13800001234".to_owned()),
            ("urgent", "1".to_owned()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| {
        let officer = officer.clone();
        let path = format!("{clue}/register");
        let app = &app;
        async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(app, &officer, &path, &f).await
        }
    };
    // Refused (a law without its title marks): the form comes back as it was sent, but for the
    // sealed fields.
    let (s, _, body) = send(proposal("水污染防治法")).await;
    assert_eq!(s, 422, "{body}");
    assert!(!errors_of(&body).is_empty(), "{body}");
    for kept in [
        "value=\"水污染防治法\"",
        "value=\"《中华人民共和国环境保护法》\"",
        "养殖废水未经处理直排河道",
        "value=\"岩温\"",
        "id=\"kind-person\" value=\"person\" required checked",
        "name=\"urgent\" value=\"1\" aria-describedby=\"urgent-help\" checked",
    ] {
        assert!(body.contains(kept), "{kept} kept: {body}");
    }
    for secret in ["532822199001011234", "13800001234", "勐海县勐遮镇曼恩村"] {
        assert!(!body.contains(secret), "{secret} echoed");
    }
    let (s, to, body) = send(proposal("《中华人民共和国水污染防治法》")).await;
    assert_eq!(s, 303, "{body}");
    let case = to.unwrap();
    let (_, html, _) = page(&app, &officer, &case).await;
    assert!(
        html.contains("岩温")
            && html.contains("5328**********1234")
            && html.contains("id=\"case-urgent\"")
            && html.contains(
                "《中华人民共和国水污染防治法》第八十三条；《中华人民共和国环境保护法》第四十二条"
            ),
        "{html}"
    );
    for secret in ["532822199001011234", "13800001234", "勐海县勐遮镇曼恩村"] {
        assert!(!html.contains(secret), "{secret} on the case page");
    }
    assert!(!html.contains("id=\"identify-form\""), "the party is known");

    // The team of a case investigated first: the form offers the brigade's and the
    // detachment's officers with their certificates, the auxiliary staff as assistants.
    assert!(
        html.contains("id=\"no-team\"") && html.contains("id=\"assign-form\""),
        "{html}"
    );
    assert!(
        html.contains("支队执法人员甲（演示）") && html.contains("勐海大队辅助人员（演示）"),
        "{html}"
    );
    assert!(
        !html.contains("景洪大队执法人员甲（演示）"),
        "another brigade's officers are not offered"
    );
    let v = version_in(&html, &format!("{case}/assign-officers"));
    let assign = |form: Vec<(&'static str, &'static str)>| {
        let v = v.clone();
        let officer = officer.clone();
        let app = &app;
        let case = case.clone();
        async move {
            let mut f = vec![("version", v.as_str())];
            f.extend(form);
            post(app, &officer, &format!("{case}/assign-officers"), &f).await
        }
    };
    let (s, _, body) = assign(vec![
        ("officers", "menghai.officer"),
        ("officers", "menghai.aux"),
        ("lead", "menghai.officer"),
    ])
    .await;
    assert_eq!(s, 409, "{body}");
    let errors = errors_of(&body);
    assert!(
        errors.contains("勐海大队辅助人员（演示） 不是执法人员")
            && errors.contains("须至少两名持有效执法证的执法人员承办"),
        "every reason, people by name: {errors}"
    );
    assert!(!errors.contains("menghai."), "no login names: {errors}");
    let (s, to, body) = assign(vec![
        ("officers", "menghai.officer"),
        ("officers", "menghai.officer2"),
        ("lead", "menghai.officer"),
        ("assistants", "menghai.aux"),
    ])
    .await;
    assert_eq!((s, to.as_deref()), (303, Some(case.as_str())), "{body}");
    let (_, html, _) = page(&app, &officer, &case).await;
    let members = html.split("id=\"team-members\"").nth(1).unwrap();
    let members = &members[..members.find("</table>").unwrap()];
    assert!(
        members.contains("勐海大队执法人员甲（演示）")
            && members.contains("勐海大队执法人员乙（演示）")
            && members.contains("勐海大队辅助人员（演示）")
            && members.contains("主办人员")
            && members.contains("协助人员"),
        "{members}"
    );
    assert!(
        html.contains("id=\"assign-section\""),
        "reassignment stays possible"
    );
    // The case list shows the lead.
    let (_, list, _) = page(&app, &officer, "/cases").await;
    assert!(
        list.contains("data-label=\"主办人员\">勐海大队执法人员甲（演示）"),
        "{list}"
    );

    // Recusal: the officer records the party's request for his colleague; the investigation
    // goes on; a head decides.
    let (_, html, _) = page(&app, &officer, &case).await;
    assert!(html.contains("id=\"request-recusal-form\""), "{html}");
    assert!(
        html.contains(
            "<option value=\"menghai.officer2\">勐海大队执法人员乙（演示） · 承办人员</option>"
        ) && html.contains("<option value=\"ju.head\">局长（演示） · 局领导</option>"),
        "team members and heads to choose from: {html}"
    );
    let v = version_in(&html, &format!("{case}/request-recusal"));
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{case}/request-recusal"),
        &[
            ("version", &v),
            ("officer", "menghai.officer2"),
            ("grounds", "系当事人近亲属"),
        ],
    )
    .await;
    assert_eq!(s, 422, "who asked is required: {body}");
    assert!(errors_of(&body).contains("请选择回避由谁提出"), "{body}");
    assert!(body.contains("系当事人近亲属"), "the grounds are kept");
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{case}/request-recusal"),
        &[
            ("version", &v),
            ("officer", "menghai.officer2"),
            ("grounds", "系当事人近亲属"),
            ("by", "party"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &case).await;
    let rows = html.split("id=\"recusals\"").nth(1).unwrap();
    assert!(
        rows.contains("勐海大队执法人员乙（演示）")
            && rows.contains("当事人申请")
            && rows.contains("待决定"),
        "{rows}"
    );
    assert!(
        !html.contains("id=\"decide-recusal-0\""),
        "officers do not decide"
    );
    let (_, html, _) = page(&app, &head, &case).await;
    assert!(html.contains("id=\"decide-recusal-0\""), "{html}");
    let v = version_in(&html, &format!("{case}/decide-recusal"));
    let (s, _, body) = post(
        &app,
        &head,
        &format!("{case}/decide-recusal"),
        &[
            ("version", &v),
            ("officer", "menghai.officer2"),
            ("reasons", "理由成立"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert!(
        errors_of(&body).contains("请选择准予回避或不予回避"),
        "{body}"
    );
    let (s, _, body) = post(
        &app,
        &head,
        &format!("{case}/decide-recusal"),
        &[
            ("version", &v),
            ("officer", "menghai.officer2"),
            ("granted", "1"),
            ("reasons", "理由成立"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &case).await;
    let rows = html.split("id=\"recusals\"").nth(1).unwrap();
    assert!(
        rows.contains("准予回避") && rows.contains("局长（演示）") && rows.contains("理由成立"),
        "{rows}"
    );
    assert!(
        html.contains("text-bg-secondary\">已回避"),
        "marked in the team: {html}"
    );
    // A recused officer cannot be ticked again.
    assert!(
        html.contains("value=\"menghai.officer2\" id=\"candidate-")
            && html
                .split("value=\"menghai.officer2\" id=\"candidate-")
                .nth(1)
                .unwrap()[..60]
                .contains("disabled"),
        "{html}"
    );

    // The main head's recusal: the heads decide together; he does not decide his own.
    let v = version_in(&html, &format!("{case}/request-recusal"));
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{case}/request-recusal"),
        &[
            ("version", &v),
            ("officer", "ju.head"),
            ("grounds", "曾任该养殖场顾问"),
            ("by", "party"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &head, &case).await;
    assert!(
        html.contains("本人的回避由其他局领导决定") && !html.contains("id=\"decide-recusal-1\""),
        "{html}"
    );
    let (_, html, _) = page(&app, &deputy, &case).await;
    assert!(
        html.contains("id=\"collective-1\" checked required"),
        "the heads decide together: {html}"
    );
    let v = version_in(&html, &format!("{case}/decide-recusal"));
    let (s, _, body) = post(
        &app,
        &deputy,
        &format!("{case}/decide-recusal"),
        &[
            ("version", &v),
            ("officer", "ju.head"),
            ("granted", "0"),
            ("reasons", "顾问关系已于五年前终止"),
        ],
    )
    .await;
    assert_eq!(s, 409, "without the collective deliberation: {body}");
    let (s, _, body) = post(
        &app,
        &deputy,
        &format!("{case}/decide-recusal"),
        &[
            ("version", &v),
            ("officer", "ju.head"),
            ("granted", "0"),
            ("reasons", "顾问关系已于五年前终止"),
            ("collective", "1"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &case).await;
    let rows = html.split("id=\"recusals\"").nth(1).unwrap();
    assert!(
        rows.contains("不予回避")
            && rows.contains("集体讨论")
            && rows.contains("分管副局长（演示）"),
        "{rows}"
    );

    // Once registered, the case flags an officer whose certificate ends before it falls due.
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
    let (_, html, _) = page(&app, &officer, &case).await;
    assert!(!html.contains("id=\"team-expiring\""), "{html}");
    let admin = app.demo_admin_token().await;
    let until = (app.app.today() + chrono::Days::new(30)).to_string();
    let r = app
        .client
        .put(app.url("/api/v1/admin/users/menghai.officer/certificate"))
        .bearer_auth(&admin)
        .json(
            &serde_json::json!({"number": "53282026000011", "issuing_authority": "云南省人民政府",
            "valid_from": "2025-01-01", "valid_until": until}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, html, _) = page(&app, &officer, &case).await;
    let alert = html.split("id=\"team-expiring\"").nth(1).expect("flagged");
    let alert = &alert[..alert.find("</div>").unwrap()];
    assert!(alert.contains("勐海大队执法人员甲（演示）"), "{alert}");
    assert!(
        html.contains(&format!(
            "有效期至 {until} <span class=\"badge text-bg-warning\">执法证在办案期限前到期"
        )),
        "the assign form says so too: {html}"
    );

    // A head's own extension: asked and approved in one step from the clue's page.
    let other = submit_clue(&app, &officer, "inspection", "勐遮镇曼恩村下游").await;
    let (_, html, _) = page(&app, &head, &other).await;
    assert!(
        html.contains("延长立案期限（本人批准）") && html.contains("id=\"extend-form\""),
        "{html}"
    );
    assert!(
        !html.contains("id=\"register-form\""),
        "heads do not propose cases"
    );
    let due_before = html.split("id=\"clue-due\">").nth(1).unwrap()[..10].to_owned();
    let v = version_in(&html, &format!("{other}/extend-registration"));
    let (s, to, body) = post(
        &app,
        &head,
        &format!("{other}/extend-registration"),
        &[("version", &v), ("text", "需会同农业农村部门核实")],
    )
    .await;
    assert_eq!((s, to.as_deref()), (303, Some(other.as_str())), "{body}");
    let (_, html, _) = page(&app, &head, &other).await;
    assert!(
        html.contains("id=\"clue-extended\"") && !html.contains("id=\"extend-form\""),
        "{html}"
    );
    let due_after = html.split("id=\"clue-due\">").nth(1).unwrap()[..10].to_owned();
    assert!(due_after > due_before, "{due_before} → {due_after}");
    let (_, list, _) = page(&app, &head, "/approvals").await;
    assert!(
        !list.contains(&format!("href=\"{other}\"")),
        "nothing waits: {list}"
    );
}

mod register_team_and_recusal_through_the_pages {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::register_team_and_recusal_through_the_pages(crate::helpers::Kind::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        super::register_team_and_recusal_through_the_pages(crate::helpers::Kind::Postgres).await;
    }
}
