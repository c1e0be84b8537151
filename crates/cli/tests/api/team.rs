//! Issue 21 point 1: a case's investigators — at least two enforcement officers of the handling
//! unit (or the detachment) with certificates valid today, assigned by the detachment leader or
//! an officer of the handling brigade; every unmet condition named. On both backends.

use crate::cases::{act, get_with_etag, new_clue, register_body};
use crate::helpers::{TestApp, error_codes};
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

/// A registered case proposed by `officer` in `county`: its path.
pub async fn registered_case(app: &TestApp, officer: &str, county: &str) -> String {
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let clue = new_clue(app, officer, county).await;
    let (s, b) = act(app, officer, &clue, "register", register_body()).await;
    assert_eq!(s, 201, "{b}");
    let case = format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap());
    let (s, b) = act(app, &head, &case, "approve-registration", json!({})).await;
    assert_eq!(s, 200, "{b}");
    case
}

fn team(officers: &[&str], lead: &str) -> Value {
    json!({"officers": officers, "lead": lead})
}

fn fields(b: &Value) -> Vec<String> {
    b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn assignment(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let pair = team(&["menghai.officer", "menghai.officer2"], "menghai.officer");

    // Roles that never assign: 403; a brigade outside the county: 404.
    for who in [
        "mengzhe.liaison",
        "fazhi.reviewer",
        "ju.head",
        "zhidui.officer",
    ] {
        let token = app.login(who, DEMO_PASSWORD).await;
        let (s, b) = act(&app, &token, &case, "assign-officers", pair.clone()).await;
        assert_eq!(s, 403, "{who}: {b}");
    }
    let jinghong = app.login("jinghong.officer", DEMO_PASSWORD).await;
    let (s, _) = act(&app, &jinghong, &case, "assign-officers", pair.clone()).await;
    assert_eq!(s, 404);

    // Malformed teams: 422, nothing written.
    let log = app.log_size().await;
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "assign-officers",
        team(&["menghai.officer", "nobody.here"], "menghai.officer"),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (422, vec!["team.unknown_user"]));
    assert_eq!(fields(&b), ["officers[1]"]);
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "assign-officers",
        team(&["menghai.officer", "menghai.officer2"], "zhidui.officer"),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (422, vec!["team.lead_not_officer"]));

    // Every unmet condition, named: an auxiliary counted as an officer, an officer of another
    // brigade.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "assign-officers",
        team(
            &["menghai.officer", "menghai.aux", "jinghong.officer"],
            "menghai.officer",
        ),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (
            409,
            vec![
                "team.not_an_officer",
                "team.outside_unit",
                "team.two_officers_required"
            ]
        ),
        "{b}"
    );
    assert_eq!(fields(&b), ["officers[1]", "officers[2]", "officers"]);
    assert_eq!(
        b["errors"][2]["legal_source"]["zh-CN"],
        "《中华人民共和国行政处罚法》第四十二条、第五十五条"
    );
    assert_eq!(app.log_size().await, log, "refusals write nothing");

    // Two officers of the brigade, an auxiliary assisting: accepted.
    let mut body = pair.clone();
    body["assistants"] = json!(["menghai.aux"]);
    let (s, b) = act(&app, &officer, &case, "assign-officers", body).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.officers_assigned/v1");
    assert_eq!(b["case"]["team"]["lead"], "menghai.officer");
    assert_eq!(b["case"]["team"]["assistants"], json!(["menghai.aux"]));
    let (_, view, _) = get_with_etag(&app, &officer, &case).await;
    assert_eq!(view["certificates_expiring"], json!([]), "{view}");
    // The officer filter finds the case by an assigned officer who did not propose it.
    let (_, list, _) =
        get_with_etag(&app, &officer, "/api/v1/cases?officer=menghai.officer2").await;
    assert_eq!(list["total"], 1, "{list}");

    // The detachment leader reassigns, with an officer of the detachment.
    let lead = app.login("zhidui.lead", DEMO_PASSWORD).await;
    let (s, b) = act(
        &app,
        &lead,
        &case,
        "assign-officers",
        team(&["zhidui.officer", "menghai.officer2"], "zhidui.officer"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, list, _) = get_with_etag(&app, &officer, "/api/v1/cases?officer=menghai.officer").await;
    assert_eq!(list["total"], 1, "the proposer still finds it");

    // A certificate not valid today (the demo's mengla.officer2 has expired).
    let mengla = app.login("mengla.officer", DEMO_PASSWORD).await;
    let mengla_case = registered_case(&app, &mengla, "532823").await;
    let (s, b) = act(
        &app,
        &mengla,
        &mengla_case,
        "assign-officers",
        team(&["mengla.officer", "mengla.officer2"], "mengla.officer"),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (
            409,
            vec!["team.certificate_not_valid", "team.two_officers_required"]
        ),
        "{b}"
    );
    assert_eq!(b["errors"][0]["args"]["username"], "mengla.officer2");

    // A case proposed and not registered (nor investigated first) takes no investigators.
    let clue = new_clue(&app, &officer, "532822").await;
    let (_, b) = act(&app, &officer, &clue, "register", register_body()).await;
    let pending = format!("/api/v1/cases/{}", b["case"]["id"].as_str().unwrap());
    let (s, b) = act(&app, &officer, &pending, "assign-officers", pair).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["case.wrong_stage"]));
}

