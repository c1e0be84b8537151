use crate::helpers::TestApp;
use crate::on_both_backends;

async fn healthz_answers_once_the_database_does(app: TestApp) {
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let request_id = r.headers().get("x-request-id").cloned();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["log_size"], 0);
    assert!(
        request_id.is_some_and(|id| !id.is_empty()),
        "every response carries a request id"
    );
}

async fn openapi_describes_every_route(app: TestApp) {
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let spec: serde_json::Value = r.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = spec["paths"].as_object().unwrap();
    let expected = [
        ("/healthz", vec!["get"]),
        ("/api/v1/auth/login", vec!["post"]),
        ("/api/v1/auth/logout", vec!["post"]),
        ("/api/v1/units", vec!["get", "post"]),
        ("/api/v1/units/{id}", vec!["get", "patch"]),
        ("/api/v1/auth/password", vec!["post"]),
        ("/api/v1/entities", vec!["get", "post"]),
        ("/api/v1/entities/{id}", vec!["get", "patch"]),
        ("/api/v1/entities/import", vec!["post"]),
        ("/api/v1/admin/users/{username}/unlock", vec!["post"]),
        ("/api/v1/admin/users", vec!["post"]),
        ("/api/v1/admin/settings", vec!["get"]),
        ("/api/v1/admin/users/{username}", vec!["put"]),
        ("/api/v1/admin/users/{username}/certificate", vec!["put"]),
        ("/api/v1/admin/users/{username}/access", vec!["put"]),
        ("/api/v1/admin/users/{username}/disable", vec!["post"]),
        ("/api/v1/admin/users/{username}/enable", vec!["post"]),
        (
            "/api/v1/admin/users/{username}/password-reset",
            vec!["post"],
        ),
        ("/api/v1/admin/users/{username}/totp-reset", vec!["post"]),
        ("/api/v1/admin/audit/{trail}", vec!["get"]),
        ("/ledger/checkpoint", vec!["get"]),
        ("/ledger/verifier-key", vec!["get"]),
        ("/ledger/verifier-keys", vec!["get"]),
        ("/api/v1/ledger/checkpoints", vec!["post"]),
        ("/api/v1/ledger/entries/{index}", vec!["get"]),
        ("/api/v1/ledger/proof/inclusion", vec!["get"]),
        ("/api/v1/ledger/proof/consistency", vec!["get"]),
        ("/api/v1/evidence", vec!["get", "post"]),
        ("/api/v1/evidence/{id}", vec!["get"]),
        ("/api/v1/evidence/{id}/content", vec!["get"]),
        ("/api/v1/evidence/{id}/transfers", vec!["post"]),
        ("/api/v1/evidence/{id}/certificate", vec!["get"]),
    ];
    for (path, methods) in &expected {
        let item = paths.get(*path).unwrap_or_else(|| panic!("{path} missing"));
        for m in methods {
            assert!(item.get(*m).is_some(), "{m} {path} missing");
        }
    }
    assert_eq!(
        paths.len(),
        expected.len(),
        "unexpected paths: {:?}",
        paths.keys()
    );
    // Every described route answers something other than the 404 fallback.
    for (path, _) in &expected {
        let concrete = path
            .replace("{id}", &uuid::Uuid::nil().to_string())
            .replace("{username}", "nobody")
            .replace("{index}", "0")
            .replace("{trail}", "events");
        let r = app.client.get(app.url(&concrete)).send().await.unwrap();
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        assert!(
            body["errors"][0]["code"] != "request.not_found" || path.contains("{id}"),
            "{path} is described but not routed"
        );
    }
}

on_both_backends!(
    healthz_answers_once_the_database_does,
    openapi_describes_every_route
);
