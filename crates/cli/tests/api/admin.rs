//! Issue 12 (2): separation of duties. Every administrative route for every demo role; what
//! each administrator may do, that none may touch their own access, and what a disabled account
//! meets; on both backends.

use crate::entities::get;
use crate::helpers::TestApp;
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

const ROLES: &[&str] = &[
    "admin",
    "secadmin",
    "auditadmin",
    "ju.head",
    "zhidui.lead",
    "zhidui.officer",
    "menghai.officer",
    "menghai.aux",
    "fazhi.reviewer",
    "mengzhe.liaison",
    "police.partner",
];

pub(crate) async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = app.url(path);
    let req = match method {
        "GET" => app.client.get(url),
        "PUT" => app.client.put(url),
        _ => app.client.post(url),
    }
    .bearer_auth(token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let r = req.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn every_admin_route_for_every_role(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    // Each route, the one role it belongs to, and its success status. The target account is a
    // brigade officer; state-changing calls are undone where the next role needs the same state.
    let routes: Vec<(&str, &str, Option<Value>, &str, u16)> = vec![
        (
            "PUT",
            "/api/v1/admin/users/menghai.officer2/access",
            Some(json!({"roles": ["brigade_officer"], "counties": ["532822"]})),
            "secadmin",
            204,
        ),
        (
            "POST",
            "/api/v1/admin/users/menghai.officer2/unlock",
            None,
            "secadmin",
            204,
        ),
        (
            "POST",
            "/api/v1/admin/users/menghai.officer2/password-reset",
            None,
            "secadmin",
            200,
        ),
        (
            "POST",
            "/api/v1/admin/users/menghai.officer2/totp-reset",
            None,
            "secadmin",
            200,
        ),
        (
            "POST",
            "/api/v1/admin/users/menghai.officer2/enable",
            None,
            "admin",
            204,
        ),
        (
            "POST",
            "/api/v1/units",
            Some(
                json!({"code": "xsbn-forest-police", "kind": "partner_agency", "name_zh": "州森林公安",
                        "name_en": "Xishuangbanna Forest Police", "parent_id": null,
                        "division_code": "532800"}),
            ),
            "admin",
            201,
        ),
        (
            "PUT",
            "/api/v1/admin/users/menghai.officer2",
            Some(json!({"display_name": "勐海执法员二（改）", "unit_code": null})),
            "admin",
            204,
        ),
        (
            "PUT",
            "/api/v1/admin/users/menghai.officer2/certificate",
            Some(
                json!({"number": "YN-TEST-1", "issuing_authority": "云南省人民政府",
                        "valid_from": "2025-01-01", "valid_until": "2030-12-31"}),
            ),
            "admin",
            204,
        ),
        (
            "GET",
            "/api/v1/admin/audit/signins?username=menghai.officer",
            None,
            "auditadmin",
            200,
        ),
        (
            "GET",
            "/api/v1/admin/audit/security",
            None,
            "auditadmin",
            200,
        ),
        ("GET", "/api/v1/admin/audit/events", None, "auditadmin", 200),
    ];
    let mut tokens = Vec::new();
    for user in ROLES {
        tokens.push((*user, app.login(user, DEMO_PASSWORD).await));
    }
    for (method, path, body, owner, ok) in &routes {
        for (user, token) in &tokens {
            let (s, b) = call(&app, token, method, path, body.clone()).await;
            let expected = if user == owner { *ok } else { 403 };
            assert_eq!(s, expected, "{user} {method} {path}: {b}");
        }
    }
    // None of the administrators registers or changes entities, or records evidence.
    for admin in ["admin", "secadmin", "auditadmin"] {
        let token = &tokens.iter().find(|(u, _)| *u == admin).unwrap().1;
        let (s, _) = call(
            &app,
            token,
            "POST",
            "/api/v1/entities",
            // A valid body, so only the role can refuse it.
            Some(crate::entities::new_entity("532822", 77)),
        )
        .await;
        assert_eq!(s, 403, "{admin} POST entities");
        if admin != "admin" {
            assert_eq!(
                get(&app, token, "/api/v1/entities").await.0,
                403,
                "{admin} reads no register"
            );
        }
    }
}

async fn what_each_administrator_does(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let sec = app.login("secadmin", DEMO_PASSWORD).await;
    let sys = app.login("admin", DEMO_PASSWORD).await;
    let audit = app.login("auditadmin", DEMO_PASSWORD).await;
    // An account is created without access; its holder changes the initial password, then the
    // security administrator grants a role.
    let (s, b) = call(&app, &sys, "POST", "/api/v1/admin/users",
        Some(json!({"username": "li.officer", "display_name": "李执法（测试）", "unit_code": "xsbn-zhidui"}))).await;
    assert_eq!(
        (s, b["errors"][0]["field"].as_str()),
        (422, Some("unit_code")),
        "an unknown unit"
    );
    let (s, b) = call(&app, &sys, "POST", "/api/v1/admin/users",
        Some(json!({"username": "li.officer", "display_name": "李执法（测试）", "unit_code": "xsbn-detachment"}))).await;
    assert_eq!(s, 201, "{b}");
    assert!(b["secret"].as_str().unwrap().len() >= 10);
    let (s, b) = call(
        &app,
        &sys,
        "POST",
        "/api/v1/admin/users",
        Some(json!({"username": "li.officer", "display_name": "重复"})),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (409, Some("user.username_taken"))
    );
    // Access: a brigade officer of 勐海 becomes one of 勐腊; an administrator role stands alone;
    // nobody changes their own access.
    let (s, _) = call(
        &app,
        &sec,
        "PUT",
        "/api/v1/admin/users/menghai.officer2/access",
        Some(json!({"roles": ["brigade_officer"], "counties": ["532823"]})),
    )
    .await;
    assert_eq!(s, 204);
    let moved = app.login("menghai.officer2", DEMO_PASSWORD).await;
    let (_, list) = get(&app, &moved, "/api/v1/entities?per_page=1").await;
    assert_eq!(list["items"][0]["county_code"], "532823");
    let (s, b) = call(
        &app,
        &sec,
        "PUT",
        "/api/v1/admin/users/menghai.officer2/access",
        Some(json!({"roles": ["brigade_officer", "audit_admin"], "counties": null})),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (422, Some("admin.role_mix"))
    );
    let (s, b) = call(
        &app,
        &sec,
        "PUT",
        "/api/v1/admin/users/secadmin/access",
        Some(json!({"roles": ["security_admin", "bureau_head"], "counties": null})),
    )
    .await;
    assert_eq!(s, 409, "its own account comes first: {b}");
    let (s, b) = call(
        &app,
        &sec,
        "PUT",
        "/api/v1/admin/users/secadmin/access",
        Some(json!({"roles": ["bureau_head"], "counties": null})),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (409, Some("admin.own_account"))
    );
    let (s, _) = call(
        &app,
        &sec,
        "PUT",
        "/api/v1/admin/users/nobody/access",
        Some(json!({"roles": [], "counties": null})),
    )
    .await;
    assert_eq!(s, 404);
    // Disable: refused at sign-in and on every request with a session it already had.
    let (s, _) = call(
        &app,
        &sys,
        "POST",
        "/api/v1/admin/users/menghai.officer2/disable",
        None,
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(get(&app, &moved, "/api/v1/entities").await.0, 401);
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "menghai.officer2", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["code"], "auth.account_disabled");
    let (s, b) = call(
        &app,
        &sys,
        "POST",
        "/api/v1/admin/users/admin/disable",
        None,
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (409, Some("admin.own_account"))
    );
    assert_eq!(
        call(
            &app,
            &sys,
            "POST",
            "/api/v1/admin/users/menghai.officer2/enable",
            None
        )
        .await
        .0,
        204
    );
    // A password reset: the old password stops working, the new one must be changed first.
    let (s, b) = call(
        &app,
        &sec,
        "POST",
        "/api/v1/admin/users/menghai.officer2/password-reset",
        None,
    )
    .await;
    assert_eq!(s, 200);
    let password = b["secret"].as_str().unwrap().to_owned();
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "menghai.officer2", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "menghai.officer2", "password": password}))
        .send()
        .await
        .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["must_change_password"], true);
    // A second factor reset: from now on the officer needs a code from the new secret.
    let (_, b) = call(
        &app,
        &sec,
        "POST",
        "/api/v1/admin/users/menghai.officer/totp-reset",
        None,
    )
    .await;
    let secret = b["secret"].as_str().unwrap();
    assert!(b["uri"].as_str().unwrap().starts_with("otpauth://totp/"));
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "menghai.officer", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["code"], "auth.totp_required");
    let code = app.totp_for("menghai.officer", secret).await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "menghai.officer", "password": DEMO_PASSWORD, "totp": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The audit administrator reads all of it; no secret is in any event.
    let (s, events) = call(&app, &audit, "GET", "/api/v1/admin/audit/events", None).await;
    assert_eq!(s, 200);
    let schemas: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["schema"].as_str().unwrap())
        .collect();
    for s in [
        "user.created/v1",
        "user.access_changed/v1",
        "user.disabled/v1",
        "user.credential_reset/v1",
    ] {
        assert!(schemas.contains(&s), "{s} in {schemas:?}");
    }
    let text = events.to_string();
    assert!(
        !text.contains(&password) && !text.contains(secret),
        "a secret entered an event"
    );
    let (_, signins) = call(
        &app,
        &audit,
        "GET",
        "/api/v1/admin/audit/signins?username=menghai.officer2",
        None,
    )
    .await;
    assert!(
        signins
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["outcome"] == "failure")
    );
    // Every change is an event: the projections replay exactly.
    let report = app.app.verify_ledger().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

