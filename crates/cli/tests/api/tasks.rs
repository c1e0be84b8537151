//! Issue 21 point 8: the next lawful steps on `GET /api/v1/cases/{id}`, "my tasks", and the
//! deadlines falling due or passed per unit — on a clock moved to the case's deadline and past
//! it, on both backends.

use crate::cases::{act, get_with_etag, new_clue};
use crate::helpers::{Kind, error_codes, spawn_app_with};
use crate::team::registered_case;
use app::seed::DEMO_PASSWORD;
use app::{AppSettings, FixedClock};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use std::sync::Arc;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn step<'a>(case: &'a Value, command: &str) -> &'a Value {
    case["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["command"] == command)
        .unwrap_or(&Value::Null)
}

fn step_codes(case: &Value, command: &str) -> Vec<String> {
    step(case, command)["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| x["code"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn ids_of(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x[key].as_str().map(str::to_owned))
        .collect()
}

async fn steps_tasks_and_deadlines(kind: Kind) {
    // Noon in China, Wednesday 2 December 2026.
    let clock = Arc::new(FixedClock::new(at("2026-12-02T04:00:00Z")));
    let Some(app) = spawn_app_with(kind, "tasks", AppSettings::default(), clock.clone()).await
    else {
        return;
    };
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let head = app.login("ju.head", DEMO_PASSWORD).await;

    // A clue left open (received 1 December: registration due 16 December) and a case.
    let clue = new_clue(&app, &officer, "532822").await;
    let clue_id = clue.rsplit('/').next().unwrap().to_owned();
    let case = registered_case(&app, &officer, "532822").await;
    let case_id = case.rsplit('/').next().unwrap().to_owned();
    // A case waiting for a head: his task, and its registration deadline in the lists.
    let pending = crate::cases::proposed_case(&app, &officer).await;
    let pending_id = pending.rsplit('/').next().unwrap().to_owned();
    let (_, head_tasks, _) = get_with_etag(&app, &head, "/api/v1/tasks").await;
    let waiting = head_tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["case"]["id"] == pending_id.as_str())
        .unwrap_or_else(|| panic!("{head_tasks}"));
    assert_eq!(waiting["steps"][0]["command"], "approve-registration");
    let (_, due, _) = get_with_etag(&app, &officer, "/api/v1/deadlines?within=30").await;
    assert!(
        due.as_array()
            .unwrap()
            .iter()
            .any(|i| i["case_id"] == pending_id.as_str() && i["kind"] == "registration"),
        "{due}"
    );

    // Without a team the records wait for one, with APL Art. 42 named.
    let (_, view, _) = get_with_etag(&app, &officer, &case).await;
    assert_eq!(step(&view, "assign-officers")["allowed"], true, "{view}");
    assert_eq!(step(&view, "record-inspection")["allowed"], false);
    assert_eq!(step_codes(&view, "record-inspection"), ["step.no_team"]);
    let reason = &step(&view, "record-inspection")["reasons"][0];
    assert!(
        reason["legal_source"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("第四十二条")
    );
    assert!(!reason["message"]["zh-CN"].as_str().unwrap().is_empty());
    assert_eq!(step(&view, "cancel-registration")["on_demand"], true);
    assert!(step(&view, "record-case-review").is_null());
    // A legal reviewer is told the records wait for the case's officers.
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let (_, as_reviewer, _) = get_with_etag(&app, &reviewer, &case).await;
    assert_eq!(
        step_codes(&as_reviewer, "record-inspection"),
        ["step.needs_officer"]
    );

    // Not yet assigned: not among my tasks.
    let (s, tasks, _) = get_with_etag(&app, &officer, "/api/v1/tasks").await;
    assert_eq!(s, 200, "{tasks}");
    assert!(tasks.as_array().unwrap().is_empty(), "{tasks}");
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "assign-officers",
        json!({"officers": ["menghai.officer", "menghai.officer2"], "lead": "menghai.officer"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, view, _) = get_with_etag(&app, &officer, &case).await;
    assert_eq!(step(&view, "record-inspection")["allowed"], true, "{view}");
    assert_eq!(step(&view, "assign-officers")["on_demand"], true);
    for who in ["menghai.officer", "menghai.officer2"] {
        let token = app.login(who, DEMO_PASSWORD).await;
        let (_, tasks, _) = get_with_etag(&app, &token, "/api/v1/tasks").await;
        let task = &tasks[0];
        assert_eq!(task["case"]["id"], case_id.as_str(), "{who}: {tasks}");
        let commands: Vec<&str> = task["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["command"].as_str().unwrap())
            .collect();
        assert!(commands.contains(&"record-inspection"), "{commands:?}");
        assert!(
            !commands.contains(&"request-recusal"),
            "on demand, not a task"
        );
    }
    let jinghong = app.login("jinghong.officer", DEMO_PASSWORD).await;
    let (_, tasks, _) = get_with_etag(&app, &jinghong, "/api/v1/tasks").await;
    assert!(tasks.as_array().unwrap().is_empty());
    // A recused officer has no task on the case any more.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "request-recusal",
        json!({"officer": "menghai.officer2", "grounds": "系当事人近亲属", "by": "party"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = act(
        &app,
        &head,
        &case,
        "decide-recusal",
        json!({"officer": "menghai.officer2", "granted": true, "reasons": "情况属实"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let officer2 = app.login("menghai.officer2", DEMO_PASSWORD).await;
    let (_, tasks, _) = get_with_etag(&app, &officer2, "/api/v1/tasks").await;
    assert!(
        !tasks
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["case"]["id"] == case_id.as_str()),
        "{tasks}"
    );

    // Deadlines: the clue falls due in 14 days — outside the default week, inside a fortnight.
    let (s, due, _) = get_with_etag(&app, &officer, "/api/v1/deadlines").await;
    assert_eq!(s, 200, "{due}");
    assert!(!ids_of(&due, "clue_id").contains(&clue_id), "{due}");
    let (_, due, _) = get_with_etag(&app, &officer, "/api/v1/deadlines?within=14").await;
    let item = due
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["clue_id"] == clue_id.as_str())
        .unwrap_or_else(|| panic!("{due}"));
    assert_eq!(
        (
            &item["kind"],
            &item["due"],
            &item["days_left"],
            &item["overdue"]
        ),
        (
            &json!("registration"),
            &json!("2026-12-16"),
            &json!(14),
            &json!(false)
        )
    );
    // Per unit: the Jinghong brigade's list holds none of Menghai's.
    let (_, units, _) = get_with_etag(&app, &officer, "/api/v1/units").await;
    let units = &units["items"];
    let unit_of = |county: &str| {
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["kind"] == "brigade" && u["division_code"] == county)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (_, due, _) = get_with_etag(
        &app,
        &head,
        &format!("/api/v1/deadlines?within=14&unit_id={}", unit_of("532801")),
    )
    .await;
    assert!(due.as_array().unwrap().is_empty(), "{due}");
    let (_, due, _) = get_with_etag(
        &app,
        &head,
        &format!("/api/v1/deadlines?within=14&unit_id={}", unit_of("532822")),
    )
    .await;
    assert!(ids_of(&due, "clue_id").contains(&clue_id), "{due}");
    for bad in [
        "within=91",
        "within=x",
        "unit_id=nope",
        "unit_id=01a24b4b-d6ae-76ed-b8db-d1a25d2cc2fc",
        "color=red",
    ] {
        let (s, b, _) = get_with_etag(&app, &officer, &format!("/api/v1/deadlines?{bad}")).await;
        assert_eq!(s, 422, "{bad}: {b}");
    }

    // A week before the case's deadline: due soon; the clue long overdue.
    let case_due: NaiveDate = view["deadline"]["due"].as_str().unwrap().parse().unwrap();
    let week_before = case_due - chrono::Days::new(7);
    clock.set(at(&format!("{week_before}T04:00:00Z")));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (_, due, _) = get_with_etag(&app, &officer, "/api/v1/deadlines").await;
    let item = due
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["case_id"] == case_id.as_str() && i["kind"] == "case_decision")
        .unwrap_or_else(|| panic!("{due}"));
    assert_eq!(
        (&item["days_left"], &item["overdue"]),
        (&json!(7), &json!(false))
    );
    let clue_item = due
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["clue_id"] == clue_id.as_str())
        .unwrap_or_else(|| panic!("{due}"));
    assert_eq!(clue_item["overdue"], true);
    // Under review the deadline still runs; the officer's task is done, the reviewer's begins.
    let report = json!({
        "facts": "经现场检查，当事人超标排放废水。",
        "evidence_ids": [],
        "proposed_handling": "责令改正，处罚款十万元",
        "legal_basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}]
    });
    let (s, b) = act(&app, &officer, &case, "submit-investigation-report", report).await;
    assert_eq!(s, 200, "{b}");
    let (_, view, _) = get_with_etag(&app, &officer, &case).await;
    assert_eq!(
        step_codes(&view, "record-case-review"),
        ["step.needs_reviewer"]
    );
    // What is left to the officer: with the deadline 7 days away (within 10 working days),
    // asking for its extension (Cases 4).
    let (_, tasks, _) = get_with_etag(&app, &officer, "/api/v1/tasks").await;
    let commands: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["steps"].as_array().unwrap())
        .map(|s| s["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["extend-deadline"], "{tasks}");
    let reviewer = app.login("fazhi.reviewer", DEMO_PASSWORD).await;
    let (_, view, _) = get_with_etag(&app, &reviewer, &case).await;
    assert_eq!(step(&view, "record-case-review")["allowed"], true, "{view}");
    let (_, tasks, _) = get_with_etag(&app, &reviewer, "/api/v1/tasks").await;
    assert_eq!(
        tasks[0]["case"]["id"],
        case_id.as_str(),
        "the reviewer's task: {tasks}"
    );

    // A day past the deadline: overdue in the deadlines and in the case list's filter.
    clock.set(at(&format!(
        "{}T04:00:00Z",
        case_due + chrono::Days::new(1)
    )));
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (_, due, _) = get_with_etag(&app, &officer, "/api/v1/deadlines?within=0").await;
    assert!(
        due.as_array()
            .unwrap()
            .iter()
            .all(|i| i["days_left"].as_i64().unwrap() <= 0),
        "within=0: nothing later than today"
    );
    let item = due
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["case_id"] == case_id.as_str())
        .unwrap_or_else(|| panic!("{due}"));
    assert_eq!(
        (&item["days_left"], &item["overdue"]),
        (&json!(-1), &json!(true))
    );
    let (_, list, _) = get_with_etag(&app, &officer, "/api/v1/cases?overdue=true").await;
    assert!(ids_of(&list["items"], "id").contains(&case_id), "{list}");
    // The home page lists it, overdue, for its officer and the detachment leader; not for
    // another county's officer.
    let link = format!("href=\"/cases/{case_id}#deadline\"");
    for (who, listed) in [
        ("menghai.officer", true),
        ("zhidui.lead", true),
        ("jinghong.officer", false),
    ] {
        let cookie = crate::pages::pair(&crate::pages::sign_in(&app, who, DEMO_PASSWORD).await.2);
        let (s, home, _) = crate::pages::page(&app, &cookie, "/").await;
        assert_eq!(s, 200);
        assert_eq!(home.contains(&link), listed, "{who}: {home}");
        if listed {
            let item = &home[home.find(&link).unwrap() - 200..home.find(&link).unwrap() + 400];
            assert!(item.contains("text-bg-danger"), "{who}: overdue: {item}");
        }
    }

    // The steps' reasons are what the commands answer.
    let (s, b) = act(
        &app,
        &officer,
        &case,
        "record-case-review",
        json!({"opinion": "agree", "reasons": "", "flags": []}),
    )
    .await;
    assert_eq!(s, 403, "{b}");
    let head = app.login("ju.head", DEMO_PASSWORD).await;
    let (s, b) = act(&app, &head, &case, "approve-registration", json!({})).await;
    assert_eq!((s, error_codes(&b)), (409, vec!["case.wrong_stage"]));

    // The sweep's chunks: read one case at a time after the last, every case of the reader's
    // reach comes once, in id order, and none of another county's.
    registered_case(&app, &officer, "532822").await;
    registered_case(&app, &officer, "532822").await;
    let actor = |token: String| {
        let app = &app;
        async move { app.app.authenticate(&token).await.unwrap().actor }
    };
    let (menghai, jinghong) = (
        actor(officer.clone()).await,
        actor(app.login("jinghong.officer", DEMO_PASSWORD).await).await,
    );
    let every = app
        .app
        .cases(&menghai, Default::default(), 1, 200)
        .await
        .unwrap();
    let mut expected: Vec<_> = every.items.iter().map(|c| c.id).collect();
    expected.sort();
    assert!(expected.len() >= 3, "{expected:?}");
    let (mut chunked, mut after) = (Vec::new(), None);
    loop {
        let chunk = app
            .app
            .cases_after(&menghai, &Default::default(), after, 1)
            .await
            .unwrap();
        let Some(last) = chunk.last() else { break };
        assert_eq!(chunk.len(), 1);
        after = Some(last.id);
        chunked.push(last.id);
    }
    assert_eq!(chunked, expected);
    let theirs = app
        .app
        .cases_after(&jinghong, &Default::default(), None, 200)
        .await
        .unwrap();
    assert!(
        theirs.iter().all(|c| !expected.contains(&c.id)),
        "{theirs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    steps_tasks_and_deadlines(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    steps_tasks_and_deadlines(Kind::Postgres).await;
}
