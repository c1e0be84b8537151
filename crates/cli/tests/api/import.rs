//! Issue 12, part 1: entity import from XLSX and CSV — the export read back, every problem named
//! by sheet, row and column in both languages, all rows or none, the pages' preview and commit.

use crate::entities::get;
use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::{client, page, pair, sign_in};
use app::seed::{DEMO_PASSWORD, demo_uscc};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

const HEADER_ZH: &str = "统一社会信用代码,名称,县（市）,行业,监管类别,地址,法定代表人,纬度,经度,许可证编号,生效日期,截止日期,演示数据";
const HEADER_EN: &str = "Unified social credit code,Name,County,Industry,Class,Address,Legal representative,Latitude,Longitude,Permit number,Valid from,Valid until,Demo data";
const OUTLETS_ZH: &str = "统一社会信用代码,排放口编号,排放口类型,排放口名称,纬度,经度";

fn row(county: &str, serial: u32, name: &str) -> String {
    format!(
        "{},{name},{county},1340,重点监管,勐海县勐遮镇,岩某,21.957300,100.452800,P-{serial},2024-01-01,2028-12-31,",
        demo_uscc(county, serial)
    )
}

fn outlet(county: &str, serial: u32, code: &str) -> String {
    format!(
        "{},{code},废水,总排口,21.957,100.452",
        demo_uscc(county, serial)
    )
}

fn csv(lines: &[String]) -> Vec<u8> {
    (lines.join("\r\n") + "\r\n").into_bytes()
}

fn form(file: Vec<u8>, name: &str, outlets: Option<Vec<u8>>) -> Form {
    let mut f = Form::new().part("file", Part::bytes(file).file_name(name.to_owned()));
    if let Some(o) = outlets {
        f = f.part("outlets", Part::bytes(o).file_name("outlets.csv"));
    }
    f
}

async fn import(app: &TestApp, token: &str, query: &str, form: Form) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/entities/import{query}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn total(app: &TestApp, token: &str) -> i64 {
    let (s, b) = get(app, token, "/api/v1/entities?per_page=1").await;
    assert_eq!(s, 200, "{b}");
    b["total"].as_i64().unwrap()
}

