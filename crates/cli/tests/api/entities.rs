//! Issue 3: the entity register, permissions and scopes for every demo role, sign-in limits.

use crate::helpers::TestApp;
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

pub(crate) async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn first_id(app: &TestApp, token: &str, county: &str) -> String {
    let (s, b) = get(
        app,
        token,
        &format!("/api/v1/entities?county={county}&per_page=1"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["items"][0]["id"].as_str().unwrap().to_owned()
}

pub(crate) fn new_entity(county: &str, serial: u32) -> Value {
    json!({
        "uscc": app::seed::demo_uscc(county, 90_000 + serial),
        "name": format!("测试企业 {county}-{serial}"),
        "county_code": county,
        "industry_code": "1340",
        "class": "general",
        "address": "测试地址",
        "legal_representative": "测试",
        "lat": 21.95, "lon": 100.45,
        "outlets": [{"code": "DW001", "kind": "water", "name": "废水总排口", "lat": 21.951, "lon": 100.451}],
        "permit": {"number": "P-1", "valid_from": "2024-01-01", "valid_until": "2028-12-31"}
    })
}

/// Every entity route for every demo role (issue 3's table).
async fn every_route_for_every_role(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let menghai_id = first_id(&app, &admin, "532822").await;
    let jinghong_id = first_id(&app, &admin, "532801").await;

    // (user, sees all, own county or None, may write)
    let roles: [(&str, Option<&str>, bool, bool); 16] = [
        ("admin", None, true, false),
        ("ju.head", None, true, true),
        ("ju.deputy", None, true, true),
        ("zhidui.lead", None, true, true),
        ("zhidui.officer", None, true, true),
        ("zhidui.officer2", None, true, true),
        ("jinghong.officer", Some("532801"), true, true),
        ("jinghong.officer2", Some("532801"), true, true),
        ("menghai.officer", Some("532822"), true, true),
        ("menghai.officer2", Some("532822"), true, true),
        ("mengla.officer", Some("532823"), true, true),
        ("mengla.officer2", Some("532823"), true, true),
        ("menghai.aux", Some("532822"), true, true),
        ("fazhi.reviewer", None, true, false),
        ("mengzhe.liaison", None, false, false),
        ("police.partner", None, false, false),
    ];
    let mut serial = 0;
    for (user, own, reads, writes) in roles {
        let token = app.login(user, DEMO_PASSWORD).await;
        let (s, list) = get(&app, &token, "/api/v1/entities?per_page=200").await;
        if !reads {
            assert_eq!(s, 403, "{user} list");
            assert_eq!(
                get(&app, &token, &format!("/api/v1/entities/{menghai_id}"))
                    .await
                    .0,
                403,
                "{user} detail"
            );
            let r = app
                .client
                .post(app.url("/api/v1/entities"))
                .bearer_auth(&token)
                .json(&new_entity("532822", 999))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{user} create");
            continue;
        }
        assert_eq!(s, 200, "{user} list");
        let counties: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["county_code"].as_str().unwrap())
            .collect();
        let count = |county: &str| {
            let filter = store::EntityFilter {
                county: county.to_owned(),
                ..Default::default()
            };
            let store = app.store.clone();
            async move {
                store
                    .entities(&store::Scope::all(), &filter, 0, 1)
                    .await
                    .unwrap()
                    .total
            }
        };
        match own {
            None => assert_eq!(
                list["total"].as_i64(),
                Some(count("").await),
                "{user} sees all"
            ),
            Some(c) => {
                assert_eq!(
                    list["total"].as_i64(),
                    Some(count(c).await),
                    "{user} sees own county"
                );
                assert!(
                    counties.iter().all(|x| *x == c),
                    "{user} saw another county: {counties:?}"
                );
                // A filter outside scope: 200 with no items.
                let other = if c == "532801" { "532822" } else { "532801" };
                let (s, b) = get(&app, &token, &format!("/api/v1/entities?county={other}")).await;
                assert_eq!(
                    (s, b["total"].as_i64()),
                    (200, Some(0)),
                    "{user} filter outside scope"
                );
            }
        }
        // Detail: in scope 200 with ETag; outside 404 on every method.
        let (visible, hidden) = match own {
            Some("532801") => (&jinghong_id, Some(&menghai_id)),
            Some(_) => (&menghai_id, Some(&jinghong_id)),
            None => (&menghai_id, None),
        };
        let visible_county = if own == Some("532801") {
            "532801"
        } else {
            "532822"
        };
        if own.is_none() || own == Some("532822") || own == Some("532801") {
            assert_eq!(
                get(&app, &token, &format!("/api/v1/entities/{visible}"))
                    .await
                    .0,
                200,
                "{user} detail"
            );
        }
        if let Some(h) = hidden {
            assert_eq!(
                get(&app, &token, &format!("/api/v1/entities/{h}")).await.0,
                404,
                "{user} hidden detail"
            );
            let r = app
                .client
                .patch(app.url(&format!("/api/v1/entities/{h}")))
                .bearer_auth(&token)
                .header("if-match", "\"1\"")
                .json(&json!({"name": "x"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404, "{user} hidden patch");
        }
        // Create in own (or any) county, and outside scope.
        serial += 1;
        let county = own.unwrap_or("532822");
        let r = app
            .client
            .post(app.url("/api/v1/entities"))
            .bearer_auth(&token)
            .json(&new_entity(county, serial))
            .send()
            .await
            .unwrap();
        if writes {
            assert_eq!(r.status(), 201, "{user} create in {county}");
        } else {
            assert_eq!(r.status(), 403, "{user} create");
        }
        if writes && own.is_some() {
            let other = if county == "532801" {
                "532823"
            } else {
                "532801"
            };
            serial += 1;
            let r = app
                .client
                .post(app.url("/api/v1/entities"))
                .bearer_auth(&token)
                .json(&new_entity(other, serial))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422, "{user} create outside scope");
            let b: Value = r.json().await.unwrap();
            assert_eq!(b["errors"][0]["code"], "county_code.out_of_scope");
        }
        // Patch in scope (mengla users skip: their visible id is not in their county).
        if own.is_none() || own == Some(visible_county) {
            let (_, e) = get(&app, &token, &format!("/api/v1/entities/{visible}")).await;
            let r = app
                .client
                .patch(app.url(&format!("/api/v1/entities/{visible}")))
                .bearer_auth(&token)
                .header("if-match", format!("\"{}\"", e["version"]))
                .json(&json!({"legal_representative": format!("改 {user}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), if writes { 200 } else { 403 }, "{user} patch");
        }
    }
}

async fn entity_api_behaviour(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    // Paging and validation.
    for q in [
        "page=0",
        "per_page=0",
        "per_page=201",
        "page=x",
        "class=big",
        "county=53",
        "colour=red",
    ] {
        let (s, b) = get(&app, &token, &format!("/api/v1/entities?{q}")).await;
        assert_eq!(s, 422, "{q}: {b}");
    }
    let (_, p1) = get(&app, &token, "/api/v1/entities?per_page=7&page=1").await;
    let (_, p3) = get(&app, &token, "/api/v1/entities?per_page=7&page=3").await;
    assert_eq!(
        (
            p1["page"].as_i64(),
            p1["per_page"].as_i64(),
            p1["total"].as_i64()
        ),
        (Some(1), Some(7), Some(20))
    );
    assert_eq!(p1["items"].as_array().unwrap().len(), 7);
    assert_eq!(p3["items"].as_array().unwrap().len(), 6);
    let (_, all) = get(&app, &token, "/api/v1/entities?per_page=200").await;
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| domain::collation::name_key(n));
    assert_eq!(names, sorted, "ordered by name in pinyin order");
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["demo"] == true)
    );
    // Search (more in search.rs): name, USCC, address, legal representative; signs find nothing.
    let (_, b) = get(&app, &token, "/api/v1/entities?q=%E7%B3%96%E5%8E%82").await; // 糖厂
    assert!(b["total"].as_i64().unwrap() >= 2);
    assert!(
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"].as_str().unwrap().contains("糖厂"))
    );
    let uscc = all["items"][0]["uscc"].as_str().unwrap().to_lowercase();
    let (_, b) = get(&app, &token, &format!("/api/v1/entities?q={uscc}")).await;
    assert_eq!(b["total"], 1);
    let (_, b) = get(&app, &token, "/api/v1/entities?q=%25").await;
    assert_eq!(b["total"], 0);
    let (_, b) = get(
        &app,
        &token,
        "/api/v1/entities?q=%E6%BC%94%E7%A4%BA%E6%B3%95%E4%BA%BA&class=key",
    )
    .await; // 演示法人
    assert!(
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["class"] == "key")
    );

    // Create: bad check character names uscc; duplicate 409; unknown industry 422.
    let mut bad = new_entity("532822", 1);
    let mut u = bad["uscc"].as_str().unwrap().to_owned();
    let last = u.pop().unwrap();
    u.push(if last == '0' { '1' } else { '0' });
    bad["uscc"] = json!(u);
    let before = app.log_size().await;
    let r = app
        .client
        .post(app.url("/api/v1/entities"))
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["field"], "uscc");
    let mut unknown = new_entity("532822", 2);
    unknown["industry_code"] = json!("9999");
    let r = app
        .client
        .post(app.url("/api/v1/entities"))
        .bearer_auth(&token)
        .json(&unknown)
        .send()
        .await
        .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["code"], "industry_code.unknown");
    assert_eq!(app.log_size().await, before);
    let r = app
        .client
        .post(app.url("/api/v1/entities"))
        .bearer_auth(&token)
        .json(&new_entity("532822", 3))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["version"], 1);
    assert_eq!(created["lat"], 21.95);
    let r = app
        .client
        .post(app.url("/api/v1/entities"))
        .bearer_auth(&token)
        .json(&new_entity("532822", 3))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    // Patch: 428 without If-Match, 412 stale, id/uscc immutable, null removes the permit.
    let path = format!("/api/v1/entities/{}", created["id"].as_str().unwrap());
    let patch = |body: Value, if_match: Option<&str>| {
        let mut r = app
            .client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string());
        if let Some(v) = if_match {
            r = r.header("if-match", v.to_owned());
        }
        r.send()
    };
    assert_eq!(
        patch(json!({"name": "新名"}), None).await.unwrap().status(),
        428
    );
    assert_eq!(
        patch(json!({"name": "新名"}), Some("\"9\""))
            .await
            .unwrap()
            .status(),
        412
    );
    let r = patch(json!({"uscc": "91350100M000100Y43"}), Some("\"1\""))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        (
            b["errors"][0]["code"].as_str(),
            b["errors"][0]["field"].as_str()
        ),
        (Some("field.immutable"), Some("uscc"))
    );
    let r = patch(json!({"name": "新名", "permit": null, "outlets": [{"code": "DW009", "kind": "water", "name": "新排口", "lat": 21.9, "lon": 100.4}]}), Some("\"1\"")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        (
            b["name"].as_str(),
            b["permit"].is_null(),
            b["outlets"][0]["code"].as_str()
        ),
        (Some("新名"), true, Some("DW009"))
    );
    let r = patch(json!({"county_code": "532801"}), Some("\"2\""))
        .await
        .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["code"], "county_code.out_of_scope");
    let r = patch(json!({"kind_of": 1}), Some("\"2\"")).await.unwrap();
    assert_eq!(r.status(), 422);

    let report = app.store.replay_check().await.unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
}

