//! Checking a sealed case file offline (`docs/archive.md`): the archive bundle of an archived
//! case — its events with their inclusion proofs in one signed checkpoint, its two volumes, its
//! issued documents and its evidence hashes — and a verifier key the checker obtained
//! independently (required: the bundle's own keys are the issuer's word). No network, no
//! database.

use crate::certificate::{Check, check, format_check, text};
use crate::note::{parse_checkpoint, verify};
use crate::{Hash, Sha256Hasher, hex, leaf_hash, parse_hash_hex, verify_inclusion};
use base64::Engine;
use serde_json::Value;
use sha2::Digest;

pub const FORMAT: &str = "ecoenforce-archive-bundle/v1";

const ARCHIVED: &str = "case.archived/v1";
const ANNEX_ADDED: &str = "case.annex_added/v1";
/// What else may follow the archive: the decision's publication and its withdrawal, which
/// change nothing in the volumes (APL Art. 48 requires the withdrawal whenever it comes).
const AFTER_ARCHIVE: [&str; 2] = [
    "case.decision_published/v1",
    "case.publication_withdrawn/v1",
];
const DOCUMENT_ISSUED: &str = "document.issued/v1";
const EVIDENCE_REGISTERED: &str = "evidence.registered/v1";

/// Runs every check of `docs/archive.md` §3, in its order. Without `key` the checkpoint's
/// signature is not shown (the bundle's own `verifier_keys` are not trusted), so that check and
/// the inclusion that rests on it fail.
pub fn check_archive_bundle(bundle: &Value, key: Option<&str>) -> Vec<Check> {
    let mut out = vec![format_check(bundle, FORMAT)];
    let events: Result<&[Value], String> = bundle
        .get("events")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| "events is missing".to_owned());
    // 2. The checkpoint is signed by the given key.
    let signed = (|| {
        let key =
            key.ok_or("no verifier key given (the bundle's own verifier_keys are not trusted)")?;
        let note = text(bundle, "/checkpoint")?;
        let body = verify(note, key).map_err(|e| format!("the checkpoint: {e}"))?;
        parse_checkpoint(body).map_err(|e| format!("the checkpoint: {e}"))
    })();
    out.push(check(
        "checkpoint_signature",
        signed.as_ref().map(|_| ()).map_err(Clone::clone),
    ));
    // 3. Every event hashes to its event_hash; the indices strictly increase.
    out.push(check(
        "event_hashes",
        events.clone().and_then(|events| {
            let mut errors = Vec::new();
            let mut previous: Option<u64> = None;
            for (i, e) in events.iter().enumerate() {
                if let Err(err) = event_hash_holds(e) {
                    errors.push(format!("{}: {err}", label(i, e)));
                }
                match e.get("index").and_then(Value::as_u64) {
                    None => errors.push(format!("{}: index is missing", label(i, e))),
                    Some(n) => {
                        if let Some(p) = previous.filter(|p| n <= *p) {
                            errors.push(format!("{}: index {n} does not follow {p}", label(i, e)));
                        }
                        previous = Some(n);
                    }
                }
            }
            all(errors)
        }),
    ));
    // 4. Every event is at its index in the signed tree.
    out.push(check(
        "inclusion",
        (|| {
            let events = events.clone()?;
            let (_, size, root) = signed
                .as_ref()
                .map_err(|e| format!("not checked: the checkpoint is not verified ({e})"))?;
            let mut errors = Vec::new();
            for (i, e) in events.iter().enumerate() {
                if let Err(err) = included(e, *size, root) {
                    errors.push(format!("{}: {err}", label(i, e)));
                }
            }
            all(errors)
        })(),
    ));
    // 5. Exactly one event is the archive of this case; its position among the events.
    let archived: Result<usize, String> = (|| {
        let events = events.clone()?;
        let case_id = text(bundle, "/case/id")?;
        let found: Vec<usize> = (0..events.len())
            .filter(|i| schema(&events[*i]) == Some(ARCHIVED))
            .collect();
        let [at] = found[..] else {
            return Err(if found.is_empty() {
                format!("no event is {ARCHIVED}")
            } else {
                let at: Vec<String> = found.iter().map(|i| format!("events[{i}]")).collect();
                format!("{} events are {ARCHIVED}: {}", found.len(), at.join(", "))
            });
        };
        match payload_text(&events[at], "/case_id") {
            Some(id) if id == case_id => Ok(at),
            other => Err(format!(
                "{}: the archive is of case {other:?}, not {case_id}",
                label(at, &events[at])
            )),
        }
    })();
    out.push(check(
        "archived",
        archived.as_ref().map(|_| ()).map_err(Clone::clone),
    ));
    let archive = (|| {
        let events = events.clone()?;
        let at = *archived
            .as_ref()
            .map_err(|_| "not checked: there is no single archive event of the case".to_owned())?;
        let archive = events[at]
            .pointer("/event/payload/archive")
            .ok_or_else(|| format!("{}: payload.archive is missing", label(at, &events[at])))?;
        Ok::<_, String>((events, at, archive))
    })();
    // 6. The events before the archive are all the case's, none after it but numbered annexes.
    out.push(check(
        "complete",
        archive.clone().and_then(|(events, at, archive)| {
            let mut errors = Vec::new();
            match archive.get("events").and_then(Value::as_u64) {
                Some(n) if n == at as u64 => {}
                Some(n) => {
                    errors.push(format!("{at} events precede the archive, which counts {n}"))
                }
                None => errors.push("payload.archive.events is missing".to_owned()),
            }
            let mut hashes = Vec::with_capacity(32 * at);
            for (i, e) in events[..at].iter().enumerate() {
                match stated_hash(e) {
                    Ok(h) => hashes.extend_from_slice(&h),
                    Err(err) => errors.push(format!("{}: {err}", label(i, e))),
                }
            }
            let computed: Hash = sha2::Sha256::digest(&hashes).into();
            match archive
                .get("events_sha256")
                .and_then(Value::as_str)
                .and_then(parse_hash_hex)
            {
                Some(stated) if stated == computed => {}
                Some(stated) => errors.push(format!(
                    "the event hashes before the archive concatenate to SHA-256 {}, the archive \
                     says {}",
                    hex(&computed),
                    hex(&stated)
                )),
                None => errors.push("payload.archive.events_sha256 is not 64 hex digits".into()),
            }
            let case_id = text(bundle, "/case/id")?;
            let mut number = 0;
            for (k, e) in events[at + 1..].iter().enumerate() {
                let i = at + 1 + k;
                let what = label(i, e);
                let annex = match schema(e) {
                    Some(ANNEX_ADDED) => true,
                    Some(s) if AFTER_ARCHIVE.contains(&s) => false,
                    other => {
                        errors.push(format!(
                            "{what} follows the archive but is {other:?}, not {ANNEX_ADDED}"
                        ));
                        continue;
                    }
                };
                match payload_text(e, "/case_id") {
                    Some(id) if id == case_id => {}
                    other => errors.push(format!("{what}: an event of case {other:?}")),
                }
                if !annex {
                    continue;
                }
                number += 1;
                match e.pointer("/event/payload/annex").and_then(Value::as_u64) {
                    Some(n) if n == number => {}
                    Some(n) => errors.push(format!("{what}: annex {n}, expected annex {number}")),
                    None => errors.push(format!("{what}: payload.annex is missing")),
                }
            }
            all(errors)
        }),
    ));
    // 7. Exactly the archive's volumes, each PDF with the archive's SHA-256 and size.
    out.push(check(
        "volumes",
        archive.clone().and_then(|(_, _, archive)| {
            let named = archive
                .get("volumes")
                .and_then(Value::as_array)
                .ok_or("payload.archive.volumes is missing")?;
            let present = bundle
                .get("volumes")
                .and_then(Value::as_array)
                .ok_or("volumes is missing")?;
            let mut errors = Vec::new();
            for v in named {
                let Some(name) = v.get("volume").and_then(Value::as_str) else {
                    errors.push("a volume of the archive has no name".to_owned());
                    continue;
                };
                let found: Vec<&Value> = present
                    .iter()
                    .filter(|p| p.get("volume").and_then(Value::as_str) == Some(name))
                    .collect();
                let [p] = found[..] else {
                    errors.push(format!(
                        "the {name} volume is present {} times, not once",
                        found.len()
                    ));
                    continue;
                };
                if let Err(err) = volume_holds(v, p) {
                    errors.push(format!("the {name} volume: {err}"));
                }
            }
            for p in present {
                let name = p.get("volume").and_then(Value::as_str);
                if !named
                    .iter()
                    .any(|v| v.get("volume").and_then(Value::as_str) == name)
                {
                    errors.push(format!("volume {name:?} is not one the archive names"));
                }
            }
            all(errors)
        }),
    ));
    // 8. Each issued document's PDF, as issued; no other.
    out.push(check(
        "documents",
        events.clone().and_then(|events| {
            let present = bundle
                .get("documents")
                .and_then(Value::as_array)
                .ok_or("documents is missing")?;
            let issued: Vec<(usize, &Value)> = events
                .iter()
                .enumerate()
                .filter(|(_, e)| schema(e) == Some(DOCUMENT_ISSUED))
                .collect();
            let mut errors = Vec::new();
            for (i, e) in &issued {
                let Some(id) = payload_text(e, "/document_id") else {
                    errors.push(format!("{}: payload.document_id is missing", label(*i, e)));
                    continue;
                };
                let found: Vec<&Value> = present
                    .iter()
                    .filter(|d| d.get("document_id").and_then(Value::as_str) == Some(id))
                    .collect();
                let [d] = found[..] else {
                    errors.push(format!(
                        "document {id} (issued at {}) has {} PDFs, not one",
                        label(*i, e),
                        found.len()
                    ));
                    continue;
                };
                if let Err(err) = document_holds(e, d) {
                    errors.push(format!("document {id}: {err}"));
                }
            }
            for d in present {
                let id = d.get("document_id").and_then(Value::as_str);
                if !issued
                    .iter()
                    .any(|(_, e)| id.is_some() && payload_text(e, "/document_id") == id)
                {
                    errors.push(format!(
                        "document {id:?} is not issued by any {DOCUMENT_ISSUED} event"
                    ));
                }
            }
            all(errors)
        }),
    ));
    // 9. Each registered evidence file's hashes and size; no other entry.
    out.push(check(
        "evidence",
        events.and_then(|events| {
            let present = bundle
                .get("evidence")
                .and_then(Value::as_array)
                .ok_or("evidence is missing")?;
            let registered: Vec<(usize, &Value)> = events
                .iter()
                .enumerate()
                .filter(|(_, e)| schema(e) == Some(EVIDENCE_REGISTERED))
                .collect();
            let mut errors = Vec::new();
            for (i, e) in &registered {
                let Some(id) = payload_text(e, "/id") else {
                    errors.push(format!("{}: payload.id is missing", label(*i, e)));
                    continue;
                };
                let found: Vec<&Value> = present
                    .iter()
                    .filter(|x| x.get("evidence_id").and_then(Value::as_str) == Some(id))
                    .collect();
                let [x] = found[..] else {
                    errors.push(format!(
                        "evidence {id} (registered at {}) has {} entries, not one",
                        label(*i, e),
                        found.len()
                    ));
                    continue;
                };
                if let Err(err) = evidence_holds(e, x) {
                    errors.push(format!("evidence {id}: {err}"));
                }
            }
            for x in present {
                let id = x.get("evidence_id").and_then(Value::as_str);
                if !registered
                    .iter()
                    .any(|(_, e)| id.is_some() && payload_text(e, "/id") == id)
                {
                    errors.push(format!(
                        "evidence {id:?} is not registered by any {EVIDENCE_REGISTERED} event"
                    ));
                }
            }
            all(errors)
        }),
    ));
    out
}

