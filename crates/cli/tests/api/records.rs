//! Issue 21 points 2 and 3: records of the investigation — inspection, questioning (the person
//! sealed), sampling — each by two assigned, unrecused, certified officers, linking the case's
//! evidence; never edited, corrected by a record that names it. On both backends.

use crate::cases::{act, get_with_etag};
use crate::helpers::{TestApp, error_codes};
use crate::on_both_backends;
use crate::team::registered_case;
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

fn common(officers: &[&str]) -> Value {
    let end = chrono::Utc::now() - chrono::Duration::minutes(1);
    // The demo certificates are valid from the China date of seeding: a record must not start
    // on the day before it (a run just after midnight in China would fail).
    let midnight = end
        .with_timezone(&domain::time::CHINA_STANDARD_TIME)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(domain::time::CHINA_STANDARD_TIME)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let start = (end - chrono::Duration::minutes(40)).max(midnight).min(end);
    json!({
        "started_at": start.to_rfc3339(),
        "ended_at": end.to_rfc3339(),
        "officers": officers,
        "signature": {"signed": true}
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

pub fn inspection(officers: &[&str]) -> Value {
    with(
        common(officers),
        json!({"place": "勐海县勐遮镇某橡胶厂排污口", "present": ["岩温（厂长）"],
               "observed": "排污口有黑色废水流入南览河，现场拍照三张。\n厂区废水处理设施未运行。"}),
    )
}

pub fn questioning(officers: &[&str]) -> Value {
    with(
        common(officers),
        json!({"place": "勐海县勐遮镇某橡胶厂办公室",
               "person": {"name": "岩温", "id_type": "resident_id",
                          "id_number": "532822197001011111", "phone": "13800001111",
                          "relation": "法定代表人"},
               "exchanges": [{"question": "废水处理设施为何未运行？", "answer": "设备坏了三天。"}]}),
    )
}

pub fn sampling(officers: &[&str]) -> Value {
    with(
        common(officers),
        json!({"place": "南览河入河排污口", "lab": "西双版纳州生态环境监测站",
               "points": [{"point": "排污口下游 10 米", "items": ["COD", "氨氮"],
                           "container": "500 mL 玻璃瓶", "seal_number": "XS-2026-0001"}]}),
    )
}

async fn records(app: TestApp) {
    use crate::evidence::{PNG, form, on_site, upload};
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let pair = ["menghai.officer", "menghai.officer2"];

    // Before a team is assigned, no record: no one is assigned.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-inspection",
        inspection(&pair),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        error_codes(&b).contains(&"team.two_officers_required"),
        "{b}"
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "assign-officers",
        json!({"officers": pair, "lead": "menghai.officer", "assistants": ["menghai.aux"]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // A photo of the case, linked from the inspection record.
    let case_id = case.rsplit('/').next().unwrap().to_owned();
    let mut fields = on_site();
    fields.insert(0, ("subject_type", "case"));
    let (s, b) = upload(&app, &officer, form(&case_id, &fields, PNG)).await;
    assert_eq!(s, 201, "{b}");
    let photo = b["id"].as_str().unwrap().to_owned();

    // An auxiliary is no officer; evidence of another subject is not the case's.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-inspection",
        inspection(&["menghai.officer", "menghai.aux"]),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (
            409,
            vec!["evidence.not_assigned", "team.two_officers_required"]
        ),
        "{b}"
    );
    let entity = crate::evidence::menghai_entity(&app, &officer).await;
    let (s, b) = upload(&app, &officer, form(&entity, &on_site(), PNG)).await;
    assert_eq!(s, 201, "{b}");
    let mut body = inspection(&pair);
    body["evidence_ids"] = json!([photo, b["id"]]);
    let (s, b) = act(&app, &officer, &case, "record-inspection", body).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["record.evidence_unknown"]));
    assert_eq!(b["errors"][0]["field"], "evidence_ids[1]");
    let mut body = inspection(&pair);
    body["signature"] = json!({"signed": false});
    let (s, b) = act(&app, &officer, &case, "record-inspection", body).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["field.required"]));

    let mut body = inspection(&pair);
    body["evidence_ids"] = json!([photo]);
    let (s, b) = act(&app, &officer, &case, "record-inspection", body).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.record_added/v1");

    // Questioning: the person is sealed; the ledger holds the name and the masked ID only.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-questioning",
        questioning(&pair),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let seq = b["events"][0]["seq"].as_i64().unwrap();
    let (_, entry, _) =
        get_with_etag(&app, &officer, &format!("/api/v1/ledger/entries/{seq}")).await;
    let entry = entry.to_string();
    assert!(entry.contains("5328**********1111"), "{entry}");
    assert!(!entry.contains("532822197001011111"), "{entry}");
    assert!(!entry.contains("13800001111"), "{entry}");

    let mut body = sampling(&pair);
    body["signature"] = json!({"signed": false, "refusal": "当事人拒绝签字，由见证人签名"});
    let (s, b) = act(&app, &officer, &case, "record-sampling", body).await;
    assert_eq!(s, 200, "{b}");

    // A record is corrected by another that names it, of the same kind.
    let (_, list, _) = get_with_etag(&app, &officer, &format!("{case}/records")).await;
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["record"]["content"]["kind"], "inspection");
    assert_eq!(list[0]["record"]["evidence_ids"], json!([photo]));
    assert_eq!(
        list[1]["record"]["content"]["person"]["id_number_masked"],
        "5328**********1111"
    );
    let inspection_id = list[0]["record"]["id"].as_str().unwrap().to_owned();
    let mut body = sampling(&pair);
    body["corrects"] = json!(inspection_id);
    let (s, b) = act(&app, &officer, &case, "record-sampling", body).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["record.corrects_unknown"]));
    let mut body = inspection(&pair);
    body["corrects"] = json!(inspection_id);
    body["observed"] = json!("更正：排污口有黑色废水流入南览河，现场拍照四张。");
    let (s, b) = act(&app, &officer, &case, "record-inspection", body).await;
    assert_eq!(s, 200, "{b}");
    let (_, list, _) = get_with_etag(&app, &officer, &format!("{case}/records")).await;
    assert_eq!(list.as_array().unwrap().len(), 4);
    assert_eq!(
        list[0]["record"]["content"]["observed"],
        inspection(&pair)["observed"],
        "the corrected record stands unchanged"
    );

    // Someone outside the county sees none of it.
    let jinghong = app.login("jinghong.officer", DEMO_PASSWORD).await;
    let (s, _, _) = get_with_etag(&app, &jinghong, &format!("{case}/records")).await;
    assert_eq!(s, 404);
}

