//! C2SP signed notes (https://c2sp.org/signed-note) with Ed25519, and the tlog-checkpoint body
//! (https://c2sp.org/tlog-checkpoint) they carry: what witnesses, monitors and a court's expert
//! read.

use crate::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature algorithm byte for Ed25519 in C2SP signed notes.
const ALG_ED25519: u8 = 0x01;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("malformed verifier key")]
    BadKey,
    #[error("no valid signature by {0}")]
    NotSigned(String),
    #[error("the cosignature by {0} does not verify")]
    BadCosignature(String),
    #[error("a signature by {0} does not verify")]
    BadSignature(String),
}

/// A key name: non-empty, no white space and no `+` (C2SP signed-note).
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The 4-byte key ID: the first bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    key_id_of(ALG_ED25519, name, public)
}

/// The key ID of a key of any signature type: SHA-256(name ‖ "\n" ‖ type ‖ public key)[..4].
pub(crate) fn key_id_of(alg: u8, name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg]);
    h.update(public.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The verifier key string: `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
pub fn verifier_key(name: &str, public: &VerifyingKey) -> String {
    let id = key_id(name, public);
    let mut key = vec![ALG_ED25519];
    key.extend_from_slice(public.as_bytes());
    format!("{name}+{}+{}", crate::hex(&id), B64.encode(key))
}

/// Parses a verifier key string into its name and public key, checking its key ID.
pub fn parse_verifier_key(vkey: &str) -> Result<(String, VerifyingKey), NoteError> {
    parse_verifier_key_of(ALG_ED25519, vkey)
}

/// Parses a verifier key string of signature type `alg` (an Ed25519 key) into its name and
/// public key, checking its key ID.
pub(crate) fn parse_verifier_key_of(
    alg: u8,
    vkey: &str,
) -> Result<(String, VerifyingKey), NoteError> {
    let mut parts = vkey.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::BadKey);
    };
    let key = B64.decode(key).map_err(|_| NoteError::BadKey)?;
    let (Some(&found), Ok(bytes)) = (
        key.first(),
        <[u8; 32]>::try_from(key.get(1..).unwrap_or_default()),
    ) else {
        return Err(NoteError::BadKey);
    };
    if found != alg {
        return Err(NoteError::BadKey);
    }
    let public = VerifyingKey::from_bytes(&bytes).map_err(|_| NoteError::BadKey)?;
    let expected = crate::hex(&key_id_of(alg, name, &public));
    if !valid_key_name(name) || id != expected {
        return Err(NoteError::BadKey);
    }
    Ok((name.to_owned(), public))
}

/// The signer key string the Go tooling uses: `PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖
/// seed)>`. It is what the key file under the data dir holds.
pub fn signer_key(name: &str, key: &SigningKey) -> String {
    signer_key_of(ALG_ED25519, name, key)
}

/// The signer key string of a key of signature type `alg`.
pub(crate) fn signer_key_of(alg: u8, name: &str, key: &SigningKey) -> String {
    let id = key_id_of(alg, name, &key.verifying_key());
    let mut blob = vec![alg];
    blob.extend_from_slice(&key.to_bytes());
    format!(
        "PRIVATE+KEY+{name}+{}+{}",
        crate::hex(&id),
        B64.encode(blob)
    )
}

/// Reads a signer key string back into its name and key, checking its key ID.
pub fn parse_signer_key(text: &str) -> Result<(String, SigningKey), NoteError> {
    parse_signer_key_of(ALG_ED25519, text)
}

/// Reads a signer key string of signature type `alg`.
pub(crate) fn parse_signer_key_of(alg: u8, text: &str) -> Result<(String, SigningKey), NoteError> {
    let rest = text
        .trim_end()
        .strip_prefix("PRIVATE+KEY+")
        .ok_or(NoteError::BadKey)?;
    let mut parts = rest.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::BadKey);
    };
    let blob = B64.decode(key).map_err(|_| NoteError::BadKey)?;
    let (Some(&found), Ok(seed)) = (
        blob.first(),
        <[u8; 32]>::try_from(blob.get(1..).unwrap_or_default()),
    ) else {
        return Err(NoteError::BadKey);
    };
    let key = SigningKey::from_bytes(&seed);
    if found != alg
        || !valid_key_name(name)
        || id != crate::hex(&key_id_of(alg, name, &key.verifying_key()))
    {
        return Err(NoteError::BadKey);
    }
    Ok((name.to_owned(), key))
}

/// The key ID (hex) a verifier key string names, without checking the rest.
pub fn verifier_key_id(vkey: &str) -> Option<&str> {
    vkey.split('+').nth(1)
}

