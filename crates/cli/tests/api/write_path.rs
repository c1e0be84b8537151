//! The one write path: decide → events → apply, gap-free positions, replay equals live tables.

use crate::cases::act;
use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::team::registered_case;
use app::seed::DEMO_PASSWORD;
use app::units::NewUnit;
use domain::Actor;
use domain::unit::{RenameUnit, UnitKind};
use serde_json::json;
use store::{LOG_TABLES, MIGRATION_TABLES, NON_PROJECTION_TABLES, Scope, projection_tables};

fn partner(code: String) -> NewUnit {
    NewUnit {
        name_zh: format!("协作单位 {code}"),
        name_en: format!("Partner {code}"),
        code,
        kind: UnitKind::PartnerAgency,
        parent_id: None,
        division_code: "532800".into(),
        demo: true,
    }
}

async fn replay_rebuilds_every_projection(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let units = app.app.units().await.unwrap();
    for (i, u) in units.iter().enumerate().take(4) {
        app.app
            .rename_unit(
                &Actor::System,
                RenameUnit {
                    id: u.id,
                    name_zh: Some(format!("{}（更名 {i}）", u.name_zh)),
                    name_en: None,
                    expected_version: Some(1),
                },
            )
            .await
            .unwrap();
    }
    let size = app.log_size().await;
    assert!(size >= 14, "seed and renames make events, got {size}");
    let report = app.store.replay_check().await.unwrap();
    assert_eq!(report.events, size);
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    // The replay ran in a transaction that was rolled back: nothing changed.
    assert_eq!(app.log_size().await, size);
    assert_eq!(app.app.units().await.unwrap().len(), units.len());

    // A projection row changed without an event is caught.
    let changed = app
        .execute_unchecked("UPDATE units SET name_en = 'tampered' WHERE code = 'mengla-brigade'")
        .await;
    assert_eq!(changed, 1);
    let report = app.store.replay_check().await.unwrap();
    assert_eq!(report.differences.len(), 1, "{:?}", report.differences);
    assert!(report.differences[0].contains("tampered"));

    // A row with no event behind it is caught too.
    app.execute_unchecked("DELETE FROM entities WHERE county_code = '532823'")
        .await;
    let report = app.store.replay_check().await.unwrap();
    assert!(
        report.differences.iter().any(|d| d.contains("live rows")),
        "{:?}",
        report.differences
    );
}

async fn eight_writers_get_gap_free_positions(app: TestApp) {
    const WRITERS: usize = 8;
    const EACH: usize = 40;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let a = app.app.clone();
        tasks.push(tokio::spawn(async move {
            let mut refused = 0;
            for i in 0..EACH {
                a.create_unit(&Actor::System, partner(format!("w{w}-u{i}")))
                    .await
                    .unwrap();
                // Every fifth command is a duplicate, refused inside the same group as others.
                if i % 5 == 0 {
                    let dup = a
                        .create_unit(&Actor::System, partner(format!("w{w}-u{i}")))
                        .await;
                    assert!(dup.is_err());
                    refused += 1;
                }
            }
            refused
        }));
    }
    let mut refused = 0;
    for t in tasks {
        refused += t.await.unwrap();
    }
    assert_eq!(refused, WRITERS * EACH / 5);
    let total = (WRITERS * EACH) as i64;
    assert_eq!(app.log_size().await, total);
    let events = app
        .store
        .events(&Scope::all(), 0, total + 10)
        .await
        .unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (0..total).collect::<Vec<_>>(),
        "positions are gap-free and in order"
    );
    // Instants never go backwards along the log.
    assert!(events.windows(2).all(|w| w[0].event.at <= w[1].event.at));
    let report = app.store.replay_check().await.unwrap();
    assert!(report.differences.is_empty());
    let stats = match &app.concrete {
        crate::helpers::Concrete::Sqlite(b) => b.stats(),
        crate::helpers::Concrete::Postgres(b) => b.stats(),
    };
    use std::sync::atomic::Ordering::Relaxed;
    let (commands, groups) = (stats.commands.load(Relaxed), stats.groups.load(Relaxed));
    // 320 accepted + 64 refused commands (the replay does not go through the writer); with 8
    // writers waiting, groups form on both backends, and a refused command in a group leaves
    // the others of its group committed (the count and the replay above).
    assert_eq!(commands, total as u64 + refused as u64);
    assert!(
        groups < commands,
        "no command was grouped: {groups} groups for {commands}"
    );
}