on_both_backends!(records);

/// Issue 21 point 6: the investigation report by an officer of the case, and the case review by
/// the detachment leader or a legal reviewer who did not investigate (查处分离); sent back, the
/// case returns to investigation with the reasons shown.
async fn report_and_review(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let leader = app.login("zhidui.lead", DEMO_PASSWORD).await;
    let detachment = app.login("zhidui.officer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "assign-officers",
        json!({"officers": ["menghai.officer", "zhidui.lead"], "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let report = json!({
        "facts": "经现场检查和询问，当事人于2026年11月超标排放废水。",
        "evidence_ids": [],
        "proposed_handling": "责令改正，处罚款十万元",
        "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]
    });
    let review = |opinion: &str, reasons: &str| json!({"opinion": opinion, "reasons": reasons, "flags": ["complex"]});

    // Nothing reaches review without a report.
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-case-review",
        review("agree", ""),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (409, vec!["review.no_report"]));
    let aux = app.login("menghai.aux", DEMO_PASSWORD).await;
    let (s, _) = act(
        &app,
        &aux,
        &case,
        "submit-investigation-report",
        report.clone(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, b) = act(
        &app,
        &detachment,
        &case,
        "submit-investigation-report",
        report.clone(),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (409, vec!["review.not_investigator"]));
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "submit-investigation-report",
        report.clone(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["stage"], "under_review");
    assert_eq!(b["case"]["report"]["by"], "menghai.officer");

    // Who investigated does not review; an officer never does.
    let (s, b) = act(
        &app,
        &leader,
        &case,
        "record-case-review",
        review("agree", ""),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (409, vec!["review.investigated"]));
    assert!(b["errors"][0]["legal_source"]["zh-CN"].is_string());
    let (s, _) = act(
        &app,
        &officer,
        &case,
        "record-case-review",
        review("agree", ""),
    )
    .await;
    assert_eq!(s, 403);

    // Sent back: the case is investigated again, the reasons shown.
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-case-review",
        review("supplementary_investigation", ""),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (422, vec!["field.required"]));
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-case-review",
        review("supplementary_investigation", "缺少监测报告，请补充采样"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["stage"], "registered");
    assert_eq!(b["case"]["review"]["reasons"], "缺少监测报告，请补充采样");

    let (s, b) = act(&app, &officer, &case, "submit-investigation-report", report).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["case"]["review"],
        Value::Null,
        "a new report awaits a new review"
    );
    let (s, b) = act(
        &app,
        &reviewer,
        &case,
        "record-case-review",
        review("agree", ""),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["stage"], "reviewed");
    assert_eq!(b["case"]["review"]["flags"], json!(["complex"]));
    assert_eq!(b["events"][0]["schema"], "case.reviewed/v1");
}