/// Signs a note text (which must end in a newline) and returns the whole signed note.
pub fn sign(text: &str, name: &str, key: &SigningKey) -> Result<String, NoteError> {
    if !text.ends_with('\n') || text.contains("\n\n") {
        return Err(NoteError::Malformed(
            "the text must end in one newline and have no blank line",
        ));
    }
    if !valid_key_name(name) {
        return Err(NoteError::Malformed("bad key name"));
    }
    let signature = key.sign(text.as_bytes());
    let mut blob = key_id(name, &key.verifying_key()).to_vec();
    blob.extend_from_slice(&signature.to_bytes());
    Ok(format!("{text}\n\u{2014} {name} {}\n", B64.encode(blob)))
}

/// Checks that `note` carries a valid signature by the key `vkey`, and returns its text.
/// Lines of other keys are ignored; a line of this key that does not verify rejects the note
/// (C2SP signed-note: a verifier should reject a note on which a known key's signature fails).
pub fn verify<'a>(note: &'a str, vkey: &str) -> Result<&'a str, NoteError> {
    verified(note, vkey).map(|(text, _)| text)
}

/// The signature line by `vkey` that verifies on `note` (without its newline), as `verify`.
pub fn verified_line<'a>(note: &'a str, vkey: &str) -> Result<&'a str, NoteError> {
    verified(note, vkey).map(|(_, line)| line)
}

fn verified<'a>(note: &'a str, vkey: &str) -> Result<(&'a str, &'a str), NoteError> {
    let (name, public) = parse_verifier_key(vkey)?;
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    let id = key_id(&name, &public);
    let mut found = None;
    for line in sigs.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return Err(NoteError::Malformed(
                "a signature line must start with an em dash",
            ));
        };
        let Some((who, b64)) = rest.split_once(' ') else {
            return Err(NoteError::Malformed(
                "a signature line needs a name and a signature",
            ));
        };
        let Ok(blob) = B64.decode(b64) else {
            continue;
        };
        if who != name || blob.len() != 68 || blob[..4] != id {
            continue;
        }
        let good = ed25519_dalek::Signature::from_slice(&blob[4..])
            .is_ok_and(|sig| public.verify(text.as_bytes(), &sig).is_ok());
        if !good {
            return Err(NoteError::BadSignature(name));
        }
        found.get_or_insert(line);
    }
    found
        .map(|line| (text, line))
        .ok_or(NoteError::NotSigned(name))
}

/// A decimal number without leading zeros ("0" alone for zero), as tlog sizes are written.
pub fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || (s.len() > 1 && s.starts_with('0')) || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse().ok()
}

/// The body of a tlog checkpoint: origin, tree size, base64 root, each on its own line.
pub fn checkpoint_body(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", B64.encode(root))
}