/// `events[i] (entry n)`: an event of the bundle, by its place in `events` and its log index.
fn label(i: usize, e: &Value) -> String {
    match e.get("index").and_then(Value::as_u64) {
        Some(n) => format!("events[{i}] (entry {n})"),
        None => format!("events[{i}]"),
    }
}

fn schema(e: &Value) -> Option<&str> {
    e.pointer("/event/schema").and_then(Value::as_str)
}

fn payload_text<'a>(e: &'a Value, path: &str) -> Option<&'a str> {
    e.get("event")
        .and_then(|ev| ev.get("payload"))
        .and_then(|p| p.pointer(path))
        .and_then(Value::as_str)
}

/// Ok when there is no error, else every error.
fn all(errors: Vec<String>) -> Result<(), String> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn stated_hash(e: &Value) -> Result<Hash, String> {
    e.get("event_hash")
        .and_then(Value::as_str)
        .and_then(parse_hash_hex)
        .ok_or_else(|| "event_hash is not 64 hex digits".to_owned())
}

/// Whether a hex field states the same 32-byte hash as `expected`.
fn same_hash(stated: Option<&Value>, expected: &Hash) -> bool {
    stated
        .and_then(Value::as_str)
        .and_then(parse_hash_hex)
        .is_some_and(|h| h == *expected)
}

