//! Witness cosignatures (https://c2sp.org/tlog-cosignature), the Ed25519 `cosignature/v1` type:
//! a witness's statement that, as of its timestamp, the checkpoint is the largest tree it has
//! seen for the log and is consistent with every tree it saw before. A cosignature is one more
//! signature line on the checkpoint note, so a cosigned checkpoint is still a C2SP signed note
//! that any verifier reads, ignoring the lines of keys it does not know.

use crate::note::{NoteError, key_id_of, parse_verifier_key_of, valid_key_name};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};

/// The signature type byte of Ed25519 `cosignature/v1` keys.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

const EM_DASH_SPACE: &str = "\u{2014} ";

/// A cosigner's 4-byte key ID: SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[..4].
pub fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    key_id_of(ALG_COSIGNATURE_V1, name, public)
}

/// A cosigner's verifier key string: `<name>+<key id hex>+<base64(0x04 ‖ public key)>`.
pub fn verifier_key(name: &str, public: &VerifyingKey) -> String {
    let mut key = vec![ALG_COSIGNATURE_V1];
    key.extend_from_slice(public.as_bytes());
    format!(
        "{name}+{}+{}",
        crate::hex(&key_id(name, public)),
        B64.encode(key)
    )
}

/// Parses a cosigner's verifier key string (type 0x04) into its name and public key.
pub fn parse_verifier_key(vkey: &str) -> Result<(String, VerifyingKey), NoteError> {
    parse_verifier_key_of(ALG_COSIGNATURE_V1, vkey)
}

/// The cosigner's key file text: `PRIVATE+KEY+<name>+<key id hex>+<base64(0x04 ‖ seed)>`.
pub fn signer_key(name: &str, key: &SigningKey) -> String {
    crate::note::signer_key_of(ALG_COSIGNATURE_V1, name, key)
}

/// Reads a cosigner's key file text back into its name and key, checking its key ID.
pub fn parse_signer_key(text: &str) -> Result<(String, SigningKey), NoteError> {
    crate::note::parse_signer_key_of(ALG_COSIGNATURE_V1, text)
}

/// The message a `cosignature/v1` signs: the header line, the time line, then the whole
/// checkpoint text (with its final newline, without signature lines).
fn message(text: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{text}")
}

/// Cosigns the checkpoint `text` at `time` (POSIX seconds) and returns the signature line,
/// ending in a newline: `— <name> base64(key id ‖ time (u64 big-endian) ‖ Ed25519 signature)`.
pub fn cosign(text: &str, name: &str, key: &SigningKey, time: u64) -> Result<String, NoteError> {
    if !text.ends_with('\n') || text.contains("\n\n") {
        return Err(NoteError::Malformed(
            "the text must end in one newline and have no blank line",
        ));
    }
    if !valid_key_name(name) {
        return Err(NoteError::Malformed("bad key name"));
    }
    if time > i64::MAX as u64 {
        return Err(NoteError::Malformed("the time exceeds 2^63 - 1"));
    }
    let signature = key.sign(message(text, time).as_bytes());
    let mut blob = key_id(name, &key.verifying_key()).to_vec();
    blob.extend_from_slice(&time.to_be_bytes());
    blob.extend_from_slice(&signature.to_bytes());
    Ok(format!("{EM_DASH_SPACE}{name} {}\n", B64.encode(blob)))
}

/// A signed note split into its text (ending in a newline) and its signature lines (without
/// their newlines).
pub fn split(note: &str) -> Result<(&str, Vec<&str>), NoteError> {
    let at = note
        .find("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, sigs) = (&note[..=at], &note[at + 2..]);
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed("the note must end in a newline"));
    }
    let lines: Vec<&str> = sigs.lines().collect();
    if lines.is_empty() {
        return Err(NoteError::Malformed("the note has no signature"));
    }
    for line in &lines {
        let well_formed = line
            .strip_prefix(EM_DASH_SPACE)
            .and_then(|rest| rest.split_once(' '))
            .is_some_and(|(name, b64)| valid_key_name(name) && B64.decode(b64).is_ok());
        if !well_formed {
            return Err(NoteError::Malformed(
                "a signature line must be an em dash, a key name and base64",
            ));
        }
    }
    Ok((text, lines))
}