/// Reads a checkpoint body's origin, size and root (extension lines are ignored).
pub fn parse_checkpoint(text: &str) -> Result<(String, u64, Hash), NoteError> {
    let mut lines = text.lines();
    let origin = lines
        .next()
        .filter(|o| !o.is_empty())
        .ok_or(NoteError::Malformed("no origin"))?;
    let size = lines
        .next()
        .and_then(parse_decimal)
        .ok_or(NoteError::Malformed("bad tree size"))?;
    let root = lines
        .next()
        .and_then(|r| B64.decode(r).ok())
        .and_then(|r| Hash::try_from(r).ok())
        .ok_or(NoteError::Malformed("bad root hash"))?;
    Ok((origin.to_owned(), size, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn our_checkpoints_are_read_and_verified_by_signed_note_and_tlog_tiles() {
        let origin = "ecoenforce.local/532800";
        let root = [0xab; 32];
        let body = checkpoint_body(origin, 95, &root);
        let note = sign(&body, origin, &key()).unwrap();
        let vkey = verifier_key(origin, &key().verifying_key());
        // The oracle's verifier accepts our note.
        let verifier = signed_note::StandardVerifier::new(&vkey).unwrap();
        let list = signed_note::VerifierList::new(vec![Box::new(verifier)]);
        let parsed = signed_note::Note::from_bytes(note.as_bytes()).unwrap();
        let (verified, unverified) = parsed.verify(&list).unwrap();
        assert_eq!((verified.len(), unverified.len()), (1, 0));
        // The oracle reads our checkpoint body.
        let cp = tlog_tiles::checkpoint::Checkpoint::from_bytes(parsed.text()).unwrap();
        assert_eq!((cp.origin(), cp.size(), cp.hash().0), (origin, 95, root));
        // Our verifier agrees, and refuses any change.
        assert_eq!(verify(&note, &vkey).unwrap(), body);
        assert_eq!(
            parse_checkpoint(&body).unwrap(),
            (origin.to_owned(), 95, root)
        );
        let forged = note.replace("\n95\n", "\n96\n");
        assert_eq!(
            verify(&forged, &vkey),
            Err(NoteError::BadSignature(origin.to_owned()))
        );
        let other = verifier_key(origin, &SigningKey::from_bytes(&[8u8; 32]).verifying_key());
        assert!(verify(&note, &other).is_err());
        // A second line by the same key that does not verify rejects the note, wherever it is.
        let line = verified_line(&note, &vkey).unwrap().to_owned();
        let mut blob = B64.decode(line.rsplit(' ').next().unwrap()).unwrap();
        blob[10] ^= 1;
        let bad = format!("\u{2014} {origin} {}", B64.encode(&blob));
        for n in [
            format!("{note}{bad}\n"),
            note.replacen(&line, &format!("{bad}\n{line}"), 1),
        ] {
            assert_eq!(
                verify(&n, &vkey),
                Err(NoteError::BadSignature(origin.to_owned()))
            );
        }
        // Sizes are decimals without leading zeros or signs.
        for size in ["095", "+95", " 95", ""] {
            assert!(parse_checkpoint(&body.replace("\n95\n", &format!("\n{size}\n"))).is_err());
        }
    }

    #[test]
    fn the_oracles_notes_verify_with_ours() {
        let origin = "example.com/log";
        let (skey, vkey) = signed_note::generate_key(&mut rand_core_os(), origin);
        let signer = signed_note::StandardSigner::new(&skey).unwrap();
        let body = checkpoint_body(origin, 3, &[1; 32]);
        let mut n = signed_note::Note::new(body.as_bytes(), &[]).unwrap();
        n.add_sigs(&[&signer]).unwrap();
        let text = String::from_utf8(n.to_bytes()).unwrap();
        assert_eq!(verify(&text, &vkey).unwrap(), body);
        assert_eq!(parse_verifier_key(&vkey).unwrap().0, origin);
    }

    #[test]
    fn signer_keys_round_trip_and_match_the_reference_vkey() {
        // reference/ledger.md: seed 0x07 × 32, name demo.example/enforcement-log.
        let name = "demo.example/enforcement-log";
        let text = signer_key(name, &key());
        let (n, k) = parse_signer_key(&text).unwrap();
        assert_eq!((n.as_str(), k.to_bytes()), (name, key().to_bytes()));
        assert_eq!(
            verifier_key(name, &k.verifying_key()),
            "demo.example/enforcement-log+357b572e+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs"
        );
        assert!(parse_signer_key(&text.replace("+357b572e+", "+357b572f+")).is_err());
        assert!(parse_signer_key("PRIVATE+KEY+x").is_err());
        // The oracle signs with our key string's key and we verify it.
        let vkey = verifier_key(name, &k.verifying_key());
        assert_eq!(verifier_key_id(&vkey), Some("357b572e"));
    }

    #[test]
    fn the_reference_checkpoint_is_reproduced_byte_for_byte() {
        // reference/ledger.md §1.2: 5 leaves "x0".."x4", key seed 0x07 × 32.
        let name = "demo.example/enforcement-log";
        let leaves: Vec<Hash> = (0..5)
            .map(|i| <crate::Sha256Hasher as crate::TreeHasher>::leaf(format!("x{i}").as_bytes()))
            .collect();
        fn mth(l: &[Hash]) -> Hash {
            if l.len() == 1 {
                return l[0];
            }
            let k = l.len().next_power_of_two() / 2;
            <crate::Sha256Hasher as crate::TreeHasher>::node(&mth(&l[..k]), &mth(&l[k..]))
        }
        let root = mth(&leaves);
        let note = sign(&checkpoint_body(name, 5, &root), name, &key()).unwrap();
        assert_eq!(
            note,
            "demo.example/enforcement-log\n5\niYbM5yt6uSs4G11eKI9TThp0DaHKXQnHkujeN4QukjU=\n\n\u{2014} demo.example/enforcement-log NXtXLkq+EltjgNGlxJh034K0TpUaLP8SWseVbQCez8+R3yjie6m1PAVDsPV9m5PamHSjjxvLKl3nSAj81ovXApiFAQs=\n"
        );
    }

    fn rand_core_os() -> impl rand_core::CryptoRngCore {
        rand_core::OsRng
    }
}