async fn user(app: &TestApp, username: &str) -> domain::user::User {
    app.store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == username)
        .unwrap()
}

/// The system administrator edits an account's name and unit and records a certificate; the
/// audit administrator sees both events; nobody edits their own account.
async fn accounts_are_edited_and_certified(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let sys = app.login("admin", DEMO_PASSWORD).await;
    let audit = app.login("auditadmin", DEMO_PASSWORD).await;
    let path = "/api/v1/admin/users/menghai.officer2";
    for (body, code) in [
        (
            json!({"display_name": " ", "unit_code": null}),
            "field.required",
        ),
        (
            json!({"display_name": "x", "unit_code": "no-such-unit"}),
            "user.unit_unknown",
        ),
        (
            json!({"display_name": "x".repeat(51), "unit_code": null}),
            "field.too_long",
        ),
    ] {
        let (s, b) = call(&app, &sys, "PUT", path, Some(body)).await;
        assert_eq!(
            (s, b["errors"][0]["code"].as_str()),
            (422, Some(code)),
            "{b}"
        );
    }
    let (s, b) = call(
        &app,
        &sys,
        "PUT",
        path,
        Some(json!({"display_name": "岩温（勐海大队）", "unit_code": "xsbn-detachment"})),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let account = user(&app, "menghai.officer2").await;
    assert_eq!(account.display_name, "岩温（勐海大队）");
    let unit = app
        .app
        .units()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.code == "xsbn-detachment")
        .unwrap();
    assert_eq!(account.unit_id, Some(unit.id));
    let log = app.log_size().await;
    let (s, _) = call(
        &app,
        &sys,
        "PUT",
        path,
        Some(json!({"display_name": "岩温（勐海大队）", "unit_code": "xsbn-detachment"})),
    )
    .await;
    assert_eq!((s, app.log_size().await), (204, log), "no change, no event");
    let (s, b) = call(
        &app,
        &sys,
        "PUT",
        "/api/v1/admin/users/admin",
        Some(json!({"display_name": "我", "unit_code": null})),
    )
    .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (409, Some("admin.own_account"))
    );
    let (s, _) = call(
        &app,
        &sys,
        "PUT",
        "/api/v1/admin/users/nobody",
        Some(json!({"display_name": "无", "unit_code": null})),
    )
    .await;
    assert_eq!(s, 404);

    let cert = "/api/v1/admin/users/menghai.officer2/certificate";
    let (s, b) = call(
        &app,
        &sys,
        "PUT",
        cert,
        Some(json!({"number": "", "issuing_authority": "云南省人民政府",
        "valid_from": "2026-01-01", "valid_until": "2025-01-01"})),
    )
    .await;
    assert_eq!(s, 422);
    let codes = crate::helpers::error_codes(&b);
    assert_eq!(codes, ["field.required", "permit.validity_reversed"]);
    let (s, b) = call(
        &app,
        &sys,
        "PUT",
        cert,
        Some(
            json!({"number": "YN-2026-0042", "issuing_authority": "云南省人民政府",
        "valid_from": "2026-01-01", "valid_until": "2031-12-31"}),
        ),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let account = user(&app, "menghai.officer2").await;
    assert_eq!(account.certificate.unwrap().number, "YN-2026-0042");

    let (_, events) = call(&app, &audit, "GET", "/api/v1/admin/audit/events", None).await;
    let schemas: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"]["schema"].as_str())
        .collect();
    assert!(
        schemas.contains(&"user.edited/v1") && schemas.contains(&"officer.certified/v1"),
        "{schemas:?}"
    );
}

