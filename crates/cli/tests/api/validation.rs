//! Issue 18 (9): one class of fault — a field checked on one route and not on another. Walks the
//! OpenAPI document: every string property of every JSON request body (and the evidence upload's
//! multipart fields and tus metadata) refuses control characters with 422 naming the field, and
//! every county-like property or query parameter refuses a code outside `config/divisions.csv`,
//! with nothing written; on both backends.

use crate::entities::{get, new_entity};
use crate::evidence::{PNG, form as evidence_form, menghai_entity, on_site, upload};
use crate::helpers::ShiftedClock;
use crate::helpers::TestApp;
use crate::on_both_backends;
use app::Clock;
use app::seed::DEMO_PASSWORD;
use base64::Engine;
use domain::Timestamp;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A valid request for one operation with a JSON body: who calls it, where, and with what.
struct Example {
    user: Option<&'static str>,
    path: String,
    body: Value,
    /// The schema of a merge patch whose document says only "object".
    patch_of: Option<&'static str>,
    if_match: bool,
    /// Where the `ETag` for `If-Match` is read (the resource a command acts on), when not `path`.
    etag_from: Option<String>,
}

/// Operations whose bodies are not JSON; each is walked by a test of its own below.
const NOT_JSON: &[&str] = &[
    "POST /api/v1/entities/import",
    "POST /api/v1/evidence",
    // The bytes of a resumable upload; its fields (Upload-Metadata) are checked by
    // `evidence_fields_are_checked`.
    "PATCH /api/v1/uploads/{id}",
    // The bytes of a PDF to compare with the document issued.
    "POST /api/v1/verify/{code}",
    // A whole benchmark table (nested items, factors, tiers): its strings are checked by
    // `discretion::versions_are_proposed_approved_and_never_change`, each named by its path.
    "POST /api/v1/discretion/versions",
];

/// A field is county-like when its name says it holds a division code.
fn county_like(name: &str) -> bool {
    ["county", "counties", "jurisdiction", "division"]
        .iter()
        .any(|w| name.contains(w))
}

/// Values that must be refused in every single-line field; a multi-line field may keep CR and LF
/// but none of the others.
const SINGLE_LINE: &[&str] = &[
    "a\u{0}b",
    "a\u{1b}[31mb",
    "a\rb",
    "a\nb",
    "ab\n",
    "a\u{7f}b",
    "a\u{85}b",
];
const MULTI_LINE_BAD: &[&str] = &["a\u{0}b", "a\u{1b}[31mb", "a\u{7f}b", "a\u{9b}b"];

/// Multi-line free text, by `<operation> <property>`.
const MULTI_LINE: &[&str] = &[
    "post /api/v1/evidence/{id}/transfers reason",
    "post /api/v1/clues description",
    "post /api/v1/clues/{id}/register violation",
    "post /api/v1/clues/{id}/close reason",
    "post /api/v1/clues/{id}/transfer reason",
    "post /api/v1/cases/{id}/request-recusal grounds",
    "post /api/v1/cases/{id}/submit-investigation-report facts",
    "post /api/v1/cases/{id}/submit-investigation-report proposed_handling",
    "post /api/v1/cases/{id}/submit-investigation-report benchmark.departure_reason",
    "post /api/v1/cases/{id}/record-legal-review points[0].opinion",
    "post /api/v1/cases/{id}/record-deliberation opinions[0].opinion",
    "post /api/v1/cases/{id}/record-deliberation outcome",
    "post /api/v1/cases/{id}/decide reasons",
    "post /api/v1/cases/{id}/extend-deadline reason",
    "post /api/v1/cases/{id}/approve-extension reason",
    "post /api/v1/cases/{id}/record-performance note",
    "post /api/v1/cases/{id}/record-service late_reason",
    "post /api/v1/cases/{id}/record-service notice_grounds",
    "post /api/v1/cases/{id}/request-arrangement reason",
    "post /api/v1/cases/{id}/approve-arrangement reason",
    "post /api/v1/cases/{id}/close-case reason",
    "post /api/v1/cases/{id}/add-annex note",
    "post /api/v1/cases/{id}/withdraw-publication reason",
    "post /api/v1/cases/{id}/publish-decision summary",
    "post /api/v1/cases/{id}/record-case-review reasons",
    "post /api/v1/cases/{id}/record-interference how",
    "post /api/v1/cases/{id}/approve-preservation comment",
    "post /api/v1/cases/{id}/reject-preservation reason",
    "post /api/v1/cases/{id}/record-interference what_was_asked",
    "post /api/v1/cases/{id}/record-inspection observed",
    "post /api/v1/cases/{id}/record-inspection signature.refusal",
    "post /api/v1/cases/{id}/record-questioning exchanges[0].question",
    "post /api/v1/cases/{id}/record-questioning exchanges[0].answer",
    "post /api/v1/cases/{id}/record-questioning signature.refusal",
    "post /api/v1/cases/{id}/record-sampling signature.refusal",
    "post /api/v1/cases/{id}/decide-recusal reasons",
    "post /api/v1/cases/{id}/documents/{doc_id}/signatures reason",
    "post /api/v1/cases/{id}/issue-advance-notice facts",
    "post /api/v1/cases/{id}/issue-advance-notice reasons",
    "post /api/v1/cases/{id}/issue-advance-notice new_facts",
    "post /api/v1/cases/{id}/issue-advance-notice benchmark.departure_reason",
    "post /api/v1/cases/{id}/record-statement points[0]",
    "post /api/v1/cases/{id}/answer-statement answers[0].reason",
    "post /api/v1/cases/{id}/documents/{doc_id}/signatures officers_note",
    "post /api/v1/clues/{id}/extend-registration reason",
    "post /api/v1/clues/{id}/approve-extension comment",
    "post /api/v1/clues/{id}/reject-extension reason",
    "post /api/v1/cases/{id}/approve-registration comment",
    "post /api/v1/cases/{id}/reject-registration reason",
    "post /api/v1/cases/{id}/cancel-registration reason",
    "post /api/v1/cases/{id}/approve-cancellation comment",
    "post /api/v1/cases/{id}/reject-cancellation reason",
    "post /api/v1/sealed/{reference}/view purpose",
    "post /api/v1/sealed/{reference}/erase reason",
];

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn is_string(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

fn is_array(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "array",
        Value::Array(ts) => ts.iter().any(|t| t == "array"),
        _ => false,
    }
}

/// Every string leaf of a schema: (path in the body as a JSON pointer list, field name as the
/// API names it in errors, whether it is an array of strings).
fn string_leaves(doc: &Value, schema: &Value, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let schema = resolve(doc, schema);
    let Some(props) = schema["properties"].as_object() else {
        return;
    };
    for (name, prop) in props {
        let prop = match prop.get("oneOf").and_then(|o| o.as_array()) {
            Some(alts) => alts.iter().find(|a| !a["$ref"].is_null()).unwrap_or(prop),
            None => prop,
        };
        let prop = resolve(doc, prop);
        let mut path = prefix.to_vec();
        path.push(name.clone());
        if is_string(prop) {
            out.push(path);
        } else if is_array(prop) {
            let items = resolve(doc, &prop["items"]);
            path.push("0".into());
            if is_string(items) {
                out.push(path);
            } else {
                string_leaves(doc, items, &path, out);
            }
        } else if prop["properties"].is_object() {
            string_leaves(doc, prop, &path, out);
        }
    }
}

