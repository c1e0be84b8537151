//! Issue 22 points 3, 5, 6 and 8: documents issued in a case — the registration approval form
//! at approval, numbered with the case number in the same transaction; records, notices and
//! reports on request; the PDF byte for byte as its event's SHA-256 says; gap-free 文号 under
//! parallel issue; the public check page's proof, verified offline by the CLI, which reports a
//! changed byte as not genuine.

use crate::cases::{act, get_with_etag};
use crate::helpers::{TestApp, error_codes};
use crate::on_both_backends;
use crate::team::registered_case;
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};
use sha2::Digest;

use crate::documents::pdf_text;

pub(crate) async fn get_bytes(app: &TestApp, token: &str, path: &str) -> (u16, Vec<u8>) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

async fn documents(app: &TestApp, token: &str, case: &str) -> (u16, Value) {
    let (s, b, _) = get_with_etag(app, token, &format!("{case}/documents")).await;
    (s, b)
}

/// Issues a document (`If-Match`: the case's version).
pub async fn issue(app: &TestApp, token: &str, case: &str, body: Value) -> (u16, Value) {
    let (_, _, etag) = get_with_etag(app, token, case).await;
    let r = app
        .client
        .post(app.url(&format!("{case}/documents")))
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Two Menghai officers take the case and record an inspection: the record's id.
async fn inspected(app: &TestApp, officer: &str, case: &str) -> String {
    let pair = ["menghai.officer", "menghai.officer2"];
    let (s, b) = act(
        app,
        officer,
        case,
        "assign-officers",
        json!({"officers": pair, "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        app,
        officer,
        case,
        "record-inspection",
        crate::records::inspection(&pair),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, records, _) = get_with_etag(app, officer, &format!("{case}/records")).await;
    records[0]["record"]["id"].as_str().unwrap().to_owned()
}

fn sha256_hex(b: &[u8]) -> String {
    format!("{:x}", sha2::Sha256::digest(b))
}

async fn issued_with_the_approval_and_on_request(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let (_, c, _) = get_with_etag(&app, &officer, &case).await;
    let number = c["number"].as_str().unwrap().to_owned();

    // The approval issued its form at once, numbered with the case number.
    let (s, list) = documents(&app, &officer, &case).await;
    assert_eq!(s, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    let form = &items[0];
    assert_eq!(
        (form["kind"].as_str(), form["title"].as_str()),
        (Some("registration_approval"), Some("立案审批表"))
    );
    assert_eq!(form["number"].as_str(), Some(number.as_str()));
    let sha = form["sha256"].as_str().unwrap();
    assert!(
        sha.len() == 64
            && sha
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let code = form["verify_code"].as_str().unwrap().to_owned();
    assert_eq!(
        form["verify_url"].as_str().unwrap(),
        format!("{}/verify/{code}", app.app.settings.public_url)
    );
    // The PDF is the bytes whose hash the ledger holds.
    let (s, pdf) = get_bytes(&app, &officer, form["pdf"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(sha256_hex(&pdf), sha);
    assert_eq!(form["size"].as_u64(), Some(pdf.len() as u64));
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("立案审批表"), "{text}");
        assert!(text.contains(&number.replace(' ', "")), "{text}");
        assert!(text.contains(&code), "the check code is printed: {text}");
        assert!(text.contains("同意立案"), "the head's opinion: {text}");
        assert!(text.contains("演示数据"), "demo data says so: {text}");
    }
    // The ledger has it: the case's timeline names document.issued/v1.
    let (_, timeline, _) = get_with_etag(&app, &officer, &format!("{case}/timeline")).await;
    assert!(
        timeline.to_string().contains("document.issued/v1"),
        "{timeline}"
    );

    // Outside the county's reach: 404 for the list and the file; no token: 401.
    let other = app.login("jinghong.officer", DEMO_PASSWORD).await;
    assert_eq!(documents(&app, &other, &case).await.0, 404);
    assert_eq!(
        get_bytes(&app, &other, form["pdf"].as_str().unwrap())
            .await
            .0,
        404
    );
    let r = app
        .client
        .get(app.url(&format!("{case}/documents")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A record's document, on request; it is not numbered and shows the case number.
    let record = inspected(&app, &officer, &case).await;
    let (s, b) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "inspection_record", "subject": record}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["document"]["number"], Value::Null);
    assert_eq!(b["events"][0]["schema"], "document.issued/v1");
    let (_, pdf) = get_bytes(&app, &officer, b["document"]["pdf"].as_str().unwrap()).await;
    assert_eq!(sha256_hex(&pdf), b["document"]["sha256"].as_str().unwrap());
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("现场检查（勘察）笔录"), "{text}");
        assert!(text.contains("勐海县勐遮镇某橡胶厂排污口"), "{text}");
        assert!(text.contains(&number), "{text}");
        assert!(text.contains("以上笔录已阅，记录属实"), "{text}");
    }
    // Never issued twice; bad input changes nothing.
    let (s, b) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "inspection_record", "subject": record}),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (409, vec!["document.already_issued"]));
    for (body, status, code) in [
        (json!({"kind": "decision"}), 422, "document.unknown_kind"),
        (
            json!({"kind": "registration_approval"}),
            409,
            "document.issued_on_approval",
        ),
        (
            json!({"kind": "questioning_record", "subject": record}),
            409,
            "document.subject_unknown",
        ),
        (
            json!({"kind": "inspection_record", "subject": "nonsense"}),
            422,
            "document.subject_unknown",
        ),
        // The same record written another way is the same record: issued already.
        (
            json!({"kind": "inspection_record", "subject": record.to_uppercase()}),
            409,
            "document.already_issued",
        ),
        (
            json!({"kind": "investigation_report", "subject": "任意文字"}),
            422,
            "document.subject_not_applicable",
        ),
        (
            json!({"kind": "preservation_notice"}),
            422,
            "field.required",
        ),
        (json!({"kind": "review_opinion"}), 409, "document.no_review"),
        (
            json!({"kind": "inspection_record", "extra": 1}),
            422,
            "field.unknown",
        ),
    ] {
        let (s, b) = issue(&app, &officer, &case, body.clone()).await;
        assert_eq!(s, status, "{body}: {b}");
        assert!(error_codes(&b).contains(&code), "{body}: {b}");
    }
    let (_, list) = documents(&app, &officer, &case).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
    // Another county's officer cannot issue on this case.
    let (s, _) = issue(&app, &other, &case, json!({"kind": "investigation_report"})).await;
    assert_eq!(s, 404);
}