/// (sheet, row, column, code) of each problem.
fn places(problems: &Value) -> Vec<(String, String, String, String)> {
    problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let a = |k: &str| p["args"][k].as_str().unwrap_or_default().to_owned();
            (
                a("sheet"),
                a("row"),
                a("column"),
                p["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_bad_row_imports_nothing_then_the_good_file_everything(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let before = total(&app, &token).await;
    let log = app.log_size().await;
    let good = vec![
        HEADER_ZH.to_owned(),
        row("532822", 91_001, "勐海导入一厂"),
        row("532822", 91_002, "勐海导入二厂"),
        row("532822", 91_003, "勐海导入三厂"),
    ];
    let outlets = csv(&[
        OUTLETS_ZH.to_owned(),
        outlet("532822", 91_001, "DW001"),
        outlet("532822", 91_001, "DW002"),
        outlet("532822", 91_003, "DW001"),
    ]);
    let mut bad = good.clone();
    bad[2] = bad[2]
        .replace(",1340,", ",9999,")
        .replace(",21.957300,", ",北纬21,");

    // Dry run: 200 with every problem, by place, in both languages.
    let (s, b) = import(
        &app,
        &token,
        "?dry_run=true",
        form(csv(&bad), "e.csv", Some(outlets.clone())),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["entities"].as_i64(), b["outlets"].as_i64()),
        (Some(3), Some(3))
    );
    let expected = vec![
        (
            "entities".to_owned(),
            "3".to_owned(),
            "D".to_owned(),
            "industry_code.unknown".to_owned(),
        ),
        (
            "entities".to_owned(),
            "3".to_owned(),
            "H".to_owned(),
            "import.number_invalid".to_owned(),
        ),
    ];
    assert_eq!(places(&b["problems"]), expected);
    assert!(
        b["problems"][0]["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("9999")
    );
    assert!(
        b["problems"][0]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("9999")
    );
    assert_eq!(b["problems"][0]["field"], "industry");

    // Commit: 422 with the same problems, and nothing written.
    let (s, b) = import(
        &app,
        &token,
        "",
        form(csv(&bad), "e.csv", Some(outlets.clone())),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(places(&b["errors"]), expected);
    assert_eq!(total(&app, &token).await, before);
    assert_eq!(app.log_size().await, log, "not one event");

    // The good file: every row, with its outlets and permits, in one go.
    let (s, b) = import(
        &app,
        &token,
        "?dry_run=true",
        form(csv(&good), "e.csv", Some(outlets.clone())),
    )
    .await;
    assert_eq!(
        (s, b["problems"].as_array().map(Vec::len)),
        (200, Some(0)),
        "{b}"
    );
    assert_eq!(app.log_size().await, log, "a dry run writes nothing");
    let (s, b) = import(
        &app,
        &token,
        "",
        form(csv(&good), "e.csv", Some(outlets.clone())),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["imported"], 3);
    assert_eq!(total(&app, &token).await, before + 3);
    assert_eq!(app.log_size().await, log + 3);
    let id = b["ids"][0].as_str().unwrap();
    let (_, e) = get(&app, &token, &format!("/api/v1/entities/{id}")).await;
    assert_eq!(e["name"], "勐海导入一厂");
    assert_eq!(e["class"], "key");
    assert_eq!(e["demo"], false);
    assert_eq!(e["outlets"].as_array().unwrap().len(), 2);
    assert_eq!(e["permit"]["valid_until"], "2028-12-31");

    // Again: every row is now taken, so the file is refused whole.
    let (s, b) = import(&app, &token, "", form(csv(&good), "e.csv", Some(outlets))).await;
    assert_eq!(s, 422);
    assert_eq!(
        places(&b["errors"])
            .iter()
            .map(|p| p.3.as_str())
            .collect::<Vec<_>>(),
        ["uscc.taken"; 3]
    );
    assert_eq!(total(&app, &token).await, before + 3);
}

async fn encodings_headers_and_scope(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let before = total(&app, &token).await;
    // GB18030 (Excel's "CSV" on a Chinese Windows), English headers, a county by name.
    let text = [
        HEADER_EN.to_owned(),
        row("532822", 92_001, "勐海国标厂").replace(",532822,", ",勐海县,"),
    ]
    .join("\r\n");
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    let (s, b) = import(&app, &token, "", form(gb.into_owned(), "gb.csv", None)).await;
    assert_eq!(s, 201, "{b}");
    let (_, e) = get(
        &app,
        &token,
        &format!("/api/v1/entities/{}", b["ids"][0].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        (e["name"].as_str(), e["county_code"].as_str()),
        (Some("勐海国标厂"), Some("532822"))
    );

    // Outside the officer's county: the row says so; nothing is written.
    let other = csv(&[
        HEADER_ZH.to_owned(),
        row("532801", 92_002, "景洪厂"),
        row("532822", 92_003, "勐海厂"),
    ]);
    let (s, b) = import(&app, &token, "", form(other, "x.csv", None)).await;
    assert_eq!(s, 422);
    assert_eq!(
        places(&b["errors"]),
        [(
            "entities".into(),
            "2".into(),
            "C".into(),
            "county_code.out_of_scope".into()
        )]
    );
    assert_eq!(total(&app, &token).await, before + 1);

    // Whole-file problems: an unknown header, bytes that are no text, no file at all.
    let (s, b) = import(
        &app,
        &token,
        "",
        form(csv(&[HEADER_ZH.replace("地址", "住址")]), "h.csv", None),
    )
    .await;
    assert_eq!(s, 422);
    let codes: Vec<_> = places(&b["errors"]).into_iter().map(|p| p.3).collect();
    assert_eq!(codes, ["import.column_unknown", "import.column_missing"]);
    let (s, b) = import(
        &app,
        &token,
        "",
        form(vec![0x80, 0xFF, 0xFE, 0x00, 0x81], "bin.csv", None),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (422, Some("import.encoding"))
    );
    let r = app
        .client
        .post(app.url("/api/v1/entities/import"))
        .bearer_auth(&token)
        .body("uscc,name")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["code"], "request.unsupported_media_type");
    let (s, b) = import(&app, &token, "", Form::new().text("note", "x")).await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (422, Some("field.unknown"))
    );
    let (s, b) = import(
        &app,
        &token,
        "?dry_run=maybe",
        form(csv(&[HEADER_ZH.into()]), "e.csv", None),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["field"].as_str()),
        (422, Some("dry_run"))
    );
    let (s, b) = import(
        &app,
        &token,
        "",
        form(csv(&[HEADER_ZH.into()]), "e.csv", None),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (422, Some("import.empty"))
    );

    // Roles that register nothing are refused before the file is read; so is nobody.
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let (s, _) = import(
        &app,
        &admin,
        "",
        form(csv(&[HEADER_ZH.into()]), "e.csv", None),
    )
    .await;
    assert_eq!(s, 403);
    let r = app
        .client
        .post(app.url("/api/v1/entities/import"))
        .multipart(form(csv(&[HEADER_ZH.into()]), "e.csv", None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(total(&app, &token).await, before + 1);
}

/// The export's files read back: the XLSX (both sheets) as a dry run, the two CSVs imported as
/// new entities that equal the originals but for USCC and name.
async fn the_export_is_the_template(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("zhidui.officer", DEMO_PASSWORD).await;
    let (_, set) = {
        let (s, _, c) = sign_in(&app, "zhidui.officer", DEMO_PASSWORD).await;
        (s, c)
    };
    let cookie = pair(&set);
    let fetch = |path: &'static str| {
        let cookie = cookie.clone();
        let url = app.url(path);
        async move {
            let r = client()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.bytes().await.unwrap().to_vec()
        }
    };
    let (_, all) = get(&app, &token, "/api/v1/entities?per_page=200").await;
    let originals = all["items"].as_array().unwrap().clone();
    let outlet_count: usize = originals
        .iter()
        .map(|e| e["outlets"].as_array().unwrap().len())
        .sum();
    assert!(outlet_count > 0);

    let xlsx = fetch("/entities/export.xlsx").await;
    let (s, b) = import(
        &app,
        &token,
        "?dry_run=true",
        form(xlsx, "entities.xlsx", None),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["entities"].as_u64(), Some(originals.len() as u64));
    assert_eq!(
        b["outlets"].as_u64(),
        Some(outlet_count as u64),
        "the second sheet"
    );
    let problems = places(&b["problems"]);
    assert_eq!(problems.len(), originals.len());
    assert!(
        problems.iter().all(|p| p.3 == "uscc.taken" && p.2 == "A"),
        "{problems:?}"
    );

    // The CSVs with every USCC replaced by a new one (and the name marked): a full import.
    let mut entities = String::from_utf8(fetch("/entities/export.csv").await).unwrap();
    let mut outlets = String::from_utf8(fetch("/entities/export-outlets.csv").await).unwrap();
    for (i, e) in originals.iter().enumerate() {
        let old = e["uscc"].as_str().unwrap();
        let new = demo_uscc(e["county_code"].as_str().unwrap(), 93_000 + i as u32);
        entities = entities.replace(old, &new);
        outlets = outlets.replace(old, &new);
    }
    let (s, b) = import(
        &app,
        &token,
        "",
        form(
            entities.into_bytes(),
            "entities.csv",
            Some(outlets.into_bytes()),
        ),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    for (i, original) in originals.iter().enumerate() {
        let id = b["ids"][i].as_str().unwrap();
        let (_, mut copy) = get(&app, &token, &format!("/api/v1/entities/{id}")).await;
        // The permit numbers embed the USCC, so they changed with it.
        let old = original["uscc"].as_str().unwrap();
        let new = copy["uscc"].as_str().unwrap();
        let mut original: Value =
            serde_json::from_str(&original.to_string().replace(old, new)).unwrap();
        for e in [&mut copy, &mut original] {
            let o = e.as_object_mut().unwrap();
            for k in ["id", "uscc", "version"] {
                o.remove(k);
            }
        }
        assert_eq!(copy, original, "row {}", i + 2);
    }
}

/// The pages: templates, a preview listing the bad row with nothing imported, then a good file
/// previewed and committed, and a used preview refused.
async fn import_pages(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let before = total(&app, &token).await;
    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let cookie = pair(&set);
    let (s, html, _) = page(&app, &cookie, "/entities").await;
    assert_eq!(s, 200);
    assert!(html.contains("href=\"/entities/import\""));
    let (s, html, _) = page(&app, &cookie, "/entities/import").await;
    assert_eq!(s, 200);
    assert!(html.contains("template.xlsx") && html.contains("enctype=\"multipart/form-data\""));
    let r = client()
        .get(app.url("/entities/import/template.csv"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let template = r.text().await.unwrap();
    assert_eq!(
        template.trim_start_matches('\u{feff}').trim_end(),
        HEADER_ZH
            .split(',')
            .map(|h| format!("\"{h}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let r = client()
        .get(app.url("/entities/import/template.xlsx"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let xlsx = r.bytes().await.unwrap().to_vec();
    assert!(xlsx.starts_with(b"PK"));
    // The empty template is a valid file with nothing in it.
    let (s, b) = import(&app, &token, "?dry_run=true", form(xlsx, "t.xlsx", None)).await;
    assert_eq!(
        (s, b["problems"][0]["code"].as_str()),
        (200, Some("import.empty")),
        "{b}"
    );

    let post = |f: Form, path: &'static str| {
        let cookie = cookie.clone();
        let url = app.url(path);
        async move {
            let r = client()
                .post(url)
                .header("cookie", cookie)
                .header("sec-fetch-site", "same-origin")
                .multipart(f)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let mut lines = vec![
        HEADER_ZH.to_owned(),
        row("532822", 94_001, "页面导入一厂"),
        row("532822", 94_002, "页面导入二厂"),
    ];
    let good = csv(&lines);
    lines[2] = lines[2].replace(",重点监管,", ",很重要,");
    let (s, html) = post(form(csv(&lines), "bad.csv", None), "/entities/import").await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("id=\"problems\"") && html.contains("很重要"),
        "{html}"
    );
    // The page's language only (issue 19); the downloadable list has both.
    assert!(html.contains("监管类别“很重要”无法识别"), "Chinese: {html}");
    assert!(!html.contains("is not recognised"), "one language: {html}");
    assert!(!html.contains("import-commit"), "no commit button");
    assert_eq!(total(&app, &token).await, before);

    let (s, html) = post(form(good, "good.csv", None), "/entities/import").await;
    assert_eq!(s, 200, "{html}");
    let token_at = html.find("name=\"token\" value=\"").expect("a commit form") + 20;
    let preview = html[token_at..token_at + 36].to_owned();
    assert_eq!(
        total(&app, &token).await,
        before,
        "a preview writes nothing"
    );
    let commit = |t: String| {
        let cookie = cookie.clone();
        let url = app.url("/entities/import/commit");
        async move {
            let r = client()
                .post(url)
                .header("cookie", cookie)
                .header("sec-fetch-site", "same-origin")
                .form(&[("token", t)])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    // Another user cannot commit it.
    let (_, _, other) = sign_in(&app, "zhidui.officer", DEMO_PASSWORD).await;
    let r = client()
        .post(app.url("/entities/import/commit"))
        .header("cookie", pair(&other))
        .header("sec-fetch-site", "same-origin")
        .form(&[("token", preview.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let (s, html) = commit(preview.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("已导入 2 个监管对象"), "{html}");
    assert_eq!(total(&app, &token).await, before + 2);
    let (s, html) = commit(preview).await;
    assert_eq!(s, 422, "a preview commits once");
    assert!(html.contains("预览已过期或不存在"));
    assert_eq!(total(&app, &token).await, before + 2);

    // Roles that register nothing see no import.
    let (_, _, auditor) = sign_in(&app, "auditadmin", DEMO_PASSWORD).await;
    assert_eq!(page(&app, &pair(&auditor), "/entities/import").await.0, 403);
}

/// However many problems a file has, the API returns every one; the page lists the first 2,000
/// and the workbook download holds them all.
async fn thousands_of_problems_are_all_reported(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let mut lines = vec![HEADER_ZH.to_owned()];
    for n in 0..2_100 {
        lines.push(row("532822", 95_000 + n, &format!("问题厂{n}")).replace(",1340,", ",9999,"));
    }
    let file = csv(&lines);
    let (s, b) = import(
        &app,
        &token,
        "?dry_run=true",
        form(file.clone(), "many.csv", None),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["problems"].as_array().unwrap().len(), 2_100);
    assert_eq!(b["problems"][2_099]["args"]["row"], "2101");

    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let cookie = pair(&set);
    let r = client()
        .post(app.url("/entities/import"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .multipart(form(file, "many.csv", None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"import-more\"") && html.contains("另有 100 个"),
        "{}",
        &html[..2000]
    );
    assert_eq!(html.matches("<tr><td data-label=").count(), 2_000);
    let r = client()
        .get(app.url("/entities/import/problems.xlsx"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader as _;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    assert_eq!(range.height(), 2_101, "a header and every problem");
    let last: Vec<String> = range
        .rows()
        .next_back()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(&last[1], "2101");
    assert!(
        last[3].contains("9999") && last[4].contains("9999"),
        "{last:?}"
    );
    // Another user has no problems to download.
    let (_, _, other) = sign_in(&app, "zhidui.officer", DEMO_PASSWORD).await;
    assert_eq!(
        page(&app, &pair(&other), "/entities/import/problems.xlsx")
            .await
            .0,
        404
    );
}

/// An import of 1,250 rows goes in as twelve statements of a hundred registrations and fifty
/// single ones; the live tables are what a replay of the events, one by one, builds. The export
/// walks the list by key, in batches of 500: every row once, in the list's order.
async fn hundreds_of_rows_replay_to_the_same_tables(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let before = total(&app, &token).await;
    let mut lines = vec![HEADER_ZH.to_owned()];
    let mut outlets = vec![OUTLETS_ZH.to_owned()];
    for n in 0..1250 {
        lines.push(row("532822", 93_000 + n, &format!("勐海批量导入{n}厂")));
        if n % 7 == 0 {
            outlets.push(outlet("532822", 93_000 + n, "DW001"));
        }
    }
    let (s, b) = import(
        &app,
        &token,
        "",
        form(csv(&lines), "e.csv", Some(csv(&outlets))),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(total(&app, &token).await, before + 1250);
    let (s, b) = get(&app, &token, "/api/v1/entities?q=勐海批量导入1249厂").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["items"][0]["name"], "勐海批量导入1249厂", "{b}");
    // The export: as many rows as the list counts, in its order (the API's pages of 200).
    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let r = client()
        .get(app.url("/entities/export.csv"))
        .header("cookie", pair(&set))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv_text = r.text().await.unwrap();
    let exported: Vec<String> = csv_text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().trim_matches('"').to_owned())
        .collect();
    let mut listed = Vec::new();
    for page in 1.. {
        let (s, b) = get(
            &app,
            &token,
            &format!("/api/v1/entities?per_page=200&page={page}"),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let items = b["items"].as_array().unwrap();
        listed.extend(items.iter().map(|e| e["name"].as_str().unwrap().to_owned()));
        if items.len() < 200 {
            break;
        }
    }
    assert_eq!(listed.len() as i64, before + 1250);
    assert_eq!(exported, listed);
    assert_eq!(b["items"][0]["version"], 1, "{b}");
    let report = app.app.verify_ledger_with(false).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

on_both_backends!(
    hundreds_of_rows_replay_to_the_same_tables,
    a_bad_row_imports_nothing_then_the_good_file_everything,
    encodings_headers_and_scope,
    the_export_is_the_template,
    import_pages,
    thousands_of_problems_are_all_reported,
);
