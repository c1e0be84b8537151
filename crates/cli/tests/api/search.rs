//! Entity search (issue 28): fragments of Chinese text, USCC prefixes, legal representatives,
//! addresses; ranked, highlighted, sorted in pinyin order; scoped by county; the index catches
//! up with writes by another server and is rebuilt when it is not of this database's history.

use crate::helpers::TestApp;
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use app::{App, AppSettings, SystemClock};
use domain::Actor;
use domain::entity::{EntityClass, EntityData};
use serde_json::Value;
use std::sync::Arc;

fn data(county: &str, serial: u32, name: &str, address: &str, rep: &str) -> EntityData {
    EntityData {
        uscc: app::seed::demo_uscc(county, 70_000 + serial),
        name: name.into(),
        county_code: county.into(),
        industry_code: "1340".into(),
        class: if serial.is_multiple_of(2) {
            EntityClass::Key
        } else {
            EntityClass::General
        },
        address: address.into(),
        legal_representative: rep.into(),
        lat_e6: 21_950_000,
        lon_e6: 100_450_000,
        outlets: Vec::new(),
        permit: None,
    }
}

async fn register(app: &App, d: EntityData) -> String {
    app.register_entity(&Actor::System, d, true)
        .await
        .expect("register")
        .id
        .to_string()
}

async fn get(t: &TestApp, token: &str, path: &str) -> Value {
    let r = t
        .client
        .get(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.expect("json")
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["name"].as_str().expect("name").to_owned())
        .collect()
}