/// Signatures on a record's document: drawn on the pad or scanned (the file becomes evidence of
/// the case), or a refusal with its reason; the PDF as issued never changes.
async fn records_are_signed_or_the_refusal_recorded(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let record = inspected(&app, &officer, &case).await;
    let (s, b) = issue(
        &app,
        &officer,
        &case,
        json!({"kind": "inspection_record", "subject": record}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let doc = b["document"].clone();
    let signatures = format!(
        "{case}/documents/{}/signatures",
        doc["id"].as_str().unwrap()
    );
    let sign = |token: String, signer: &'static str, method: &'static str, with_file: bool| {
        let (app, signatures) = (&app, signatures.clone());
        async move {
            let mut form = reqwest::multipart::Form::new()
                .text("signer", signer)
                .text("method", method);
            if with_file {
                form = form.part(
                    "file",
                    reqwest::multipart::Part::bytes(crate::evidence::PNG.to_vec())
                        .file_name("signature.png")
                        .mime_str("image/png")
                        .unwrap(),
                );
            }
            let r = app
                .client
                .post(app.url(&signatures))
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let log = app.log_size().await;
    let (s, b) = sign(officer.clone(), "party", "pad", false).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["evidence.no_file"]));
    let (s, b) = sign(officer.clone(), "someone", "pad", true).await;
    assert_eq!((s, error_codes(&b)), (422, vec!["document.signature_form"]));
    let other = app.login("jinghong.officer", DEMO_PASSWORD).await;
    assert_eq!(sign(other.clone(), "party", "pad", true).await.0, 404);
    assert_eq!(app.log_size().await, log, "refusals change nothing");

    let (s, b) = sign(officer.clone(), "party", "pad", true).await;
    assert_eq!(s, 201, "{b}");
    let entry = &b["signatures"][0];
    assert_eq!(
        (&entry["outcome"], &entry["signer"], &entry["method"]),
        (&json!("signed"), &json!("party"), &json!("pad"))
    );
    // The drawing is evidence of the case, its hash in the ledger.
    let evidence = entry["evidence_id"].as_str().unwrap();
    let (s, e, _) = get_with_etag(&app, &officer, &format!("/api/v1/evidence/{evidence}")).await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(
        e["subject_id"].as_str(),
        case.strip_prefix("/api/v1/cases/")
    );
    assert_eq!(
        e["sha256"].as_str().unwrap(),
        sha256_hex(crate::evidence::PNG)
    );
    let (s, b) = sign(officer.clone(), "officers", "scan", true).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["signatures"].as_array().unwrap().len(), 2);

    // A refusal: reason and note required; recorded with the witness.
    let refuse = |body: Value| {
        let (app, signatures, officer) = (&app, signatures.clone(), officer.clone());
        async move {
            let r = app
                .client
                .post(app.url(&signatures))
                .bearer_auth(officer)
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
    let (s, b) = refuse(json!({"reason": " ", "officers_note": ""})).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(error_codes(&b), vec!["field.required", "field.required"]);
    let (s, b) = refuse(
        json!({"reason": "称需请示负责人", "officers_note": "当场宣读后拒签",
                                "witness": "村委会主任岩香"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["signatures"][2]["outcome"], "refused");
    assert_eq!(b["signatures"][2]["witness"], "村委会主任岩香");
    // The issued PDF is unchanged.
    let (_, pdf) = get_bytes(&app, &officer, doc["pdf"].as_str().unwrap()).await;
    assert_eq!(sha256_hex(&pdf), doc["sha256"].as_str().unwrap());
    // The approval form is not signed by the party.
    let (_, list) = documents(&app, &officer, &case).await;
    let form = list["items"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .client
        .post(app.url(&format!("{case}/documents/{form}/signatures")))
        .bearer_auth(&officer)
        .json(&json!({"reason": "拒绝", "officers_note": "拒签"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let b: Value = r.json().await.unwrap();
    assert_eq!(error_codes(&b), vec!["document.not_signed_by_party"]);
    // A document of this case through another case's address: 404.
    let second = registered_case(&app, &officer, "532822").await;
    let r = app
        .client
        .post(app.url(&format!(
            "{second}/documents/{}/signatures",
            doc["id"].as_str().unwrap()
        )))
        .bearer_auth(&officer)
        .json(&json!({"reason": "拒绝", "officers_note": "拒签"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// Preservation notices issued at once on many cases take 1, 2, … n: no number twice, none
/// skipped.
async fn numbers_are_gap_free_under_parallel_issue(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let pair = ["menghai.officer", "menghai.officer2"];
    let items = json!([{"description": "废水处理设施运行台账", "quantity": "3 本",
                        "kept_at": "勐海大队证物室"}]);
    // The head signs in once: a second-factor code is good for one sign-in per 30 s step.
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let mut ready = Vec::new();
    for _ in 0..8 {
        let clue = crate::cases::new_clue(&app, &officer, "532822").await;
        let (s, b) = act(
            &app,
            &officer,
            &clue,
            "register",
            crate::cases::register_body(),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let case = format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap());
        let (s, b) = act(&app, &head, &case, "approve-registration", json!({})).await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = act(
            &app,
            &officer,
            &case,
            "assign-officers",
            json!({"officers": pair, "lead": "menghai.officer"}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = act(
            &app,
            &officer,
            &case,
            "preserve-evidence",
            json!({"items": items, "officers": pair, "emergency": true}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let id = b["case"]["preservations"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        ready.push((case, id));
    }
    let results = futures::future::join_all(ready.iter().map(|(case, id)| {
        let (app, officer) = (&app, &officer);
        async move {
            issue(
                app,
                officer,
                case,
                json!({"kind": "preservation_notice", "subject": id}),
            )
            .await
        }
    }))
    .await;
    let mut numbers: Vec<String> = results
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, 201, "{b}");
            b["document"]["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let mut expected: Vec<String> = (1..=8)
        .map(|n| format!("西环保存（勐海）〔2026〕{n}号"))
        .collect();
    expected.sort();
    assert_eq!(numbers, expected);
    // The notice lists the item and carries its number.
    let (case, _) = &ready[0];
    let (_, list) = documents(&app, &officer, case).await;
    let notice = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "preservation_notice")
        .unwrap()
        .clone();
    let (_, pdf) = get_bytes(&app, &officer, notice["pdf"].as_str().unwrap()).await;
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("先行登记保存通知书"), "{text}");
        assert!(text.contains("废水处理设施运行台账"), "{text}");
        assert!(text.contains(notice["number"].as_str().unwrap()), "{text}");
    }
}

/// The public check: the page's data and proof without sign-in and without the party; a file
/// byte-identical or not; the CLI verifies the proof offline and reports a changed byte.
async fn anyone_checks_a_document(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let (_, list) = documents(&app, &officer, &case).await;
    let form = list["items"][0].clone();
    let code = form["verify_code"].as_str().unwrap().to_owned();
    let (_, pdf) = get_bytes(&app, &officer, form["pdf"].as_str().unwrap()).await;

    // The proof, for anyone: no token.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/verify/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bundle: Value = r.json().await.unwrap();
    assert_eq!(bundle["format"], "ecoenforce-document-proof/v1");
    assert_eq!(bundle["document"]["sha256"], form["sha256"]);
    assert_eq!(bundle["document"]["title"], "立案审批表");
    assert_eq!(bundle["document"]["organ"], "西双版纳傣族自治州生态环境局");
    assert_eq!(bundle["event"]["schema"], "document.issued/v1");
    // Never the party: the bundle names no person and no entity.
    let text = bundle.to_string();
    for personal in ["岩温", "party", "entity_id"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    // A code typed in lower case without dashes finds it; an unknown or malformed one is 404.
    let typed = code.to_lowercase().replace('-', "");
    let r = app
        .client
        .get(app.url(&format!("/api/v1/verify/{typed}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for bad in ["0000-0000-0000", "../../etc", "x"] {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/verify/{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{bad}");
    }

    // Uploading the file: genuine; one byte changed: not.
    let check = |bytes: Vec<u8>| {
        let app = &app;
        let code = code.clone();
        async move {
            let r = app
                .client
                .post(app.url(&format!("/api/v1/verify/{code}")))
                .header("content-type", "application/pdf")
                .body(bytes)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(check(pdf.clone()).await["genuine"], true);
    let mut changed = pdf.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 1;
    let answer = check(changed.clone()).await;
    assert_eq!(answer["genuine"], false, "{answer}");
    assert_eq!(answer["issued_sha256"], form["sha256"]);

    // Offline, with the ledger's key obtained independently.
    let key = app
        .client
        .get(app.url("/ledger/verifier-key"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .trim()
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let proof = dir.path().join("proof.json");
    std::fs::write(&proof, bundle.to_string()).unwrap();
    let good = dir.path().join("doc.pdf");
    std::fs::write(&good, &pdf).unwrap();
    let bad = dir.path().join("changed.pdf");
    std::fs::write(&bad, &changed).unwrap();
    let run = |file: &std::path::Path, key: &str, with_proof: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ecoenforce"));
        cmd.args(["ledger", "verify-document"])
            .arg(file)
            .args(["--key", key]);
        if with_proof {
            cmd.arg("--proof").arg(&proof);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code_ok, out) = run(&good, &key, true);
    assert_eq!(code_ok, Some(0), "{out}");
    assert!(out.contains("GENUINE") && out.contains("真实"), "{out}");
    let (code_bad, out) = run(&bad, &key, true);
    assert_eq!(code_bad, Some(1), "{out}");
    assert!(out.contains("NOT SHOWN GENUINE"), "{out}");
    assert!(out.contains("✗"), "{out}");
    // Another key: the checkpoint is not shown signed.
    let other_key = "ecoenforce.test/532800+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let (code_other, out) = run(&good, other_key, true);
    assert_eq!(code_other, Some(1), "{out}");
    // Without the proof: the hash, and what to fetch.
    let (code_none, out) = run(&good, &key, false);
    assert_eq!(code_none, Some(2), "{out}");
    assert!(out.contains(form["sha256"].as_str().unwrap()), "{out}");

    // `ledger verify` rehashes every issued PDF against its event; a lost one is named, and
    // the download refuses rather than serve bytes the ledger does not vouch for.
    let report = app.app.verify_ledger_with(false).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.documents, 1);
    app.execute_unchecked("DELETE FROM document_files").await;
    let report = app.app.verify_ledger_with(false).await.unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("the PDF of document") && p.contains("missing")),
        "{:?}",
        report.problems
    );
    assert_eq!(
        get_bytes(&app, &officer, form["pdf"].as_str().unwrap())
            .await
            .0,
        500
    );
}

on_both_backends!(
    issued_with_the_approval_and_on_request,
    records_are_signed_or_the_refusal_recorded,
    numbers_are_gap_free_under_parallel_issue,
    anyone_checks_a_document,
);
