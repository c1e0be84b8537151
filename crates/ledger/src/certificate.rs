//! Checking an evidence certificate offline (`docs/certificate.md`): no network, no database,
//! only the bundle, optionally the evidence file's hashes, and optionally a verifier key the
//! checker obtained independently (the bundle's own keys are the issuer's word).

use crate::note::{parse_checkpoint, verify};
use crate::tiles::parse_tlog_proof;
use crate::{Hash, Sha256Hasher, hex, leaf_hash, parse_hash_hex, verify_inclusion};
use base64::Engine;
use serde_json::Value;

pub const FORMAT: &str = "ecoenforce-certificate/v1";

/// One check and whether it held; `code` names it (`cert-check-<code>` in `locales/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub code: &'static str,
    pub ok: bool,
    /// What was found when it failed (English, technical).
    pub detail: String,
}

pub(crate) fn check(code: &'static str, result: Result<(), String>) -> Check {
    match result {
        Ok(()) => Check {
            code,
            ok: true,
            detail: String::new(),
        },
        Err(detail) => Check {
            code,
            ok: false,
            detail,
        },
    }
}

pub(crate) fn text<'a>(v: &'a Value, path: &str) -> Result<&'a str, String> {
    v.pointer(path)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{path} is missing"))
}

/// Runs every check. `file` is the evidence file's `(sha256, sm3)` in hex, when given.
pub fn check_bundle(bundle: &Value, file: Option<(&str, &str)>, key: Option<&str>) -> Vec<Check> {
    let mut out = vec![format_check(bundle, FORMAT)];
    // 1. The event hashes to event_hash (SHA-256 of its RFC 8785 canonical JSON).
    let (hash_check, event_hash) = event_hash_check(bundle);
    out.push(hash_check);
    // 2. The event is the registration of this evidence, with these hashes.
    out.push(check(
        "event_names_evidence",
        (|| {
            let schema = text(bundle, "/event/schema")?;
            if schema != "evidence.registered/v1" {
                return Err(format!("the event is {schema}"));
            }
            for (event_path, evidence_path) in [
                ("/event/payload/id", "/evidence/id"),
                ("/event/payload/blob/sha256", "/evidence/sha256"),
                ("/event/payload/blob/sm3", "/evidence/sm3"),
            ] {
                let (a, b) = (text(bundle, event_path)?, text(bundle, evidence_path)?);
                if a != b {
                    return Err(format!("{event_path} is {a}, {evidence_path} is {b}"));
                }
            }
            let sizes = (
                bundle.pointer("/event/payload/blob/size"),
                bundle.pointer("/evidence/size"),
            );
            if sizes.0.is_none() || sizes.0 != sizes.1 {
                return Err(format!("sizes differ: {:?}", sizes));
            }
            Ok(())
        })(),
    ));
    // 3–4. The checkpoint is signed by a key of this ledger; the event is at `index` in it.
    let signed = signed_inclusion(bundle, event_hash, key, &mut out);
    // 5. The QR text names the same entry and tree.
    out.push(check(
        "qr",
        (|| {
            let (origin, size, root) = signed.as_ref().map_err(Clone::clone)?;
            let expected = format!(
                "ecoenforce-cert:v1:{origin}:{}:{}:{size}:{}",
                bundle
                    .get("index")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX),
                event_hash.map(|h| hex(&h)).unwrap_or_default(),
                base64::engine::general_purpose::STANDARD.encode(root)
            );
            match bundle.get("qr").and_then(Value::as_str) {
                Some(q) if q == expected => Ok(()),
                other => Err(format!("qr is {other:?}, expected {expected}")),
            }
        })(),
    ));
    // 6–7. The file, when given, is the evidence.
    if let Some((sha256, sm3)) = file {
        for (code, path, got) in [
            ("file_sha256", "/evidence/sha256", sha256),
            ("file_sm3", "/evidence/sm3", sm3),
        ] {
            out.push(check(
                code,
                text(bundle, path).and_then(|stated| {
                    if stated.eq_ignore_ascii_case(got) {
                        Ok(())
                    } else {
                        Err(format!(
                            "the file's hash is {got}, the certificate says {stated}"
                        ))
                    }
                }),
            ));
        }
    }
    out
}

/// The check `cosignatures`: the checkpoint carries valid cosignatures of at least `quorum` of
/// the `witnesses` (C2SP tlog-cosignature verifier keys the checker obtained independently; all
/// of them when `quorum` is `None`). It fails naming each witness whose cosignature is missing.
pub fn cosignature_check(
    checkpoint: Result<&str, String>,
    witnesses: &[String],
    quorum: Option<usize>,
) -> Check {
    check(
        "cosignatures",
        checkpoint.and_then(|note| {
            let report = crate::cosignature::check_quorum(note, witnesses, quorum);
            if report.met() {
                Ok(())
            } else {
                Err(report.describe())
            }
        }),
    )
}