fn hash_field(v: &Value, path: &str) -> Result<Hash, String> {
    v.pointer(path)
        .and_then(Value::as_str)
        .and_then(parse_hash_hex)
        .ok_or_else(|| format!("{path} is not 64 hex digits"))
}

fn pdf_bytes(v: &Value) -> Result<Vec<u8>, String> {
    let b64 = v.get("pdf").and_then(Value::as_str).ok_or("no pdf")?;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("its pdf is not base64 ({e})"))
}

/// The event's RFC 8785 canonical JSON hashes to its stated `event_hash`.
fn event_hash_holds(e: &Value) -> Result<(), String> {
    let stated = stated_hash(e)?;
    let event = e.get("event").ok_or("no event")?;
    let canonical = serde_json_canonicalizer::to_vec(event).map_err(|err| err.to_string())?;
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
}

/// The event's proof leads from `SHA-256(0x00 ‖ event_hash)` at its index to `root`.
fn included(e: &Value, size: u64, root: &Hash) -> Result<(), String> {
    let index = e
        .get("index")
        .and_then(Value::as_u64)
        .ok_or("index is missing")?;
    let leaf = leaf_hash(&stated_hash(e)?);
    let proof = e
        .get("proof")
        .and_then(Value::as_array)
        .ok_or("proof is missing")?
        .iter()
        .map(|h| h.as_str().and_then(parse_hash_hex))
        .collect::<Option<Vec<Hash>>>()
        .ok_or("a proof hash is not 64 hex digits")?;
    if verify_inclusion::<Sha256Hasher>(index, size, &leaf, &proof, root) {
        Ok(())
    } else {
        Err(format!("not in the signed tree of {size} at {index}"))
    }
}

