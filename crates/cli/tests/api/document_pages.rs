//! Issue 22 points 4, 6 and 7 through the pages: the workspace's documents (issue, the PDF as
//! issued, signatures and refusals on the signing page), scoped like the case and behind the
//! cross-site check; and the public check page, logged out, with the byte check both ways and
//! never the party. On both backends.

use crate::cases::{act, get_with_etag};
use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::{client, page, pair, sign_in};
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};
use sha2::Digest;

/// Status, `Location` and the body — or for a redirect, the cookies it sets (the flash).
async fn answer(r: reqwest::Response) -> (u16, Option<String>, String) {
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let status = r.status().as_u16();
    if status == 303 {
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        return (status, location, cookies.join("\n"));
    }
    (status, location, r.text().await.unwrap())
}

/// A form posted from `site` (`Sec-Fetch-Site`, as a browser says it).
async fn post_form(
    app: &TestApp,
    cookie: &str,
    site: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let r = client()
        .post(app.url(path))
        .header("cookie", cookie)
        .header("sec-fetch-site", site)
        .form(form)
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// A multipart form posted from our own pages: text fields, then the file (name, bytes).
async fn post_file(
    app: &TestApp,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> (u16, Option<String>, String) {
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    f = f.part(
        "file",
        reqwest::multipart::Part::bytes(file.1.to_vec())
            .file_name(file.0.to_owned())
            .mime_str(if file.0.ends_with(".pdf") {
                "application/pdf"
            } else if file.0.is_empty() {
                "application/octet-stream"
            } else {
                "image/png"
            })
            .unwrap(),
    );
    let r = client()
        .post(app.url(path))
        .header("cookie", cookie)
        .header("sec-fetch-site", "same-origin")
        .multipart(f)
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// The version the workspace's forms carry.
fn version(html: &str) -> String {
    let v = html
        .find("name=\"version\" value=\"")
        .expect("a form with a version")
        + "name=\"version\" value=\"".len();
    html[v..v + html[v..].find('"').unwrap()].to_owned()
}

async fn documents(app: &TestApp, token: &str, case: &str) -> Vec<Value> {
    let (s, b, _) = get_with_etag(app, token, &format!("{case}/documents")).await;
    assert_eq!(s, 200, "{b}");
    b["items"].as_array().unwrap().clone()
}

fn sha256_hex(b: &[u8]) -> String {
    format!("{:x}", sha2::Sha256::digest(b))
}

/// A registered case with its team and an inspection record: the API path, the page path and
/// the record's id.
async fn case_with_record(app: &TestApp, token: &str) -> (String, String, String) {
    let api_case = crate::team::registered_case(app, token, "532822").await;
    let pair_ = ["menghai.officer", "menghai.officer2"];
    let (s, b) = act(
        app,
        token,
        &api_case,
        "assign-officers",
        json!({"officers": pair_, "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // The demo's certificates are valid from the day of the seed (China time): a record made
    // in the first minutes after midnight must not start the day before.
    let now = chrono::Utc::now();
    let midnight = now
        .with_timezone(&domain::time::CHINA_STANDARD_TIME)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(domain::time::CHINA_STANDARD_TIME)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let start = (now - chrono::Duration::minutes(40)).max(midnight);
    let mut record = crate::records::inspection(&pair_);
    record["started_at"] = json!(start.to_rfc3339());
    record["ended_at"] = json!((now - chrono::Duration::seconds(1)).max(start).to_rfc3339());
    let (s, b) = act(app, token, &api_case, "record-inspection", record).await;
    assert_eq!(s, 200, "{b}");
    let (_, records, _) = get_with_etag(app, token, &format!("{api_case}/records")).await;
    let record = records[0]["record"]["id"].as_str().unwrap().to_owned();
    let id = api_case.rsplit('/').next().unwrap().to_owned();
    (api_case, format!("/cases/{id}"), record)
}

async fn issue_and_sign_through_the_pages(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (api_case, path, record) = case_with_record(&app, &token).await;
    let officer = pair(&sign_in(&app, "menghai.officer", DEMO_PASSWORD).await.2);
    let other = pair(&sign_in(&app, "jinghong.officer", DEMO_PASSWORD).await.2);

    // The approval's form is listed; the record's document is offered.
    let (s, html, _) = page(&app, &officer, &path).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"documents\""), "{html}");
    assert!(html.contains("立案审批表"), "{html}");
    assert!(
        html.contains("name=\"kind\" value=\"inspection_record\"")
            && html.contains(&format!("name=\"subject\" value=\"{record}\"")),
        "{html}"
    );
    assert_eq!(documents(&app, &token, &api_case).await.len(), 1);
    let v = version(&html);
    let form = [
        ("version", v.as_str()),
        ("kind", "inspection_record"),
        ("subject", record.as_str()),
    ];
    let issue_path = format!("{path}/documents");

    // From another site (no same-origin Fetch Metadata): refused, nothing issued.
    let (s, _, _) = post_form(&app, &officer, "cross-site", &issue_path, &form).await;
    assert_eq!(s, 403);
    assert_eq!(documents(&app, &token, &api_case).await.len(), 1);
    // Another county's officer: the case does not exist for him; nothing issued.
    let (s, _, html) = post_form(&app, &other, "same-origin", &issue_path, &form).await;
    assert_eq!(s, 404, "{html}");
    assert_eq!(documents(&app, &token, &api_case).await.len(), 1);
    // A form without its version: refused with the reason, nothing issued.
    let (s, _, html) = post_form(
        &app,
        &officer,
        "same-origin",
        &issue_path,
        &[("kind", "inspection_record"), ("subject", &record)],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("id=\"errors\""), "{html}");
    assert_eq!(documents(&app, &token, &api_case).await.len(), 1);

    // Issued: back to the documents with a message.
    let (s, to, cookies) = post_form(&app, &officer, "same-origin", &issue_path, &form).await;
    assert_eq!(
        (s, to.as_deref()),
        (303, Some(format!("{path}#documents").as_str())),
        "{cookies}"
    );
    assert!(
        cookies.contains("flash=ui-flash_document_issued"),
        "{cookies}"
    );
    let docs = documents(&app, &token, &api_case).await;
    assert_eq!(docs.len(), 2);
    let doc = docs
        .iter()
        .find(|d| d["kind"] == "inspection_record")
        .unwrap()
        .clone();
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(
        html.contains(&format!("href=\"{path}/documents/{doc_id}.pdf\""))
            && html.contains(&format!("href=\"{path}/documents/{doc_id}/sign\""))
            && html.contains(doc["sha256"].as_str().unwrap()),
        "{html}"
    );
    assert!(
        !html.contains(&format!("name=\"subject\" value=\"{record}\"")),
        "no longer offered: {html}"
    );
    // Issued twice: the API's reason, in zh-CN and English; nothing issued.
    let (s, _, html) = post_form(&app, &officer, "same-origin", &issue_path, &form).await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("不能重复出具"), "{html}");
    let (s, _, html) = post_form(
        &app,
        &format!("{officer}; lang=en"),
        "same-origin",
        &issue_path,
        &form,
    )
    .await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("never issued twice"), "{html}");
    assert_eq!(documents(&app, &token, &api_case).await.len(), 2);

    // The PDF as issued, inline; not for another county.
    let pdf_path = format!("{path}/documents/{doc_id}.pdf");
    let r = client()
        .get(app.url(&pdf_path))
        .header("cookie", &officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline"),
    );
    let pdf = r.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(sha256_hex(&pdf), doc["sha256"].as_str().unwrap());
    assert_eq!(page(&app, &other, &pdf_path).await.0, 404);
    assert_eq!(page(&app, &other, &path).await.0, 404);

    // The signing page: the pad, the scan and the refusal.
    let sign_path = format!("{path}/documents/{doc_id}/sign");
    let (s, html, _) = page(&app, &officer, &sign_path).await;
    assert_eq!(s, 200, "{html}");
    for id in [
        "id=\"pad\"",
        "id=\"pad-submit\" disabled",
        "id=\"scan-form\"",
        "id=\"refusal-form\"",
        "value=\"party\"",
    ] {
        assert!(html.contains(id), "{id}: {html}");
    }
    assert_eq!(page(&app, &other, &sign_path).await.0, 404);

    // A drawing from the pad: recorded, the image evidence of the case collected by the
    // record's officers, and listed on the document.
    let signatures = format!("{path}/documents/{doc_id}/signatures");
    let signed = |docs: &[Value]| {
        docs.iter().find(|d| d["id"] == doc_id.as_str()).unwrap()["signatures"]
            .as_array()
            .unwrap()
            .clone()
    };
    let evidence_list = format!("/api/v1/evidence?subject_id={}", &path["/cases/".len()..]);
    let (s, to, html) = post_file(
        &app,
        &officer,
        &signatures,
        &[("signer", "party"), ("method", "pad")],
        ("signature.png", crate::evidence::PNG),
    )
    .await;
    assert_eq!(
        (s, to.as_deref()),
        (303, Some(format!("{path}#documents").as_str())),
        "{html}"
    );
    let entries = signed(&documents(&app, &token, &api_case).await);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (&entries[0]["outcome"], &entries[0]["method"]),
        (&json!("signed"), &json!("pad"))
    );
    let (_, evidence, _) = get_with_etag(&app, &token, &evidence_list).await;
    assert_eq!(
        evidence.as_array().unwrap().len(),
        1,
        "the image is evidence"
    );

    // An empty file, a missing signer, from another site: refused, nothing recorded.
    let (s, _, html) = post_file(
        &app,
        &officer,
        &signatures,
        &[("signer", "party"), ("method", "scan")],
        ("", b""),
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("请选择文件"), "{html}");
    let (s, _, html) = post_file(
        &app,
        &officer,
        &signatures,
        &[("method", "scan")],
        ("scan.png", crate::evidence::PNG),
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("签名表单不完整"), "{html}");
    let (s, _, _) = post_form(
        &app,
        &officer,
        "cross-site",
        &signatures,
        &[("reason", "不同意"), ("officers_note", "当场拒签")],
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(
        signed(&documents(&app, &token, &api_case).await).len(),
        1,
        "nothing more recorded"
    );

    // A refusal without its reason: refused, what was typed kept; a video that is no evidence
    // of the case: refused; then recorded, and listed on the workspace.
    let (s, _, html) = post_form(
        &app,
        &officer,
        "same-origin",
        &signatures,
        &[
            ("reason", ""),
            ("officers_note", "当事人看完笔录后拒绝签字"),
            ("witness", "村委会主任"),
            ("video_evidence_id", ""),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("当事人看完笔录后拒绝签字") && html.contains("value=\"村委会主任\""),
        "{html}"
    );
    for video in ["not-an-id", "01900000-0000-7000-8000-000000000000"] {
        let (s, _, html) = post_form(
            &app,
            &officer,
            "same-origin",
            &signatures,
            &[
                ("reason", "不同意笔录内容"),
                ("officers_note", "当事人看完笔录后拒绝签字"),
                ("witness", "村委会主任"),
                ("video_evidence_id", video),
            ],
        )
        .await;
        assert_eq!(s, 422, "{video}: {html}");
        assert!(html.contains("id=\"errors\""), "{html}");
    }
    assert_eq!(signed(&documents(&app, &token, &api_case).await).len(), 1);
    let (s, to, cookies) = post_form(
        &app,
        &officer,
        "same-origin",
        &signatures,
        &[
            ("reason", "不同意笔录内容"),
            ("officers_note", "当事人看完笔录后拒绝签字"),
            ("witness", "村委会主任"),
            ("video_evidence_id", ""),
        ],
    )
    .await;
    assert_eq!(
        (s, to.as_deref()),
        (303, Some(format!("{path}#documents").as_str())),
        "{cookies}"
    );
    assert!(
        cookies.contains("flash=ui-flash_refusal_recorded"),
        "{cookies}"
    );
    let entries = signed(&documents(&app, &token, &api_case).await);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[1]["outcome"], "refused");
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(
        html.contains("被记录人拒绝签名")
            && html.contains("不同意笔录内容")
            && html.contains("村委会主任"),
        "{html}"
    );

    // The registration approval is no record: no sign link, and a refusal on it is refused.
    let approval = documents(&app, &token, &api_case)
        .await
        .into_iter()
        .find(|d| d["kind"] == "registration_approval")
        .unwrap();
    let approval_id = approval["id"].as_str().unwrap();
    assert!(!html.contains(&format!("{approval_id}/sign")), "{html}");
    let (s, _, html) = post_form(
        &app,
        &officer,
        "same-origin",
        &format!("{path}/documents/{approval_id}/signatures"),
        &[("reason", "不同意"), ("officers_note", "拒签")],
    )
    .await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("只有笔录由被记录人签名"), "{html}");
}

async fn the_check_page_is_public_and_checks_bytes(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (api_case, _, _) = case_with_record(&app, &token).await;
    let approval = documents(&app, &token, &api_case).await[0].clone();
    let code = approval["verify_code"].as_str().unwrap().to_owned();
    let sha = approval["sha256"].as_str().unwrap().to_owned();
    let pdf = {
        let r = app
            .client
            .get(app.url(approval["pdf"].as_str().unwrap()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        r.bytes().await.unwrap().to_vec()
    };
    let path = format!("/verify/{code}");

    // Logged out, zh-CN first: what was issued and the proof, never the party.
    let (s, html, _) = page(&app, "", &path).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("lang=\"zh-CN\""), "{html}");
    for text in [
        "文书核验",
        "立案审批表",
        sha.as_str(),
        "id=\"checkpoint\"",
        "href=\"/api/v1/verify/",
        "ecoenforce ledger verify-document",
        "docs/document_check.py",
        "id=\"check-form\"",
        "id=\"lang-switch\"",
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    for private in ["岩温", "532822199001011234", "13812345678", "勐遮镇曼令村"] {
        assert!(!html.contains(private), "{private} on the public page");
    }
    let (s, html, _) = page(&app, "", &format!("{path}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("lang=\"en\"") && html.contains("Document check"),
        "{html}"
    );
    // The code as typed from paper: lower case, without dashes.
    let typed = code.replace('-', "").to_lowercase();
    assert_eq!(page(&app, "", &format!("/verify/{typed}")).await.0, 200);

    // The byte check: the PDF as issued, then with one byte changed.
    let (s, _, html) = post_file(&app, "", &path, &[], ("document.pdf", &pdf)).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("与出具的文书逐字节一致") && html.contains("data-identical=\"1\""),
        "{html}"
    );
    let mut changed = pdf.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    let (s, _, html) = post_file(&app, "", &path, &[], ("document.pdf", &changed)).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("data-identical=\"0\"")
            && html.contains("不一致")
            && html.contains(&sha256_hex(&changed))
            && html.contains(&sha),
        "{html}"
    );
    // No file, an extra field, another site: refused; an unknown code: 404 in both languages.
    let (s, _, html) = post_file(&app, "", &path, &[], ("", b"")).await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("请选择文件"), "{html}");
    let (s, _, html) = post_file(&app, "", &path, &[("note", "x")], ("d.pdf", &pdf)).await;
    assert_eq!(s, 422, "{html}");
    let r = client()
        .post(app.url(&path))
        .header("sec-fetch-site", "cross-site")
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (s, html, _) = page(&app, "", "/verify/0000-0000-0000").await;
    assert_eq!(s, 404, "{html}");
    assert!(html.contains("没有这个核验码"), "{html}");
    let (s, html, _) = page(&app, "lang=en", "/verify/not-a-code").await;
    assert_eq!(s, 404, "{html}");
    assert!(html.contains("No document has this check code"), "{html}");
}

on_both_backends!(
    issue_and_sign_through_the_pages,
    the_check_page_is_public_and_checks_bytes
);
