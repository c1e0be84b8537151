//! Issue 26 point 2: publication of decisions over the API and the public list, on both
//! backends — due by the settings, refused with personal data, a natural person's name masked,
//! searchable without sign-in by name, USCC, county and year, and withdrawn by a head with its
//! public reason.

use crate::cases::{act, get_with_etag};
use crate::helpers::{Kind, error_codes, spawn_app_with};
use app::seed::DEMO_PASSWORD;
use app::{AppSettings, FixedClock};
use serde_json::{Value, json};
use std::sync::Arc;

async fn public(app: &crate::helpers::TestApp, path: &str) -> (u16, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn publicity_walk(kind: Kind) {
    let clock = Arc::new(FixedClock::new(
        "2026-06-01T04:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
    ));
    // This bureau publishes penalties on natural persons too.
    let mut settings = AppSettings::default();
    settings.publicity.natural_persons = vec![domain::case::decision::Outcome::Penalty];
    let Some(app) = spawn_app_with(kind, "publicity", settings, clock.clone()).await else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let case = crate::decision::performing_case(&app, clock.as_ref()).await;
    clock.set("2026-06-02T04:00:00Z".parse().unwrap());
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;

    // Decided Monday 1 June: published by the 7th working day, Wednesday 10 June.
    let (s, b, _) = get_with_etag(&app, &officer, &case).await;
    assert_eq!(s, 200);
    assert_eq!(b["publication_due"], "2026-06-10", "{b}");
    let steps: Vec<&str> = b["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["command"].as_str().unwrap())
        .collect();
    assert!(steps.contains(&"publish-decision"), "{steps:?}");
    // Both issued documents are served: the workspace offers no link to a service form that
    // is not there (service stays allowed at any time, for the next document).
    assert!(steps.contains(&"record-service"), "{steps:?}");
    let cookie = crate::pages::pair(
        &crate::pages::sign_in(&app, "menghai.officer", DEMO_PASSWORD)
            .await
            .2,
    );
    let id = case.rsplit('/').next().unwrap();
    let (s, html, _) = crate::pages::page(&app, &cookie, &format!("/cases/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("href=\"#publicity\"") || html.contains("id=\"publicity\""));
    assert!(!html.contains("href=\"#service-form\""), "{html}");
    assert!(!html.contains("id=\"service-form\""));
    // The waivers the party signed are on the workspace, each with its signed waiver.
    let waivers = html
        .split("id=\"waivers\"")
        .nth(1)
        .expect("the waivers table");
    let waivers = &waivers[..waivers.find("</table>").unwrap()];
    assert_eq!(waivers.matches("<tr>").count(), 3, "{waivers}");
    for right in ["陈述申辩", "听证"] {
        assert!(waivers.contains(right), "{right}: {waivers}");
    }

    // No personal data: the person's name, an ID number, a mobile number.
    for (summary, what) in [
        ("岩温将未经处理的废水排入南览河", "name"),
        ("当事人身份证号532822199001011234", "id_number"),
        ("联系电话13812345678", "phone"),
    ] {
        let (s, b) = act(
            &app,
            &officer,
            &case,
            "publish-decision",
            json!({"summary": summary}),
        )
        .await;
        assert_eq!(
            (s, error_codes(&b)),
            (422, vec!["publicity.personal_data"]),
            "{what}: {b}"
        );
    }
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "publish-decision",
        json!({"summary": "当事人将未经处理的废水排入南览河，违反《中华人民共和国水污染防治法》第十条。"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.decision_published/v1");
    let p = &b["case"]["proceedings"]["publications"][0];
    assert_eq!(p["party"], "岩*", "{p}");
    let (_, body) = public(&app, "/decisions.json").await;
    assert!(
        !body.contains("menghai.officer"),
        "never who published: {body}"
    );
    assert_eq!(p["natural_person"], true);
    assert!(p.get("uscc").is_none(), "{p}");
    let number = p["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("西环罚"), "{number}");
    assert!(b["case"].get("publication_due").is_none(), "{b}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "publish-decision",
        json!({"summary": "再次"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["publicity.already_published"]),
        "{b}"
    );

    // The public list: no sign-in, searchable, never the person's name.
    let (s, html) = public(&app, "/decisions").await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains(&number) && html.contains("岩*") && html.contains("行政处罚决定公开"),
        "{html}"
    );
    for private in ["岩温", "532822199001011234"] {
        assert!(!html.contains(private), "{private} on the public page");
    }
    let (_, en) = public(&app, "/decisions?lang=en").await;
    assert!(en.contains("Published penalty decisions"), "{en}");
    let found = |body: &str| -> i64 {
        let v: Value = serde_json::from_str(body).unwrap();
        v["total"].as_i64().unwrap()
    };
    for (query, n) in [
        ("", 1),
        ("?q=岩", 1),
        ("?q=糖厂", 0),
        ("?county=532822&year=2026", 1),
        ("?county=532823", 0),
        ("?year=2025", 0),
        ("?q=%25", 0),
    ] {
        let (s, body) = public(&app, &format!("/decisions.json{query}")).await;
        assert_eq!(s, 200, "{query}: {body}");
        assert_eq!(found(&body), n, "{query}: {body}");
    }
    for bad in [
        "?county=999999",
        "?year=12",
        "?per_page=1000",
        "?uscc=a%27b",
        "?extra=1",
    ] {
        let (s, body) = public(&app, &format!("/decisions.json{bad}")).await;
        assert_eq!(s, 422, "{bad}: {body}");
    }
    let r = app
        .client
        .get(app.url("/decisions.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheet")
    );

    // Withdrawn by a head, with the day the decision changed and the public reason.
    let withdraw = json!({"ground": "revoked", "reason": "行政复议机关撤销原决定", "changed_on": "2026-06-02"});
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "withdraw-publication",
        withdraw.clone(),
    )
    .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = act(
        &app,
        &head,
        &case,
        "withdraw-publication",
        json!({"ground": "revoked", "reason": "撤销", "changed_on": "2026-06-03"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (422, vec!["publicity.changed_on_in_future"]),
        "{b}"
    );
    let (s, b) = act(&app, &head, &case, "withdraw-publication", withdraw.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.publication_withdrawn/v1");
    let w = &b["case"]["proceedings"]["publications"][0]["withdrawal"];
    assert_eq!(
        (w["ground"].as_str(), w.get("late")),
        (Some("revoked"), None),
        "{w}"
    );
    let (s, b) = act(&app, &head, &case, "withdraw-publication", withdraw).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["publicity.not_published"]),
        "{b}"
    );
    let (_, body) = public(&app, "/decisions.json").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    let item = &v["items"][0];
    assert_eq!(item["number"], number.as_str());
    assert!(
        item.get("decision").is_none(),
        "withdrawn: only the number and the reason: {item}"
    );
    assert_eq!(item["withdrawn"]["reason"], "行政复议机关撤销原决定");
    assert!(
        !body.contains("menghai.officer") && !body.contains("ju.head"),
        "{body}"
    );
    // No longer found by the party's name; a revoked decision is not published again.
    let (_, body) = public(&app, "/decisions.json?q=岩").await;
    assert_eq!(found(&body), 0, "{body}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "publish-decision",
        json!({"summary": "再次公开"}),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["publicity.withdrawn_for_good"]),
        "{b}"
    );
    let (_, html) = public(&app, "/decisions").await;
    assert!(
        html.contains("行政复议机关撤销原决定") && html.contains("已撤回"),
        "{html}"
    );
    assert!(
        !html.contains("南览河"),
        "the withdrawn summary is gone: {html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_decision_published_searched_and_withdrawn_on_sqlite() {
    publicity_walk(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_decision_published_searched_and_withdrawn_on_postgres() {
    publicity_walk(Kind::Postgres).await;
}
