//! Cases written through the App for the benches: clues reported and cases proposed by each
//! county's brigade officer, nine in ten registered by the bureau head.

use app::App;
use app::case::PartyInput;
use domain::Actor;
use domain::case::clue::{ClueData, ClueSource};
use domain::case::party::IdType;
use domain::case::registration::{CaseFacts, LegalBasis};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use uuid::Uuid;

/// Concurrent tasks writing through the App (the write path groups their commits on SQLite;
/// PostgreSQL serialises them on the log head row and has a pool of 16 connections).
pub const WRITERS: usize = 16;
/// Counties and the brigade officer who reports and proposes in each.
pub const OFFICERS: [(&str, &str); 3] = [
    ("532801", "jinghong.officer"),
    ("532822", "menghai.officer"),
    ("532823", "mengla.officer"),
];
/// Every tenth case is left waiting for the head; the others are registered.
pub const PENDING_EVERY: u32 = 10;

pub struct Actors {
    /// (county, its brigade officer), as `OFFICERS`.
    pub officers: Vec<(&'static str, Actor)>,
    pub head: Actor,
}

/// The actor as the app builds it for a signed-in demo user.
pub async fn actor(app: &App, username: &str) -> Actor {
    let login = app
        .login(username, app::seed::DEMO_PASSWORD, "127.0.0.1")
        .await
        .expect("demo sign-in");
    app.authenticate(&login.token)
        .await
        .expect("demo session")
        .actor
}

pub fn clue_data(county: &str, n: u32, today: chrono::NaiveDate) -> ClueData {
    ClueData {
        source: ClueSource::Inspection,
        department: None,
        // Spread over the last week, so the inbox's order has something to sort.
        received_on: today - chrono::Days::new(u64::from(n % 7)),
        county_code: county.into(),
        description: format!("巡查发现排污口有黑水直排入河道（压测 {n}）"),
        place: format!("压测地点 {n}"),
        lat_e6: Some(21_960_000 + i64::from(n % 10_000)),
        lon_e6: Some(100_450_000 + i64::from(n % 10_000)),
        entity_id: None,
        complainant: None,
        evidence_ids: Vec::new(),
    }
}

pub fn facts(clue: &ClueData) -> CaseFacts {
    CaseFacts {
        legal_basis: vec![LegalBasis {
            law: "《中华人民共和国水污染防治法》".into(),
            article: "第八十三条".into(),
        }],
        act_ended_on: clue.received_on - chrono::Days::new(1),
        endangers_life_health_or_finance: false,
        violation: "超过水污染物排放标准排放水污染物".into(),
        entity_id: None,
        party: None,
        urgent: false,
    }
}

/// A third each: a natural person (sealed), an organisation, unidentified.
pub fn party(n: u32) -> PartyInput {
    match n % 3 {
        0 => PartyInput::Person {
            name: format!("压测当事人{n}"),
            id_type: IdType::ResidentId,
            id_number: format!("5328221990{:08}", n % 100_000_000),
            address: "勐海县勐遮镇曼令村".into(),
            phone: format!("138{:08}", n % 100_000_000),
        },
        1 => PartyInput::Organisation {
            name: format!("压测公司{n}"),
            uscc: None,
        },
        _ => PartyInput::Unidentified,
    }
}

/// Writes `total` cases through the App by `WRITERS` tasks: their ids and counties.
pub async fn seed_cases(
    app: &Arc<App>,
    actors: &Arc<Actors>,
    total: u32,
) -> Vec<(Uuid, &'static str)> {
    seed_case_range(app, actors, 0, total).await
}

/// Cases numbered `first..end` (the number picks the county, the party and whether it is
/// registered), written by `WRITERS` tasks on the app's day: their ids and counties.
pub async fn seed_case_range(
    app: &Arc<App>,
    actors: &Arc<Actors>,
    first: u32,
    end: u32,
) -> Vec<(Uuid, &'static str)> {
    let total = end;
    let next = Arc::new(AtomicU32::new(first));
    let today = app.today();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let (app, actors, next) = (app.clone(), actors.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let (county, officer) = &actors.officers[(n % 3) as usize];
                let data = clue_data(county, n, today);
                let facts = facts(&data);
                let (clue, _) = app
                    .submit_clue(officer, data, None)
                    .await
                    .expect("submit clue");
                let (case, _) = app
                    .propose_case(officer, clue.id, clue.version, facts, Some(party(n)))
                    .await
                    .expect("propose case");
                if n % PENDING_EVERY != PENDING_EVERY - 1 {
                    app.decide_registration(
                        &actors.head,
                        case.id,
                        case.version,
                        true,
                        "符合立案条件，同意立案".into(),
                    )
                    .await
                    .expect("approve registration");
                }
                ids.push((case.id, *county));
                if (n + 1) % 10_000 == 0 {
                    println!(
                        "    {} cases after {:.0} s",
                        n + 1,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            ids
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("writer"));
    }
    all
}