on_both_backends!(report_and_review);

/// Issue 21 point 7: records of interference — by an officer in whose reach the case lies;
/// read by the detachment leader, the bureau heads and the audit administrator, never by the
/// case's officers (nor in their timeline, nor as a ledger entry).
async fn interference(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let officer2 = app.login("menghai.officer2", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let when = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let body = json!({"who": "某乡镇领导（自称）", "when": when, "how": "电话",
                      "what_was_asked": "要求对该厂从轻处理"});
    let post = |token: String, body: Value| {
        let app = &app;
        let url = format!("{case}/record-interference");
        async move {
            let r = app
                .client
                .post(app.url(&url))
                .bearer_auth(&token)
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
    let liaison = app.login("mengzhe.liaison", DEMO_PASSWORD).await;
    assert_eq!(post(liaison, body.clone()).await.0, 403);
    let jinghong = app.login("jinghong.officer", DEMO_PASSWORD).await;
    assert_eq!(post(jinghong, body.clone()).await.0, 404);
    let mut bad = body.clone();
    bad["when"] = json!((chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339());
    let (s, b) = post(officer.clone(), bad).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["record.in_future"]));
    let (s, b) = post(officer.clone(), body).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.interference_recorded/v1");
    let record_id = b["id"].as_str().unwrap().to_owned();
    assert_ne!(Some(record_id.as_str()), case.rsplit('/').next());
    let seq = b["events"][0]["seq"].as_i64().unwrap();

    // The case's officers: not in the timeline, not as a ledger entry, no list.
    let (_, timeline, _) = get_with_etag(&app, &officer2, &format!("{case}/timeline")).await;
    assert!(!timeline.to_string().contains("interference"), "{timeline}");
    let (s, _, _) = get_with_etag(&app, &officer2, &format!("/api/v1/ledger/entries/{seq}")).await;
    assert_eq!(s, 404);
    let (s, _, _) = get_with_etag(&app, &officer, "/api/v1/interference").await;
    assert_eq!(s, 403);

    // Those who oversee: the month's list and the entry.
    let month = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m")
        .to_string();
    for who in ["zhidui.lead", "ju.head", "auditadmin"] {
        let token = app.login(who, DEMO_PASSWORD).await;
        let (s, list, _) =
            get_with_etag(&app, &token, &format!("/api/v1/interference?month={month}")).await;
        assert_eq!(s, 200, "{who}: {list}");
        assert_eq!(list.as_array().unwrap().len(), 1, "{who}: {list}");
        assert_eq!(list[0]["what_was_asked"], "要求对该厂从轻处理");
        assert_eq!(list[0]["id"], record_id.as_str());
    }
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let (s, _, _) = get_with_etag(&app, &head, &format!("/api/v1/ledger/entries/{seq}")).await;
    assert_eq!(s, 200);
    let (_, timeline, _) = get_with_etag(&app, &head, &format!("{case}/timeline")).await;
    assert!(
        timeline
            .to_string()
            .contains("case.interference_recorded/v1")
    );
    let (s, b, _) = get_with_etag(&app, &head, "/api/v1/interference?month=2026-13").await;
    assert_eq!((s, error_codes(&b)), (422, vec!["query.invalid"]));
}

on_both_backends!(interference);
