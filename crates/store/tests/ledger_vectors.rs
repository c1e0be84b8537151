//! The test vectors of docs/ledger.md, recomputed: the document and the code cannot drift apart.

#![allow(clippy::unwrap_used)]

use domain::actor::ActorKind;
use domain::event::{Event, Payload};
use domain::unit::{UnitCreated, UnitKind};
use domain::{ActorRef, Timestamp};
use ledger::{Sha256Hasher, TreeHasher};
use uuid::Uuid;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn vector_event(i: u128) -> Event {
    Event {
        id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + i),
        at: Timestamp::parse("2026-11-25T08:00:00.000001Z").unwrap(),
        actor: ActorRef {
            kind: ActorKind::System,
            id: None,
            name: "system".into(),
        },
        payload: Payload::UnitCreated(UnitCreated {
            id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_1000 + i),
            code: format!("unit-{i}"),
            kind: UnitKind::PartnerAgency,
            name_zh: "西双版纳州公安局".into(),
            name_en: "Xishuangbanna PSB \"eco\"".into(),
            parent_id: None,
            division_code: "532800".into(),
            demo: true,
        }),
    }
}

#[test]
fn the_documented_vectors_hold() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ledger.md"))
        .unwrap();
    let e0 = vector_event(0);
    let json = String::from_utf8(store::canonical_json(&e0)).unwrap();
    let eh = store::event_hash(&e0);
    let leaf = ledger::leaf_hash(&eh);
    let leaves: Vec<_> = (0..3)
        .map(|i| ledger::leaf_hash(&store::event_hash(&vector_event(i))))
        .collect();
    let root3 = Sha256Hasher::node(&Sha256Hasher::node(&leaves[0], &leaves[1]), &leaves[2]);
    let values = [
        ("canonical JSON", json.clone()),
        ("event_hash", hex(&eh)),
        ("leaf_hash", hex(&leaf)),
        ("leaf 1", hex(&leaves[1])),
        ("leaf 2", hex(&leaves[2])),
        ("root of 3", hex(&root3)),
        ("empty root", hex(&Sha256Hasher::empty())),
    ];
    for (name, v) in &values {
        println!("{name}: {v}");
    }
    for (name, v) in &values {
        assert!(
            doc.contains(v.as_str()),
            "docs/ledger.md lacks the {name}: {v}"
        );
    }
}