/// The checkpoint inside a bundle's `tlog_proof` (at `pointer`, e.g. `/tlog_proof`).
pub fn tlog_proof_checkpoint(bundle: &Value, pointer: &str) -> Result<String, String> {
    let proof = text(bundle, pointer)?;
    parse_tlog_proof(proof)
        .map(|p| p.checkpoint)
        .map_err(|e| e.to_string())
}

/// Whether the bundle's `format` is `expected`.
pub(crate) fn format_check(bundle: &Value, expected: &str) -> Check {
    check(
        "format",
        match bundle.get("format").and_then(Value::as_str) {
            Some(f) if f == expected => Ok(()),
            other => Err(format!("format is {other:?}, not {expected}")),
        },
    )
}

/// Whether the bundle's `event` hashes to its `event_hash` (SHA-256 of the RFC 8785 canonical
/// JSON), and that hash.
pub(crate) fn event_hash_check(bundle: &Value) -> (Check, Option<Hash>) {
    let event_hash: Option<Hash> = bundle
        .get("event_hash")
        .and_then(Value::as_str)
        .and_then(parse_hash_hex);
    let c = check(
        "event_hash",
        (|| {
            let stated = event_hash.ok_or("event_hash is not 64 hex digits")?;
            let event = bundle.get("event").ok_or("no event")?;
            let canonical = serde_json_canonicalizer::to_vec(event).map_err(|e| e.to_string())?;
            let computed = crate::event_hash(&canonical);
            if computed == stated {
                Ok(())
            } else {
                Err(format!(
                    "the event hashes to {}, the bundle says {}",
                    hex(&computed),
                    hex(&stated)
                ))
            }
        })(),
    );
    (c, event_hash)
}

