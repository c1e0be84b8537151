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
        (
            "/api/v1/admin/users/{username}/legal-qualification",
            vec!["put"],
        ),
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
        ("/ledger/statements", vec!["get"]),
        ("/api/v1/ledger/checkpoints", vec!["post"]),
        ("/api/v1/ledger/entries/{index}", vec!["get"]),
        ("/api/v1/ledger/proof/inclusion", vec!["get"]),
        ("/api/v1/ledger/proof/consistency", vec!["get"]),
        ("/api/v1/evidence", vec!["get", "post"]),
        ("/api/v1/evidence/{id}", vec!["get"]),
        ("/api/v1/evidence/{id}/content", vec!["get"]),
        ("/api/v1/evidence/{id}/transfers", vec!["post"]),
        ("/api/v1/evidence/{id}/certificate", vec!["get"]),
        ("/api/v1/uploads", vec!["options", "post"]),
        ("/api/v1/uploads/{id}", vec!["head", "patch"]),
        ("/ledger/tile/{path}", vec!["get"]),
        ("/api/v1/sealed/{reference}/view", vec!["post"]),
        ("/api/v1/sealed/{reference}/erase", vec!["post"]),
        ("/api/v1/openapi.json", vec!["get"]),
        ("/api/v1/clues", vec!["get", "post"]),
        ("/api/v1/clues/{id}", vec!["get"]),
        ("/api/v1/clues/{id}/register", vec!["post"]),
        ("/api/v1/clues/{id}/close", vec!["post"]),
        ("/api/v1/clues/{id}/merge", vec!["post"]),
        ("/api/v1/clues/{id}/transfer", vec!["post"]),
        ("/api/v1/clues/{id}/extend-registration", vec!["post"]),
        ("/api/v1/clues/{id}/approve-extension", vec!["post"]),
        ("/api/v1/clues/{id}/reject-extension", vec!["post"]),
        ("/api/v1/cases/{id}/identify-party", vec!["post"]),
        ("/api/v1/cases/{id}/assign-officers", vec!["post"]),
        ("/api/v1/cases/{id}/request-recusal", vec!["post"]),
        ("/api/v1/cases/{id}/decide-recusal", vec!["post"]),
        ("/api/v1/cases/{id}/record-inspection", vec!["post"]),
        ("/api/v1/cases/{id}/record-questioning", vec!["post"]),
        ("/api/v1/cases/{id}/record-sampling", vec!["post"]),
        ("/api/v1/cases/{id}/records", vec!["get"]),
        (
            "/api/v1/cases/{id}/submit-investigation-report",
            vec!["post"],
        ),
        ("/api/v1/cases/{id}/record-case-review", vec!["post"]),
        ("/api/v1/cases/{id}/record-interference", vec!["post"]),
        ("/api/v1/interference", vec!["get"]),
        ("/api/v1/tasks", vec!["get"]),
        ("/api/v1/deadlines", vec!["get"]),
        ("/api/v1/documents/blank/{file}", vec!["get"]),
        ("/api/v1/cases/{id}/preserve-evidence", vec!["post"]),
        ("/api/v1/cases/{id}/approve-preservation", vec!["post"]),
        ("/api/v1/cases/{id}/reject-preservation", vec!["post"]),
        ("/api/v1/cases/{id}/decide-preserved", vec!["post"]),
        ("/api/v1/cases", vec!["get"]),
        ("/api/v1/cases/{id}", vec!["get"]),
        ("/api/v1/cases/{id}/approve-registration", vec!["post"]),
        ("/api/v1/cases/{id}/reject-registration", vec!["post"]),
        ("/api/v1/cases/{id}/cancel-registration", vec!["post"]),
        ("/api/v1/cases/{id}/approve-cancellation", vec!["post"]),
        ("/api/v1/cases/{id}/reject-cancellation", vec!["post"]),
        ("/api/v1/approvals", vec!["get"]),
        ("/api/v1/cases/{id}/documents", vec!["get", "post"]),
        ("/api/v1/cases/{id}/documents/{file}", vec!["get"]),
        (
            "/api/v1/cases/{id}/documents/{doc_id}/signatures",
            vec!["post"],
        ),
        ("/api/v1/verify/{code}", vec!["get", "post"]),
        ("/api/v1/cases/{id}/issue-advance-notice", vec!["post"]),
        ("/api/v1/cases/{id}/submit-for-legal-review", vec!["post"]),
        ("/api/v1/cases/{id}/record-legal-review", vec!["post"]),
        ("/api/v1/cases/{id}/record-deliberation", vec!["post"]),
        ("/api/v1/cases/{id}/decide", vec!["post"]),
        ("/api/v1/cases/{id}/extend-deadline", vec!["post"]),
        ("/api/v1/cases/{id}/approve-extension", vec!["post"]),
        ("/api/v1/cases/{id}/record-performance", vec!["post"]),
        ("/api/v1/cases/{id}/request-arrangement", vec!["post"]),
        ("/api/v1/cases/{id}/approve-arrangement", vec!["post"]),
        ("/api/v1/cases/{id}/close-case", vec!["post"]),
        ("/api/v1/cases/{id}/archive", vec!["post"]),
        ("/api/v1/cases/{id}/add-annex", vec!["post"]),
        ("/api/v1/cases/{id}/archive-bundle", vec!["get"]),
        ("/api/v1/cases/{id}/archive/{file}", vec!["get"]),
        ("/api/v1/cases/{id}/publish-decision", vec!["post"]),
        ("/api/v1/cases/{id}/withdraw-publication", vec!["post"]),
        ("/api/v1/cases/{id}/file-upward", vec!["post"]),
        ("/api/v1/cases/{id}/record-service", vec!["post"]),
        ("/api/v1/discretion/calculate", vec!["post"]),
        ("/api/v1/discretion/versions", vec!["get", "post"]),
        (
            "/api/v1/discretion/versions/{version}/approve",
            vec!["post"],
        ),
        ("/api/v1/cases/{id}/record-statement", vec!["post"]),
        ("/api/v1/cases/{id}/answer-statement", vec!["post"]),
        ("/api/v1/cases/{id}/record-waiver", vec!["post"]),
        ("/api/v1/cases/{id}/request-hearing", vec!["post"]),
        ("/api/v1/cases/{id}/schedule-hearing", vec!["post"]),
        ("/api/v1/cases/{id}/record-hearing", vec!["post"]),
        ("/api/v1/cases/{id}/start-tolling", vec!["post"]),
        ("/api/v1/cases/{id}/approve-suspension", vec!["post"]),
        ("/api/v1/cases/{id}/end-tolling", vec!["post"]),
        ("/api/v1/cases/{id}/timeline", vec!["get"]),
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
            body["errors"][0]["code"] != "request.not_found"
                || path.contains("{id}")
                || path.contains("{path}"),
            "{path} is described but not routed"
        );
    }
}

