use super::*;
use serde_json::json;

const ROUND_123_SIG: &str = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92";

fn nonce(text: &str) -> String {
    hex(&sha256(text.as_bytes()))
}

fn commit(text: &str) -> String {
    hex(&sha256(&sha256(text.as_bytes())))
}

fn vector1() -> Value {
    let pool: Vec<String> = (1..=100).map(|i| format!("91330100MA{i:08}")).collect();
    let group: Vec<String> = (1..=10).map(|i| format!("XSBN-ZF-{i:03}")).collect();
    json!({
        "algorithm": "shuangsuiji/v1",
        "draw_id": "DEMO-2026-001",
        "strata": [{"name": "all", "pool": pool, "k": 5, "inspector_group": "xsbn"}],
        "inspector_groups": [{"name": "xsbn", "pool": group}],
        "exclusions": [{"entity": "91330100MA00000001", "inspectors": ["XSBN-ZF-003"]}],
        "inspectors_per_entity": 2,
        "max_tasks_per_inspector": 1,
        "commits": [{"party": "bureau", "commit": commit("demo-nonce"), "nonce_hex": nonce("demo-nonce")}],
        "beacon": {
            "drand": {"network": "quicknet", "round": 123, "signature": ROUND_123_SIG},
            "lottery": {"game": "福彩3D", "issue": "2026001", "numbers": [[3, 0, 7]]}
        }
    })
}

fn vector2() -> Value {
    let g: Vec<String> = (1..=20).rev().map(|i| format!("G{i:03}")).collect();
    let mut k: Vec<String> = (1..=12).map(|i| format!("K{i:03}")).collect();
    k.push("K003".into());
    json!({
        "algorithm": "shuangsuiji/v1",
        "draw_id": "TEST-2026-002",
        "strata": [
            {"name": "一般", "pool": g, "k": 3, "inspector_group": "menghai"},
            {"name": "key", "pool": k, "k": 4, "inspector_group": "jinghong"}
        ],
        "inspector_groups": [
            {"name": "jinghong", "pool": ["J01", "J02", "J03", "J04"]},
            {"name": "menghai", "pool": ["M03", "M01", "M02", "J01"]}
        ],
        "exclusions": [
            {"entity": "K002", "inspectors": ["J01", "J01"]},
            {"entity": "K002", "inspectors": ["J01"]},
            {"entity": "G005", "inspectors": ["M02"]},
            {"entity": "K003", "inspectors": ["J02"]}
        ],
        "inspectors_per_entity": 2,
        "max_tasks_per_inspector": 1,
        "commits": [
            {"party": "bureau", "commit": commit("bureau-nonce"), "nonce_hex": nonce("bureau-nonce")},
            {"party": "observer", "commit": commit("observer-nonce"), "nonce_hex": nonce("observer-nonce")}
        ],
        "beacon": {"lottery": {"game": "双色球", "issue": "2026050", "numbers": [[3, 7, 12, 18, 25, 31], [9]]}}
    })
}