on_both_backends!(assignment);

/// Issue 21 point 4: recusal asked by the party or the officer, decided by a head (a deputy's by
/// the main head, the main head's by the heads together); the investigation goes on meanwhile,
/// and a recused officer can no longer act on the case.
async fn recusal(kind: crate::helpers::Kind) {
    use crate::evidence::{PNG, form, on_site, upload};
    let settings = app::AppSettings {
        main_head: "ju.head".into(),
        ..Default::default()
    };
    let clock = std::sync::Arc::new(app::SystemClock);
    let Some(app) = crate::helpers::spawn_app_with(kind, "recusal", settings, clock).await else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let deputy = app.login("ju.deputy", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let pair = team(&["menghai.officer", "menghai.officer2"], "menghai.officer");
    let (s, b) = act(&app, &officer, &case, "assign-officers", pair.clone()).await;
    assert_eq!(s, 200, "{b}");
    let case_id = case.rsplit('/').next().unwrap().to_owned();
    let evidence = || {
        let mut fields = on_site();
        fields.insert(0, ("subject_type", "case"));
        form(&case_id, &fields, PNG)
    };
    let ask = |who: &str, by: &str| json!({"officer": who, "grounds": "系当事人近亲属", "by": by});

    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-recusal",
        ask("jinghong.officer", "party"),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (422, vec!["recusal.not_on_case"]));
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-recusal",
        ask("menghai.officer2", "x"),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (422, vec!["recusal.bad_by"]));
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-recusal",
        ask("menghai.officer2", "party"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["events"][0]["schema"], "case.recusal_requested/v1");
    assert_eq!(b["case"]["recusals"][0]["by"], "party");
    let (_, waiting, _) = get_with_etag(&app, &head, "/api/v1/approvals").await;
    assert!(
        waiting
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["step"] == "recusal"),
        "a head sees the request waiting: {waiting}"
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-recusal",
        ask("menghai.officer2", "party"),
    )
    .await;
    assert_eq!((s, error_codes(&b)), (409, vec!["recusal.pending"]));

    // The investigation goes on while the request waits.
    let (s, b) = upload(&app, &officer, evidence()).await;
    assert_eq!(s, 201, "{b}");

    // Only a head decides; then the recused officer can no longer act, nor be assigned again.
    let decide = |who: &str, collective: bool| {
        json!({"officer": who, "granted": true, "reasons": "理由成立",
               "collective_deliberation": collective})
    };
    let (s, _) = act(
        &app,
        &officer,
        &case,
        "decide-recusal",
        decide("menghai.officer2", false),
    )
    .await;
    assert_eq!(s, 403);
    let (s, b) = act(
        &app,
        &head,
        &case,
        "decide-recusal",
        decide("menghai.officer2", false),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["case"]["recusals"][0]["decision"]["decided_by"],
        "ju.head"
    );
    let (s, b) = upload(&app, &officer, evidence()).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(error_codes(&b), vec!["evidence.not_assigned"], "{b}");
    let (s, b) = act(&app, &officer, &case, "assign-officers", pair).await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["team.recused", "team.two_officers_required"])
    );
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "assign-officers",
        team(&["menghai.officer", "zhidui.officer"], "menghai.officer"),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // A deputy head's recusal: the main head decides, not the deputy himself.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-recusal",
        ask("ju.deputy", "officer"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        &app,
        &deputy,
        &case,
        "decide-recusal",
        decide("ju.deputy", false),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["recusal.own", "recusal.main_head_decides"])
    );
    let (s, b) = act(
        &app,
        &head,
        &case,
        "decide-recusal",
        decide("ju.deputy", false),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // The main head's: by the heads' collective deliberation, recorded as such.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-recusal",
        ask("ju.head", "party"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        &app,
        &deputy,
        &case,
        "decide-recusal",
        decide("ju.head", false),
    )
    .await;
    assert_eq!(
        (s, error_codes(&b)),
        (409, vec!["recusal.collective_required"])
    );
    let (s, b) = act(
        &app,
        &deputy,
        &case,
        "decide-recusal",
        decide("ju.head", true),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let last = b["case"]["recusals"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["decision"]["collective"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recusal_sqlite() {
    recusal(crate::helpers::Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recusal_postgres() {
    recusal(crate::helpers::Kind::Postgres).await;
}
