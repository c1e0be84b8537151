//! Issue 20 (Cases 1): clues, a proposal, a head's approval with the case number, cancellation;
//! scopes and the gap-free counter, on both backends.

use crate::helpers::{TestApp, error_codes};
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

pub async fn get_with_etag(app: &TestApp, token: &str, path: &str) -> (u16, Value, String) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let etag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (s, r.json().await.unwrap_or(Value::Null), etag)
}

/// POSTs a command with the If-Match read from `resource` just before.
pub async fn act(
    app: &TestApp,
    token: &str,
    resource: &str,
    verb: &str,
    body: Value,
) -> (u16, Value) {
    let (_, _, etag) = get_with_etag(app, token, resource).await;
    let r = app
        .client
        .post(app.url(&format!("{resource}/{verb}")))
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub fn clue_body(county: &str) -> Value {
    json!({
        "source": "inspection",
        "received_on": "2026-12-01",
        "county_code": county,
        "description": "巡查发现排污口有黑水直排入南览河",
        "place": "勐海县勐遮镇南览河边",
        "lat": 21.96,
        "lon": 100.45
    })
}

pub fn register_body() -> Value {
    json!({
        "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}],
        "act_ended_on": "2026-11-30",
        "endangers_life_health_or_finance": false,
        "violation": "超过水污染物排放标准排放水污染物",
        "party": {"kind": "person", "name": "岩温", "id_type": "resident_id",
                  "id_number": "532822199001011234", "address": "勐海县勐遮镇曼令村",
                  "phone": "13812345678"}
    })
}

/// A new clue in `county`, submitted by `token`'s user: its path.
pub async fn new_clue(app: &TestApp, token: &str, county: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/clues"))
        .bearer_auth(token)
        .json(&clue_body(county))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(status, 201, "{}", r.text().await.unwrap());
    location.unwrap()
}

/// A case proposed from a new Menghai clue: its path.
pub async fn proposed_case(app: &TestApp, officer: &str) -> String {
    let clue = new_clue(app, officer, "532822").await;
    let (s, b) = act(app, officer, &clue, "register", register_body()).await;
    assert_eq!(s, 201, "{b}");
    format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap())
}