fn q(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn words_fragments_codes_people_and_places(t: TestApp) {
    t.app.seed_demo().await.expect("demo");
    let app = &t.app;
    let nanhua = register(
        app,
        data("532801", 1, "景洪市南琥蔗坊", "景洪市琥嘎村", "刀建华"),
    )
    .await;
    register(
        app,
        data("532822", 2, "勐海县勐珀蔗坊", "勐海县珀阿村", "岩珀温"),
    )
    .await;
    let road = register(
        app,
        data("532823", 3, "勐腊县精制琥茶所", "勐腊县蔗坊路8号", "玉香"),
    )
    .await;
    register(
        app,
        data(
            "532801",
            4,
            "西双版纳QXZ橡胶有限公司",
            "景洪市工业园区",
            "李蔗",
        ),
    )
    .await;
    let token = t.login("admin", DEMO_PASSWORD).await;

    // Two characters: both sugar mills by name first, then the address on 糖厂路; not 李糖.
    let b = get(&t, &token, &format!("/api/v1/entities?q={}", q("蔗坊"))).await;
    assert_eq!(b["total"], 3, "{b}");
    let found = names(&b);
    assert_eq!(
        found[2], "勐腊县精制琥茶所",
        "an address match ranks after names: {found:?}"
    );
    assert_eq!(b["items"][2]["id"], road);
    assert_eq!(
        b["items"][2]["highlights"]["address"],
        serde_json::json!([[3, 5]])
    );
    assert_eq!(b["items"][2]["highlights"]["name"], serde_json::json!([]));
    let first = &b["items"][0];
    let name: Vec<char> = first["name"].as_str().expect("name").chars().collect();
    let [s, e] = [0, 1].map(|i| first["highlights"]["name"][0][i].as_u64().expect("n") as usize);
    assert_eq!(name[s..e].iter().collect::<String>(), "蔗坊");

    // A fragment across what a word segmenter would cut apart.
    let b = get(&t, &token, &format!("/api/v1/entities?q={}", q("琥蔗"))).await;
    assert_eq!(
        (b["total"].clone(), b["items"][0]["id"].clone()),
        (1.into(), nanhua.clone().into())
    );
    // A USCC prefix (lower case too), a legal representative, an address, a Latin word.
    let uscc = app::seed::demo_uscc("532801", 70_001);
    let b = get(
        &t,
        &token,
        &format!("/api/v1/entities?q={}", uscc[..17].to_lowercase()),
    )
    .await;
    assert_eq!(b["items"][0]["id"], nanhua);
    assert_eq!(
        b["items"][0]["highlights"]["uscc"],
        serde_json::json!([[0, 17]])
    );
    let b = get(&t, &token, &format!("/api/v1/entities?q={}", q("岩珀温"))).await;
    assert_eq!(names(&b), ["勐海县勐珀蔗坊"]);
    assert_eq!(
        b["items"][0]["highlights"]["legal_representative"],
        serde_json::json!([[0, 3]])
    );
    let b = get(&t, &token, &format!("/api/v1/entities?q={}", q("琥嘎"))).await;
    assert_eq!(names(&b), ["景洪市南琥蔗坊"]);
    let b = get(&t, &token, "/api/v1/entities?q=qxz").await;
    assert_eq!(names(&b), ["西双版纳QXZ橡胶有限公司"]);
    // Every word must match; signs alone find nothing; a class filter applies.
    let b = get(
        &t,
        &token,
        &format!("/api/v1/entities?q={}", q("勐海 蔗坊")),
    )
    .await;
    assert_eq!(names(&b), ["勐海县勐珀蔗坊"]);
    let b = get(&t, &token, "/api/v1/entities?q=%25").await;
    assert_eq!(b["total"], 0);
    let b = get(
        &t,
        &token,
        &format!("/api/v1/entities?q={}&class=key", q("蔗坊")),
    )
    .await;
    assert!(
        b["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["class"] == "key")
    );
    // By name in pinyin order: jing < la (勐腊 is meng la) … meng hai < meng la.
    let b = get(
        &t,
        &token,
        &format!("/api/v1/entities?q={}&sort=name", q("蔗坊")),
    )
    .await;
    assert_eq!(
        names(&b),
        ["景洪市南琥蔗坊", "勐海县勐珀蔗坊", "勐腊县精制琥茶所"]
    );
    // A bad order is refused.
    let r = t
        .client
        .get(t.url("/api/v1/entities?q=x&sort=size"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 422);

    // Scope: a Menghai officer finds only Menghai's, and the total counts only those.
    let menghai = t.login("menghai.officer", DEMO_PASSWORD).await;
    let b = get(&t, &menghai, &format!("/api/v1/entities?q={}", q("蔗坊"))).await;
    assert_eq!(
        (b["total"].clone(), names(&b)),
        (1.into(), vec!["勐海县勐珀蔗坊".to_owned()])
    );
    let b = get(&t, &menghai, &format!("/api/v1/entities?q={}", q("南琥"))).await;
    assert_eq!(b["total"], 0);

    // The page marks what matched, and shows the matched address under the name.
    let cookie = crate::pages::sign_in(&t, "admin", DEMO_PASSWORD).await.2;
    let (_, html, _) =
        crate::pages::page(&t, &cookie, &format!("/entities?q={}", q("蔗坊路"))).await;
    assert!(html.contains("<mark>蔗坊路</mark>8号"), "{html}");
    assert!(html.contains("matched-address"));
}

async fn an_update_is_found_by_its_new_name_only(t: TestApp) {
    t.app.seed_demo().await.expect("demo");
    let app = &t.app;
    register(app, data("532801", 11, "景洪市老琥名砖厂", "景洪市", "甲")).await;
    let token = t.login("admin", DEMO_PASSWORD).await;
    let b = get(&t, &token, &format!("/api/v1/entities?q={}", q("老琥名"))).await;
    assert_eq!(b["total"], 1);
    let id: uuid::Uuid = b["items"][0]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let mut d = data("532801", 11, "景洪市新琥名砖厂", "景洪市", "甲");
    d.uscc = app::seed::demo_uscc("532801", 70_011);
    app.update_entity(&Actor::System, id, d, 1)
        .await
        .expect("update");
    let b = get(&t, &token, &format!("/api/v1/entities?q={}", q("老琥名"))).await;
    assert_eq!(b["total"], 0);
    let b = get(&t, &token, &format!("/api/v1/entities?q={}", q("新琥名"))).await;
    assert_eq!(b["total"], 1);
}

/// Another server on the same database registers an entity: this one's index catches up before
/// it answers. An index directory of another database's history is rebuilt, never trusted.
async fn the_index_follows_other_servers_and_is_rebuilt_when_stale(t: TestApp) {
    t.app.seed_demo().await.expect("demo");
    let token = t.login("admin", DEMO_PASSWORD).await;
    let other = App::new(
        t.store.clone(),
        Arc::new(SystemClock),
        AppSettings::default(),
    );
    register(
        &other,
        data("532822", 21, "勐海县另琥台茶厂", "勐海县", "乙"),
    )
    .await;
    let b = get(&t, &token, &format!("/api/v1/entities?q={}", q("另琥台"))).await;
    assert_eq!(b["total"], 1);

    // An index on disk: written against this database…
    let dir = tempfile::tempdir().expect("dir");
    let on_disk = App::new(
        t.store.clone(),
        Arc::new(SystemClock),
        AppSettings::default(),
    );
    on_disk.attach_search_index(dir.path()).expect("attach");
    on_disk.warm_search_index().await.expect("warm");
    assert!(dir.path().join("search/entities/meta.json").exists());
    let filter = app::EntityFilter {
        q: "另琥台".into(),
        ..Default::default()
    };
    let system = Actor::System;
    assert_eq!(
        on_disk
            .entities(&system, &filter, 1, 10)
            .await
            .expect("search")
            .total,
        1
    );
    drop(on_disk);
    // …reopened on it, it is used as it is (and caught up);
    let reopened = App::new(
        t.store.clone(),
        Arc::new(SystemClock),
        AppSettings::default(),
    );
    reopened.attach_search_index(dir.path()).expect("attach");
    register(
        &reopened,
        data("532822", 22, "勐海县重琥开茶厂", "勐海县", "丙"),
    )
    .await;
    let later = app::EntityFilter {
        q: "重琥开".into(),
        ..Default::default()
    };
    assert_eq!(
        reopened
            .entities(&system, &later, 1, 10)
            .await
            .expect("search")
            .total,
        1
    );
    assert_eq!(
        reopened
            .entities(&system, &filter, 1, 10)
            .await
            .expect("search")
            .total,
        1
    );
    drop(reopened);
    // …and on a fresh database (another history) it is rebuilt: nothing of the old one counts.
    let fresh = crate::helpers::spawn_app(
        if t.sqlite_dir().is_some() {
            crate::helpers::Kind::Sqlite
        } else {
            crate::helpers::Kind::Postgres
        },
        "search_fresh",
    )
    .await
    .expect("a second app");
    let elsewhere = App::new(
        fresh.store.clone(),
        Arc::new(SystemClock),
        AppSettings::default(),
    );
    elsewhere.attach_search_index(dir.path()).expect("attach");
    assert_eq!(
        elsewhere
            .entities(&system, &filter, 1, 10)
            .await
            .expect("search")
            .total,
        0
    );
}

on_both_backends!(
    words_fragments_codes_people_and_places,
    an_update_is_found_by_its_new_name_only,
    the_index_follows_other_servers_and_is_rebuilt_when_stale,
);