/// The note with `lines` (signature lines, with or without their newline) added after its own;
/// a line it already carries is not repeated.
pub fn add_signatures(note: &str, lines: &[String]) -> Result<String, NoteError> {
    let (_, present) = split(note)?;
    let mut out = note.to_owned();
    let mut seen: Vec<String> = present.iter().map(|l| (*l).to_owned()).collect();
    for line in lines {
        let line = line.trim_end_matches('\n');
        if !seen.iter().any(|l| l == line) {
            out.push_str(line);
            out.push('\n');
            seen.push(line.to_owned());
        }
    }
    split(&out)?;
    Ok(out)
}

/// The signature lines of a witness's `add-checkpoint` answer (one or more lines, each ending in
/// a newline).
pub fn parse_lines(body: &str) -> Result<Vec<String>, NoteError> {
    if body.is_empty() || !body.ends_with('\n') {
        return Err(NoteError::Malformed("the answer must end in a newline"));
    }
    // The same rules as a note's signature block.
    let note = format!("x\n\n{body}");
    let (_, lines) = split(&note)?;
    Ok(lines.into_iter().map(str::to_owned).collect())
}

/// Verifies the cosignature by the witness `vkey` on `note` and returns its time. Lines of other
/// keys are ignored; a line of this key that does not verify is an error (C2SP signed-note: a
/// verifier should reject a note on which a known key's signature fails).
pub fn verify(note: &str, vkey: &str) -> Result<u64, NoteError> {
    let (name, public) = parse_verifier_key(vkey)?;
    let (text, lines) = split(note)?;
    let id = key_id(&name, &public);
    let mut found = None;
    for line in lines {
        let Some((who, b64)) = line
            .strip_prefix(EM_DASH_SPACE)
            .and_then(|r| r.split_once(' '))
        else {
            continue;
        };
        let Ok(blob) = B64.decode(b64) else { continue };
        if who != name || blob.len() != 4 + 8 + 64 || blob[..4] != id {
            continue;
        }
        let mut time = [0u8; 8];
        time.copy_from_slice(&blob[4..12]);
        let time = u64::from_be_bytes(time);
        let signature = ed25519_dalek::Signature::from_slice(&blob[12..])
            .map_err(|_| NoteError::BadCosignature(name.clone()))?;
        if time > i64::MAX as u64
            || public
                .verify(message(text, time).as_bytes(), &signature)
                .is_err()
        {
            return Err(NoteError::BadCosignature(name));
        }
        found.get_or_insert(time);
    }
    found.ok_or(NoteError::NotSigned(name))
}

/// What a quorum check found: the witnesses that cosigned (name, time) and those that did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumReport {
    pub cosigned: Vec<(String, u64)>,
    /// The names of the witnesses without a valid cosignature, with why.
    pub missing: Vec<(String, NoteError)>,
    pub quorum: usize,
}

impl QuorumReport {
    pub fn met(&self) -> bool {
        self.cosigned.len() >= self.quorum
    }

    /// "cosigned by 1 of 2 witnesses, quorum 2; missing: a, b".
    pub fn describe(&self) -> String {
        let missing: Vec<&str> = self.missing.iter().map(|(n, _)| n.as_str()).collect();
        let mut s = format!(
            "cosigned by {} of {} witnesses, quorum {}",
            self.cosigned.len(),
            self.cosigned.len() + self.missing.len(),
            self.quorum
        );
        if !missing.is_empty() {
            s.push_str("; missing: ");
            s.push_str(&missing.join(", "));
        }
        s
    }
}