/// The paths the router serves, read from its `Debug` form (axum lists its route table there;
/// it has no other way to list it).
fn router_paths(router: &impl std::fmt::Debug) -> Vec<String> {
    let debug = format!("{router:?}");
    let mut paths = Vec::new();
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("RouteId(") {
        rest = &rest[i + "RouteId(".len()..];
        let Some(after) = rest.find("): \"") else {
            continue;
        };
        let tail = &rest[after + 4..];
        if let Some(end) = tail.find('"') {
            paths.push(tail[..end].to_owned());
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// Issue 18 item 10: every route the server answers under `/api/v1` and `/ledger` is in the
/// OpenAPI document with each method it answers, and every documented operation is served.
async fn the_openapi_document_lists_every_route_the_router_answers(app: TestApp) {
    let (router, openapi) = web::router_and_openapi(app.app.clone());
    let doc = serde_json::to_value(&openapi).unwrap();
    let documented = doc["paths"].as_object().unwrap();
    // axum's catch-all `{*name}` is OpenAPI's `{name}` (which cannot say "several segments").
    let served: Vec<String> = router_paths(&router)
        .into_iter()
        .filter(|p| p.starts_with("/api/v1") || p.starts_with("/ledger"))
        .map(|p| p.replace("{*", "{"))
        .collect();
    assert!(served.len() > 30, "the route table was read: {served:?}");
    let methods = ["get", "post", "put", "patch", "delete", "options", "head"];
    let concrete = |path: &str| -> String {
        path.split('/')
            .map(|seg| {
                if seg == "{path}" {
                    "0/x/000".to_owned()
                } else if seg.starts_with('{') {
                    "01900000-0000-7000-8000-000000000000".to_owned()
                } else {
                    seg.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    // The router names a route's methods in `Allow` when asked with one it does not serve
    // (no route here serves TRACE).
    let mut missing = Vec::new();
    for path in &served {
        let r = app
            .client
            .request(reqwest::Method::TRACE, app.url(&concrete(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "TRACE {path}");
        let allow: Vec<String> = r
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
            .split(',')
            .map(|m| m.trim().to_lowercase())
            .filter(|m| !m.is_empty())
            .collect();
        assert!(!allow.is_empty(), "{path} names its methods");
        let item = documented.get(path.as_str());
        for m in &allow {
            // axum answers HEAD with the GET handler.
            let doc_method = if m == "head" && item.is_none_or(|i| i.get("head").is_none()) {
                "get"
            } else {
                m.as_str()
            };
            if item.is_none_or(|i| i.get(doc_method).is_none()) {
                missing.push(format!(
                    "{} {path} is served but not documented",
                    m.to_uppercase()
                ));
            }
        }
        if let Some(item) = item.and_then(|i| i.as_object()) {
            for m in item.keys().filter(|k| methods.contains(&k.as_str())) {
                if !allow.contains(m) {
                    missing.push(format!(
                        "{} {path} is documented but not served",
                        m.to_uppercase()
                    ));
                }
            }
        }
    }
    for path in documented.keys() {
        if !served.contains(path) && path != "/healthz" {
            missing.push(format!("{path} is documented but not in the route table"));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

on_both_backends!(
    healthz_answers_once_the_database_does,
    openapi_describes_every_route,
    the_openapi_document_lists_every_route_the_router_answers,
);
