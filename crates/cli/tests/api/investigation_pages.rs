//! Issue 21 points 8 and 9 through the pages: the case workspace's next steps, the records
//! (with a photo sent in the same form), preservation of evidence, the investigation report and
//! the case review, and the record of interference — each refusal shown again with what was
//! typed, in zh-CN and in English. On both backends.

use crate::cases::get_with_etag;
use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::{client, page, pair, sign_in};
use app::seed::DEMO_PASSWORD;
use serde_json::json;

/// A form posted from one of our pages (urlencoded): status, `Location`, body.
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
    answer(r).await
}

/// A record form (multipart, as the page sends it), with a photo when given.
async fn post_record(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> (u16, Option<String>, String) {
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in form {
        f = f.text(k.to_string(), v.to_string());
    }
    f = match photo {
        Some(bytes) => f.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name("排污口.png")
                .mime_str("image/png")
                .unwrap(),
        ),
        // The browser's empty file part when no file is chosen.
        None => f.part(
            "photo",
            reqwest::multipart::Part::bytes(Vec::new())
                .file_name("")
                .mime_str("application/octet-stream")
                .unwrap(),
        ),
    };
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

/// Status, `Location`, and the body — or for a redirect, the cookies it sets (the flash).
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

/// The version the case page's forms carry.
fn version(html: &str) -> String {
    let v = html
        .find("name=\"version\" value=\"")
        .expect("a form with a version")
        + "name=\"version\" value=\"".len();
    html[v..v + html[v..].find('"').unwrap()].to_owned()
}

/// Now in China time, as a `datetime-local` value, `minutes` ago — but never on the China day
/// before today (the demo certificates are valid from the day of seeding: a run just after
/// midnight in China would otherwise fail).
fn local(minutes: i64) -> String {
    let now = chrono::Utc::now().with_timezone(&domain::time::CHINA_STANDARD_TIME);
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(domain::time::CHINA_STANDARD_TIME)
        .unwrap();
    (now - chrono::Duration::minutes(minutes))
        .max(midnight)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn workspace_forms(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let api_case = crate::team::registered_case(&app, &token, "532822").await;
    let id = api_case.rsplit('/').next().unwrap().to_owned();
    let path = format!("/cases/{id}");
    let officer = pair(&sign_in(&app, "menghai.officer", DEMO_PASSWORD).await.2);
    let head = pair(&sign_in(&app, "ju.head", DEMO_PASSWORD).await.2);
    let reviewer = pair(&sign_in(&app, "fazhi.reviewer", DEMO_PASSWORD).await.2);

    // Without a team: the record steps are shown blocked, with why and the legal source.
    let (s, html, _) = page(&app, &officer, &path).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"next-steps\""), "{html}");
    assert!(html.contains("制作现场检查（勘察）笔录"), "{html}");
    assert!(html.contains("尚未指派承办人员"), "{html}");
    assert!(
        html.contains("《中华人民共和国行政处罚法》第四十二条"),
        "{html}"
    );
    assert!(
        !html.contains("id=\"record-inspection-form\""),
        "no form yet"
    );
    assert!(
        html.contains("href=\"#team\""),
        "assigning is allowed: {html}"
    );

    let (s, b) = crate::cases::act(
        &app,
        &token,
        &api_case,
        "assign-officers",
        json!({"officers": ["menghai.officer", "menghai.officer2"], "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, html, _) = page(&app, &officer, &path).await;
    for id in [
        "href=\"#record-inspection\"",
        "id=\"record-inspection-form\"",
        "id=\"record-questioning-form\"",
        "id=\"record-sampling-form\"",
        "id=\"preserve-form\"",
        "id=\"report-form-form\"",
        "id=\"interference-form\"",
    ] {
        assert!(html.contains(id), "{id}: {html}");
    }
    // The signed-in officer is ticked; his colleague is offered.
    assert!(
        html.contains("value=\"menghai.officer\" id=\"inspection-officer-1\" checked")
            || html.contains("value=\"menghai.officer\" id=\"inspection-officer-2\" checked"),
        "{html}"
    );

    // An inspection record naming one officer: refused, the page again with what was typed,
    // nothing written.
    let v = version(&html);
    let (start, end) = (local(60), local(10));
    let record = |officers: &'static [&'static str], place: &'static str| {
        let mut f = vec![
            ("version", v.clone()),
            ("started_at", start.clone()),
            ("ended_at", end.clone()),
            ("place", place.to_owned()),
            ("present", "岩温（厂长）".to_owned()),
            ("observed", "排污口有黑色废水流入南览河".to_owned()),
            ("signed", "1".to_owned()),
            ("photo_title", "排污口现场照片".to_owned()),
        ];
        f.extend(officers.iter().map(|o| ("officers", (*o).to_owned())));
        f
    };
    let sent = record(&["menghai.officer"], "勐遮镇某橡胶厂排污口（甲）");
    let form: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, html) = post_record(
        &app,
        &officer,
        &format!("{path}/records/inspection"),
        &form,
        Some(crate::evidence::PNG),
    )
    .await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("id=\"errors\""), "{html}");
    assert!(html.contains("至少"), "two officers: {html}");
    assert!(
        html.contains("value=\"勐遮镇某橡胶厂排污口（甲）\"")
            && html.contains("排污口有黑色废水流入南览河")
            && html.contains("value=\"排污口现场照片\""),
        "typed values kept: {html}"
    );
    assert!(
        html.contains("id=\"record-inspection\" open"),
        "the form is open: {html}"
    );
    let (_, records, _) = get_with_etag(&app, &token, &format!("{api_case}/records")).await;
    assert_eq!(records, json!([]), "nothing written");
    let evidence_list = format!("/api/v1/evidence?subject_id={id}");
    let (s, evidence, _) = get_with_etag(&app, &token, &evidence_list).await;
    assert_eq!((s, evidence), (200, json!([])), "the photo was not kept");

    // With both officers and the photo: one record, the photo registered and linked.
    let sent = record(
        &["menghai.officer", "menghai.officer2"],
        "勐遮镇某橡胶厂排污口（乙）",
    );
    let form: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, to, body) = post_record(
        &app,
        &officer,
        &format!("{path}/records/inspection"),
        &form,
        Some(crate::evidence::PNG),
    )
    .await;
    assert_eq!((s, to.as_deref()), (303, Some(path.as_str())), "{body}");
    assert!(body.contains("flash=ui-flash_record_added"), "{body}");
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(html.contains("勐遮镇某橡胶厂排污口（乙）"), "{html}");
    let (_, records, _) = get_with_etag(&app, &token, &format!("{api_case}/records")).await;
    let photo = records[0]["record"]["evidence_ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, evidence, _) = get_with_etag(&app, &token, &evidence_list).await;
    assert_eq!(evidence[0]["id"], json!(photo), "{evidence}");
    assert_eq!(
        evidence[0]["collected_by"],
        json!(["menghai.officer", "menghai.officer2"]),
        "{evidence}"
    );
    assert!(
        html.contains(&format!("href=\"/evidence/{photo}\">排污口现场照片</a>")),
        "the photo linked: {html}"
    );

    // Questioning: a question and its answer, the person sealed (masked in the list).
    let v = version(&html);
    let (s, _, body) = post_record(
        &app,
        &officer,
        &format!("{path}/records/questioning"),
        &[
            ("version", &v),
            ("started_at", &local(50)),
            ("ended_at", &local(20)),
            ("place", "橡胶厂办公室"),
            ("officers", "menghai.officer"),
            ("officers", "menghai.officer2"),
            ("person_name", "岩温"),
            ("person_id_type", "resident_id"),
            ("person_id_number", "532822197001011111"),
            ("person_phone", "13800001111"),
            ("question", "废水处理设施为何未运行？"),
            ("answer", "设备坏了三天。"),
            ("question", ""),
            ("answer", ""),
            ("signed", "0"),
            ("refusal", "拒绝签名"),
        ],
        None,
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(
        html.contains("5328**********1111") && !html.contains("532822197001011111"),
        "{html}"
    );
    assert!(html.contains("设备坏了三天。"), "{html}");

    // Sampling without a point: refused (422), the lab kept; in English too.
    let v = version(&html);
    let sampling = [
        ("version", v.as_str()),
        ("started_at", &local(40)),
        ("ended_at", &local(30)),
        ("place", "南览河入河排污口"),
        ("officers", "menghai.officer"),
        ("officers", "menghai.officer2"),
        ("point", ""),
        ("items", ""),
        ("container", ""),
        ("seal_number", ""),
        ("lab", "西双版纳州生态环境监测站"),
        ("signed", "1"),
    ];
    let (s, _, html) = post_record(
        &app,
        &officer,
        &format!("{path}/records/sampling"),
        &sampling,
        None,
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("value=\"西双版纳州生态环境监测站\""),
        "{html}"
    );
    let english = format!("{officer}; lang=en");
    let (s, _, html) = post_record(
        &app,
        &english,
        &format!("{path}/records/sampling"),
        &sampling,
        None,
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("lang=\"en\""), "{html}");
    assert!(
        html.contains("This field is required") || html.contains("required"),
        "{html}"
    );
    assert!(html.contains("Sampling record"), "{html}");

    // Preservation: one officer is refused (values kept), two are accepted; a head approves;
    // the officer decides.
    let (_, html, _) = page(&app, &officer, &path).await;
    let v = version(&html);
    let (s, _, html) = post(
        &app,
        &officer,
        &format!("{path}/preserve-evidence"),
        &[
            ("version", &v),
            ("description", "废水处理设备运行记录"),
            ("quantity", "1 本"),
            ("kept_at", "勐海大队证物室"),
            ("officers", "menghai.officer"),
            ("emergency", "1"),
        ],
    )
    .await;
    assert_eq!(s, 409, "{html}");
    assert!(
        html.contains("value=\"废水处理设备运行记录\"")
            && html.contains("id=\"preserve-emergency\" checked"),
        "{html}"
    );
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{path}/preserve-evidence"),
        &[
            ("version", &v),
            ("description", "废水处理设备运行记录"),
            ("quantity", "1 本"),
            ("kept_at", "勐海大队证物室"),
            ("description", ""),
            ("quantity", ""),
            ("kept_at", ""),
            ("officers", "menghai.officer"),
            ("officers", "menghai.officer2"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &head, &path).await;
    assert!(html.contains("待批准"), "{html}");
    assert!(html.contains("id=\"approve-preservation-0\""), "{html}");
    let v = version(&html);
    let (s, _, html) = post(
        &app,
        &head,
        &format!("{path}/reject-preservation"),
        &[("version", &v), ("text", "")],
    )
    .await;
    assert_eq!(s, 422, "a rejection needs its reason: {html}");
    let (s, _, body) = post(
        &app,
        &head,
        &format!("{path}/approve-preservation"),
        &[("version", &v), ("text", "同意")],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(html.contains("保存中，待作处理决定"), "{html}");
    assert!(html.contains("id=\"decide-preserved-0\""), "{html}");
    let v = version(&html);
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{path}/decide-preserved"),
        &[("version", &v), ("action", "copy_or_photograph")],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(
        html.contains("已作处理决定") && html.contains("复制、拍照"),
        "{html}"
    );

    // Interference: refused without who (values kept), then recorded confidentially.
    let v = version(&html);
    let when = local(120);
    let (s, _, html) = post(
        &app,
        &officer,
        &format!("{path}/record-interference"),
        &[
            ("version", &v),
            ("who", ""),
            ("when", &when),
            ("how", "电话"),
            ("what_was_asked", "要求从轻处理"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("要求从轻处理"), "{html}");
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{path}/record-interference"),
        &[
            ("version", &v),
            ("who", "某局某科长"),
            ("when", &when),
            ("how", "电话"),
            ("what_was_asked", "要求从轻处理"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    assert!(
        body.contains("flash=ui-flash_interference_recorded"),
        "{body}"
    );
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(!html.contains("某局某科长"), "confidential: {html}");

    // The report: without a legal basis refused (the facts kept); then submitted.
    let v = version(&html);
    let (s, _, html) = post(
        &app,
        &officer,
        &format!("{path}/submit-investigation-report"),
        &[
            ("version", &v),
            ("facts", "该厂废水处理设施停运，超标排放。"),
            ("evidence_ids", &photo),
            ("proposed_handling", "罚款"),
            ("law", ""),
            ("article", ""),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("该厂废水处理设施停运，超标排放。"), "{html}");
    let (s, _, body) = post(
        &app,
        &officer,
        &format!("{path}/submit-investigation-report"),
        &[
            ("version", &v),
            ("facts", "该厂废水处理设施停运，超标排放。"),
            ("evidence_ids", &photo),
            ("proposed_handling", "罚款"),
            ("law", "《中华人民共和国水污染防治法》"),
            ("article", "第八十三条"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");

    // The review: the officer who investigated may not; the reviewer sends it back, and the
    // reasons show at the top of the workspace.
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(html.contains("id=\"report-view\""), "{html}");
    assert!(!html.contains("id=\"review-form\""), "{html}");
    let (_, html, _) = page(&app, &reviewer, &path).await;
    assert!(html.contains("id=\"review-form\""), "{html}");
    let v = version(&html);
    let (s, _, html) = post(
        &app,
        &reviewer,
        &format!("{path}/record-case-review"),
        &[
            ("version", &v),
            ("opinion", "supplementary_investigation"),
            ("reasons", ""),
            ("flags", "complex"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("value=\"supplementary_investigation\" id=\"opinion-supplementary\" checked")
            && html.contains("value=\"complex\" id=\"flag-complex\" checked"),
        "{html}"
    );
    let (s, _, body) = post(
        &app,
        &reviewer,
        &format!("{path}/record-case-review"),
        &[
            ("version", &v),
            ("opinion", "supplementary_investigation"),
            ("reasons", "需补充在线监测数据"),
            ("flags", "complex"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, html, _) = page(&app, &officer, &path).await;
    assert!(
        html.contains("id=\"sent-back\"") && html.contains("需补充在线监测数据"),
        "{html}"
    );
}

on_both_backends!(workspace_forms);