async fn clue_to_cancelled_case(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let liaison = app.login("mengzhe.liaison", DEMO_PASSWORD).await;

    // A liaison reports a clue in its county; it sees its own clue and no other.
    let r = app
        .client
        .post(app.url("/api/v1/clues"))
        .bearer_auth(&liaison)
        .json(
            &json!({"source": "township_liaison", "received_on": "2026-12-01",
            "county_code": "532822", "description": "群众反映橡胶厂夜间排放异味废水",
            "place": "勐遮镇曼令村"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let clue = r.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["clue"]["status"], "open");
    assert_eq!(body["events"][0]["schema"], "clue.submitted/v1");
    // 15 days from receipt, moved to the next working day: 2026-12-16 is a Wednesday.
    assert_eq!(body["clue"]["registration_due"], "2026-12-16");
    let officers_clue = new_clue(&app, &officer, "532822").await;
    let (s, list, _) = get_with_etag(&app, &liaison, "/api/v1/clues").await;
    assert_eq!(s, 200);
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(get_with_etag(&app, &liaison, &officers_clue).await.0, 404);
    // Another county's liaison-less brigade does not see it; the Menghai officer does.
    let jinghong = app.login("jinghong.officer", DEMO_PASSWORD).await;
    assert_eq!(get_with_etag(&app, &jinghong, &clue).await.0, 404);
    let (s, c, etag) = get_with_etag(&app, &officer, &clue).await;
    assert_eq!(
        (s, c["submitted_by"].as_str()),
        (200, Some("mengzhe.liaison"))
    );

    // Registration: If-Match is required, a stale one refused; a liaison may not propose.
    let r = app
        .client
        .post(app.url(&format!("{clue}/register")))
        .bearer_auth(&officer)
        .json(&register_body())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 428);
    let r = app
        .client
        .post(app.url(&format!("{clue}/register")))
        .bearer_auth(&officer)
        .header("if-match", "\"7\"")
        .json(&register_body())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    assert_eq!(
        act(&app, &liaison, &clue, "register", register_body())
            .await
            .0,
        403
    );
    // Too late by one day: the limitation period of APL Art. 36, with its source.
    let mut late = register_body();
    late["act_ended_on"] = json!("2024-11-30");
    let (s, b) = act(&app, &officer, &clue, "register", late).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(error_codes(&b), ["case.limitation_passed"]);
    assert!(
        b["errors"][0]["legal_source"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("第三十六条"),
        "{b}"
    );
    let _ = etag;
    let (s, b) = act(&app, &officer, &clue, "register", register_body()).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["case"]["stage"], "pending_registration");
    assert_eq!(b["case"]["number"], Value::Null);
    // The party's personal data is sealed: masked in the view, absent from the event, shown
    // unmasked only through a recorded view.
    let party = &b["case"]["party"];
    assert_eq!(
        (
            party["kind"].as_str(),
            party["id_number_masked"].as_str(),
            party["phone_masked"].as_str()
        ),
        (
            Some("person"),
            Some("5328**********1234"),
            Some("138****5678")
        ),
        "{party}"
    );
    let seq = b["events"][0]["seq"].as_i64().unwrap();
    let (_, entry, _) =
        get_with_etag(&app, &officer, &format!("/api/v1/ledger/entries/{seq}")).await;
    let entry = entry.to_string();
    assert!(
        !entry.contains("532822199001011234")
            && !entry.contains("13812345678")
            && !entry.contains("曼令村"),
        "{entry}"
    );
    let reference = party["reference"].as_str().unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/sealed/{reference}/view")))
        .bearer_auth(&officer)
        .json(&json!({"purpose": "核实当事人身份"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let record: Value = r.json().await.unwrap();
    assert_eq!(record["record"]["id_number"], "532822199001011234");
    let case = format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap());
    assert_eq!(
        get_with_etag(&app, &officer, &clue).await.1["status"],
        "registered"
    );

    // The head sees it waiting; the proposer may not approve his own; the head approves.
    let (_, waiting, _) = get_with_etag(&app, &head, "/api/v1/approvals").await;
    assert!(
        waiting
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["step"] == "registration"
                && format!("/api/v1/cases/{}", a["case"]["id"].as_str().unwrap()) == case)
    );
    assert_eq!(
        act(&app, &officer, &case, "approve-registration", json!({}))
            .await
            .0,
        403
    );
    let (s, b) = act(
        &app,
        &head,
        &case,
        "approve-registration",
        json!({"comment": "同意立案"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["case"]["stage"], "registered");
    let number = b["case"]["number"].as_str().unwrap().to_owned();
    let year = app.app.today().format("%Y").to_string();
    assert_eq!(number, format!("西环立（勐海）〔{year}〕1号"));
    let deadline = &b["case"]["deadline"];
    assert!(deadline["days_left"].as_i64().unwrap() >= 90, "{deadline}");
    // Approving twice is a wrong stage, with every reason.
    let (s, b) = act(&app, &head, &case, "approve-registration", json!({})).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["case.wrong_stage"]));

    // Cancellation: proposed by the officer, approved by the head; the number is kept.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "cancel-registration",
        json!({"reason": "经查不属于违法行为"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(&app, &head, &case, "approve-cancellation", json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["case"]["stage"].as_str(), b["case"]["number"].as_str()),
        (Some("cancelled"), Some(number.as_str()))
    );
    // A cancelled case takes no command.
    let (s, _) = act(
        &app,
        &officer,
        &case,
        "cancel-registration",
        json!({"reason": "再次"}),
    )
    .await;
    assert_eq!(s, 409);
    let (_, cases, _) = get_with_etag(&app, &officer, "/api/v1/cases?stage=cancelled").await;
    assert_eq!(cases["total"], 1);
    // The timeline is the ledger: each step an entry of its own, the clue's first, in order,
    // each with its proof; outside the reader's reach the case does not exist.
    let (s, timeline, _) = get_with_etag(&app, &officer, &format!("{case}/timeline")).await;
    assert_eq!(s, 200, "{timeline}");
    let schemas: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["schema"].as_str().unwrap())
        .collect();
    assert_eq!(
        schemas,
        [
            "clue.submitted/v1",
            "case.proposed/v1",
            "case.registered/v1",
            "document.issued/v1",
            "case.cancellation_proposed/v1",
            "case.cancellation_decided/v1"
        ]
    );
    let entry = timeline[2]["entry"].as_str().unwrap();
    assert_eq!(get_with_etag(&app, &officer, entry).await.0, 200);
    assert_eq!(timeline[2]["actor"], "ju.head");
    assert_eq!(
        get_with_etag(&app, &jinghong, &format!("{case}/timeline"))
            .await
            .0,
        404
    );
}

/// Issue 20 point 7: under 8 approvals at once, one counter's numbers are 1..n, no gap, no
/// repeat.
async fn numbers_are_gap_free_under_parallel_approvals(app: TestApp) {
    use futures::StreamExt;
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let mut cases = Vec::new();
    for _ in 0..8 {
        cases.push(proposed_case(&app, &officer).await);
    }
    let answers: Vec<(u16, Value)> = futures::stream::iter(cases.iter())
        .map(|c| act(&app, &head, c, "approve-registration", json!({})))
        .buffer_unordered(8)
        .collect()
        .await;
    let mut serials: Vec<i64> = answers
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, 200, "{b}");
            let n = b["case"]["number"].as_str().unwrap();
            n.rsplit('〕')
                .next()
                .unwrap()
                .trim_end_matches('号')
                .parse()
                .unwrap()
        })
        .collect();
    serials.sort();
    assert_eq!(serials, (1..=8).collect::<Vec<_>>());
}

