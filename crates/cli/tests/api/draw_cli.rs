//! Issue 10: `ecoenforce draw run` reproduces both DRAW.md vectors byte for byte (the records in
//! docs/draw/, which the Python checker also reproduces); `draw verify` says `match` or names the
//! first mismatch; bad input is refused in both languages; an announcement is checked with --key.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

fn docs(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/draw")
        .join(name)
}

fn ecoenforce(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ecoenforce"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn draw_run_reproduces_both_vectors_byte_for_byte() {
    for v in ["vector1", "vector2"] {
        let input = docs(&format!("{v}-input.json"));
        let (code, out, err) = ecoenforce(&["draw", "run", input.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{err}");
        let expected = std::fs::read_to_string(docs(&format!("{v}-record.json"))).unwrap();
        assert_eq!(out, expected, "{v}");
        let record = docs(&format!("{v}-record.json"));
        let (code, out, _) = ecoenforce(&["draw", "verify", record.to_str().unwrap()]);
        assert_eq!(
            (code, out.trim()),
            (Some(0), "match; announcement not checked")
        );
    }
}

fn write(dir: &tempfile::TempDir, name: &str, v: &Value) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn draw_verify_names_the_first_mismatch_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(docs("vector2-record.json")).unwrap())
            .unwrap();
    let mut changed = record.clone();
    changed["strata"][0]["selected"][1] = json!("K002");
    let (code, out, _) = ecoenforce(&["draw", "verify", &write(&dir, "c.json", &changed)]);
    assert_eq!(code, Some(1));
    assert_eq!(
        out.trim(),
        "mismatch at strata[0].selected[1]: record K002, computed K001"
    );
    // A revealed nonce that does not match its commit refuses the draw.
    let mut bad = record.clone();
    bad["commits"][0]["nonce_hex"] = json!("11".repeat(32));
    let (code, _, err) = ecoenforce(&["draw", "verify", &write(&dir, "n.json", &bad)]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("draw.nonce_mismatch") && err.contains("承诺值"),
        "{err}"
    );
    // An unknown field, and a file that is not JSON.
    let mut input: Value =
        serde_json::from_str(&std::fs::read_to_string(docs("vector1-input.json")).unwrap())
            .unwrap();
    input["strata"][0]["weight"] = json!(2);
    let (code, _, err) = ecoenforce(&["draw", "run", &write(&dir, "u.json", &input)]);
    assert_eq!(code, Some(1));
    assert!(err.contains("strata[0]") && err.contains("weight"), "{err}");
    assert!(err.contains("字段") && err.contains("field"), "{err}");
    std::fs::write(dir.path().join("x.json"), "{").unwrap();
    let (code, _, err) = ecoenforce(&["draw", "run", dir.path().join("x.json").to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("不是有效的 JSON") && err.contains("not valid JSON"),
        "{err}"
    );
}

#[test]
fn an_announcement_is_checked_against_the_signed_log() {
    use ledger::{Sha256Hasher, note, tiles};
    let dir = tempfile::tempdir().unwrap();
    // A signed log of 6 entries; the announcement is entry 4.
    let event_hashes: Vec<[u8; 32]> = (0..6u8).map(|i| ledger::event_hash(&[i])).collect();
    let leaves: Vec<[u8; 32]> = event_hashes.iter().map(ledger::leaf_hash).collect();
    struct Mem(Vec<[u8; 32]>);
    impl ledger::HashStore for Mem {
        type Error = u64;
        fn read(&self, idx: &[u64]) -> Result<Vec<[u8; 32]>, u64> {
            idx.iter()
                .map(|i| self.0.get(*i as usize).copied().ok_or(*i))
                .collect()
        }
    }
    let mut stored = Mem(Vec::new());
    for (i, l) in leaves.iter().enumerate() {
        let add = ledger::stored_hashes_for_leaf::<Sha256Hasher, _>(i as u64, *l, &stored).unwrap();
        stored.0.extend(add);
    }
    let root = ledger::tree_hash::<Sha256Hasher, _>(6, &stored).unwrap();
    let path = ledger::prove_inclusion::<Sha256Hasher, _>(4, 6, &stored).unwrap();
    let key = ledger::SigningKey::from_bytes(&[5; 32]);
    let origin = "ecoenforce.test/532800";
    let checkpoint = note::sign(&note::checkpoint_body(origin, 6, &root), origin, &key).unwrap();
    let vkey = note::verifier_key(origin, &key.verifying_key());
    let mut record: Value =
        serde_json::from_str(&std::fs::read_to_string(docs("vector2-record.json")).unwrap())
            .unwrap();
    record["announcement"] = json!({
        "leaf_index": 4,
        "event_hash": ledger::hex(&event_hashes[4]),
        "tlog_proof": tiles::tlog_proof(4, &path, &checkpoint, None),
    });
    let file = write(&dir, "a.json", &record);
    let (code, out, _) = ecoenforce(&["draw", "verify", &file, "--key", &vkey]);
    assert_eq!((code, out.trim()), (Some(0), "match"));
    let (code, out, _) = ecoenforce(&["draw", "verify", &file]);
    assert_eq!(code, Some(0));
    assert!(out.contains("announcement not checked"));
    record["announcement"]["event_hash"] = json!(ledger::hex(&event_hashes[3]));
    let (code, out, _) = ecoenforce(&[
        "draw",
        "verify",
        &write(&dir, "b.json", &record),
        "--key",
        &vkey,
    ]);
    assert_eq!(code, Some(1));
    assert!(out.starts_with("mismatch at announcement:"), "{out}");
}