/// The error name of a body path: `outlets[0].name`.
fn field_name(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        if p.parse::<usize>().is_ok() {
            s.push_str(&format!("[{p}]"));
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(p);
        }
    }
    s
}

/// The body with the value at `path` replaced; an array or object missing on the way is created.
fn with_value(body: &Value, path: &[String], value: Value) -> Value {
    let mut body = body.clone();
    let mut at = &mut body;
    for (i, p) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        if let Ok(n) = p.parse::<usize>() {
            if !at.is_array() {
                *at = json!([]);
            }
            let a = at.as_array_mut().unwrap();
            while a.len() <= n {
                a.push(if last { Value::Null } else { json!({}) });
            }
            at = &mut a[n];
        } else {
            if !at.is_object() {
                *at = json!({});
            }
            at = at
                .as_object_mut()
                .unwrap()
                .entry(p.clone())
                .or_insert(Value::Null);
        }
    }
    *at = value;
    body
}

/// Does the problem name `field` (exactly, or a part of it such as `counties[0]`)?
fn names_field(body: &Value, field: &str) -> bool {
    let top = field.split(['.', '[']).next().unwrap_or(field);
    body["errors"].as_array().is_some_and(|errs| {
        errs.iter().any(|e| {
            e["field"]
                .as_str()
                .is_some_and(|f| f == field || f.starts_with(field) || f == top)
        })
    })
}

