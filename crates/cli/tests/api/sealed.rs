//! Issue 20 (2): the sealed store. A record of personal data is seen unmasked only by the
//! handling brigade and the detachment, each view an event naming the record and the purpose and
//! never the content; erasure deletes the record and keeps the events; on both backends.

use crate::helpers::TestApp;
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use domain::sealed::SealedKind;
use serde_json::{Value, json};
use store::{Changes, Scope};

/// The distinctive ID number of the seeded party: found nowhere but in its sealed record.
pub(crate) const ID_NUMBER: &str = "532822198807074321";

pub(crate) fn party() -> Value {
    json!({"name": "岩罕温", "id_type": "resident_id", "id_number": ID_NUMBER,
           "address": "勐海县勐遮镇曼令村", "phone": "13900001111"})
}

/// Stores a sealed record outside any command (no command seals yet): `App::seal` and the
/// write it returns, committed alone through the store's write path.
pub(crate) async fn seal(app: &TestApp, county: &str, content: &Value) -> String {
    let (reference, write) = app.app.seal(SealedKind::Party, county, content).unwrap();
    app.store
        .write(Box::new(move |_| {
            Box::pin(async move {
                Ok(Changes {
                    events: Vec::new(),
                    secrets: vec![write],
                })
            })
        }))
        .await
        .unwrap();
    reference
}

pub(crate) async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn last_event(app: &TestApp) -> Value {
    let size = app.log_size().await;
    let events = app.store.events(&Scope::all(), size - 1, 1).await.unwrap();
    events[0].event.envelope()
}