/// A decision whose two events create units of the same code: both go to the group's log rows,
/// then the table refuses the second unit, and the command is rolled back after its rows were
/// added (a refused duplicate is refused before it has any).
fn failing_after_its_log_rows(code: String) -> store::Decide {
    use domain::event::{Event, Payload};
    use domain::unit::UnitCreated;
    Box::new(move |_| {
        Box::pin(async move {
            let unit = || Event {
                id: uuid::Uuid::now_v7(),
                at: domain::Timestamp::new(chrono::Utc::now()),
                actor: Actor::System.to_ref(),
                payload: Payload::UnitCreated(UnitCreated {
                    id: uuid::Uuid::now_v7(),
                    code: code.clone(),
                    kind: UnitKind::PartnerAgency,
                    name_zh: "重复".into(),
                    name_en: "Duplicate".into(),
                    parent_id: None,
                    division_code: "532800".into(),
                    demo: true,
                }),
            };
            Ok(store::Changes {
                events: vec![unit(), unit()],
                secrets: Vec::new(),
            })
        })
    })
}

/// Commands that fail after adding their log rows, among others in the same write groups, leave
/// the ledger exactly the RFC 6962 tree of the events that committed, across groups (whose
/// right edge the writer keeps from one to the next).
async fn a_command_failing_after_its_log_rows_leaves_the_tree_whole(app: TestApp) {
    const WRITERS: usize = 6;
    const EACH: usize = 30;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (a, store) = (app.app.clone(), app.store.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..EACH {
                a.create_unit(&Actor::System, partner(format!("t{w}-u{i}")))
                    .await
                    .unwrap();
                if i % 3 == w % 3 {
                    let failed = store
                        .write(failing_after_its_log_rows(format!("t{w}-x{i}")))
                        .await;
                    assert!(failed.is_err(), "a unit code twice in one command");
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let size = app.log_size().await;
    assert_eq!(
        size,
        (WRITERS * EACH) as i64,
        "no failed command left an event"
    );
    let stored = app.store.event_hashes(0, size + 1).await.unwrap();
    let seqs: Vec<i64> = stored.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (0..size).collect::<Vec<_>>());
    let leaves: Vec<ledger::Hash> = stored.iter().map(|(_, h)| ledger::leaf_hash(h)).collect();
    let (head_size, root) = app.store.tree_head().await.unwrap();
    assert_eq!(head_size, size);
    assert_eq!(root, mth(&leaves), "the stored tree is the events' tree");
    for seq in [0, size / 3, size / 2, size - 1] {
        let proof = app.store.inclusion_proof(seq, size).await.unwrap();
        assert!(ledger::verify_inclusion::<ledger::Sha256Hasher>(
            seq as u64,
            size as u64,
            &leaves[seq as usize],
            &proof,
            &root
        ));
    }
    let report = app.store.replay_check().await.unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
}

/// Waits until `n` commands wait for the writer (a minute at most).
async fn queued(app: &TestApp, n: usize) {
    for _ in 0..6000 {
        if app.store.queued() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{n} commands were not queued within a minute");
}

/// A decision that reads a case's ledger (the archive's) sees what an earlier command of its own
/// write group appended to that case, although the group's log rows go to the database only at
/// its end: the reader flushes them first. The writer is held by a first command until both
/// others are queued, so that they land in one group.
async fn a_case_ledger_read_sees_its_group_s_earlier_appends(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let case = registered_case(&app, &officer, "532822").await;
    let case_id: uuid::Uuid = case.rsplit('/').next().unwrap().parse().unwrap();
    let clue_id = app
        .store
        .case(&Scope::all(), case_id)
        .await
        .unwrap()
        .unwrap()
        .clue_id;
    let before = app.store.case_ledger(case_id, clue_id).await.unwrap();

    let (release, held) = tokio::sync::oneshot::channel::<()>();
    let (holding, taken) = tokio::sync::oneshot::channel::<()>();
    let store = app.store.clone();
    let hold = tokio::spawn(async move {
        store
            .write(Box::new(move |_| {
                Box::pin(async move {
                    // Holds the writer (a thread of its own on SQLite, a task on PostgreSQL)
                    // until the others are queued. No timer: SQLite's writer has no runtime.
                    holding.send(()).ok();
                    held.await.ok();
                    Ok(store::Changes::default())
                })
            }))
            .await
    });
    taken.await.expect("the writer takes the first command");
    let pair =
        json!({"officers": ["menghai.officer", "menghai.officer2"], "lead": "menghai.officer"});
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel();
    // Queued only once the assignment is, and the writer let go once both are: one group.
    let read = async {
        queued(&app, 1).await;
        app.store
            .write(Box::new(move |r| {
                Box::pin(async move {
                    let seen = r.case_ledger(case_id, clue_id).await?;
                    seen_tx.send(seen).ok();
                    Ok(store::Changes::default())
                })
            }))
            .await
    };
    let release = async {
        queued(&app, 2).await;
        release.send(()).ok();
    };
    let ((status, body), read, ()) = tokio::join!(
        act(&app, &officer, &case, "assign-officers", pair),
        read,
        release
    );
    hold.await.unwrap().unwrap();
    assert_eq!(status, 200, "{body}");
    read.unwrap();
    let seen = seen_rx.await.unwrap();
    let after = app.store.case_ledger(case_id, clue_id).await.unwrap();
    assert_eq!(after.len(), before.len() + 1, "the assignment is one event");
    assert_eq!(
        seen, after,
        "the read in the same group saw the assignment's position and hash"
    );
}

async fn every_table_is_classified(app: TestApp) {
    let tables = app.table_names().await;
    let known: Vec<&str> = projection_tables()
        .iter()
        .chain(LOG_TABLES)
        .chain(NON_PROJECTION_TABLES)
        .copied()
        .collect();
    for t in &tables {
        if MIGRATION_TABLES.contains(&t.as_str()) {
            continue;
        }
        assert!(
            known.contains(&t.as_str()),
            "table {t} is neither a projection nor excluded from replay"
        );
    }
    for k in known {
        assert!(
            tables.iter().any(|t| t == k),
            "listed table {k} does not exist"
        );
    }
}

async fn the_log_is_append_only_and_holds_no_secret(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let events = app.store.events(&Scope::all(), 0, 1000).await.unwrap();
    for e in &events {
        let text = e.event.envelope().to_string();
        assert!(
            !text.contains("argon2"),
            "a password hash entered the log: {text}"
        );
        assert!(!text.contains(app::seed::DEMO_PASSWORD));
    }
    let user_event = events
        .iter()
        .find(|e| e.event.schema() == "user.created/v1")
        .unwrap();
    assert!(user_event.event.payload_json().get("password").is_none());
    // Updating or deleting an event is refused by the database itself.
    for sql in ["UPDATE events SET schema = 'x'", "DELETE FROM events"] {
        let result = match &app.concrete {
            crate::helpers::Concrete::Sqlite(b) => b.execute_unchecked(sql).await,
            crate::helpers::Concrete::Postgres(b) => b.execute_unchecked(sql).await,
        };
        let err = result.expect_err("append-only").to_string();
        assert!(err.contains("append-only"), "{err}");
    }
}

async fn events_are_scoped_by_county(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let all = app.store.events(&Scope::all(), 0, 1000).await.unwrap();
    let menghai = app
        .store
        .events(&Scope::counties(vec!["532822".into()]), 0, 1000)
        .await
        .unwrap();
    assert!(menghai.len() < all.len());
    assert!(menghai.iter().any(|e| e.counties == ["532822"]));
    for e in &menghai {
        assert!(
            e.counties.is_empty() || e.counties.contains(&"532822".to_owned()),
            "{e:?}"
        );
    }
    let prefecture_wide = all.iter().filter(|e| e.counties.is_empty()).count();
    let menghai_only = all.iter().filter(|e| e.counties == ["532822"]).count();
    assert_eq!(menghai.len(), prefecture_wide + menghai_only);
}

/// RFC 6962 MTH, written plainly, as an independent check of the stored tree.
fn mth(leaves: &[ledger::Hash]) -> ledger::Hash {
    use ledger::TreeHasher;
    match leaves.len() {
        0 => ledger::Sha256Hasher::empty(),
        1 => leaves[0],
        n => {
            // The largest power of two strictly below n.
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            ledger::Sha256Hasher::node(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

async fn every_event_is_a_leaf_of_the_ledger(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let size = app.log_size().await;
    let events = app.store.events(&Scope::all(), 0, size + 1).await.unwrap();
    let stored = app.store.event_hashes(0, size + 1).await.unwrap();
    assert_eq!(stored.len() as i64, size);
    let mut leaves = Vec::new();
    for (record, (seq, hash)) in events.iter().zip(&stored) {
        assert_eq!(record.seq, *seq);
        assert_eq!(
            store::event_hash(&record.event),
            *hash,
            "event {seq}: the stored hash is its canonical JSON's"
        );
        leaves.push(ledger::leaf_hash(hash));
    }
    let (head_size, root) = app.store.tree_head().await.unwrap();
    assert_eq!(head_size, size);
    assert_eq!(
        root,
        mth(&leaves),
        "the stored tree's root is the RFC 6962 root of the events"
    );
    for seq in [0, 1, size / 2, size - 1] {
        let proof = app.store.inclusion_proof(seq, size).await.unwrap();
        assert!(
            ledger::verify_inclusion::<ledger::Sha256Hasher>(
                seq as u64,
                size as u64,
                &leaves[seq as usize],
                &proof,
                &root
            ),
            "{seq}"
        );
    }
    // The canonical JSON is RFC 8785: sorted keys, no white space.
    let json = String::from_utf8(store::canonical_json(&events[0].event)).unwrap();
    assert!(
        json.starts_with("{\"actor\":{") && !json.contains(": "),
        "{json}"
    );
}

on_both_backends!(
    every_event_is_a_leaf_of_the_ledger,
    replay_rebuilds_every_projection,
    eight_writers_get_gap_free_positions,
    a_command_failing_after_its_log_rows_leaves_the_tree_whole,
    a_case_ledger_read_sees_its_group_s_earlier_appends,
    every_table_is_classified,
    the_log_is_append_only_and_holds_no_secret,
    events_are_scoped_by_county,
);