/// The checks `checkpoint_signature` and `inclusion`: the bundle's checkpoint is signed by one
/// of the keys (the given one, else the bundle's own), and the event is at `index` in that
/// tree. Returns the signed checkpoint's origin, size and root.
pub(crate) fn signed_inclusion(
    bundle: &Value,
    event_hash: Option<Hash>,
    key: Option<&str>,
    out: &mut Vec<Check>,
) -> Result<(String, u64, Hash), String> {
    // 3. The checkpoint is signed by a key of this ledger.
    let proof = bundle
        .get("tlog_proof")
        .and_then(Value::as_str)
        .ok_or_else(|| "no tlog_proof".to_owned())
        .and_then(|p| parse_tlog_proof(p).map_err(|e| e.to_string()));
    let keys: Vec<String> = match key {
        Some(k) => vec![k.to_owned()],
        None => bundle
            .get("verifier_keys")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    };
    let signed = proof.as_ref().map_err(Clone::clone).and_then(|p| {
        keys.iter()
            .find_map(|k| verify(&p.checkpoint, k).ok())
            .ok_or_else(|| "no given verifier key signed the checkpoint".to_owned())
            .and_then(|body| parse_checkpoint(body).map_err(|e| e.to_string()))
    });
    out.push(check(
        "checkpoint_signature",
        signed.as_ref().map(|_| ()).map_err(Clone::clone),
    ));
    // 4. The event is at `index` in the signed tree.
    out.push(check(
        "inclusion",
        (|| {
            let p = proof.as_ref().map_err(Clone::clone)?;
            let (_, size, root) = signed.as_ref().map_err(Clone::clone)?;
            let index = bundle
                .get("index")
                .and_then(Value::as_u64)
                .ok_or("index is missing")?;
            if p.index != index {
                return Err(format!("the proof is for entry {}, not {index}", p.index));
            }
            let leaf = leaf_hash(&event_hash.ok_or("no event_hash")?);
            if verify_inclusion::<Sha256Hasher>(index, *size, &leaf, &p.path, root) {
                Ok(())
            } else {
                Err(format!("entry {index} is not in the signed tree of {size}"))
            }
        })(),
    ));
    signed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{checkpoint_body, sign, verifier_key};
    use crate::{HashStore, prove_inclusion, stored_hashes_for_leaf, tree_hash};
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    struct Mem(Vec<Hash>);
    impl HashStore for Mem {
        type Error = u64;
        fn read(&self, idx: &[u64]) -> Result<Vec<Hash>, u64> {
            idx.iter()
                .map(|i| self.0.get(*i as usize).copied().ok_or(*i))
                .collect()
        }
    }

    /// The known-answer vector of docs/certificate.md, built from fixed inputs: the bytes
    /// `ecoenforce certificate test vector\n`, a registration event, a 4-leaf log whose last leaf
    /// is that event, and the demo key (seed 0x07 × 32; never use it for real).
    fn vector() -> Value {
        let file = b"ecoenforce certificate test vector\n";
        let sha256 = hex(&crate::event_hash(file));
        let sm3 = SM3_OF_FILE.trim();
        let id = "019ad0f0-0000-7000-8000-000000000001";
        let event = json!({
            "schema": "evidence.registered/v1",
            "id": "019ad0f0-0000-7000-8000-0000000000e1",
            "at": "2026-11-29T02:30:00.000000Z",
            "actor": {"kind": "user", "id": "019ad0f0-0000-7000-8000-0000000000a1", "name": "menghai.officer"},
            "payload": {
                "id": id,
                "county_code": "532822",
                "data": {
                    "subject_type": "entity",
                    "subject_id": "019ad0f0-0000-7000-8000-0000000000b1",
                    "type": "on_site_record",
                    "title": "现场检查笔录（演示）",
                    "collected_at": "2026-11-29T02:00:00.000000Z",
                    "collected_by": ["menghai.officer", "menghai.officer2"],
                    "assisted_by": [],
                    "lat_e6": 21959000,
                    "lon_e6": 100451000,
                    "device": null,
                    "on_site": true
                },
                "blob": {"sha256": sha256, "sm3": sm3, "size": file.len(), "mime": "text/plain", "file_name": "record.txt"},
                "custodian": "menghai.officer",
                "demo": true
            }
        });
        let event_hash = crate::event_hash(&serde_json_canonicalizer::to_vec(&event).unwrap());
        let mut leaves: Vec<Hash> = (0..3u8).map(|i| crate::event_hash(&[i])).collect();
        leaves.push(event_hash);
        let mut tree = Mem(Vec::new());
        for (i, eh) in leaves.iter().enumerate() {
            let add =
                stored_hashes_for_leaf::<Sha256Hasher, _>(i as u64, leaf_hash(eh), &tree).unwrap();
            tree.0.extend(add);
        }
        let root = tree_hash::<Sha256Hasher, _>(4, &tree).unwrap();
        let path = prove_inclusion::<Sha256Hasher, _>(3, 4, &tree).unwrap();
        let origin = "demo.example/enforcement-log";
        let key = SigningKey::from_bytes(&[7; 32]);
        let note = sign(&checkpoint_body(origin, 4, &root), origin, &key).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(root);
        json!({
            "format": FORMAT,
            "evidence": {
                "id": id, "title": "现场检查笔录（演示）", "type": "on_site_record",
                "subject_type": "entity", "subject_id": "019ad0f0-0000-7000-8000-0000000000b1",
                "county_code": "532822", "collected_at": "2026-11-29T02:00:00.000000Z",
                "collected_by": ["menghai.officer", "menghai.officer2"],
                "file_name": "record.txt", "mime": "text/plain", "size": file.len(),
                "sha256": sha256, "sm3": sm3
            },
            "event": event,
            "event_hash": hex(&event_hash),
            "index": 3,
            "tlog_proof": crate::tiles::tlog_proof(3, &path, &note, None),
            "verifier_keys": [verifier_key(origin, &key.verifying_key())],
            "qr": format!("ecoenforce-cert:v1:{origin}:3:{}:4:{b64}", hex(&event_hash)),
        })
    }

    /// SM3 of the vector's file bytes (checked against an independent SM3 in the Python
    /// checker's `vectors` command).
    const SM3_OF_FILE: &str = include_str!("../../../docs/certificate/file.sm3");

    #[test]
    fn the_documented_vector_is_rebuilt_and_verifies() {
        let v = vector();
        let committed: Value =
            serde_json::from_str(include_str!("../../../docs/certificate/vector.json")).unwrap();
        assert_eq!(
            v,
            committed,
            "docs/certificate/vector.json is out of date:\n{}",
            serde_json::to_string_pretty(&v).unwrap()
        );
        let sha = v["evidence"]["sha256"].as_str().unwrap();
        let checks = check_bundle(&v, Some((sha, SM3_OF_FILE.trim())), None);
        assert_eq!(checks.len(), 8);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        // Each kind of change is caught by its check.
        let mut bad = v.clone();
        bad["event"]["payload"]["data"]["title"] = json!("改");
        let failed: Vec<_> = check_bundle(&bad, None, None)
            .into_iter()
            .filter(|c| !c.ok)
            .map(|c| c.code)
            .collect();
        assert_eq!(failed, ["event_hash"]);
        let failed: Vec<_> = check_bundle(&v, Some(("00", SM3_OF_FILE.trim())), None)
            .into_iter()
            .filter(|c| !c.ok)
            .map(|c| c.code)
            .collect();
        assert_eq!(failed, ["file_sha256"]);
        let mut bad = v.clone();
        bad["index"] = json!(2);
        let failed: Vec<_> = check_bundle(&bad, None, None)
            .into_iter()
            .filter(|c| !c.ok)
            .map(|c| c.code)
            .collect();
        assert_eq!(failed, ["inclusion", "qr"]);
    }
}