/// Checks the cosignatures of `witnesses` (verifier keys) on `note` against a quorum (`None`:
/// all of them). A key that cannot be read counts as missing, named by its text.
pub fn check_quorum(note: &str, witnesses: &[String], quorum: Option<usize>) -> QuorumReport {
    let mut report = QuorumReport {
        cosigned: Vec::new(),
        missing: Vec::new(),
        quorum: 0,
    };
    // One key counts once, whatever names it is given under: the Ed25519 cosigned message
    // does not name the cosigner.
    let mut seen: Vec<[u8; 32]> = Vec::new();
    for w in witnesses {
        if let Ok((_, public)) = parse_verifier_key(w) {
            if seen.contains(public.as_bytes()) {
                continue;
            }
            seen.push(*public.as_bytes());
        }
        let name = w.split('+').next().unwrap_or(w).to_owned();
        match verify(note, w) {
            Ok(time) => report.cosigned.push((name, time)),
            Err(e) => report.missing.push((name, e)),
        }
    }
    report.quorum = quorum.unwrap_or(report.cosigned.len() + report.missing.len());
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{checkpoint_body, sign};

    /// The reference checkpoint of shared/reference/ledger.md §1.2 (log key seed 0x07 × 32).
    fn reference_note() -> String {
        "demo.example/enforcement-log\n5\niYbM5yt6uSs4G11eKI9TThp0DaHKXQnHkujeN4QukjU=\n\n\u{2014} demo.example/enforcement-log NXtXLkq+EltjgNGlxJh034K0TpUaLP8SWseVbQCez8+R3yjie6m1PAVDsPV9m5PamHSjjxvLKl3nSAj81ovXApiFAQs=\n".to_owned()
    }

    fn witness() -> SigningKey {
        SigningKey::from_bytes(&[9u8; 32])
    }

    const W1: &str = "witness.example/w1";

    #[test]
    fn cosignatures_verify_and_any_change_is_caught() {
        let note = reference_note();
        let (text, _) = split(&note).unwrap();
        let line = cosign(text, W1, &witness(), 1679315147).unwrap();
        let vkey = verifier_key(W1, &witness().verifying_key());
        let cosigned = add_signatures(&note, std::slice::from_ref(&line)).unwrap();
        assert_eq!(verify(&cosigned, &vkey), Ok(1679315147));
        // Adding the same line again changes nothing.
        assert_eq!(
            add_signatures(&cosigned, std::slice::from_ref(&line)).unwrap(),
            cosigned
        );
        // The log's own signature still verifies on the cosigned note.
        let log_vkey = crate::note::verifier_key(
            "demo.example/enforcement-log",
            &SigningKey::from_bytes(&[7u8; 32]).verifying_key(),
        );
        assert!(crate::note::verify(&cosigned, &log_vkey).is_ok());
        // Another time, another tree, another key: refused.
        let blob = B64
            .decode(line.trim_end().rsplit(' ').next().unwrap())
            .unwrap();
        let mut later = blob.clone();
        later[11] ^= 1;
        let forged = cosigned.replace(&B64.encode(&blob), &B64.encode(&later));
        assert_eq!(
            verify(&forged, &vkey),
            Err(NoteError::BadCosignature(W1.into()))
        );
        let other_tree = cosigned.replace("\n5\n", "\n6\n");
        assert!(verify(&other_tree, &vkey).is_err());
        let other = verifier_key(W1, &SigningKey::from_bytes(&[10u8; 32]).verifying_key());
        assert_eq!(
            verify(&cosigned, &other),
            Err(NoteError::NotSigned(W1.into()))
        );
        // A log key (type 0x01) is not a cosigner key, and the reverse.
        assert_eq!(parse_verifier_key(&log_vkey), Err(NoteError::BadKey));
        assert!(crate::note::parse_verifier_key(&vkey).is_err());
    }

    /// The known answer docs/ledger_check.py computes with Python's `cryptography`, from the
    /// spec: witness seed 0x09 × 32, time 1679315147, over the reference checkpoint.
    #[test]
    fn the_documented_cosignature_is_reproduced_byte_for_byte() {
        let note = reference_note();
        let (text, _) = split(&note).unwrap();
        assert_eq!(
            verifier_key(W1, &witness().verifying_key()),
            "witness.example/w1+24b5d9fe+BP0XJDhaoMdbZPt4zWAvodmR/ev3axPFjtcC6sg16fYY"
        );
        assert_eq!(
            cosign(text, W1, &witness(), 1679315147).unwrap(),
            "\u{2014} witness.example/w1 JLXZ/gAAAABkGFDLMq4U33xrDC6lR1dpSnD2lTedohiFfTThFPddiOvVFboZ+9kg4p+lsOnX7lioF3IB6jXek97Edm4/W+lHxHSPAA==\n"
        );
    }

    #[test]
    fn the_quorum_names_the_missing_witness() {
        let note = reference_note();
        let (text, _) = split(&note).unwrap();
        let w2 = SigningKey::from_bytes(&[11u8; 32]);
        let keys = vec![
            verifier_key(W1, &witness().verifying_key()),
            verifier_key("witness.example/w2", &w2.verifying_key()),
        ];
        let one = add_signatures(&note, &[cosign(text, W1, &witness(), 1).unwrap()]).unwrap();
        let all = check_quorum(&one, &keys, None);
        assert!(!all.met());
        assert_eq!(
            all.describe(),
            "cosigned by 1 of 2 witnesses, quorum 2; missing: witness.example/w2"
        );
        assert!(check_quorum(&one, &keys, Some(1)).met());
        // The same key twice counts once.
        let twice = vec![keys[0].clone(), keys[0].clone()];
        assert_eq!(
            check_quorum(&one, &twice, None).describe(),
            "cosigned by 1 of 1 witnesses, quorum 1"
        );
        assert!(!check_quorum(&one, &twice, Some(2)).met());
        // A second line by the same witness that does not verify rejects the note.
        let line = cosign(text, W1, &witness(), 1).unwrap();
        let mut blob = B64
            .decode(line.trim_end().rsplit(' ').next().unwrap())
            .unwrap();
        blob[20] ^= 1;
        let junk = format!("\u{2014} {W1} {}", B64.encode(&blob));
        let doubled = add_signatures(&one, &[junk]).unwrap();
        assert_eq!(
            verify(&doubled, &keys[0]),
            Err(NoteError::BadCosignature(W1.into()))
        );
        let two =
            add_signatures(&one, &[cosign(text, "witness.example/w2", &w2, 2).unwrap()]).unwrap();
        assert!(check_quorum(&two, &keys, None).met());
    }

    #[test]
    fn notes_and_answers_are_read_strictly() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let note = sign(
            &checkpoint_body("a.example/log", 1, &[0; 32]),
            "a.example/log",
            &key,
        )
        .unwrap();
        assert!(split(&note).is_ok());
        assert!(split("a\n1\n").is_err());
        assert!(split(&note.replace('\u{2014}', "-")).is_err());
        assert!(parse_lines("").is_err());
        assert!(parse_lines("— w x\n").is_err(), "x is not base64");
        assert!(parse_lines("— w AAAA").is_err(), "no final newline");
        assert_eq!(parse_lines("— w AAAA\n— v AAAA\n").unwrap().len(), 2);
        assert!(cosign("a\n", "bad name", &key, 1).is_err());
        assert!(cosign("a\n", "w", &key, u64::MAX).is_err());
        let text = signer_key(W1, &witness());
        let (name, back) = parse_signer_key(&text).unwrap();
        assert_eq!((name.as_str(), back.to_bytes()), (W1, witness().to_bytes()));
        assert!(
            crate::note::parse_signer_key(&text).is_err(),
            "not a log key"
        );
    }
}