async fn demo_seed_is_complete_and_labelled(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let all = app
        .store
        .entities(
            &store::Scope::all(),
            &store::EntityFilter::default(),
            0,
            500,
        )
        .await
        .unwrap();
    assert_eq!(all.total, 60);
    let seats = [
        ("532801", 22.0094, 100.7975),
        ("532822", 21.9573, 100.4528),
        ("532823", 21.4592, 101.5645),
    ];
    for e in &all.items {
        assert!(e.demo);
        assert!(
            domain::uscc::validate(&e.data.uscc).is_ok(),
            "{}",
            e.data.uscc
        );
        assert!(
            e.data
                .uscc
                .starts_with(&format!("91{}XBDM", e.data.county_code))
        );
        let (_, lat, lon) = seats.iter().find(|s| s.0 == e.data.county_code).unwrap();
        let dy = (e.data.lat_e6 as f64 / 1e6 - lat) * 111.32;
        let dx = (e.data.lon_e6 as f64 / 1e6 - lon) * 111.32 * lat.to_radians().cos();
        assert!(
            (dx * dx + dy * dy).sqrt() <= 30.0,
            "{} is too far from its seat",
            e.data.name
        );
    }
    assert!(
        all.items
            .iter()
            .any(|e| e.data.permit.is_some() && !e.data.outlets.is_empty())
    );
    for county in ["532801", "532822", "532823"] {
        assert_eq!(
            all.items
                .iter()
                .filter(|e| e.data.county_code == county)
                .count(),
            20
        );
    }
    // Certificates: valid three years from 30 days before seeding, mengla.officer2's expired 30
    // days before it.
    let today = app.app.today();
    for (user, valid) in [
        ("zhidui.lead", true),
        ("menghai.officer", true),
        ("mengla.officer2", false),
    ] {
        let token = app.login(user, DEMO_PASSWORD).await;
        let auth = app.app.authenticate(&token).await.unwrap();
        let domain::Actor::User(u) = &auth.actor else {
            panic!()
        };
        let c = u.certificate.as_ref().unwrap();
        assert_eq!(
            domain::permission::may_perform_enforcement_act(&auth.actor, today).is_ok(),
            valid,
            "{user}"
        );
        if valid {
            assert_eq!(c.valid_from, today - chrono::Days::new(30));
            assert!(c.valid_until > today + chrono::Days::new(3 * 365 - 32));
        } else {
            assert_eq!(c.valid_until, today - chrono::Days::new(30));
        }
    }
    let aux = app.login("menghai.aux", DEMO_PASSWORD).await;
    let auth = app.app.authenticate(&aux).await.unwrap();
    assert!(domain::permission::may_perform_enforcement_act(&auth.actor, today).is_err());
    // A second seed does nothing; real data makes it refuse.
    let size = app.log_size().await;
    assert!(app.app.seed_demo().await.unwrap().demo_accounts.is_empty());
    assert_eq!(app.log_size().await, size);
}

