//! Issue 7: evidence upload (multipart and tus), both hashes, the on-site rule, the device hash
//! check with its security audit row, scopes, and the chain of custody, on both backends.

use crate::entities::get;
use crate::helpers::TestApp;
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use serde_json::Value;
use sha2::Digest;

/// A tiny valid PNG (1×1).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn sha256_hex(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

pub async fn menghai_entity(app: &TestApp, token: &str) -> String {
    let (s, b) = get(app, token, "/api/v1/entities?county=532822&per_page=1").await;
    assert_eq!(s, 200, "{b}");
    b["items"][0]["id"].as_str().unwrap().to_owned()
}

pub fn form(subject: &str, fields: &[(&str, &str)], file: &[u8]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new().text("subject_id", subject.to_owned());
    for (k, v) in fields {
        f = f.text((*k).to_owned(), (*v).to_owned());
    }
    f.part(
        "file",
        reqwest::multipart::Part::bytes(file.to_vec()).file_name("现场照片.png"),
    )
}

/// An hour ago, but never before today's start in China Standard Time: the demo officers'
/// certificates start on the day of seeding, so between 00:00 and 01:00 (China) "an hour ago"
/// fell on a day their certificates were not yet valid.
static COLLECTED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let now = chrono::Utc::now();
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let midnight = now
        .with_timezone(&china)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(china)
        .unwrap()
        .with_timezone(&chrono::Utc);
    (now - chrono::Duration::hours(1))
        .max(midnight)
        .to_rfc3339()
});

pub fn on_site() -> Vec<(&'static str, &'static str)> {
    vec![
        ("type", "audio_visual"),
        ("title", "排污口现场照片"),
        ("collected_at", COLLECTED.as_str()),
        ("collected_by", "menghai.officer"),
        ("collected_by", "menghai.officer2"),
        ("assisted_by", "menghai.aux"),
        ("lat", "21.96"),
        ("lon", "100.45"),
        ("device", "执法记录仪 DSJ-01"),
        ("on_site", "true"),
    ]
}

pub async fn upload(app: &TestApp, token: &str, form: reqwest::multipart::Form) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/evidence"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn blob_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(p: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.evidence_dir, &mut out);
    out
}

