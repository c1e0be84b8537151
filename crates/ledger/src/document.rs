//! Checking an issued document offline (`docs/document-proof.md`): the proof bundle of its
//! public check page, optionally the PDF's SHA-256, and optionally a verifier key the checker
//! obtained independently. No network, no database.

use crate::certificate::{Check, check, event_hash_check, format_check, signed_inclusion, text};
use serde_json::Value;

pub const FORMAT: &str = "ecoenforce-document-proof/v1";

/// Runs every check. `file_sha256` is the PDF's SHA-256 in hex, when given.
pub fn check_document_bundle(
    bundle: &Value,
    file_sha256: Option<&str>,
    key: Option<&str>,
) -> Vec<Check> {
    let mut out = vec![format_check(bundle, FORMAT)];
    // 1. The event hashes to event_hash.
    let (hash_check, event_hash) = event_hash_check(bundle);
    out.push(hash_check);
    // 2. The event is the issue of this document, with this hash, code and number.
    out.push(check(
        "event_names_document",
        (|| {
            let schema = text(bundle, "/event/schema")?;
            if schema != "document.issued/v1" {
                return Err(format!("the event is {schema}"));
            }
            for (event_path, doc_path) in [
                ("/event/payload/sha256", "/document/sha256"),
                ("/event/payload/verify_code", "/document/verify_code"),
                ("/event/payload/kind", "/document/kind"),
                ("/event/payload/issued_on", "/document/issued_on"),
                ("/event/payload/organ", "/document/organ"),
                ("/event/payload/title", "/document/title"),
            ] {
                let (a, b) = (text(bundle, event_path)?, text(bundle, doc_path)?);
                if a != b {
                    return Err(format!("{event_path} is {a}, {doc_path} is {b}"));
                }
            }
            let sizes = (
                bundle.pointer("/event/payload/size"),
                bundle.pointer("/document/size"),
            );
            if sizes.0.is_none() || sizes.0 != sizes.1 {
                return Err(format!("sizes differ: {sizes:?}"));
            }
            let numbers = (
                bundle.pointer("/event/payload/number"),
                bundle.pointer("/document/number").filter(|v| !v.is_null()),
            );
            if numbers.0 != numbers.1 {
                return Err(format!("numbers differ: {numbers:?}"));
            }
            Ok(())
        })(),
    ));
    // 3–4. Signed checkpoint; the event is in it.
    let _ = signed_inclusion(bundle, event_hash, key, &mut out);
    // 5. The file, when given, is the document as issued, byte for byte.
    if let Some(got) = file_sha256 {
        out.push(check(
            "file_sha256",
            text(bundle, "/event/payload/sha256").and_then(|stated| {
                if stated.eq_ignore_ascii_case(got) {
                    Ok(())
                } else {
                    Err(format!(
                        "the file's SHA-256 is {got}; the document issued has {stated}"
                    ))
                }
            }),
        ));
    }
    out
}