async fn sign_in_is_rate_limited_and_audited(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let login = |user: &'static str, password: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
    };
    for user in ["menghai.officer", "no.such.user"] {
        for i in 0..5 {
            assert_eq!(
                login(user, "Wrong@2026!").await.unwrap().status(),
                401,
                "{user} attempt {i}"
            );
        }
        let r = login(user, "Wrong@2026!").await.unwrap();
        assert_eq!(r.status(), 429, "{user}: the 6th within 15 min");
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry));
    }
    // Even the right password is refused while locked out, before any hash.
    assert_eq!(
        login("menghai.officer", DEMO_PASSWORD)
            .await
            .unwrap()
            .status(),
        429
    );
    // The security administrator unlocks; an officer and the system administrator may not.
    let officer = app.login("zhidui.officer", DEMO_PASSWORD).await;
    let r = app
        .client
        .post(app.url("/api/v1/admin/users/menghai.officer/unlock"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let r = app
        .client
        .post(app.url("/api/v1/admin/users/menghai.officer/unlock"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let secadmin = app.login("secadmin", DEMO_PASSWORD).await;
    let r = app
        .client
        .post(app.url("/api/v1/admin/users/menghai.officer/unlock"))
        .bearer_auth(&secadmin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        login("menghai.officer", DEMO_PASSWORD)
            .await
            .unwrap()
            .status(),
        200
    );
    // More than 20 failures from one address: 429 for any name.
    for i in 0..10 {
        let name: &'static str = Box::leak(format!("spray{i}").into_boxed_str());
        let _ = login(name, "Wrong@2026!").await.unwrap();
    }
    let r = login("ju.head", DEMO_PASSWORD).await.unwrap();
    assert_eq!(r.status(), 429, "the address has 20 failures in 5 min");
    assert!(r.headers().contains_key("retry-after"));
}

async fn a_forced_password_change(app: TestApp) {
    let seeded = app.app.bootstrap().await.unwrap();
    let (user, password) = seeded.admin.unwrap();
    let secret = seeded.admin_totp.unwrap();
    let code = app.totp_for(&user, &secret).await;
    // The administrator signs in with a second factor: without it, or with a wrong code, 401.
    for (totp, expected) in [
        (None, "auth.totp_required"),
        (Some("000000"), "auth.totp_invalid"),
    ] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": user, "password": password, "totp": totp}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let b: Value = r.json().await.unwrap();
        let wrong_by_chance = totp == Some(code.as_str());
        if !wrong_by_chance {
            assert_eq!(b["errors"][0]["code"], expected, "{b}");
        }
    }
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password, "totp": code}))
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/api/v1/auth/password"))
            .bearer_auth(&token)
            .json(&json!({"current": current, "new": new}))
            .send()
    };
    let (s, b) = get(&app, &token, "/api/v1/entities").await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (403, Some("auth.password_change_required"))
    );
    let r = change(&password, "short").await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["code"],
        "password.policy"
    );
    let r = change(&password, "Admin-2026-pass").await.unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["code"],
        "password.policy",
        "contains the username"
    );
    let r = change("Wrong@2026!", "Brand-New-2026").await.unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["code"],
        "password.current_wrong"
    );
    assert_eq!(
        change(&password, "Brand-New-2026").await.unwrap().status(),
        204
    );
    // The same token now works everywhere.
    let (s, _) = get(&app, &token, "/api/v1/entities").await;
    assert_eq!(
        s, 200,
        "the system administrator reads the register once the password is changed"
    );
    let r = app
        .client
        .get(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // (app.login sends the demo code; this administrator has its own secret.)
    let code = app.totp_for("admin", &secret).await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": "Brand-New-2026", "totp": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

on_both_backends!(
    every_route_for_every_role,
    entity_api_behaviour,
    demo_seed_is_complete_and_labelled,
    sign_in_is_rate_limited_and_audited,
    a_forced_password_change,
);