async fn upload_view_download_transfer(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let mut fields = on_site();
    let digest = sha256_hex(PNG);
    fields.push(("device_sha256", &digest));
    let (s, e) = upload(&app, &token, form(&entity, &fields, PNG)).await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["sha256"], sha256_hex(PNG));
    assert_eq!(e["sm3"].as_str().unwrap().len(), 64);
    assert_eq!(
        (e["size"].as_i64(), e["mime"].as_str()),
        (Some(PNG.len() as i64), Some("image/png"))
    );
    assert_eq!(e["custodian"], "menghai.officer");
    assert_eq!(e["file_name"], "现场照片.png");
    let id = e["id"].as_str().unwrap().to_owned();
    // Listed on the entity; the detail view is itself recorded.
    let (s, list) = get(
        &app,
        &token,
        &format!("/api/v1/evidence?subject_id={entity}"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(list[0]["id"], id.as_str());
    let (s, d) = get(&app, &token, &format!("/api/v1/evidence/{id}")).await;
    assert_eq!(s, 200, "{d}");
    let kinds: Vec<&str> = d["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["uploaded", "viewed"]);
    // Download: the same bytes, recorded.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/evidence/{id}/content")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(
        r.headers()["repr-digest"]
            .to_str()
            .unwrap()
            .starts_with("sha-256=:")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    // Custody transfer to the detachment's officer.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/evidence/{id}/transfers")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"to": "zhidui.officer", "reason": "移交支队法制审核"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, d) = get(&app, &token, &format!("/api/v1/evidence/{id}")).await;
    let kinds: Vec<&str> = d["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["uploaded", "viewed", "downloaded", "transferred", "viewed"]
    );
    assert_eq!(d["custodian"], "zhidui.officer");
    // The same bytes again are stored once.
    let (s, again) = upload(&app, &token, form(&entity, &on_site(), PNG)).await;
    assert_eq!(s, 201, "{again}");
    assert_ne!(again["id"], e["id"]);
    assert_eq!(blob_files(&app).len(), 1, "{:?}", blob_files(&app));
    // Scope: another county's officer does not see it; a partner agency reads no evidence.
    let jinghong = app.login("jinghong.officer", DEMO_PASSWORD).await;
    assert_eq!(
        get(&app, &jinghong, &format!("/api/v1/evidence/{id}"))
            .await
            .0,
        404
    );
    let r = app
        .client
        .get(app.url(&format!("/api/v1/evidence/{id}/content")))
        .bearer_auth(&jinghong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let police = app.login("police.partner", DEMO_PASSWORD).await;
    assert_eq!(
        get(&app, &police, &format!("/api/v1/evidence/{id}"))
            .await
            .0,
        403
    );
    // Every touch is an event: the ledger and the projections agree.
    let report = app.app.verify_ledger().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

async fn the_on_site_rule_and_bad_input_store_nothing(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let before = app.log_size().await;
    // One officer on site.
    let one: Vec<(&str, &str)> = on_site()
        .into_iter()
        .filter(|(k, v)| !(*k == "collected_by" && *v == "menghai.officer2"))
        .collect();
    let (s, b) = upload(&app, &token, form(&entity, &one, PNG)).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["errors"][0]["code"], "evidence.two_officers_required");
    assert!(
        b["errors"][0]["legal_source"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("第四十二条")
    );
    // Auxiliary staff as a collector.
    let mut aux: Vec<(&str, &str)> = on_site()
        .into_iter()
        .filter(|(k, _)| *k != "assisted_by")
        .collect();
    aux.push(("collected_by", "menghai.aux"));
    let (s, b) = upload(&app, &token, form(&entity, &aux, PNG)).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["errors"][0]["code"], "evidence.not_an_officer");
    // A physical item is on site by nature; an expired certificate does not count.
    let mengla = app.login("mengla.officer", DEMO_PASSWORD).await;
    let (_, ml) = get(&app, &mengla, "/api/v1/entities?county=532823&per_page=1").await;
    let ml_entity = ml["items"][0]["id"].as_str().unwrap();
    let expired = [
        ("type", "physical"),
        ("title", "水样"),
        ("collected_at", COLLECTED.as_str()),
        ("collected_by", "mengla.officer"),
        ("collected_by", "mengla.officer2"),
    ];
    let (s, b) = upload(&app, &mengla, form(ml_entity, &expired, b"sample")).await;
    assert_eq!(s, 409, "{b}");
    let codes = crate::helpers::error_codes(&b);
    assert_eq!(
        codes,
        [
            "evidence.certificate_not_valid",
            "evidence.two_officers_required"
        ]
    );
    // Bad fields: every one named, in both languages.
    let bad = [
        ("type", "photo"),
        ("title", ""),
        ("collected_at", "yesterday"),
        ("collected_by", "nobody"),
        ("lat", "95"),
        ("color", "red"),
    ];
    let (s, b) = upload(&app, &token, form(&entity, &bad, PNG)).await;
    assert_eq!(s, 422, "{b}");
    let fields: Vec<&str> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for f in ["type", "title", "collected_at", "lat", "color"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(b["errors"][0]["message"]["zh-CN"].as_str().is_some());
    // The device's hash differs from the bytes: 422, nothing stored, one security audit row.
    let mut lying = on_site();
    let wrong = sha256_hex(b"other bytes");
    lying.push(("device_sha256", &wrong));
    let (s, b) = upload(&app, &token, form(&entity, &lying, b"\x89PNG tampered")).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["errors"][0]["code"], "evidence.device_hash_mismatch");
    let audit = app.store.security_audit(10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].kind, "evidence.device_hash_mismatch");
    assert_eq!(audit[0].username, "menghai.officer");
    // Nothing of any of these was written or kept.
    assert_eq!(app.log_size().await, before);
    assert!(blob_files(&app).is_empty(), "{:?}", blob_files(&app));
    // Outside the officer's county the entity does not exist.
    let (_, jh) = get(&app, &token, "/api/v1/entities?county=532801&per_page=1").await;
    assert_eq!(jh["items"].as_array().unwrap().len(), 0);
    let zhidui = app.login("zhidui.officer", DEMO_PASSWORD).await;
    let (_, jh) = get(&app, &zhidui, "/api/v1/entities?county=532801&per_page=1").await;
    let jh_entity = jh["items"][0]["id"].as_str().unwrap();
    let (s, _) = upload(&app, &token, form(jh_entity, &on_site(), PNG)).await;
    assert_eq!(s, 404);
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

async fn a_resumable_upload_by_tus(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/uploads"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    assert!(
        r.headers()["tus-extension"]
            .to_str()
            .unwrap()
            .contains("creation")
    );
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let meta = format!(
        "filename {},subject_id {},type {},title {},collected_at {},collected_by {},on_site {}",
        b64("video.bin"),
        b64(&entity),
        b64("audio_visual"),
        b64("执法记录仪视频"),
        b64(&COLLECTED),
        b64("menghai.officer,menghai.officer2"),
        b64("true")
    );
    let r = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", body.len().to_string())
        .header("upload-metadata", &meta)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("upload-expires"));
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let patch = |offset: usize, bytes: Vec<u8>, who: String| {
        app.client
            .patch(app.url(&location))
            .bearer_auth(who)
            .header("tus-resumable", "1.0.0")
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", offset.to_string())
            .body(bytes)
            .send()
    };
    let r = patch(0, body[..100_000].to_vec(), token.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["upload-offset"], "100000");
    // The client "reconnects": HEAD says where to resume; a wrong offset is refused.
    let r = app
        .client
        .head(app.url(&location))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["upload-offset"], "100000");
    assert_eq!(
        r.headers()["upload-length"],
        body.len().to_string().as_str()
    );
    assert_eq!(
        patch(5, body[5..10].to_vec(), token.clone())
            .await
            .unwrap()
            .status(),
        409
    );
    // Someone else's upload does not exist for them.
    let other = app.login("menghai.officer2", DEMO_PASSWORD).await;
    let r = app
        .client
        .head(app.url(&location))
        .bearer_auth(&other)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // More bytes than Upload-Length: 413; whatever fitted is kept, and HEAD says where to go on.
    let mut too_much = body[100_000..].to_vec();
    too_much.push(0);
    let r = patch(100_000, too_much, token.clone()).await.unwrap();
    assert_eq!(r.status(), 413);
    let r = app
        .client
        .head(app.url(&location))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    let offset: usize = r.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((100_000..body.len()).contains(&offset), "{offset}");
    let r = patch(offset, body[offset..].to_vec(), token.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let evidence = r.headers()["evidence-location"]
        .to_str()
        .unwrap()
        .to_owned();
    let (s, e) = get(&app, &token, &evidence).await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["sha256"], sha256_hex(&body));
    assert_eq!(e["size"], body.len() as i64);
    assert_eq!(e["file_name"], "video.bin");
    // Bad requests: no Tus-Resumable, too long, bad fields up front.
    let r = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let r = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", (1u64 << 40).to_string())
        .header("upload-metadata", &meta)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "10")
        .header("upload-metadata", format!("subject_id {}", b64(&entity)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // An unfinished upload expires (7 days); its bytes go with it.
    let now = domain::Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
    let stale = store::Upload {
        id: uuid::Uuid::now_v7(),
        user_id: uuid::Uuid::now_v7(),
        metadata: "{}".into(),
        length: 10,
        received: 0,
        created_at: now,
        expires_at: now,
        evidence_id: None,
    };
    app.store.create_upload(&stale).await.unwrap();
    assert!(app.app.expire_uploads().await.unwrap() >= 1);
    assert!(app.store.upload(stale.id).await.unwrap().is_none());
}

/// A tus upload's metadata for an on-site recording of `entity`.
fn tus_metadata(entity: &str) -> String {
    format!(
        "filename {},subject_id {},type {},title {},collected_at {},collected_by {},on_site {}",
        b64("race.bin"),
        b64(entity),
        b64("audio_visual"),
        b64("执法记录仪视频"),
        b64(&COLLECTED),
        b64("menghai.officer,menghai.officer2"),
        b64("true")
    )
}

/// Issue 18 item 1: many PATCHes racing at one offset of one upload. Exactly one wins each
/// round; the others answer 409 and change nothing; the upload becomes exactly one piece of
/// evidence holding exactly the winners' bytes, in order.
async fn racing_patches_make_one_evidence_of_the_bytes_sent(app: TestApp) {
    use futures::StreamExt;
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let (_, before) = get(
        &app,
        &token,
        &format!("/api/v1/evidence?subject_id={entity}"),
    )
    .await;
    let before = before.as_array().unwrap().len();
    const HALF: usize = 64 * 1024;
    const RACERS: usize = 12;
    let r = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", (2 * HALF).to_string())
        .header("upload-metadata", tus_metadata(&entity))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    // Each racer sends its own bytes, so the stored file shows whose bytes it holds.
    let racer_bytes = |round: usize, racer: usize| -> Vec<u8> {
        (0..HALF)
            .map(|i| ((i * 7 + racer * 31 + round * 101) % 251) as u8)
            .collect()
    };
    let mut winners = Vec::new();
    let mut evidence = None;
    for round in 0..2 {
        let offset = round * HALF;
        let answers: Vec<(usize, u16, Option<String>, String)> = futures::stream::iter(0..RACERS)
            .map(|racer| {
                let req = app
                    .client
                    .patch(app.url(&location))
                    .bearer_auth(&token)
                    .header("tus-resumable", "1.0.0")
                    .header("content-type", "application/offset+octet-stream")
                    .header("upload-offset", offset.to_string())
                    // Small enough to sit whole in the socket's buffers: a refused PATCH is
                    // answered before its body is read, and the client must still be able
                    // to read that answer.
                    .body(racer_bytes(round, racer));
                async move {
                    let r = req.send().await.unwrap();
                    let status = r.status().as_u16();
                    let ev = r
                        .headers()
                        .get("evidence-location")
                        .map(|v| v.to_str().unwrap().to_owned());
                    (racer, status, ev, r.text().await.unwrap())
                }
            })
            .buffer_unordered(RACERS)
            .collect()
            .await;
        let won: Vec<_> = answers.iter().filter(|a| a.1 == 204).collect();
        let statuses: Vec<u16> = answers.iter().map(|a| a.1).collect();
        assert_eq!(won.len(), 1, "round {round}: {statuses:?}");
        for (_, status, _, body) in answers.iter().filter(|a| a.1 != 204) {
            assert_eq!(*status, 409, "{body}");
            let problem: Value = serde_json::from_str(body).unwrap();
            let codes = crate::helpers::error_codes(&problem);
            assert!(
                codes
                    .iter()
                    .any(|c| *c == "upload.busy" || *c == "upload.offset_mismatch"),
                "{codes:?}"
            );
        }
        winners.push(won[0].0);
        evidence = won[0].2.clone();
    }
    let evidence = evidence.expect("the last winner made the evidence");
    let mut sent = racer_bytes(0, winners[0]);
    sent.extend(racer_bytes(1, winners[1]));
    let (s, e) = get(&app, &token, &evidence).await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["sha256"], sha256_hex(&sent));
    assert_eq!(e["size"], sent.len() as i64);
    let stored = app
        .client
        .get(app.url(&format!("{evidence}/content")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        stored[..] == sent[..],
        "the stored bytes are the winners' bytes"
    );
    let (_, after) = get(
        &app,
        &token,
        &format!("/api/v1/evidence?subject_id={entity}"),
    )
    .await;
    assert_eq!(
        after.as_array().unwrap().len(),
        before + 1,
        "one upload, one evidence"
    );
    // A PATCH after the end changes nothing either.
    let r = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", (2 * HALF).to_string())
        .body(Vec::new())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let (_, after) = get(
        &app,
        &token,
        &format!("/api/v1/evidence?subject_id={entity}"),
    )
    .await;
    assert_eq!(after.as_array().unwrap().len(), before + 1);
}

/// Issue 18 (class of item 1, check-then-act): the same bytes uploaded at once by an upload
/// that is refused (a wrong device hash) and one that is accepted. The refused one must never
/// remove the bytes that the accepted one recorded.
async fn a_refused_twin_upload_never_removes_accepted_bytes(app: TestApp) {
    use futures::StreamExt;
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let wrong = "0".repeat(64);
    let accepted: Vec<String> = futures::stream::iter(0..24u32)
        .map(|round| {
            let bytes = format!("现场记录 {round} {}", "x".repeat(4096)).into_bytes();
            let (app, token, entity, wrong) = (&app, &token, &entity, &wrong);
            async move {
                let mut lying = on_site();
                lying.push(("device_sha256", wrong));
                let (refused, accepted) = futures::join!(
                    upload(app, token, form(entity, &lying, &bytes)),
                    upload(app, token, form(entity, &on_site(), &bytes)),
                );
                assert_eq!(refused.0, 422, "{}", refused.1);
                assert_eq!(accepted.0, 201, "{}", accepted.1);
                accepted.1["id"].as_str().unwrap().to_owned()
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for id in accepted {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/evidence/{id}/content")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "evidence {id}: {}",
            r.text().await.unwrap()
        );
    }
}

/// Issue 18 item 7: a link on another site to an evidence page (view, file, certificate)
/// opens, in a signed-in officer's browser, a page asking to confirm, and records nothing in
/// the chain of custody; from the platform's own pages (or typed by hand) it opens and is
/// recorded.
async fn a_cross_site_link_to_evidence_asks_first_and_records_nothing(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let (s, e) = upload(&app, &token, form(&entity, &on_site(), PNG)).await;
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_str().unwrap();
    let (_, _, cookie) = crate::pages::sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let cookie = crate::pages::pair(&cookie);
    let paths = [
        format!("/evidence/{id}"),
        format!("/evidence/{id}/content"),
        format!("/evidence/{id}/certificate"),
        format!("/evidence/{id}/certificate.json"),
    ];
    for path in &paths {
        for site in [Some("cross-site"), Some("same-site"), None] {
            let before = app.log_size().await;
            let mut req = crate::pages::client()
                .get(app.url(path))
                .header("cookie", &cookie);
            if let Some(site) = site {
                req = req.header("sec-fetch-site", site);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200, "{path} {site:?}");
            let html = r.text().await.unwrap();
            assert!(
                html.contains("id=\"confirm-read\""),
                "{path} {site:?}: {html}"
            );
            assert!(html.contains(&format!("href=\"{path}\"")), "{path}: {html}");
            assert_eq!(
                app.log_size().await,
                before,
                "{path} {site:?} recorded nothing"
            );
        }
        for site in ["same-origin", "none"] {
            let before = app.log_size().await;
            let r = crate::pages::client()
                .get(app.url(path))
                .header("cookie", &cookie)
                .header("sec-fetch-site", site)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} {site}");
            let body = r.bytes().await.unwrap();
            assert!(!String::from_utf8_lossy(&body).contains("confirm-read"));
            assert!(
                app.log_size().await > before,
                "{path} {site}: the read is recorded"
            );
        }
    }
}

on_both_backends!(
    upload_view_download_transfer,
    the_on_site_rule_and_bad_input_store_nothing,
    a_resumable_upload_by_tus,
    racing_patches_make_one_evidence_of_the_bytes_sent,
    a_refused_twin_upload_never_removes_accepted_bytes,
    a_cross_site_link_to_evidence_asks_first_and_records_nothing,
);

/// Issue 8: a certificate bundle verifies offline with the CLI, and fails against a changed
/// file, a changed bundle or another key; `ledger verify` rereads every blob.
async fn certificates_verify_offline_and_blobs_are_checked(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let (s, e) = upload(&app, &token, form(&entity, &on_site(), PNG)).await;
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_str().unwrap();
    let (s, bundle) = get(&app, &token, &format!("/api/v1/evidence/{id}/certificate")).await;
    assert_eq!(s, 200, "{bundle}");
    assert_eq!(bundle["format"], "ecoenforce-certificate/v1");
    assert!(
        bundle["qr"]
            .as_str()
            .unwrap()
            .starts_with("ecoenforce-cert:v1:ecoenforce.test/532800:")
    );
    assert!(
        bundle["tlog_proof"]
            .as_str()
            .unwrap()
            .starts_with("c2sp.org/tlog-proof@v1\nindex ")
    );
    let dir = tempfile::tempdir().unwrap();
    let bundle_path = dir.path().join("certificate.json");
    std::fs::write(&bundle_path, bundle.to_string()).unwrap();
    let file = dir.path().join("photo.png");
    std::fs::write(&file, PNG).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecoenforce"))
            .args(["ledger", "verify-certificate"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let b = bundle_path.to_str().unwrap();
    let (code, out) = run(&[b, "--file", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("有效：证书各项均成立，且该文件正是证书所载的证据"),
        "{out}"
    );
    assert!(
        out.contains("VALID: the certificate holds and the file is the evidence it names"),
        "{out}"
    );
    assert_eq!(
        out.matches('✓').count(),
        16,
        "8 checks in each language: {out}"
    );
    // A changed file.
    std::fs::write(&file, b"\x89PNG but another picture").unwrap();
    let (code, out) = run(&[b, "--file", file.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("✗ The file's SHA-256 equals the certificate's"),
        "{out}"
    );
    assert!(out.contains("✗ 文件的 SM3 与证书一致"), "{out}");
    // A changed bundle: another hash in the evidence, then another key.
    let mut forged = bundle.clone();
    forged["evidence"]["sha256"] = serde_json::json!(sha256_hex(b"x"));
    std::fs::write(&bundle_path, forged.to_string()).unwrap();
    let (code, out) = run(&[b]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("✗ The upload event names this evidence"),
        "{out}"
    );
    std::fs::write(&bundle_path, bundle.to_string()).unwrap();
    let other = ::ledger::note::verifier_key(
        crate::helpers::TEST_ORIGIN,
        &::ledger::SigningKey::from_bytes(&[9; 32]).verifying_key(),
    );
    let (code, out) = run(&[b, "--key", &other]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("✗ The checkpoint is signed by the ledger's key"),
        "{out}"
    );
    // Issuing the certificate is an export in the chain of custody.
    let custody = app.store.custody(id.parse().unwrap()).await.unwrap();
    assert!(custody.iter().any(|c| c.kind == "exported"));
    // ledger verify rereads the blob: a changed byte and a deleted file are both caught.
    assert!(app.app.verify_ledger().await.unwrap().problems.is_empty());
    let blob = blob_files(&app).pop().unwrap();
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&blob, &bytes).unwrap();
    let p = app.app.verify_ledger().await.unwrap().problems;
    assert!(
        p.iter().any(|x| x.contains("the stored bytes hash to")),
        "{p:?}"
    );
    std::fs::remove_file(&blob).unwrap();
    let p = app.app.verify_ledger().await.unwrap().problems;
    assert!(
        p.iter().any(|x| x.contains("is not in the evidence store")),
        "{p:?}"
    );
    assert!(
        app.app
            .verify_ledger_with(false)
            .await
            .unwrap()
            .problems
            .is_empty()
    );
}

on_both_backends!(certificates_verify_offline_and_blobs_are_checked);

/// Issue 17: evidence names its subject's kind. An entity is the default and is stored and shown
/// as such; a clue or a case that does not exist is not found (404, nothing stored), an unknown
/// kind is refused naming the field; the list keeps its shape (an array, newest first).
async fn the_subject_kind_is_kept(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let size = app.log_size().await;
    let mut fields = on_site();
    fields.push(("subject_type", "clue"));
    let (s, b) = upload(&app, &token, form(&entity, &fields, PNG)).await;
    assert_eq!(s, 404, "an entity's id is no clue: {b}");
    fields.pop();
    fields.push(("subject_type", "case"));
    let (s, _) = upload(
        &app,
        &token,
        form(&uuid::Uuid::now_v7().to_string(), &fields, PNG),
    )
    .await;
    assert_eq!(s, 404);
    fields.pop();
    fields.push(("subject_type", "vehicle"));
    let (s, b) = upload(&app, &token, form(&entity, &fields, PNG)).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["errors"][0]["field"], "subject_type", "{b}");
    assert_eq!(app.log_size().await, size, "nothing was written");
    assert!(blob_files(&app).is_empty(), "nothing was stored");

    fields.pop();
    fields.push(("subject_type", "entity"));
    let (s, first) = upload(&app, &token, form(&entity, &fields, PNG)).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["subject_type"], "entity");
    let (s, second) = upload(&app, &token, form(&entity, &on_site(), b"second")).await;
    assert_eq!(s, 201, "the kind defaults to entity: {second}");
    let (s, list) = get(
        &app,
        &token,
        &format!("/api/v1/evidence?subject_id={entity}"),
    )
    .await;
    assert_eq!(s, 200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            second["id"].as_str().unwrap(),
            first["id"].as_str().unwrap()
        ],
        "newest first"
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject_type"] == "entity")
    );
}

on_both_backends!(the_subject_kind_is_kept);