/// A volume of the bundle is the archive's: its id, SHA-256 and size, and its PDF hashes to
/// them.
fn volume_holds(named: &Value, present: &Value) -> Result<(), String> {
    let (a, b) = (
        named.get("id").and_then(Value::as_str),
        present.get("id").and_then(Value::as_str),
    );
    if a.is_none() || a != b {
        return Err(format!("id is {b:?}, the archive's is {a:?}"));
    }
    let sha256 = hash_field(named, "/sha256").map_err(|e| format!("the archive's {e}"))?;
    if !same_hash(present.get("sha256"), &sha256) {
        return Err(format!(
            "sha256 is {:?}, the archive's is {}",
            present.get("sha256").and_then(Value::as_str),
            hex(&sha256)
        ));
    }
    let size = named
        .get("size")
        .and_then(Value::as_u64)
        .ok_or("the archive states no size")?;
    if present.get("size").and_then(Value::as_u64) != Some(size) {
        return Err(format!(
            "size is {:?}, the archive's is {size}",
            present.get("size")
        ));
    }
    let pdf = pdf_bytes(present)?;
    let computed: Hash = sha2::Sha256::digest(&pdf).into();
    if computed != sha256 {
        return Err(format!(
            "the PDF hashes to {}, archived as {}",
            hex(&computed),
            hex(&sha256)
        ));
    }
    if pdf.len() as u64 != size {
        return Err(format!("the PDF has {} bytes, archived {size}", pdf.len()));
    }
    Ok(())
}

