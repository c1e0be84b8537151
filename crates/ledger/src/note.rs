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

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("malformed verifier key")]
    BadKey,
    #[error("no valid signature by {0}")]
    NotSigned(String),
}

/// A key name: non-empty, no white space and no `+` (C2SP signed-note).
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The 4-byte key ID: the first bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The verifier key string: `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
pub fn verifier_key(name: &str, public: &VerifyingKey) -> String {
    let id = key_id(name, public);
    let mut key = vec![ALG_ED25519];
    key.extend_from_slice(public.as_bytes());
    format!(
        "{name}+{}+{}",
        id.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        B64.encode(key)
    )
}

/// Parses a verifier key string into its name and public key, checking its key ID.
pub fn parse_verifier_key(vkey: &str) -> Result<(String, VerifyingKey), NoteError> {
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::BadKey);
    };
    let key = B64.decode(key).map_err(|_| NoteError::BadKey)?;
    let (Some(&ALG_ED25519), Ok(bytes)) = (key.first(), <[u8; 32]>::try_from(&key[1..])) else {
        return Err(NoteError::BadKey);
    };
    let public = VerifyingKey::from_bytes(&bytes).map_err(|_| NoteError::BadKey)?;
    let expected: String = key_id(name, &public)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if !valid_key_name(name) || id != expected {
        return Err(NoteError::BadKey);
    }
    Ok((name.to_owned(), public))
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
pub fn verify<'a>(note: &'a str, vkey: &str) -> Result<&'a str, NoteError> {
    let (name, public) = parse_verifier_key(vkey)?;
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    let id = key_id(&name, &public);
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
        let Ok(sig) = ed25519_dalek::Signature::from_slice(&blob[4..]) else {
            continue;
        };
        if public.verify(text.as_bytes(), &sig).is_ok() {
            return Ok(text);
        }
    }
    Err(NoteError::NotSigned(name))
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
        .and_then(|s| s.parse::<u64>().ok())
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
            Err(NoteError::NotSigned(origin.to_owned()))
        );
        let other = verifier_key(origin, &SigningKey::from_bytes(&[8u8; 32]).verifying_key());
        assert!(verify(&note, &other).is_err());
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

    fn rand_core_os() -> impl rand_core::CryptoRngCore {
        rand_core::OsRng
    }
}