async fn a_view_is_an_event_and_never_holds_the_content(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let reference = seal(&app, "532822", &party()).await;
    let view = format!("/api/v1/sealed/{reference}/view");
    let before = app.log_size().await;

    // The detachment sees it; the view is appended first, with the purpose and not the data.
    let officer = app.login("zhidui.officer", DEMO_PASSWORD).await;
    let r = app
        .client
        .post(app.url(&view))
        .bearer_auth(&officer)
        .json(&json!({"purpose": "核对当事人身份"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"record": party()}));
    assert_eq!(app.log_size().await, before + 1);
    let event = last_event(&app).await;
    assert_eq!(event["schema"], "sealed.viewed/v1");
    assert_eq!(event["actor"]["name"], "zhidui.officer");
    assert_eq!(
        event["payload"],
        json!({"reference": reference, "county_code": "532822", "purpose": "核对当事人身份"})
    );
    let text = event.to_string();
    for secret in [ID_NUMBER, "岩罕温", "13900001111", "曼令村"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // The brigade of the county sees it too.
    let brigade = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (s, b) = post(&app, &brigade, &view, json!({"purpose": "送达前核对地址"})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["record"]["id_number"], ID_NUMBER);
    assert_eq!(app.log_size().await, before + 2);

    // Another county's brigade finds nothing; roles that see no personal data are refused;
    // nothing is written either way.
    let size = app.log_size().await;
    let other = app.login("jinghong.officer", DEMO_PASSWORD).await;
    let (s, b) = post(&app, &other, &view, json!({"purpose": "x"})).await;
    assert_eq!(s, 404, "{b}");
    for user in [
        "mengzhe.liaison",
        "ju.head",
        "menghai.aux",
        "fazhi.reviewer",
    ] {
        let token = app.login(user, DEMO_PASSWORD).await;
        let (s, b) = post(&app, &token, &view, json!({"purpose": "x"})).await;
        assert_eq!(s, 403, "{user}: {b}");
    }
    // A purpose is required, plain and at most 500 characters.
    for (purpose, field) in [
        (json!(""), "purpose"),
        (json!("  "), "purpose"),
        (json!("a\u{0}b"), "purpose"),
        (json!("查".repeat(501)), "purpose"),
    ] {
        let (s, b) = post(&app, &officer, &view, json!({"purpose": purpose})).await;
        assert_eq!(s, 422, "{purpose}: {b}");
        assert_eq!(b["errors"][0]["field"], field, "{b}");
    }
    let (s, _) = post(&app, &officer, &view, json!({})).await;
    assert_eq!(s, 422);
    // Unknown and malformed references look alike.
    for unknown in [
        "0".repeat(64),
        "not-a-reference".into(),
        reference.to_uppercase(),
    ] {
        let (s, b) = post(
            &app,
            &officer,
            &format!("/api/v1/sealed/{unknown}/view"),
            json!({"purpose": "x"}),
        )
        .await;
        assert_eq!(s, 404, "{unknown}: {b}");
    }
    assert_eq!(app.log_size().await, size);

    // The views are a projection of their own, rebuilt by replay; the record is not touched.
    let report = app.store.replay_check().await.unwrap();
    assert_eq!(report.differences, Vec::<String>::new());
    assert!(app.store.sealed_record(&reference).await.unwrap().is_some());
}

async fn erasure_deletes_the_record_and_keeps_the_events(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let reference = seal(&app, "532822", &party()).await;
    let keep = seal(&app, "532822", &json!({"name": "玉香"})).await;
    let officer = app.login("zhidui.officer", DEMO_PASSWORD).await;
    let view = format!("/api/v1/sealed/{reference}/view");
    let erase = format!("/api/v1/sealed/{reference}/erase");
    let (s, _) = post(&app, &officer, &view, json!({"purpose": "立案前核对"})).await;
    assert_eq!(s, 200);
    let viewed = last_event(&app).await;

    // Only the detachment leader erases, with a reason.
    let size = app.log_size().await;
    for user in ["zhidui.officer", "menghai.officer", "admin"] {
        let token = app.login(user, DEMO_PASSWORD).await;
        let (s, b) = post(&app, &token, &erase, json!({"reason": "申请删除"})).await;
        assert_eq!(s, 403, "{user}: {b}");
    }
    let leader = app.login("zhidui.lead", DEMO_PASSWORD).await;
    let (s, b) = post(&app, &leader, &erase, json!({"reason": ""})).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(app.log_size().await, size);
    let r = app
        .client
        .post(app.url(&erase))
        .bearer_auth(&leader)
        .json(&json!({"reason": "当事人依《个人信息保护法》第四十七条申请删除，经审查同意"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.log_size().await, size + 1);
    let erased = last_event(&app).await;
    assert_eq!(erased["schema"], "sealed.erased/v1");
    assert_eq!(erased["actor"]["name"], "zhidui.lead");
    assert_eq!(erased["payload"]["reference"], reference.as_str());

    // The row and its salt are gone; the other record stays; the events that named it stay.
    assert!(app.store.sealed_record(&reference).await.unwrap().is_none());
    assert!(app.store.sealed_record(&keep).await.unwrap().is_some());
    let events = app
        .store
        .events(&Scope::all(), 0, app.log_size().await)
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.event.envelope() == viewed));
    let (s, _) = post(&app, &officer, &view, json!({"purpose": "再次核对"})).await;
    assert_eq!(s, 404);
    let (s, _) = post(&app, &leader, &erase, json!({"reason": "重复"})).await;
    assert_eq!(s, 404);
    assert_eq!(app.log_size().await, size + 1);
    let report = app.store.replay_check().await.unwrap();
    assert_eq!(report.differences, Vec::<String>::new());
}

/// A record altered in the database does not open: the view is refused (500) rather than
/// showing altered data, and the key's check at start-up names a foreign key.
async fn an_altered_record_is_not_shown(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let reference = seal(&app, "532822", &party()).await;
    // Moved to another county by someone with the database but not the key.
    app.execute_unchecked("UPDATE sealed_records SET county_code = '532801'")
        .await;
    let officer = app.login("jinghong.officer", DEMO_PASSWORD).await;
    let (s, _) = post(
        &app,
        &officer,
        &format!("/api/v1/sealed/{reference}/view"),
        json!({"purpose": "x"}),
    )
    .await;
    assert_eq!(s, 500);
    let other = app::sealed::SealedKey::generate().unwrap();
    let fresh = app::App::new(
        app.store.clone(),
        app.clock.clone(),
        app::AppSettings::default(),
    );
    let e = fresh
        .attach_sealed_key(other)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("sealed under key"), "{e}");
}

on_both_backends!(
    a_view_is_an_event_and_never_holds_the_content,
    erasure_deletes_the_record_and_keeps_the_events,
    an_altered_record_is_not_shown,
);