/// A second-factor code signs in once (RFC 6238 §5.2): the same code again is refused, the next
/// one works; a code reset takes the history with it.
async fn a_code_signs_in_once(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let login = |code: String| {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "secadmin", "password": DEMO_PASSWORD, "totp": code}))
            .send();
        async move {
            let r = r.await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let code = app.demo_totp("secadmin").await.expect("a second factor");
    assert_eq!(login(code.clone()).await.0, 200);
    let (s, b) = login(code).await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (401, Some("auth.totp_invalid")),
        "a replayed code"
    );
    assert_eq!(
        login(app.demo_totp("secadmin").await.expect("a second factor"))
            .await
            .0,
        200,
        "the next code"
    );
}

/// Each of the system and security administrators reads the settings of their own duty; nobody
/// else reads any.
async fn settings_by_duty(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    for user in ROLES {
        let token = app.login(user, DEMO_PASSWORD).await;
        let (s, b) = call(&app, &token, "GET", "/api/v1/admin/settings", None).await;
        match *user {
            "admin" => {
                assert_eq!(s, 200);
                assert_eq!(b["app.prefecture_code"], "532800");
                assert!(b.get("app.password_policy.min_length").is_none(), "{b}");
            }
            "secadmin" => {
                assert_eq!(s, 200);
                assert_eq!(b["app.password_policy.min_length"], "10");
                assert_eq!(b["app.signin_max_failures"], "5");
                assert!(b.get("app.prefecture_code").is_none(), "{b}");
            }
            _ => assert_eq!(s, 403, "{user}"),
        }
    }
}

on_both_backends!(
    settings_by_duty,
    a_code_signs_in_once,
    accounts_are_edited_and_certified,
    every_admin_route_for_every_role,
    what_each_administrator_does
);
