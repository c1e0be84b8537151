//! Bad input gets a clear problem+json in both languages and changes nothing.

use crate::helpers::TestApp;
use crate::on_both_backends;
use serde_json::{Value, json};

async fn problem(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "status {status}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status);
    for e in body["errors"].as_array().unwrap() {
        assert!(!e["message"]["zh-CN"].as_str().unwrap().is_empty());
        assert!(!e["message"]["en"].as_str().unwrap().is_empty());
        assert_ne!(
            e["message"]["zh-CN"], e["code"],
            "a message text is missing"
        );
    }
    (status, body)
}

fn unit_body(code: &str) -> Value {
    json!({"code": code, "kind": "partner_agency", "name_zh": "景洪市公安局", "name_en": "Jinghong Public Security Bureau", "parent_id": null, "division_code": "532800"})
}

async fn bad_bodies_are_refused_and_change_nothing(app: TestApp) {
    let token = app.demo_admin_token().await;
    let before = app.log_size().await;
    let post = |body: reqwest::Body, ct: &'static str| {
        app.client
            .post(app.url("/api/v1/units"))
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
            .send()
    };

    let (s, b) = problem(
        post("{\"code\": ".into(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (400, Some("request.malformed_json"))
    );

    let mut extra = unit_body("police-a");
    extra["colour"] = json!("red");
    let (s, b) = problem(
        post(extra.to_string().into(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(b["errors"][0]["code"], "field.unknown");
    assert_eq!(b["errors"][0]["field"], "colour");

    let mut wrong = unit_body("police-b");
    wrong["name_zh"] = json!(42);
    let (s, b) = problem(
        post(wrong.to_string().into(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(b["errors"][0]["code"], "field.invalid_type");
    assert_eq!(b["errors"][0]["field"], "name_zh");

    let mut missing = unit_body("police-c");
    missing.as_object_mut().unwrap().remove("division_code");
    let (s, b) = problem(
        post(missing.to_string().into(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["field"].as_str()),
        (422, Some("division_code"))
    );

    let mut huge = unit_body("police-d");
    huge["name_en"] = json!("x".repeat(web::BODY_LIMIT + 1));
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .json(&huge)
        .send()
        .await
        .unwrap();
    let (s, b) = problem(r).await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (413, Some("request.body_too_large"))
    );

    // The same oversize body streamed without a Content-Length. The server answers before reading
    // it all and closes the connection, so this request gets a client of its own.
    let chunks = futures::stream::iter(
        (0..(web::BODY_LIMIT / 4096 + 2)).map(|_| Ok::<_, std::io::Error>(vec![b' '; 4096])),
    );
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await.0, 413);

    let (s, _) = problem(
        post(unit_body("police-e").to_string().into(), "text/plain")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 415);

    // Every field wrong at once: every reason reported.
    let bad = json!({"code": "Bad Code", "kind": "brigade", "name_zh": "", "name_en": "x", "parent_id": null, "division_code": "110000"});
    let (s, b) = problem(
        post(bad.to_string().into(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    let fields: Vec<_> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["code", "name_zh", "division_code", "parent_id"]);

    assert_eq!(
        app.log_size().await,
        before,
        "a refused request wrote something"
    );
}

async fn status_codes_follow_the_table(app: TestApp) {
    let token = app.demo_admin_token().await;
    let before = app.log_size().await;

    // 401 without a token, with a bad token.
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .json(&unit_body("p1"))
        .send()
        .await
        .unwrap();
    let (s, b) = problem(r).await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (401, Some("auth.required"))
    );
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth("nonsense")
        .json(&unit_body("p1"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await.0, 401);

    // 401 for a wrong password, the same for an unknown user.
    for (u, p) in [("admin", "Wrong@2026!"), ("nobody", "Wrong@2026!")] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": u, "password": p}))
            .send()
            .await
            .unwrap();
        let (s, b) = problem(r).await;
        assert_eq!(
            (s, b["errors"][0]["code"].as_str()),
            (401, Some("auth.invalid_credentials"))
        );
    }

    // 403 for a role without the permission.
    let officer = app.login("zhidui.officer", app::seed::DEMO_PASSWORD).await;
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&officer)
        .json(&unit_body("p1"))
        .send()
        .await
        .unwrap();
    let (s, b) = problem(r).await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (403, Some("auth.forbidden"))
    );
    let after_user = app.log_size().await;
    assert_eq!(after_user, before);

    // 201, then 409 for the same code.
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .json(&unit_body("police"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .json(&unit_body("police"))
        .send()
        .await
        .unwrap();
    let (s, b) = problem(r).await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (409, Some("unit.code_taken"))
    );

    // 404 for an unknown or malformed id, on every method.
    for path in [
        "/api/v1/units/00000000-0000-7000-8000-000000000000",
        "/api/v1/units/not-a-uuid",
    ] {
        let (s, _) = problem(app.client.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(s, 404);
        let r = app
            .client
            .patch(app.url(path))
            .bearer_auth(&token)
            .header("if-match", "\"1\"")
            .json(&json!({"name_en": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(problem(r).await.0, 404);
    }
    // An unknown API address is problem JSON; an unknown page is a page (issue 19).
    let (s, _) = problem(
        app.client
            .get(app.url("/api/v1/no/such/route"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
    let r = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<main") && html.contains("id=\"lang-switch\""),
        "{html}"
    );
    let (s, _) = problem(
        app.client
            .delete(app.url("/api/v1/units"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 405);

    // 428 without If-Match, 412 when stale, 200 when current.
    let patch = |if_match: Option<&str>| {
        let mut req = app
            .client
            .patch(app.url(&location))
            .bearer_auth(&token)
            .header("content-type", "application/merge-patch+json")
            .body(json!({"name_en": "Jinghong PSB"}).to_string());
        if let Some(v) = if_match {
            req = req.header("if-match", v.to_owned());
        }
        req.send()
    };
    assert_eq!(problem(patch(None).await.unwrap()).await.0, 428);
    assert_eq!(problem(patch(Some("\"7\"")).await.unwrap()).await.0, 412);
    let r = patch(Some("\"1\"")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let unit: Value = r.json().await.unwrap();
    assert_eq!(unit["name_en"], "Jinghong PSB");
    assert_eq!(unit["version"], 2);
    assert_eq!(problem(patch(Some("\"1\"")).await.unwrap()).await.0, 412);

    // Exactly the two accepted writes were recorded.
    assert_eq!(app.log_size().await, after_user + 2);

    // Logout revokes the token.
    let r = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&officer)
        .json(&unit_body("p2"))
        .send()
        .await
        .unwrap();
    let (s, b) = problem(r).await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (401, Some("auth.session_expired"))
    );
}

async fn an_initial_password_must_be_changed_first(app: TestApp) {
    let seeded = app.app.bootstrap().await.unwrap();
    let (user, password) = seeded.admin.expect("an empty database gets an admin");
    let code = app
        .totp_for(&user, &seeded.admin_totp.expect("and its second factor"))
        .await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password, "totp": code}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["must_change_password"], true);
    let token = body["token"].as_str().unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(token)
        .json(&unit_body("p1"))
        .send()
        .await
        .unwrap();
    let (s, b) = problem(r).await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (403, Some("auth.password_change_required"))
    );
    // A second bootstrap on a non-empty database creates nothing.
    assert!(app.app.bootstrap().await.unwrap().admin.is_none());
}

on_both_backends!(
    bad_bodies_are_refused_and_change_nothing,
    status_codes_follow_the_table,
    an_initial_password_must_be_changed_first,
);