async fn send(
    app: &TestApp,
    method: &str,
    ex: &Example,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let url = app.url(&ex.path);
    let mut req = match method {
        "post" => app.client.post(url),
        "put" => app.client.put(url),
        "patch" => app.client.patch(url),
        other => panic!("no example sender for {other}"),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if ex.if_match {
        let (s, b) = {
            let r = app
                .client
                .get(app.url(ex.etag_from.as_deref().unwrap_or(&ex.path)))
                .bearer_auth(token.unwrap())
                .send()
                .await
                .unwrap();
            let etag = r.headers()["etag"].to_str().unwrap().to_owned();
            (etag, r.status())
        };
        assert_eq!(b, 200);
        req = req.header("if-match", s);
    }
    let req = if method == "patch" {
        req.header("content-type", "application/merge-patch+json")
            .body(body.to_string())
    } else {
        req.json(body)
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn examples(app: &TestApp, clock: &ShiftedClock) -> BTreeMap<String, Example> {
    let mut m = proceedings_examples(app, clock).await;
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(app, &officer).await;
    let (s, b) = upload(app, &officer, evidence_form(&entity, &on_site(), PNG)).await;
    assert_eq!(s, 201, "{b}");
    let evidence = b["id"].as_str().unwrap().to_owned();
    let (s, units) = get(app, &officer, "/api/v1/units").await;
    assert_eq!(s, 200);
    let unit = units["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "menghai-brigade")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Two records: the erase example, once valid, leaves nothing for the view to find.
    let viewed = crate::sealed::seal(app, "532822", &crate::sealed::party()).await;
    let erased = crate::sealed::seal(app, "532822", &crate::sealed::party()).await;
    let mut entity_patch = new_entity("532822", 1);
    entity_patch.as_object_mut().unwrap().remove("uscc");
    let ex = |user, path: String, body| Example {
        user,
        path,
        body,
        patch_of: None,
        if_match: false,
        etag_from: None,
    };
    // (the proceedings' examples are in `m` already)
    m.insert(
        "post /api/v1/admin/users".into(),
        ex(
            Some("admin"),
            "/api/v1/admin/users".into(),
            json!({"username": "new.user", "display_name": "新用户", "unit_code": "xsbn-detachment"}),
        ),
    );
    m.insert(
        "put /api/v1/admin/users/{username}".into(),
        ex(
            Some("admin"),
            "/api/v1/admin/users/menghai.officer2".into(),
            json!({"display_name": "勐海执法员二", "unit_code": "menghai-brigade"}),
        ),
    );
    m.insert(
        "put /api/v1/admin/users/{username}/access".into(),
        ex(
            Some("secadmin"),
            "/api/v1/admin/users/menghai.officer2/access".into(),
            json!({"roles": ["brigade_officer"], "counties": ["532822"]}),
        ),
    );
    m.insert(
        "put /api/v1/admin/users/{username}/certificate".into(),
        ex(
            Some("admin"),
            "/api/v1/admin/users/menghai.officer2/certificate".into(),
            json!({"number": "YN-TEST-1", "issuing_authority": "云南省人民政府",
                   "valid_from": "2026-01-01", "valid_until": "2030-12-31"}),
        ),
    );
    m.insert(
        "put /api/v1/admin/users/{username}/legal-qualification".into(),
        ex(
            Some("admin"),
            "/api/v1/admin/users/menghai.officer2/legal-qualification".into(),
            json!({"reviewer_since": "2023-05-04", "number": "A20235300000001"}),
        ),
    );
    m.insert(
        "post /api/v1/auth/login".into(),
        ex(
            None,
            "/api/v1/auth/login".into(),
            json!({"username": "jinghong.officer", "password": DEMO_PASSWORD, "totp": null}),
        ),
    );
    m.insert(
        "post /api/v1/auth/password".into(),
        ex(
            Some("mengla.officer"),
            "/api/v1/auth/password".into(),
            json!({"current": DEMO_PASSWORD, "new": "Valid!Pass2026x"}),
        ),
    );
    m.insert(
        "post /api/v1/entities".into(),
        ex(
            Some("menghai.officer"),
            "/api/v1/entities".into(),
            new_entity("532822", 1),
        ),
    );
    m.insert(
        "patch /api/v1/entities/{id}".into(),
        Example {
            user: Some("menghai.officer"),
            path: format!("/api/v1/entities/{entity}"),
            body: entity_patch,
            patch_of: Some("EntityBody"),
            if_match: true,
            etag_from: None,
        },
    );
    m.insert(
        "post /api/v1/evidence/{id}/transfers".into(),
        ex(
            Some("menghai.officer"),
            format!("/api/v1/evidence/{evidence}/transfers"),
            json!({"to": "zhidui.officer", "reason": "移交法制审核\r\n第二行\t附注"}),
        ),
    );
    m.insert(
        "post /api/v1/sealed/{reference}/view".into(),
        ex(
            Some("zhidui.officer"),
            format!("/api/v1/sealed/{viewed}/view"),
            json!({"purpose": "核对当事人身份\r\n送达前\t核对地址"}),
        ),
    );
    m.insert(
        "post /api/v1/sealed/{reference}/erase".into(),
        ex(
            Some("zhidui.lead"),
            format!("/api/v1/sealed/{erased}/erase"),
            json!({"reason": "当事人依法申请删除\r\n经审查同意"}),
        ),
    );
    m.insert(
        "post /api/v1/units".into(),
        ex(
            Some("admin"),
            "/api/v1/units".into(),
            json!({"code": "xsbn-test-unit", "kind": "partner_agency", "name_zh": "测试单位",
                   "name_en": "Test Unit", "parent_id": null, "division_code": "532800"}),
        ),
    );
    m.insert(
        "patch /api/v1/units/{id}".into(),
        Example {
            user: Some("admin"),
            path: format!("/api/v1/units/{unit}"),
            body: json!({"name_zh": "勐海县综合行政执法大队", "name_en": "Menghai Brigade"}),
            patch_of: None,
            if_match: true,
            etag_from: None,
        },
    );
    // Clues and cases (issue 20): each command on a clue or case of its own, in the stage the
    // command takes.
    use crate::cases::{act, new_clue, proposed_case, register_body};
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    m.insert(
        "post /api/v1/clues".into(),
        ex(Some("menghai.officer"), "/api/v1/clues".into(), {
            // A complaint, so the complainant's fields are walked too.
            let mut b = crate::cases::clue_body("532822");
            b["source"] = json!("complaint_12369");
            b["complainant"] = json!({"name": "玉香", "id_type": "resident_id",
                    "id_number": "532822198805050022", "phone": "13900001111",
                    "contact": "勐遮镇曼令村"});
            b
        }),
    );
    let on = |user: &'static str, resource: String, verb: &str, body: Value| Example {
        user: Some(user),
        path: format!("{resource}/{verb}"),
        body,
        patch_of: None,
        if_match: true,
        etag_from: Some(resource),
    };
    for (verb, body) in [
        ("register", register_body()),
        ("close", json!({"reason": "经核查不属于环境违法行为"})),
    ] {
        let clue = new_clue(app, &officer, "532822").await;
        m.insert(
            format!("post /api/v1/clues/{{id}}/{verb}"),
            on("menghai.officer", clue, verb, body),
        );
    }
    for (verb, body) in [
        ("approve-registration", json!({"comment": "同意"})),
        ("reject-registration", json!({"reason": "证据不足"})),
    ] {
        let case = proposed_case(app, &officer).await;
        m.insert(
            format!("post /api/v1/cases/{{id}}/{verb}"),
            on("ju.head", case, verb, body),
        );
    }
    for (verb, user, body) in [
        (
            "cancel-registration",
            "menghai.officer",
            json!({"reason": "不符合立案条件"}),
        ),
        (
            "approve-cancellation",
            "ju.head",
            json!({"comment": "同意撤销"}),
        ),
        (
            "reject-cancellation",
            "ju.head",
            json!({"reason": "继续调查"}),
        ),
    ] {
        let case = proposed_case(app, &officer).await;
        let (s, b) = act(app, &head, &case, "approve-registration", json!({})).await;
        assert_eq!(s, 200, "{b}");
        if verb != "cancel-registration" {
            let (s, b) = act(
                app,
                &officer,
                &case,
                "cancel-registration",
                json!({"reason": "x"}),
            )
            .await;
            assert_eq!(s, 200, "{b}");
        }
        m.insert(
            format!("post /api/v1/cases/{{id}}/{verb}"),
            on(user, case, verb, body),
        );
    }
    // Triage: a clue received today, so its time to decide has not run out whenever this runs.
    let today_clue = || async {
        let mut b = crate::cases::clue_body("532822");
        b["received_on"] = json!(app.app.today().to_string());
        let r = app
            .client
            .post(app.url("/api/v1/clues"))
            .bearer_auth(&officer)
            .json(&b)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.headers()["location"].to_str().unwrap().to_owned()
    };
    let target = proposed_case(app, &officer).await;
    let target_id = target.rsplit('/').next().unwrap().to_owned();
    let today = app.app.today().to_string();
    for (verb, body) in [
        ("merge", json!({"case_id": target_id})),
        (
            "transfer",
            json!({"to": "勐海县公安局", "reason": "涉嫌污染环境罪\r\n移送公安机关",
                   "letter_on": today}),
        ),
        (
            "extend-registration",
            json!({"reason": "需调取监测数据\r\n核实"}),
        ),
    ] {
        let clue = today_clue().await;
        m.insert(
            format!("post /api/v1/clues/{{id}}/{verb}"),
            on("menghai.officer", clue, verb, body),
        );
    }
    for (verb, body) in [
        ("approve-extension", json!({"comment": "同意\r\n延长"})),
        ("reject-extension", json!({"reason": "理由不充分"})),
    ] {
        let clue = today_clue().await;
        let (s, b) = act(
            app,
            &officer,
            &clue,
            "extend-registration",
            json!({"reason": "x"}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        m.insert(
            format!("post /api/v1/clues/{{id}}/{verb}"),
            on("ju.head", clue, verb, body),
        );
    }
    let unidentified = {
        let clue = new_clue(app, &officer, "532822").await;
        let mut body = register_body();
        body["party"] = json!({"kind": "unidentified"});
        let (s, b) = act(app, &officer, &clue, "register", body).await;
        assert_eq!(s, 201, "{b}");
        format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap())
    };
    let registered = proposed_case(app, &officer).await;
    let (s, b) = act(app, &head, &registered, "approve-registration", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let recusing = proposed_case(app, &officer).await;
    let (s, b) = act(app, &head, &recusing, "approve-registration", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let pair = json!({"officers": ["menghai.officer", "menghai.officer2"],
                      "lead": "menghai.officer"});
    let (s, b) = act(app, &officer, &recusing, "assign-officers", pair).await;
    assert_eq!(s, 200, "{b}");
    m.insert(
        "post /api/v1/cases/{id}/request-recusal".into(),
        on(
            "menghai.officer",
            recusing.clone(),
            "request-recusal",
            json!({"officer": "menghai.officer2", "grounds": "系当事人近亲属\r\n申请回避",
                   "by": "party"}),
        ),
    );
    let decided = proposed_case(app, &officer).await;
    let (s, b) = act(app, &head, &decided, "approve-registration", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let pair = json!({"officers": ["menghai.officer", "menghai.officer2"],
                      "lead": "menghai.officer"});
    let (s, b) = act(app, &officer, &decided, "assign-officers", pair).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        app,
        &officer,
        &decided,
        "request-recusal",
        json!({"officer": "menghai.officer2", "grounds": "x", "by": "officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let pair = ["menghai.officer", "menghai.officer2"];
    for (verb, body) in [
        ("record-inspection", crate::records::inspection(&pair)),
        ("record-questioning", crate::records::questioning(&pair)),
        ("record-sampling", crate::records::sampling(&pair)),
    ] {
        let case = proposed_case(app, &officer).await;
        let (s, b) = act(app, &head, &case, "approve-registration", json!({})).await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = act(
            app,
            &officer,
            &case,
            "assign-officers",
            json!({"officers": pair, "lead": "menghai.officer"}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let mut body = body;
        body["signature"] = json!({"signed": false, "refusal": "拒绝签字\r\n见证人签名"});
        m.insert(
            format!("post /api/v1/cases/{{id}}/{verb}"),
            on("menghai.officer", case, verb, body),
        );
    }
    let team_case = || async {
        let case = proposed_case(app, &officer).await;
        let (s, b) = act(app, &head, &case, "approve-registration", json!({})).await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = act(
            app,
            &officer,
            &case,
            "assign-officers",
            json!({"officers": ["menghai.officer", "menghai.officer2"], "lead": "menghai.officer"}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        case
    };
    let report = json!({
        "facts": "超标排放\r\n废水", "evidence_ids": [],
        "proposed_handling": "罚款\r\n十万元",
        "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]
    });
    // The example with a benchmark that departs, so every string of it is sent.
    let mut report_benchmark = report.clone();
    report_benchmark["proposed_fine_fen"] = json!(15_000_000);
    report_benchmark["benchmark"] = json!({"item": "air_99_2", "version": "gd-model-1",
        "facts": {"pollutant_class": "b_class"}, "circumstances": ["corrected_on_its_own"],
        "departure_reason": "当事人\r\n主动整改"});
    let reporting = team_case().await;
    m.insert(
        "post /api/v1/cases/{id}/submit-investigation-report".into(),
        on(
            "menghai.officer",
            reporting,
            "submit-investigation-report",
            report_benchmark,
        ),
    );
    let reviewing = team_case().await;
    let (s, b) = act(
        app,
        &officer,
        &reviewing,
        "submit-investigation-report",
        report,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    m.insert(
        "post /api/v1/cases/{id}/record-case-review".into(),
        on(
            "fazhi.reviewer",
            reviewing,
            "record-case-review",
            json!({"opinion": "supplementary_investigation", "reasons": "缺少\r\n监测报告",
                   "flags": ["complex"]}),
        ),
    );
    let preserve = |emergency: bool| {
        json!({
        "items": [{"description": "台账", "quantity": "3 本", "kept_at": "证物室"}],
        "officers": ["menghai.officer", "menghai.officer2"], "emergency": emergency})
    };
    let preserving = team_case().await;
    m.insert(
        "post /api/v1/cases/{id}/preserve-evidence".into(),
        on(
            "menghai.officer",
            preserving,
            "preserve-evidence",
            preserve(false),
        ),
    );
    for (verb, body) in [
        ("approve-preservation", json!({"comment": "同意\r\n保存"})),
        ("reject-preservation", json!({"reason": "不必\r\n保存"})),
    ] {
        let case = team_case().await;
        let (s, b) = act(app, &officer, &case, "preserve-evidence", preserve(false)).await;
        assert_eq!(s, 200, "{b}");
        m.insert(
            format!("post /api/v1/cases/{{id}}/{verb}"),
            on("ju.head", case, verb, body),
        );
    }
    let deciding = team_case().await;
    let (s, b) = act(
        app,
        &officer,
        &deciding,
        "preserve-evidence",
        preserve(true),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    m.insert(
        "post /api/v1/cases/{id}/decide-preserved".into(),
        on(
            "menghai.officer",
            deciding,
            "decide-preserved",
            json!({"action": "release"}),
        ),
    );
    let interfered = proposed_case(app, &officer).await;
    m.insert(
        "post /api/v1/cases/{id}/record-interference".into(),
        Example {
            user: Some("menghai.officer"),
            path: format!("{interfered}/record-interference"),
            body: json!({"who": "某领导", "when": "2026-12-01T09:00:00+08:00",
                         "how": "电话\r\n后又来访", "what_was_asked": "从轻\r\n处理"}),
            patch_of: None,
            if_match: false,
            etag_from: None,
        },
    );
    // A case reviewed with agreement, for the advance notice.
    let noticing = team_case().await;
    let (s, b) = act(
        app,
        &officer,
        &noticing,
        "submit-investigation-report",
        json!({"facts": "超标排放", "evidence_ids": [], "proposed_handling": "罚款",
               "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let (s, b) = act(
        app,
        &reviewer,
        &noticing,
        "record-case-review",
        json!({"opinion": "agree"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Cases reviewed with agreement: for legal review one to send and one sent; one for the
    // heads' deliberation, one to decide.
    let mut agreed = Vec::new();
    for _ in 0..4 {
        let c = team_case().await;
        for (token, verb, body) in [
            (
                &officer,
                "submit-investigation-report",
                json!({"facts": "超标排放", "evidence_ids": [], "proposed_handling": "罚款",
                       "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]}),
            ),
            (&reviewer, "record-case-review", json!({"opinion": "agree"})),
        ] {
            let (s, b) = act(app, token, &c, verb, body).await;
            assert_eq!(s, 200, "{b}");
        }
        agreed.push(c);
    }
    let fine = json!({"penalties": [{"type": "fine", "amount_fen": 10_000_000}]});
    let (s, b) = act(
        app,
        &officer,
        &agreed[1],
        "submit-for-legal-review",
        fine.clone(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    m.insert(
        "post /api/v1/cases/{id}/submit-for-legal-review".into(),
        on(
            "menghai.officer",
            agreed[0].clone(),
            "submit-for-legal-review",
            fine,
        ),
    );
    let points: Vec<Value> = [
        "authority",
        "facts",
        "evidence",
        "legal_basis",
        "procedure",
        "discretion",
    ]
    .iter()
    .map(|p| json!({"point": p, "opinion": "符合\r\n规定", "passed": true}))
    .collect();
    m.insert(
        "post /api/v1/cases/{id}/record-legal-review".into(),
        on(
            "fazhi.reviewer",
            agreed[1].clone(),
            "record-legal-review",
            json!({"points": points, "passed": true}),
        ),
    );
    let head_opinions = json!([{"member": "ju.head", "opinion": "同意\r\n处罚"},
                               {"member": "ju.deputy", "opinion": "同意"}]);
    m.insert(
        "post /api/v1/cases/{id}/record-deliberation".into(),
        on(
            "ju.head",
            agreed[2].clone(),
            "record-deliberation",
            json!({"purpose": "decision", "attendees": ["ju.head", "ju.deputy"],
                   "opinions": head_opinions, "outcome": "同意\r\n处罚"}),
        ),
    );
    m.insert(
        "post /api/v1/cases/{id}/decide".into(),
        on(
            "ju.head",
            agreed[3].clone(),
            "decide",
            json!({"outcome": "not_established", "penalties": [], "reasons": "证据\r\n不足"}),
        ),
    );
    let extending = team_case().await;
    m.insert(
        "post /api/v1/cases/{id}/extend-deadline".into(),
        on(
            "menghai.officer",
            extending,
            "extend-deadline",
            json!({"days": 30, "reason": "需要\r\n鉴定"}),
        ),
    );
    let approving = team_case().await;
    let (s, b) = act(
        app,
        &officer,
        &approving,
        "extend-deadline",
        json!({"days": 30, "reason": "需要鉴定"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    m.insert(
        "post /api/v1/cases/{id}/approve-extension".into(),
        on(
            "ju.head",
            approving,
            "approve-extension",
            json!({"approved": true, "reason": "同意\r\n延长"}),
        ),
    );
    // Decided cases, their decisions served: to pay, to ask to defer, to answer that, to close.
    let proof_of = |case: String| async move {
        let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
        crate::proceedings::case_evidence(app, &officer, &case, clock).await
    };
    let paying = crate::decision::performing_case(app, clock).await;
    let proof = proof_of(paying.clone()).await;
    m.insert(
        "post /api/v1/cases/{id}/record-performance".into(),
        on(
            "menghai.officer",
            paying.clone(),
            "record-performance",
            json!({"kind": "payment", "amount_fen": 100_000, "on": clock.now().china_date().to_string(),
                   "evidence_id": proof, "note": "银行\r\n回单"}),
        ),
    );
    let deferring = crate::decision::performing_case(app, clock).await;
    let proof = proof_of(deferring.clone()).await;
    let later = (clock.now().china_date() + chrono::Days::new(60)).to_string();
    let arrangement = json!({"schedule": [{"due_on": later, "amount_fen": 600_000}],
                             "reason": "资金\r\n困难", "received_on": clock.now().china_date().to_string(),
                             "evidence_id": proof});
    m.insert(
        "post /api/v1/cases/{id}/request-arrangement".into(),
        on(
            "menghai.officer",
            deferring,
            "request-arrangement",
            arrangement.clone(),
        ),
    );
    let answering = crate::decision::performing_case(app, clock).await;
    let proof = proof_of(answering.clone()).await;
    let mut asked = arrangement.clone();
    asked["evidence_id"] = json!(proof);
    let (s, b) = act(app, &officer, &answering, "request-arrangement", asked).await;
    assert_eq!(s, 200, "{b}");
    m.insert(
        "post /api/v1/cases/{id}/approve-arrangement".into(),
        on(
            "ju.head",
            answering,
            "approve-arrangement",
            json!({"approved": true, "reason": "同意\r\n分期"}),
        ),
    );
    let publishing = crate::decision::performing_case(app, clock).await;
    m.insert(
        "post /api/v1/cases/{id}/publish-decision".into(),
        on(
            "menghai.officer",
            publishing.clone(),
            "publish-decision",
            json!({"summary": "超标\r\n排放"}),
        ),
    );
    let withdrawing = crate::decision::performing_case(app, clock).await;
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (s, b) = crate::cases::act(
        app,
        &officer,
        &withdrawing,
        "publish-decision",
        json!({"summary": "超标排放"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    m.insert(
        "post /api/v1/cases/{id}/withdraw-publication".into(),
        on(
            "ju.head",
            withdrawing,
            "withdraw-publication",
            json!({"ground": "changed", "reason": "决定\r\n变更", "changed_on": clock.now().china_date().to_string()}),
        ),
    );
    let filing = crate::archive::closed_case(app, clock).await;
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let letter = crate::proceedings::case_evidence(app, &officer, &filing, clock).await;
    m.insert(
        "post /api/v1/cases/{id}/file-upward".into(),
        on(
            "menghai.officer",
            filing,
            "file-upward",
            json!({"filed_on": clock.now().china_date().to_string(), "reference": "西环备〔2026〕1号",
                   "evidence_id": letter}),
        ),
    );
    let annexing = crate::archive::archived_case(app, clock).await;
    m.insert(
        "post /api/v1/cases/{id}/add-annex".into(),
        on(
            "menghai.officer",
            annexing,
            "add-annex",
            json!({"kind": "court", "note": "一审\r\n维持"}),
        ),
    );
    let closing = crate::decision::performing_case(app, clock).await;
    m.insert(
        "post /api/v1/cases/{id}/close-case".into(),
        on(
            "ju.head",
            closing,
            "close-case",
            json!({"ground": "other_approved", "reason": "经\r\n批准"}),
        ),
    );
    m.insert(
        "post /api/v1/cases/{id}/issue-advance-notice".into(),
        on(
            "menghai.officer",
            noticing,
            "issue-advance-notice",
            json!({"penalties": [{"type": "fine", "amount_fen": 10_000_000}],
                   "facts": "超标\r\n排放", "reasons": "违反\r\n规定", "new_facts": "",
                   "benchmark": {"item": "air_99_2", "version": "gd-model-1",
                                 "facts": {"timing": "normal"}, "circumstances": ["coerced"],
                                 "departure_reason": "危害\r\n较小"},
                   "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]}),
        ),
    );
    // A record, and its document issued, for the documents' bodies.
    let recorded = team_case().await;
    let (s, b) = act(
        app,
        &officer,
        &recorded,
        "record-inspection",
        crate::records::inspection(&["menghai.officer", "menghai.officer2"]),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, records) = get(app, &officer, &format!("{recorded}/records")).await;
    let record = records[0]["record"]["id"].as_str().unwrap().to_owned();
    m.insert(
        "post /api/v1/cases/{id}/documents".into(),
        Example {
            user: Some("menghai.officer"),
            path: format!("{recorded}/documents"),
            body: json!({"kind": "inspection_record", "subject": record}),
            patch_of: None,
            if_match: true,
            etag_from: Some(recorded.clone()),
        },
    );
    let signing = team_case().await;
    let (s, b) = act(
        app,
        &officer,
        &signing,
        "record-inspection",
        crate::records::inspection(&["menghai.officer", "menghai.officer2"]),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, records) = get(app, &officer, &format!("{signing}/records")).await;
    let record = records[0]["record"]["id"].as_str().unwrap().to_owned();
    let (s, b) = crate::case_documents::issue(
        app,
        &officer,
        &signing,
        json!({"kind": "inspection_record", "subject": record}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let doc = b["document"]["id"].as_str().unwrap().to_owned();
    m.insert(
        "post /api/v1/cases/{id}/documents/{doc_id}/signatures".into(),
        Example {
            user: Some("menghai.officer"),
            path: format!("{signing}/documents/{doc}/signatures"),
            body: json!({"reason": "称需请示\r\n负责人", "officers_note": "当场宣读\r\n后拒签",
                         "witness": "村委会主任岩香", "video_evidence_id": null}),
            patch_of: None,
            if_match: false,
            etag_from: None,
        },
    );
    m.insert(
        "post /api/v1/cases/{id}/decide-recusal".into(),
        on(
            "ju.head",
            decided,
            "decide-recusal",
            json!({"officer": "menghai.officer2", "granted": true,
                   "reasons": "理由成立\r\n同意回避", "collective_deliberation": false}),
        ),
    );
    m.insert(
        "post /api/v1/cases/{id}/assign-officers".into(),
        on(
            "menghai.officer",
            registered,
            "assign-officers",
            json!({"officers": ["menghai.officer", "menghai.officer2"],
                   "lead": "menghai.officer", "assistants": ["menghai.aux"]}),
        ),
    );
    m.insert(
        "post /api/v1/cases/{id}/identify-party".into(),
        on(
            "menghai.officer",
            unidentified,
            "identify-party",
            json!({"party": {"kind": "person", "name": "玉香", "id_type": "resident_id",
                "id_number": "532822198805050022", "address": "勐遮镇曼令村",
                "phone": "13900001111"}}),
        ),
    );
    m
}

/// Every string property of every JSON request body refuses control characters, and every
/// county-like one a code outside `config/divisions.csv`; the valid example then succeeds.
async fn every_string_of_every_body_is_checked(app: TestApp, clock: Arc<ShiftedClock>) {
    // Seeded 40 days back, so the cases of the hearing examples can be walked from then.
    clock.shift(-chrono::Duration::days(40));
    app.app.seed_demo().await.unwrap();
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    let examples = examples(&app, &clock).await;
    let mut tokens = BTreeMap::new();
    let mut seen = Vec::new();
    let mut failures = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(content) = op["requestBody"]["content"].as_object() else {
                continue;
            };
            let key = format!("{method} {path}");
            if NOT_JSON.contains(&format!("{} {path}", method.to_uppercase()).as_str()) {
                continue;
            }
            let ex = examples.get(&key).unwrap_or_else(|| {
                panic!("{key} has a JSON body but no valid example here: add one")
            });
            seen.push(key.clone());
            let (_, media) = content.iter().next().unwrap();
            let schema = match ex.patch_of {
                Some(name) => &doc["components"]["schemas"][name],
                None => &media["schema"],
            };
            let mut leaves = Vec::new();
            string_leaves(&doc, schema, &[], &mut leaves);
            assert!(
                !leaves.is_empty(),
                "{key}: the document names no string property (a bare `object` schema needs \
                 `patch_of`)"
            );
            let token = match ex.user {
                None => None,
                Some(u) => {
                    if !tokens.contains_key(u) {
                        tokens.insert(u, app.login(u, DEMO_PASSWORD).await);
                    }
                    Some(tokens[u].clone())
                }
            };
            for leaf in &leaves {
                let field = field_name(leaf);
                let name = leaf
                    .iter()
                    .rev()
                    .find(|p| p.parse::<usize>().is_err())
                    .unwrap();
                let multi = MULTI_LINE.contains(&format!("{key} {field}").as_str());
                let mut values: Vec<&str> = if multi {
                    MULTI_LINE_BAD.to_vec()
                } else {
                    SINGLE_LINE.to_vec()
                };
                if county_like(name) {
                    values.extend(["999999", "532899"]);
                }
                for bad in values {
                    let body = with_value(&ex.body, leaf, json!(bad));
                    let log = app.log_size().await;
                    let (s, b) = send(&app, method, ex, token.as_deref(), &body).await;
                    if s != 422 || !names_field(&b, &field) {
                        failures.push(format!("{key} {field}={bad:?}: {s} {b}"));
                    }
                    if app.log_size().await != log {
                        failures.push(format!("{key} {field}={bad:?} wrote to the ledger"));
                    }
                }
            }
            // The example itself is valid, so each 422 above was that field's.
            let (s, b) = send(&app, method, ex, token.as_deref(), &ex.body).await;
            if !(200..300).contains(&s) {
                failures.push(format!("{key}: the valid example answers {s} {b}"));
            }
        }
    }
    for key in examples.keys() {
        assert!(
            seen.contains(key),
            "{key} is in the table but not in the document"
        );
    }
    assert!(
        failures.is_empty(),
        "{} fields accept what they must refuse:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every string query parameter refuses control characters; county-like ones unknown codes.
async fn every_query_parameter_is_checked(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let auditor = app.login("auditadmin", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &officer).await;
    let (s, b) = upload(&app, &officer, evidence_form(&entity, &on_site(), PNG)).await;
    assert_eq!(s, 201, "{b}");
    let evidence = b["id"].as_str().unwrap().to_owned();
    // (operation, who, concrete path)
    let bases: BTreeMap<&str, (&str, String)> = [
        (
            "get /api/v1/admin/audit/{trail}",
            (auditor.as_str(), "/api/v1/admin/audit/events".to_owned()),
        ),
        (
            "get /api/v1/entities",
            (officer.as_str(), "/api/v1/entities".to_owned()),
        ),
        (
            "get /api/v1/evidence",
            (officer.as_str(), "/api/v1/evidence".to_owned()),
        ),
        (
            "get /api/v1/evidence/{id}/content",
            (
                officer.as_str(),
                format!("/api/v1/evidence/{evidence}/content"),
            ),
        ),
        (
            "get /api/v1/ledger/proof/consistency",
            (
                officer.as_str(),
                "/api/v1/ledger/proof/consistency?from=1&to=2".to_owned(),
            ),
        ),
        (
            "get /api/v1/ledger/proof/inclusion",
            (
                officer.as_str(),
                "/api/v1/ledger/proof/inclusion?index=0&size=2".to_owned(),
            ),
        ),
        (
            "post /api/v1/entities/import",
            (officer.as_str(), "/api/v1/entities/import".to_owned()),
        ),
        (
            "get /api/v1/clues",
            (officer.as_str(), "/api/v1/clues".to_owned()),
        ),
        (
            "get /api/v1/cases",
            (officer.as_str(), "/api/v1/cases".to_owned()),
        ),
        (
            "get /api/v1/interference",
            (head.as_str(), "/api/v1/interference".to_owned()),
        ),
        (
            "get /api/v1/deadlines",
            (officer.as_str(), "/api/v1/deadlines".to_owned()),
        ),
    ]
    .into_iter()
    .collect();
    let mut failures = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(params) = op["parameters"].as_array() else {
                continue;
            };
            let key = format!("{method} {path}");
            for p in params.iter().filter(|p| p["in"] == "query") {
                let (token, base) = bases
                    .get(key.as_str())
                    .unwrap_or_else(|| panic!("{key} has query parameters but no base here"));
                let name = p["name"].as_str().unwrap();
                let mut values = vec!["a\u{0}b", "a\u{1b}b", "a\nb"];
                if county_like(name) {
                    values.extend(["999999", "532899"]);
                }
                for bad in values {
                    // The base's own value of this parameter gives way to the bad one.
                    let mut url = reqwest::Url::parse(&app.url(base)).unwrap();
                    let others: Vec<(String, String)> = url
                        .query_pairs()
                        .filter(|(k, _)| k != name)
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    url.query_pairs_mut()
                        .clear()
                        .extend_pairs(others)
                        .append_pair(name, bad);
                    let log = app.log_size().await;
                    let req = if method == "post" {
                        app.client
                            .post(url)
                            .multipart(reqwest::multipart::Form::new())
                    } else {
                        app.client.get(url)
                    };
                    let r = req.bearer_auth(token).send().await.unwrap();
                    let s = r.status().as_u16();
                    let b: Value = r.json().await.unwrap_or(Value::Null);
                    if s != 422 || !names_field(&b, name) {
                        failures.push(format!("{key} ?{name}={bad:?}: {s} {b}"));
                    }
                    if app.log_size().await != log {
                        failures.push(format!("{key} ?{name}={bad:?} wrote to the ledger"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} query parameters accept what they must refuse:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The evidence upload's text fields, multipart and tus alike; the file name too.
async fn evidence_fields_are_checked(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let mut failures = Vec::new();
    let fields: Vec<&str> = on_site().iter().map(|(k, _)| *k).collect();
    let mut names: Vec<&str> = fields.clone();
    names.dedup();
    for name in names.iter().copied().chain(["subject_id", "subject_type"]) {
        for bad in SINGLE_LINE {
            let mut given: Vec<(&str, String)> = on_site()
                .into_iter()
                .map(|(k, v)| (k, v.to_owned()))
                .collect();
            let mut subject = entity.clone();
            if name == "subject_id" {
                subject = format!("{entity}{bad}");
            } else if let Some(slot) = given.iter_mut().rev().find(|(k, _)| *k == name) {
                // A value that keeps its meaning around the bad character, where it has one.
                slot.1 = if name == "title" || name == "device" {
                    format!("{}{bad}", slot.1)
                } else {
                    bad.to_string()
                };
            } else {
                given.push((name, bad.to_string()));
            }
            let pairs: Vec<(&str, &str)> = given.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let log = app.log_size().await;
            let (s, b) = upload(&app, &token, evidence_form(&subject, &pairs, PNG)).await;
            if s != 422 || !names_field(&b, name) {
                failures.push(format!("multipart {name}={bad:?}: {s} {b}"));
            }
            // tus: the same fields in Upload-Metadata.
            let meta: Vec<String> = std::iter::once(format!("subject_id {}", b64(&subject)))
                .chain(std::iter::once(format!("filename {}", b64("p.png"))))
                .chain(
                    given
                        .iter()
                        .filter(|(k, _)| *k != "collected_by" && *k != "assisted_by")
                        .map(|(k, v)| format!("{k} {}", b64(v))),
                )
                .chain(std::iter::once(format!(
                    "collected_by {}",
                    b64(&given
                        .iter()
                        .filter(|(k, _)| *k == "collected_by")
                        .map(|(_, v)| v.as_str())
                        .collect::<Vec<_>>()
                        .join(","))
                )))
                .chain(
                    given
                        .iter()
                        .filter(|(k, _)| *k == "assisted_by")
                        .map(|(k, v)| format!("{k} {}", b64(v))),
                )
                .collect();
            let r = app
                .client
                .post(app.url("/api/v1/uploads"))
                .bearer_auth(&token)
                .header("tus-resumable", "1.0.0")
                .header("upload-length", PNG.len().to_string())
                .header("upload-metadata", meta.join(","))
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            let b: Value = r.json().await.unwrap_or(Value::Null);
            if s != 422 || !names_field(&b, name) {
                failures.push(format!("tus {name}={bad:?}: {s} {b}"));
            }
            if app.log_size().await != log {
                failures.push(format!("{name}={bad:?} wrote to the ledger"));
            }
        }
    }
    // The file's name is a field too.
    for bad in SINGLE_LINE {
        let mut f = reqwest::multipart::Form::new().text("subject_id", entity.clone());
        for (k, v) in on_site() {
            f = f.text(k, v);
        }
        let f = f.part(
            "file",
            reqwest::multipart::Part::bytes(PNG.to_vec()).file_name(format!("p{bad}.png")),
        );
        let log = app.log_size().await;
        let (s, b) = upload(&app, &token, f).await;
        // A raw control character in a part's header is malformed syntax (400) before it is a
        // file name; one that survives the header (C1, in UTF-8) is the field's to refuse.
        let malformed = s == 400 && crate::helpers::error_codes(&b) == ["evidence.bad_multipart"];
        if app.log_size().await != log || !(malformed || (s == 422 && names_field(&b, "file"))) {
            failures.push(format!("multipart file name {bad:?}: {s} {b}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} evidence fields accept what they must refuse:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// An import names its counties in the file: one outside `config/divisions.csv` is refused, and
/// so is a control character in a cell; nothing is imported.
async fn imports_refuse_unknown_counties_and_control_characters(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("zhidui.officer", DEMO_PASSWORD).await;
    let header = "统一社会信用代码,名称,县（市）,行业,监管类别,地址,法定代表人,纬度,经度,许可证编号,生效日期,截止日期,演示数据";
    for (county, name, code) in [
        ("532899", "导入一厂", "county_code.unknown"),
        ("999999", "导入一厂", "county_code.unknown"),
        ("532822", "导入\u{1b}一厂", "field.control_characters"),
    ] {
        let row = format!(
            "{},{name},{county},1340,重点监管,勐海县勐遮镇,岩某,21.957300,100.452800,P-1,2024-01-01,2028-12-31,",
            app::seed::demo_uscc("532822", 93_001)
        );
        let file = format!("{header}\r\n{row}\r\n").into_bytes();
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(file).file_name("e.csv"),
        );
        let log = app.log_size().await;
        let r = app
            .client
            .post(app.url("/api/v1/entities/import"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        let b: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(s, 422, "{county} {name:?}: {b}");
        let text = b.to_string();
        assert!(text.contains(code), "{county} {name:?}: {b}");
        assert_eq!(app.log_size().await, log);
    }
}

/// The page forms meet the same rules, with the message on the page.
async fn page_forms_refuse_the_same(app: TestApp) {
    use crate::pages::{client, page, pair, sign_in};
    app.app.seed_demo().await.unwrap();
    // The sign-in form: 422 with the message, and no failed attempt counted against the name.
    let r = client()
        .post(app.url("/login"))
        .form(&[
            ("username", "menghai.officer\u{1b}"),
            ("password", "x"),
            ("totp", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("控制字符"));
    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let cookie = pair(&set);
    // The register's filter: an unknown county is refused, not an empty list.
    for query in ["county=532899", "county=999999", "q=%1B%5B31m"] {
        let (s, html, _) = page(&app, &cookie, &format!("/entities?{query}")).await;
        assert_eq!(s, 422, "{query}: {html}");
    }
    // The password form.
    let log = app.log_size().await;
    let r = client()
        .post(app.url("/password"))
        .header("cookie", cookie.clone())
        .header("sec-fetch-site", "same-origin")
        .form(&[("current", DEMO_PASSWORD), ("new", "Strong-Pass\u{0}2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("控制字符"));
    assert_eq!(app.log_size().await, log);
}

/// With a clock the test moves (the hearing examples need a past).
mod every_string_of_every_body_is_checked {
    use super::*;

    async fn run(kind: crate::helpers::Kind) {
        let clock = Arc::new(ShiftedClock::new());
        if let Some(app) = crate::helpers::spawn_app_with(
            kind,
            "every_string",
            app::AppSettings::default(),
            clock.clone(),
        )
        .await
        {
            super::every_string_of_every_body_is_checked(app, clock).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        run(crate::helpers::Kind::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        run(crate::helpers::Kind::Postgres).await;
    }
}

/// The examples of the steps after the notice: cases walked from 40 days back (the clock at
/// the seeding), then the clock set back to now.
async fn proceedings_examples(app: &TestApp, clock: &ShiftedClock) -> BTreeMap<String, Example> {
    use crate::proceedings::{case_evidence, noticed_case};
    let now = clock.now().as_datetime() + chrono::Duration::days(40);
    let back = clock.now();
    let day = |d: chrono::DateTime<chrono::Utc>| Timestamp::new(d).china_date().to_string();
    let on = |resource: &str, verb: &str, body: Value| Example {
        user: Some("menghai.officer"),
        path: format!("{resource}/{verb}"),
        body,
        patch_of: None,
        if_match: true,
        etag_from: Some(resource.to_owned()),
    };
    let mut m = BTreeMap::new();
    m.insert(
        "post /api/v1/discretion/calculate".into(),
        Example {
            user: None,
            path: "/api/v1/discretion/calculate".into(),
            body: json!({"item": "air_99_2", "version": "gd-model-1",
                         "facts": {"timing": "normal"}, "circumstances": ["coerced"]}),
            patch_of: None,
            if_match: false,
            etag_from: None,
        },
    );
    // A version proposed by the legal review, for a head to approve today.
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let mut table: Value = toml::from_str(include_str!(
        "../../../../config/discretion/gd-model-1.toml"
    ))
    .unwrap();
    table["version"] = json!("validation-1");
    let r = app
        .client
        .post(app.url("/api/v1/discretion/versions"))
        .bearer_auth(&reviewer)
        .json(&table)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    m.insert(
        "post /api/v1/discretion/versions/{version}/approve".into(),
        Example {
            user: Some("ju.head"),
            path: "/api/v1/discretion/versions/validation-1/approve".into(),
            body: json!({"effective_on": day(now)}),
            patch_of: None,
            if_match: false,
            etag_from: None,
        },
    );
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    // A: the notice issued, not served.
    let (a, doc) = noticed_case(app, clock, false).await;
    let proof = case_evidence(app, &officer, &a, clock).await;
    m.insert(
        "post /api/v1/cases/{id}/record-service".into(),
        on(
            &a,
            "record-service",
            json!({"document_id": doc, "method": "direct", "served_on": day(back.as_datetime()),
                   "recipient": "岩温", "proof_evidence_id": proof}),
        ),
    );
    m.insert(
        "post /api/v1/cases/{id}/start-tolling".into(),
        on(
            &a,
            "start-tolling",
            json!({"reason": "monitoring", "from": day(now)}),
        ),
    );
    // B: served; the party states, waives, asks for a hearing.
    let (b, _) = noticed_case(app, clock, true).await;
    let waiver = case_evidence(app, &officer, &b, clock).await;
    let next_day = day(back.as_datetime() + chrono::Duration::days(1));
    m.insert(
        "post /api/v1/cases/{id}/record-statement".into(),
        on(
            &b,
            "record-statement",
            json!({"received_on": next_day, "points": ["罚款\r\n过重"], "evidence_ids": [waiver]}),
        ),
    );
    m.insert(
        "post /api/v1/cases/{id}/record-waiver".into(),
        on(
            &b,
            "record-waiver",
            json!({"right": "statement", "received_on": next_day, "evidence_id": waiver}),
        ),
    );
    m.insert(
        "post /api/v1/cases/{id}/request-hearing".into(),
        on(&b, "request-hearing", json!({"received_on": next_day})),
    );
    // C: a statement to answer, a period to end.
    let (c, _) = noticed_case(app, clock, true).await;
    let (s, r) = crate::cases::act(
        app,
        &officer,
        &c,
        "record-statement",
        json!({"received_on": day(back.as_datetime()), "points": ["已整改"]}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = crate::cases::act(
        app,
        &officer,
        &c,
        "start-tolling",
        json!({"reason": "testing", "from": day(back.as_datetime())}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    m.insert(
        "post /api/v1/cases/{id}/answer-statement".into(),
        on(
            &c,
            "answer-statement",
            json!({"answers": [{"point": 1, "adopted": true, "reason": "经复查\r\n属实"}]}),
        ),
    );
    m.insert(
        "post /api/v1/cases/{id}/end-tolling".into(),
        on(
            &c,
            "end-tolling",
            json!({"to": day(now), "reason": "testing"}),
        ),
    );
    // D: a hearing asked for, to be set.
    let (d, _) = noticed_case(app, clock, true).await;
    let (s, r) = crate::cases::act(
        app,
        &officer,
        &d,
        "request-hearing",
        json!({"received_on": day(back.as_datetime())}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    m.insert(
        "post /api/v1/cases/{id}/schedule-hearing".into(),
        on(
            &d,
            "schedule-hearing",
            json!({"host": "fazhi.reviewer", "place": "会议室",
                   "at": (now + chrono::Duration::days(30)).to_rfc3339(),
                   "agents": [{"name": "李律师", "relation": "律师"}]}),
        ),
    );
    // E: a hearing set 25 days after the notice, its notice served: held by now.
    let (e, _) = noticed_case(app, clock, true).await;
    let held = back.as_datetime() + chrono::Duration::days(25);
    for (verb, body) in [
        (
            "request-hearing",
            json!({"received_on": day(back.as_datetime())}),
        ),
        (
            "schedule-hearing",
            json!({"host": "fazhi.reviewer", "place": "会议室", "at": held.to_rfc3339()}),
        ),
    ] {
        let (s, r) = crate::cases::act(app, &officer, &e, verb, body).await;
        assert_eq!(s, 200, "{r}");
    }
    let (s, doc) = crate::case_documents::issue(
        app,
        &officer,
        &e,
        json!({"kind": "hearing_notice", "subject": "0.1"}),
    )
    .await;
    assert_eq!(s, 201, "{doc}");
    let proof = case_evidence(app, &officer, &e, clock).await;
    let (s, r) = crate::cases::act(
        app,
        &officer,
        &e,
        "record-service",
        json!({"document_id": doc["document"]["id"], "method": "direct",
               "served_on": day(back.as_datetime()), "recipient": "岩温",
               "proof_evidence_id": proof}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let record = case_evidence(app, &officer, &e, clock).await;
    m.insert(
        "post /api/v1/cases/{id}/record-hearing".into(),
        on(
            &e,
            "record-hearing",
            json!({"attended": true, "left_without_permission": false,
                   "record_evidence_id": record, "signed_on": day(held)}),
        ),
    );
    clock.shift(chrono::Duration::zero());
    m
}

on_both_backends!(
    page_forms_refuse_the_same,
    every_query_parameter_is_checked,
    evidence_fields_are_checked,
    imports_refuse_unknown_counties_and_control_characters,
);