/// A document entry is the issued one: the event's SHA-256, and its PDF hashes to it.
fn document_holds(event: &Value, present: &Value) -> Result<(), String> {
    let sha256 =
        hash_field(event, "/event/payload/sha256").map_err(|e| format!("the event's {e}"))?;
    if !same_hash(present.get("sha256"), &sha256) {
        return Err(format!(
            "sha256 is {:?}, issued as {}",
            present.get("sha256").and_then(Value::as_str),
            hex(&sha256)
        ));
    }
    let computed: Hash = sha2::Sha256::digest(pdf_bytes(present)?).into();
    if computed != sha256 {
        return Err(format!(
            "the PDF hashes to {}, issued as {}",
            hex(&computed),
            hex(&sha256)
        ));
    }
    Ok(())
}

/// An evidence entry states the registered file's SHA-256, SM3 and size.
fn evidence_holds(event: &Value, present: &Value) -> Result<(), String> {
    for (blob, field) in [("sha256", "sha256"), ("sm3", "sm3")] {
        let registered = hash_field(event, &format!("/event/payload/blob/{blob}"))
            .map_err(|e| format!("the event's {e}"))?;
        if !same_hash(present.get(field), &registered) {
            return Err(format!(
                "{field} is {:?}, registered as {}",
                present.get(field).and_then(Value::as_str),
                hex(&registered)
            ));
        }
    }
    let size = event
        .pointer("/event/payload/blob/size")
        .and_then(Value::as_u64)
        .ok_or("the event states no blob.size")?;
    if present.get("size").and_then(Value::as_u64) != Some(size) {
        return Err(format!(
            "size is {:?}, registered as {size}",
            present.get("size")
        ));
    }
    Ok(())
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

    const ORIGIN: &str = "demo.example/enforcement-log";
    const CASE: &str = "019ad0f0-0000-7000-8000-00000000c001";
    const DOCUMENT: &str = "019ad0f0-0000-7000-8000-00000000d001";
    const EVIDENCE: &str = "019ad0f0-0000-7000-8000-00000000e001";
    const MAIN_PDF: &[u8] = b"%PDF-1.7\n% main volume: cover, contents, pages 1-42\n%%EOF\n";
    const SECONDARY_PDF: &[u8] =
        b"%PDF-1.7\n% secondary volume: cover, contents, pages 1-9\n%%EOF\n";
    const DOCUMENT_PDF: &[u8] = b"%PDF-1.7\n% the decision\n%%EOF\n";

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn sha(bytes: &[u8]) -> String {
        hex(&sha2::Sha256::digest(bytes))
    }

    fn envelope(n: u8, schema: &str, payload: Value) -> Value {
        json!({
            "schema": schema,
            "id": format!("019ad0f0-0000-7000-8000-0000000001{n:02x}"),
            "at": format!("2026-11-{:02}T02:30:00.000000Z", n + 1),
            "actor": {"kind": "user", "id": "019ad0f0-0000-7000-8000-0000000000a1", "name": "menghai.officer"},
            "payload": payload,
        })
    }

    fn event_hash_of(event: &Value) -> Hash {
        crate::event_hash(&serde_json_canonicalizer::to_vec(event).unwrap())
    }

    /// A bundle of a case whose events sit at entries 1, 3, 4, 6 and 7 of a 10-leaf log (the
    /// others are other cases' events), with the archive at 7 and one annex, numbered `annex`,
    /// at 9; its checkpoint signed by the demo key (seed 0x07 × 32), whose verifier key is
    /// returned with it.
    fn bundle(annex: u64) -> (Value, String) {
        let before = vec![
            (
                1u64,
                envelope(
                    1,
                    "clue.received/v1",
                    json!({"id": "019ad0f0-0000-7000-8000-00000000b001", "county_code": "532822", "source": "patrol"}),
                ),
            ),
            (
                3,
                envelope(
                    3,
                    DOCUMENT_ISSUED,
                    json!({"document_id": DOCUMENT, "case_id": CASE, "county_code": "532822",
                           "kind": "penalty_decision", "title": "行政处罚决定书",
                           "sha256": sha(DOCUMENT_PDF), "size": DOCUMENT_PDF.len()}),
                ),
            ),
            (
                4,
                envelope(
                    4,
                    EVIDENCE_REGISTERED,
                    json!({"id": EVIDENCE, "county_code": "532822",
                           "blob": {"sha256": sha(b"photo"), "sm3": "ab".repeat(32), "size": 5,
                                    "mime": "image/jpeg", "file_name": "photo.jpg"}}),
                ),
            ),
            (
                6,
                envelope(
                    6,
                    "case.closed/v1",
                    json!({"case_id": CASE, "ground": "performed"}),
                ),
            ),
        ];
        let hashes: Vec<u8> = before.iter().flat_map(|(_, e)| event_hash_of(e)).collect();
        let volumes = [
            ("main", 1u8, MAIN_PDF, 42),
            ("secondary", 2, SECONDARY_PDF, 9),
        ];
        let archived = envelope(
            7,
            ARCHIVED,
            json!({"case_id": CASE, "county_code": "532822", "archive": {
                "volumes": volumes.iter().map(|(name, n, pdf, pages)| json!({
                    "volume": name, "id": format!("019ad0f0-0000-7000-8000-00000000f00{n}"),
                    "sha256": sha(pdf), "size": pdf.len(), "pages": pages,
                })).collect::<Vec<_>>(),
                "events": before.len(), "events_sha256": sha(&hashes),
                "archived_by": "menghai.head", "archived_on": "2026-12-01"}}),
        );
        let annexed = envelope(
            9,
            ANNEX_ADDED,
            json!({"case_id": CASE, "annex": annex, "text": "复议维持"}),
        );
        let mut case_events = before;
        case_events.push((7, archived));
        case_events.push((9, annexed));
        // The log: the case's events at their entries, other events elsewhere.
        let size = 10u64;
        let entries: Vec<Hash> = (0..size)
            .map(|i| match case_events.iter().find(|(n, _)| *n == i) {
                Some((_, e)) => event_hash_of(e),
                None => crate::event_hash(&[i as u8]),
            })
            .collect();
        let mut tree = Mem(Vec::new());
        for (i, eh) in entries.iter().enumerate() {
            let add =
                stored_hashes_for_leaf::<Sha256Hasher, _>(i as u64, leaf_hash(eh), &tree).unwrap();
            tree.0.extend(add);
        }
        let root = tree_hash::<Sha256Hasher, _>(size, &tree).unwrap();
        let key = SigningKey::from_bytes(&[7; 32]);
        let checkpoint = sign(&checkpoint_body(ORIGIN, size, &root), ORIGIN, &key).unwrap();
        let vkey = verifier_key(ORIGIN, &key.verifying_key());
        let events: Vec<Value> = case_events
            .iter()
            .map(|(n, e)| {
                let proof = prove_inclusion::<Sha256Hasher, _>(*n, size, &tree).unwrap();
                json!({"index": n, "event": e, "event_hash": hex(&event_hash_of(e)),
                       "proof": proof.iter().map(|h| hex(h)).collect::<Vec<_>>()})
            })
            .collect();
        let bundle = json!({
            "format": FORMAT,
            "case": {"id": CASE, "number": "勐环罚〔2026〕1号", "county_code": "532822"},
            "checkpoint": checkpoint,
            "verifier_keys": [vkey],
            "events": events,
            "volumes": volumes.iter().map(|(name, n, pdf, _)| json!({
                "volume": name, "id": format!("019ad0f0-0000-7000-8000-00000000f00{n}"),
                "sha256": sha(pdf), "size": pdf.len(), "pdf": b64(pdf),
            })).collect::<Vec<_>>(),
            "documents": [{"document_id": DOCUMENT, "sha256": sha(DOCUMENT_PDF), "pdf": b64(DOCUMENT_PDF)}],
            "evidence": [{"evidence_id": EVIDENCE, "sha256": sha(b"photo"), "sm3": "ab".repeat(32), "size": 5}],
        });
        (bundle, vkey)
    }

    /// The codes of the checks that fail.
    fn failed(bundle: &Value, key: Option<&str>) -> Vec<&'static str> {
        check_archive_bundle(bundle, key)
            .into_iter()
            .filter(|c| !c.ok)
            .map(|c| c.code)
            .collect()
    }

    fn detail(bundle: &Value, key: Option<&str>, code: &str) -> String {
        check_archive_bundle(bundle, key)
            .into_iter()
            .find(|c| c.code == code)
            .unwrap()
            .detail
    }

    #[test]
    fn a_sealed_case_file_passes_every_check() {
        let (b, vkey) = bundle(1);
        let checks = check_archive_bundle(&b, Some(&vkey));
        let codes: Vec<_> = checks.iter().map(|c| c.code).collect();
        assert_eq!(
            codes,
            [
                "format",
                "checkpoint_signature",
                "event_hashes",
                "inclusion",
                "archived",
                "complete",
                "volumes",
                "documents",
                "evidence"
            ]
        );
        assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
    }

    #[test]
    fn a_changed_volume_page_fails_volumes() {
        let (mut b, vkey) = bundle(1);
        let mut pdf = MAIN_PDF.to_vec();
        pdf[20] ^= 1;
        b["volumes"][0]["pdf"] = json!(b64(&pdf));
        assert_eq!(failed(&b, Some(&vkey)), ["volumes"]);
        assert!(detail(&b, Some(&vkey), "volumes").contains("the main volume"));
        // A volume missing, or one the archive does not name, fails it too.
        let (mut b, _) = bundle(1);
        b["volumes"].as_array_mut().unwrap().pop();
        assert_eq!(failed(&b, Some(&vkey)), ["volumes"]);
        let (mut b, _) = bundle(1);
        b["volumes"][1]["volume"] = json!("extra");
        assert_eq!(failed(&b, Some(&vkey)), ["volumes"]);
    }

    #[test]
    fn a_changed_document_fails_documents() {
        let (mut b, vkey) = bundle(1);
        let mut pdf = DOCUMENT_PDF.to_vec();
        pdf[12] ^= 1;
        b["documents"][0]["pdf"] = json!(b64(&pdf));
        assert_eq!(failed(&b, Some(&vkey)), ["documents"]);
        assert!(detail(&b, Some(&vkey), "documents").contains(DOCUMENT));
    }

    #[test]
    fn an_extra_document_fails_documents() {
        let (mut b, vkey) = bundle(1);
        let other = "019ad0f0-0000-7000-8000-00000000d999";
        b["documents"]
            .as_array_mut()
            .unwrap()
            .push(json!({"document_id": other, "sha256": sha(b"forged"), "pdf": b64(b"forged")}));
        assert_eq!(failed(&b, Some(&vkey)), ["documents"]);
        assert!(detail(&b, Some(&vkey), "documents").contains(other));
    }

    #[test]
    fn a_removed_event_fails_complete() {
        let (mut b, vkey) = bundle(1);
        b["events"].as_array_mut().unwrap().remove(0);
        assert_eq!(failed(&b, Some(&vkey)), ["complete"]);
    }

    #[test]
    fn an_added_event_fails_inclusion_and_complete() {
        let (mut b, vkey) = bundle(1);
        // A forged event at the free entry 2, hashed right, with another event's proof.
        let forged = envelope(
            2,
            "clue.received/v1",
            json!({"id": "019ad0f0-0000-7000-8000-00000000b002", "county_code": "532822"}),
        );
        let proof = b["events"][0]["proof"].clone();
        b["events"].as_array_mut().unwrap().insert(
            1,
            json!({"index": 2, "event": forged, "event_hash": hex(&event_hash_of(&forged)), "proof": proof}),
        );
        assert_eq!(failed(&b, Some(&vkey)), ["inclusion", "complete"]);
        assert!(detail(&b, Some(&vkey), "inclusion").contains("events[1] (entry 2)"));
        // A duplicate breaks the order of the indices.
        let (mut b, _) = bundle(1);
        let copy = b["events"][0].clone();
        b["events"].as_array_mut().unwrap().insert(1, copy);
        assert!(failed(&b, Some(&vkey)).contains(&"event_hashes"));
        assert!(failed(&b, Some(&vkey)).contains(&"complete"));
    }

    #[test]
    fn a_changed_event_fails_event_hashes() {
        let (mut b, vkey) = bundle(1);
        b["events"][0]["event"]["payload"]["source"] = json!("report");
        assert_eq!(failed(&b, Some(&vkey)), ["event_hashes"]);
        assert!(detail(&b, Some(&vkey), "event_hashes").contains("events[0] (entry 1)"));
    }

    #[test]
    fn only_the_given_key_is_trusted() {
        let (b, _) = bundle(1);
        let other = SigningKey::from_bytes(&[8; 32]);
        let wrong = verifier_key(ORIGIN, &other.verifying_key());
        // The checks resting on the signature are reported too, failing.
        assert_eq!(
            failed(&b, Some(&wrong)),
            ["checkpoint_signature", "inclusion"]
        );
        assert_eq!(failed(&b, None), ["checkpoint_signature", "inclusion"]);
        assert!(detail(&b, None, "checkpoint_signature").contains("no verifier key given"));
        assert!(detail(&b, None, "inclusion").contains("not verified"));
    }

    #[test]
    fn changed_evidence_hashes_fail_evidence() {
        let (mut b, vkey) = bundle(1);
        b["evidence"][0]["sm3"] = json!("cd".repeat(32));
        assert_eq!(failed(&b, Some(&vkey)), ["evidence"]);
        assert!(detail(&b, Some(&vkey), "evidence").contains(EVIDENCE));
        let (mut b, _) = bundle(1);
        b["evidence"].as_array_mut().unwrap().clear();
        assert_eq!(failed(&b, Some(&vkey)), ["evidence"]);
    }

    #[test]
    fn an_annex_out_of_number_fails_complete() {
        let (b, vkey) = bundle(2);
        assert_eq!(failed(&b, Some(&vkey)), ["complete"]);
        assert!(detail(&b, Some(&vkey), "complete").contains("annex 2, expected annex 1"));
    }

    #[test]
    fn another_cases_archive_fails_archived_and_what_rests_on_it() {
        let (mut b, vkey) = bundle(1);
        b["case"]["id"] = json!("019ad0f0-0000-7000-8000-00000000c002");
        assert_eq!(failed(&b, Some(&vkey)), ["archived", "complete", "volumes"]);
        let (mut b, _) = bundle(1);
        b["format"] = json!("ecoenforce-document-proof/v1");
        assert_eq!(failed(&b, Some(&vkey)), ["format"]);
    }
}