on_both_backends!(
    clue_to_cancelled_case,
    numbers_are_gap_free_under_parallel_approvals
);

/// The pages: a liaison reports a clue on the (phone-sized) form, the brigade proposes a case
/// from its inbox, a head approves it on the case page, and the case shows its number.
async fn a_liaisons_clue_through_the_pages(app: TestApp) {
    use crate::pages::{client, page, pair, sign_in};
    app.app.seed_demo().await.unwrap();
    let post = |cookie: String, path: String, form: Vec<(&'static str, String)>| {
        let url = app.url(&path);
        async move {
            let r = client()
                .post(url)
                .header("cookie", cookie)
                .header("sec-fetch-site", "same-origin")
                .form(&form)
                .send()
                .await
                .unwrap();
            let location = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            (r.status().as_u16(), location, r.text().await.unwrap())
        }
    };
    let liaison = pair(&sign_in(&app, "mengzhe.liaison", DEMO_PASSWORD).await.2);
    let (s, form, _) = page(&app, &liaison, "/clues/new").await;
    assert_eq!(s, 200);
    assert!(
        form.contains("value=\"township_liaison\" selected"),
        "{form}"
    );
    let today = app.app.today().to_string();
    let (s, to, body) = post(
        liaison.clone(),
        "/clues".into(),
        vec![
            ("source", "township_liaison".into()),
            ("department", String::new()),
            ("received_on", today.clone()),
            ("county_code", "532822".into()),
            ("place", "勐遮镇曼令村河段".into()),
            ("description", "河水发黑有异味".into()),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let clue = to.unwrap();
    let officer = pair(&sign_in(&app, "menghai.officer", DEMO_PASSWORD).await.2);
    let (_, inbox, _) = page(&app, &officer, "/clues").await;
    assert!(
        inbox.contains("勐遮镇曼令村河段") && inbox.contains("乡镇联络员报送"),
        "{inbox}"
    );
    let (_, detail, _) = page(&app, &officer, &clue).await;
    assert!(detail.contains("id=\"register-form\""));
    let (s, to, body) = post(
        officer.clone(),
        format!("{clue}/register"),
        vec![
            ("version", "1".into()),
            ("law", "《中华人民共和国水污染防治法》".into()),
            ("article", "第八十三条".into()),
            ("act_ended_on", today.clone()),
            ("violation", "超标排放水污染物".into()),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let case = to.unwrap();
    let head = pair(&sign_in(&app, "ju.head", DEMO_PASSWORD).await.2);
    let (_, before, _) = page(&app, &head, &case).await;
    assert!(
        before.contains("id=\"approve\"") && before.contains("待审批立案"),
        "{before}"
    );
    let (s, _, body) = post(
        head.clone(),
        format!("{case}/approve-registration"),
        vec![("version", "1".into()), ("text", "同意".into())],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (_, after, _) = page(&app, &head, &case).await;
    let year = &today[..4];
    assert!(
        after.contains(&format!("西环立（勐海）〔{year}〕1号")),
        "{after}"
    );
    assert!(after.contains("已立案"), "words, not codes");
    // The liaison sees its clue, now proposed, and not the case list.
    let (_, mine, _) = page(&app, &liaison, &clue).await;
    assert!(mine.contains("已提请立案"));
    assert!(!mine.contains("id=\"nav-cases\""));
}

on_both_backends!(a_liaisons_clue_through_the_pages);

/// Issue 20 point 3: a 12369 complaint's complainant is sealed whole — the clue and its ledger
/// entry hold only a reference — and shown unmasked only to the brigade and the detachment.
async fn a_complainant_is_sealed(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let liaison = app.login("mengzhe.liaison", DEMO_PASSWORD).await;
    let mut body = clue_body("532822");
    body["source"] = json!("complaint_12369");
    body["complainant"] = json!({"name": "玉香", "id_type": "resident_id",
        "id_number": "532822198805050022", "phone": "13900001111"});
    let r = app
        .client
        .post(app.url("/api/v1/clues"))
        .bearer_auth(&liaison)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let b: Value = r.json().await.unwrap();
    let reference = b["clue"]["complainant_reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let seq = b["events"][0]["seq"].as_i64().unwrap();
    let (_, entry, _) =
        get_with_etag(&app, &officer, &format!("/api/v1/ledger/entries/{seq}")).await;
    let entry = entry.to_string();
    assert!(
        !entry.contains("532822198805050022") && !entry.contains("玉香"),
        "{entry}"
    );
    let view = |token: String| {
        let url = app.url(&format!("/api/v1/sealed/{reference}/view"));
        let client = app.client.clone();
        async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"purpose": "回复举报人"}))
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    assert_eq!(
        view(liaison.clone()).await.0,
        403,
        "the liaison who reported it does not see it"
    );
    let (s, record) = view(officer.clone()).await;
    assert_eq!((s, record["record"]["name"].as_str()), (200, Some("玉香")));
    // Only a complaint has a complainant.
    let mut body = clue_body("532822");
    body["complainant"] = json!({"name": "某人"});
    let r = app
        .client
        .post(app.url("/api/v1/clues"))
        .bearer_auth(&officer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

on_both_backends!(a_complainant_is_sealed);

/// Issue 20 points 3 and 6: evidence may belong to a clue while it is open, a clue may name
/// evidence already recorded in its county, and a case takes evidence once registered — or
/// before, when it was proposed for investigation first (先行调查, `urgent`).
async fn evidence_for_clues_and_cases(app: TestApp) {
    use crate::evidence::{PNG, form, menghai_entity, on_site, upload};
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let jinghong = app.login("jinghong.officer", DEMO_PASSWORD).await;
    let id_of = |path: &str| path.rsplit('/').next().unwrap().to_owned();
    let evidence_on = |kind: &'static str, subject: String| {
        let mut fields = on_site();
        fields.insert(0, ("subject_type", kind));
        form(&subject, &fields, PNG)
    };

    // Evidence collected while verifying a clue names the clue.
    let clue = new_clue(&app, &officer, "532822").await;
    let (s, b) = upload(&app, &officer, evidence_on("clue", id_of(&clue))).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["subject_type"], "clue");
    let on_clue = b["id"].as_str().unwrap().to_owned();
    let (s, listed, _) = get_with_etag(
        &app,
        &officer,
        &format!("/api/v1/evidence?subject_id={}", id_of(&clue)),
    )
    .await;
    assert_eq!(s, 200, "{listed}");
    assert!(listed.to_string().contains(&on_clue), "{listed}");

    // A new clue may rest on evidence already recorded in its county, not on another's.
    let entity = menghai_entity(&app, &officer).await;
    let (s, b) = upload(&app, &officer, form(&entity, &on_site(), PNG)).await;
    assert_eq!(s, 201, "{b}");
    let of_entity = b["id"].as_str().unwrap().to_owned();
    let submit = |token: String, county: &'static str, ids: Value| {
        let app = &app;
        async move {
            let mut body = clue_body(county);
            body["evidence_ids"] = ids;
            let r = app
                .client
                .post(app.url("/api/v1/clues"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let log = app.log_size().await;
    let (s, b) = submit(
        officer.clone(),
        "532822",
        json!([of_entity, uuid::Uuid::now_v7()]),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (422, vec!["clue.evidence_unknown"]));
    assert_eq!(b["errors"][0]["field"], "evidence_ids[1]");
    let (s, b) = submit(jinghong.clone(), "532801", json!([of_entity])).await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["clue.evidence_unknown"]),
        "evidence of another county is unknown to the clue"
    );
    assert_eq!(app.log_size().await, log, "a refused clue writes nothing");
    let (s, b) = submit(officer.clone(), "532822", json!([of_entity])).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["clue"]["evidence_ids"], json!([of_entity]));

    // Proposed without investigation first: the case takes no evidence before registration,
    // and the clue, now registered, takes no more either.
    let (s, b) = act(&app, &officer, &clue, "register", register_body()).await;
    assert_eq!(s, 201, "{b}");
    let case = format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap());
    let (s, b) = upload(&app, &officer, evidence_on("case", id_of(&case))).await;
    assert_eq!(
        (s, error_codes(&b)),
        (
            409,
            vec![
                "evidence.case_not_registered",
                "evidence.not_assigned",
                "evidence.not_assigned"
            ]
        )
    );
    let (s, b) = upload(&app, &officer, evidence_on("clue", id_of(&clue))).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["evidence.subject_closed"]));
    let (s, b) = act(&app, &head, &case, "approve-registration", json!({})).await;
    assert_eq!(s, 200, "{b}");
    // Registered: its investigators collect its evidence, and no one else.
    let (s, b) = upload(&app, &officer, evidence_on("case", id_of(&case))).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["evidence.not_assigned", "evidence.not_assigned"])
    );
    let pair = json!({"officers": ["menghai.officer", "menghai.officer2"],
                      "lead": "menghai.officer"});
    let (s, b) = act(&app, &officer, &case, "assign-officers", pair.clone()).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = upload(&app, &officer, evidence_on("case", id_of(&case))).await;
    assert_eq!(s, 201, "{b}");

    // Investigation first: evidence before the head's approval.
    let urgent_clue = new_clue(&app, &officer, "532822").await;
    let mut body = register_body();
    body["urgent"] = json!(true);
    let (s, b) = act(&app, &officer, &urgent_clue, "register", body).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["case"]["urgent"], true);
    assert_eq!(b["case"]["stage"], "pending_registration");
    let urgent = b["case"]["id"].as_str().unwrap().to_owned();
    let (s, b) = act(
        &app,
        &officer,
        &format!("/api/v1/cases/{urgent}"),
        "assign-officers",
        pair,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = upload(&app, &officer, evidence_on("case", urgent)).await;
    assert_eq!(s, 201, "{b}");
}

on_both_backends!(evidence_for_clues_and_cases);