fn input(v: &Value) -> Input {
    serde_json::from_value(v.clone()).unwrap()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn vector_1_is_reproduced() {
    let r = run(&input(&vector1()), None).unwrap();
    assert_eq!(
        r["pool_hash"],
        "c566a20817fff9a67e6dd8262553f3beea932236864d794a97a87124fd6c062d"
    );
    assert_eq!(r["k"], 5);
    assert_eq!(
        r["inspector_hash"],
        "c5d0cc5768bfee3e4ff13683edbcf779e280c5740fe03eb56e8bada55637e0f3"
    );
    assert_eq!(
        r["beacon_spec"],
        "drand:quicknet:123|lottery:福彩3D:2026001"
    );
    assert_eq!(
        r["beacon_hex"],
        "fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc|3.0.7"
    );
    assert_eq!(
        r["seed"],
        "0d24d5b8a7f5d84d294a184662e722c1d883bc605eb7b4555e720ad7a304fe8a"
    );
    let p = |n: &str| format!("91330100MA000000{n}");
    assert_eq!(
        strs(&r["strata"][0]["selected"]),
        ["85", "51", "22", "88", "56"].map(p)
    );
    let z = |n: &str| format!("XSBN-ZF-{n}");
    let expected = [
        ("85", ["001", "005"]),
        ("51", ["009", "004"]),
        ("22", ["008", "003"]),
        ("88", ["010", "006"]),
        ("56", ["007", "002"]),
    ];
    for (i, (e, o)) in expected.iter().enumerate() {
        assert_eq!(r["inspectors"][i]["entity"], p(e));
        assert_eq!(strs(&r["inspectors"][i]["selected"]), o.map(z));
        assert_eq!(r["inspectors"][i]["cap_lifted"], false);
    }
    assert_eq!(verify(&r, None).unwrap(), None);
}

#[test]
fn vector_2_is_reproduced() {
    let r = run(&input(&vector2()), None).unwrap();
    assert_eq!(
        r["pool_hash"],
        "4d4318ffdc12e104e4b73058fce65e2a92f6f38e77a89e8363ab66e9f5382ae3"
    );
    assert_eq!(r["k"], 7);
    assert_eq!(
        r["inspector_hash"],
        "08fb97b5ae9b0cfd95e84d214a1ab5bf55d3c4a763a930f8268630ce1633d165"
    );
    assert_eq!(r["beacon_spec"], "lottery:双色球:2026050");
    assert_eq!(r["beacon_hex"], "3.7.12.18.25.31/9");
    assert_eq!(
        r["seed"],
        "c0c7a9fa9e5942ba52707667b11d3ef4bb1b61da3bd0533fb8897b8ec6dca02b"
    );
    // Strata in name order: "key" sorts before "一般" by UTF-8 bytes.
    assert_eq!(r["strata"][0]["name"], "key");
    assert_eq!(
        strs(&r["strata"][0]["selected"]),
        ["K003", "K001", "K009", "K007"]
    );
    assert_eq!(strs(&r["strata"][1]["selected"]), ["G010", "G008", "G015"]);
    let expected = [
        ("K003", ["J01", "J03"], false),
        ("K001", ["J02", "J04"], false),
        ("K009", ["J03", "J01"], true),
        ("K007", ["J01", "J04"], true),
        ("G010", ["M02", "M03"], false),
        ("G008", ["J01", "M02"], true),
        ("G015", ["M02", "J01"], true),
    ];
    for (i, (e, o, lifted)) in expected.iter().enumerate() {
        assert_eq!(r["inspectors"][i]["entity"], *e);
        assert_eq!(strs(&r["inspectors"][i]["selected"]), *o);
        assert_eq!(r["inspectors"][i]["cap_lifted"], *lifted, "{e}");
    }
    // Exclusions are merged per entity, deduplicated and sorted.
    assert_eq!(
        r["exclusions"],
        json!([
            {"entity": "G005", "inspectors": ["M02"]},
            {"entity": "K002", "inspectors": ["J01"]},
            {"entity": "K003", "inspectors": ["J02"]}
        ])
    );
    assert_eq!(verify(&r, None).unwrap(), None);
}

#[test]
fn verify_names_the_first_changed_field() {
    let r = run(&input(&vector2()), None).unwrap();
    let mut changed = r.clone();
    changed["inspectors"][2]["selected"][0] = json!("J04");
    let m = verify(&changed, None).unwrap().unwrap();
    assert_eq!(m.path, "inspectors[2].selected[0]");
    assert_eq!((m.record.as_str(), m.computed.as_str()), ("J04", "J03"));
    assert_eq!(
        m.to_string(),
        "mismatch at inspectors[2].selected[0]: record J04, computed J03"
    );
    let mut changed = r.clone();
    changed["seed"] = json!("00");
    assert_eq!(verify(&changed, None).unwrap().unwrap().path, "seed");
    // A changed input changes the derived fields.
    let mut changed = r;
    changed["strata"][0]["k"] = json!(3);
    let m = verify(&changed, None).unwrap().unwrap();
    // Keys are compared in sorted order: the selections differ before pool_hash and seed.
    assert_eq!(m.path, "inspectors[0].entity");
}

fn refusal(v: Value) -> Refusal {
    run(&input(&v), Some(2_000_000_000)).unwrap_err()
}

#[test]
fn every_refusal_of_draw_md() {
    // An ID in two strata.
    let mut v = vector2();
    v["strata"][0]["pool"][0] = json!("K005");
    assert_eq!(refusal(v).code, "draw.id_in_two_strata");
    // A pool too small for n after exclusions.
    let mut v = vector2();
    v["exclusions"][0]["inspectors"] = json!(["J01", "J02", "J03"]);
    let r = refusal(v);
    assert_eq!(r.code, "draw.pool_too_small");
    assert!(r.detail.contains("K002"), "{r}");
    // A nonce that does not match its commit.
    let mut v = vector2();
    v["commits"][1]["nonce_hex"] = json!(nonce("other"));
    let r = refusal(v);
    assert_eq!(
        (r.code, r.path.as_str()),
        ("draw.nonce_mismatch", "commits[1].nonce_hex")
    );
    // Forbidden characters: TAB, LF, CR in IDs and names; ':' and '|' in lottery game and issue.
    for (ptr, bad) in [
        ("/draw_id", "A\tB"),
        ("/strata/0/name", "a\nb"),
        ("/strata/1/pool/0", "K\r1"),
        ("/inspector_groups/0/pool/0", ""),
        ("/exclusions/0/entity", "K\t2"),
        ("/beacon/lottery/game", "双色球:x"),
        ("/beacon/lottery/issue", "2026|050"),
    ] {
        let mut v = vector2();
        *v.pointer_mut(ptr).unwrap() = json!(bad);
        assert_eq!(refusal(v).code, "draw.bad_text", "{ptr}");
    }
    // k larger than the pool, n below 2, an unknown group, duplicate names, no beacon.
    let mut v = vector2();
    v["strata"][1]["k"] = json!(13);
    assert_eq!(refusal(v).code, "draw.k_too_large");
    let mut v = vector2();
    v["inspectors_per_entity"] = json!(1);
    assert_eq!(refusal(v).code, "draw.per_entity");
    let mut v = vector2();
    v["strata"][0]["inspector_group"] = json!("mengla");
    assert_eq!(refusal(v).code, "draw.unknown_group");
    let mut v = vector2();
    v["strata"][1]["name"] = json!("一般");
    assert_eq!(refusal(v).code, "draw.duplicate_name");
    let mut v = vector2();
    v["beacon"] = json!({});
    assert_eq!(refusal(v).code, "draw.no_beacon");
    // A drand signature that is not the named round's.
    let mut v = vector1();
    v["beacon"]["drand"]["round"] = json!(124);
    assert_eq!(refusal(v).code, "draw.drand_signature");
    // Unknown fields in the input are refused by name.
    let mut v = vector2();
    v["extra"] = json!(1);
    assert!(serde_json::from_value::<Input>(v).is_err());
}

#[test]
fn the_unrevealed_nonce_rule() {
    // Vector 1 with its nonce withheld: refused while the 24-hour window is open.
    let mut v = vector1();
    v["commits"][0].as_object_mut().unwrap().remove("nonce_hex");
    let r = run(&input(&v), Some(round_time(123) + 3600)).unwrap_err();
    assert_eq!(r.code, "draw.nonce_missing");
    v["commits"][0]["revealed"] = json!(false);
    let r = run(&input(&v), Some(round_time(123) + 3600)).unwrap_err();
    assert_eq!(r.code, "draw.reveal_window_open");
    // After the window: 64 zeros in the seed, marked not revealed, and the record verifies.
    let r = run(&input(&v), Some(round_time(123) + REVEAL_WINDOW_SECONDS)).unwrap();
    assert_eq!(r["commits"][0]["nonce_hex"], "0".repeat(64));
    assert_eq!(r["commits"][0]["revealed"], false);
    let mut seed_text = String::from("shuangsuiji/v1\nDEMO-2026-001\n");
    seed_text.push_str(r["pool_hash"].as_str().unwrap());
    seed_text.push_str("\n5\n");
    seed_text.push_str(r["inspector_hash"].as_str().unwrap());
    seed_text.push_str("\ndrand:quicknet:123|lottery:福彩3D:2026001\n");
    seed_text.push_str(r["beacon_hex"].as_str().unwrap());
    seed_text.push('\n');
    seed_text.push_str(&"0".repeat(64));
    seed_text.push('\n');
    assert_eq!(r["seed"], hex(&sha256(seed_text.as_bytes())));
    assert_ne!(
        r["seed"],
        "0d24d5b8a7f5d84d294a184662e722c1d883bc605eb7b4555e720ad7a304fe8a"
    );
    assert_eq!(verify(&r, None).unwrap(), None);
    // A nonce given but marked unrevealed is refused.
    let mut v = vector1();
    v["commits"][0]["revealed"] = json!(false);
    assert_eq!(run(&input(&v), None).unwrap_err().code, "draw.bad_reveal");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn uniform_stays_in_range_and_select_is_a_permutation_prefix(
        seed in proptest::prelude::any::<[u8; 32]>(),
        len in 1usize..300,
        k_frac in 0.0f64..=1.0,
    ) {
        let pool: Vec<String> = (0..len).map(|i| format!("E{i:04}")).collect();
        let k = ((len as f64) * k_frac) as usize;
        let picked = select(&pool, k, seed);
        proptest::prop_assert_eq!(picked.len(), k);
        let set: BTreeSet<_> = picked.iter().collect();
        proptest::prop_assert_eq!(set.len(), k);
        let mut s = Stream::new(seed);
        for x in [1u64, 2, 3, 7, 1 << 63, u64::MAX] {
            proptest::prop_assert!(s.uniform(x) < x);
        }
    }
}
