//! The witness protocol (https://c2sp.org/tlog-witness): the `add-checkpoint` request a log
//! sends, and the rules by which a witness cosigns it only when it extends the last checkpoint
//! it cosigned for that log. Pure: the witness's storage and clock are the caller's.

use crate::note::{self, NoteError};
use crate::{Hash, Sha256Hasher, verify_consistency};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// At most this many consistency proof lines (tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;

/// The media type of a 409 answer's body: the witness's latest cosigned size and a newline.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// `POST <submission prefix>/add-checkpoint`: the old size, a consistency proof from it, and
/// the checkpoint (a signed note, possibly already carrying other signatures).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_body(&self) -> String {
        let mut s = format!("old {}\n", self.old_size);
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Reads a request body; anything malformed is a 400.
    pub fn parse(body: &str) -> Result<Self, Refusal> {
        let bad = |why: &str| Refusal::Malformed(why.to_owned());
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or_else(|| bad("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or_else(|| bad("the first line must be `old <size>`"))?;
        let old_size = parse_size(old).ok_or_else(|| bad("the old size is not a decimal size"))?;
        let mut proof = Vec::new();
        for line in lines {
            let hash = B64
                .decode(line)
                .ok()
                .and_then(|h| Hash::try_from(h).ok())
                .ok_or_else(|| bad("a proof line is not a base64 hash"))?;
            proof.push(hash);
        }
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad("more than 63 proof lines"));
        }
        if old_size == 0 && !proof.is_empty() {
            return Err(bad("the proof must be empty when the old size is 0"));
        }
        crate::cosignature::split(checkpoint).map_err(|e| bad(&e.to_string()))?;
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

/// A decimal size without leading zeros ("0" alone for zero).
pub use crate::note::parse_decimal as parse_size;

/// Why a witness does not cosign, with the protocol's status for each.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: the body is not a request, or the old size exceeds the checkpoint's.
    #[error("bad request: {0}")]
    Malformed(String),
    /// 404: the witness follows no log of this origin.
    #[error("unknown log {0}")]
    UnknownOrigin(String),
    /// 403: no key the witness trusts for the origin signed it.
    #[error("not signed by a key of {0}")]
    NotSigned(String),
    /// 409: the old size is not the size the witness last cosigned.
    #[error("the witness's latest cosigned size is {known}")]
    Conflict { known: u64 },
    /// 409: same size as the latest cosigned checkpoint, another root: a fork.
    #[error("the witness cosigned another root at size {known}")]
    RootMismatch { known: u64 },
    /// 422: the consistency proof from the latest cosigned checkpoint does not verify.
    #[error("the consistency proof from {known} does not verify")]
    BadProof { known: u64 },
}

impl Refusal {
    /// The HTTP status tlog-witness prescribes.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) => 400,
            Refusal::UnknownOrigin(_) => 404,
            Refusal::NotSigned(_) => 403,
            Refusal::Conflict { .. } | Refusal::RootMismatch { .. } => 409,
            Refusal::BadProof { .. } => 422,
        }
    }

    /// The size a 409 answer's body names (`text/x.tlog.size`): only when the old size was
    /// stale, so that a client asks again with it. A root mismatch is a plain 409, which no
    /// client retries.
    pub fn known_size(&self) -> Option<u64> {
        match self {
            Refusal::Conflict { known } => Some(*known),
            _ => None,
        }
    }
}

/// A checkpoint whose log signature verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The note text (the checkpoint body), without signatures.
    pub text: String,
    /// The signature lines of the log's keys that verified (without newlines).
    pub log_lines: Vec<String>,
}

impl Signed {
    /// The checkpoint with only the log's verified signatures and `more` lines: what a witness
    /// keeps and serves, never lines a submitter added that nobody checked.
    pub fn note_with(&self, more: &[String]) -> String {
        let mut s = format!("{}\n", self.text);
        for line in self.log_lines.iter().chain(more) {
            s.push_str(line.trim_end_matches('\n'));
            s.push('\n');
        }
        s
    }
}

/// Checks the log's signature with the keys the witness trusts for the checkpoint's origin.
/// `keys_for` gives those verifier keys; `None` when the witness does not follow the origin.
/// A line of a trusted key that does not verify is refused like a missing signature (403).
pub fn verify_log_signature<'a>(
    checkpoint: &str,
    keys_for: impl Fn(&str) -> Option<&'a [String]>,
) -> Result<Signed, Refusal> {
    let (text, _) = crate::cosignature::split(checkpoint)
        .map_err(|e: NoteError| Refusal::Malformed(e.to_string()))?;
    let (origin, size, root) =
        note::parse_checkpoint(text).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let keys = keys_for(&origin).ok_or_else(|| Refusal::UnknownOrigin(origin.clone()))?;
    let mut log_lines = Vec::new();
    for k in keys {
        match note::verified_line(checkpoint, k) {
            Ok(line) => log_lines.push(line.to_owned()),
            Err(NoteError::NotSigned(_)) => {}
            Err(_) => return Err(Refusal::NotSigned(origin)),
        }
    }
    if log_lines.is_empty() {
        return Err(Refusal::NotSigned(origin));
    }
    Ok(Signed {
        origin,
        size,
        root,
        text: text.to_owned(),
        log_lines,
    })
}

/// A refused checkpoint that its log signed, kept beside the one the witness cosigned. Only
/// the first kind proves a fork by itself; the other two are what a fork looks like from here
/// (a forked tree larger or smaller than the cosigned one), but anyone can also produce them
/// by replaying one of the log's old checkpoints or sending junk as the proof, so they are
/// kept as suspicions, once per signed checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Same size as the cosigned checkpoint, another root: two signed trees that cannot both
    /// be the log.
    SameSizeOtherRoot,
    /// Larger than the cosigned checkpoint, and the proof offered from it does not verify.
    ProofFails,
    /// Smaller than the cosigned checkpoint (a rolled-back log, or an old checkpoint replayed).
    Smaller,
}

impl Evidence {
    /// Whether the evidence proves a fork without anything else.
    pub fn proves_fork(self) -> bool {
        self == Evidence::SameSizeOtherRoot
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::SameSizeOtherRoot => "same_size_other_root",
            Evidence::ProofFails => "proof_fails",
            Evidence::Smaller => "smaller",
        }
    }
}

/// Whether the signed checkpoint extends `latest`, the (size, root) the witness last cosigned
/// for its origin: Ok to cosign; otherwise the refusal, and the evidence to keep when the
/// refusal shows the log signed a tree that does not extend the cosigned one.
pub fn check_extends(
    latest: Option<(u64, Hash)>,
    old_size: u64,
    proof: &[Hash],
    signed: &Signed,
) -> Result<(), (Refusal, Option<Evidence>)> {
    if old_size > signed.size {
        return Err((
            Refusal::Malformed(format!(
                "the old size {old_size} exceeds the checkpoint's size {}",
                signed.size
            )),
            None,
        ));
    }
    let (known, known_root) = latest.unwrap_or((0, <Sha256Hasher as crate::TreeHasher>::empty()));
    if signed.size < known {
        return Err((Refusal::Conflict { known }, Some(Evidence::Smaller)));
    }
    if old_size != known {
        return Err((Refusal::Conflict { known }, None));
    }
    if signed.size == known {
        if signed.root != known_root {
            return Err((
                Refusal::RootMismatch { known },
                Some(Evidence::SameSizeOtherRoot),
            ));
        }
        return Ok(());
    }
    if known == 0 {
        return Ok(());
    }
    if verify_consistency::<Sha256Hasher>(known, signed.size, &known_root, &signed.root, proof) {
        Ok(())
    } else {
        Err((Refusal::BadProof { known }, Some(Evidence::ProofFails)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{checkpoint_body, sign, verifier_key};
    use crate::{HashStore, leaf_hash, prove_consistency, stored_hashes_for_leaf, tree_hash};
    use ed25519_dalek::SigningKey;

    struct Mem(Vec<Hash>);
    impl HashStore for Mem {
        type Error = u64;
        fn read(&self, idx: &[u64]) -> Result<Vec<Hash>, u64> {
            idx.iter()
                .map(|i| self.0.get(*i as usize).copied().ok_or(*i))
                .collect()
        }
    }

    fn tree(leaves: &[&[u8]]) -> Mem {
        let mut t = Mem(Vec::new());
        for (i, l) in leaves.iter().enumerate() {
            let add = stored_hashes_for_leaf::<Sha256Hasher, _>(
                i as u64,
                leaf_hash(&crate::event_hash(l)),
                &t,
            )
            .unwrap();
            t.0.extend(add);
        }
        t
    }

    const ORIGIN: &str = "ecoenforce.local/532800";

    fn signed_at(t: &Mem, size: u64) -> (String, Signed) {
        let key = SigningKey::from_bytes(&[7; 32]);
        let root = tree_hash::<Sha256Hasher, _>(size, t).unwrap();
        let note = sign(&checkpoint_body(ORIGIN, size, &root), ORIGIN, &key).unwrap();
        let keys = vec![verifier_key(ORIGIN, &key.verifying_key())];
        let s = verify_log_signature(&note, |o| (o == ORIGIN).then_some(keys.as_slice())).unwrap();
        (note, s)
    }

    #[test]
    fn requests_round_trip_and_bad_ones_are_400() {
        let t = tree(&[b"a", b"b", b"c"]);
        let (note, _) = signed_at(&t, 3);
        let proof = prove_consistency::<Sha256Hasher, _>(1, 3, &t).unwrap();
        let req = AddCheckpoint {
            old_size: 1,
            proof,
            checkpoint: note.clone(),
        };
        assert_eq!(AddCheckpoint::parse(&req.to_body()).unwrap(), req);
        for bad in [
            String::new(),
            format!("old 01\n\n{note}"),
            format!("old -1\n\n{note}"),
            format!("old 1\nnot base64!\n\n{note}"),
            format!("old 0\n{}\n\n{note}", B64.encode([0u8; 32])),
            format!("old 1\n\n{}", note.replace('\u{2014}', "-")),
            format!("new 1\n\n{note}"),
        ] {
            assert_eq!(
                AddCheckpoint::parse(&bad).unwrap_err().status(),
                400,
                "{bad}"
            );
        }
        let many = format!(
            "old 1\n{}\n{note}",
            format!("{}\n", B64.encode([0u8; 32])).repeat(64)
        );
        assert_eq!(AddCheckpoint::parse(&many).unwrap_err().status(), 400);
    }

    #[test]
    fn unknown_logs_and_unsigned_checkpoints_are_refused() {
        let t = tree(&[b"a"]);
        let (note, _) = signed_at(&t, 1);
        let other = vec![verifier_key(
            ORIGIN,
            &SigningKey::from_bytes(&[8; 32]).verifying_key(),
        )];
        assert_eq!(
            verify_log_signature(&note, |_| None).unwrap_err().status(),
            404
        );
        assert_eq!(
            verify_log_signature(&note, |_| Some(other.as_slice()))
                .unwrap_err()
                .status(),
            403
        );
        // Lines nobody checked are not kept; a bad line by the log's own key is refused.
        let keys = vec![verifier_key(
            ORIGIN,
            &SigningKey::from_bytes(&[7; 32]).verifying_key(),
        )];
        let stranger = format!("{note}\u{2014} someone.example/x AAAAAAAA\n");
        let signed = verify_log_signature(&stranger, |_| Some(keys.as_slice())).unwrap();
        assert_eq!(signed.note_with(&[]), note);
        let line = note::verified_line(&note, &keys[0]).unwrap();
        let bad_line = format!("\u{2014} {ORIGIN} {}", B64.encode([0u8; 68]));
        let bad = note.replace(line, &format!("{bad_line}\n{line}"));
        let id = &line[line.rfind(' ').unwrap() + 1..];
        let mut blob = B64.decode(id).unwrap();
        blob[5] ^= 1;
        let bad_same_id = format!("{note}\u{2014} {ORIGIN} {}\n", B64.encode(&blob));
        assert!(
            verify_log_signature(&bad, |_| Some(keys.as_slice())).is_ok(),
            "another key id is ignored"
        );
        assert_eq!(
            verify_log_signature(&bad_same_id, |_| Some(keys.as_slice()))
                .unwrap_err()
                .status(),
            403
        );
    }

    #[test]
    fn only_a_checkpoint_that_extends_the_cosigned_one_is_cosigned() {
        let t = tree(&[b"a", b"b", b"c", b"d", b"e"]);
        let (_, s3) = signed_at(&t, 3);
        let (_, s5) = signed_at(&t, 5);
        // First contact: old size 0, no proof.
        assert_eq!(check_extends(None, 0, &[], &s3), Ok(()));
        // Old size must be what the witness knows.
        assert_eq!(
            check_extends(Some((3, s3.root)), 0, &[], &s5),
            Err((Refusal::Conflict { known: 3 }, None))
        );
        assert_eq!(
            check_extends(None, 3, &[], &s5).unwrap_err().0.status(),
            409
        );
        // A good proof from 3 to 5 is cosigned; a changed one is a fork's evidence.
        let proof = prove_consistency::<Sha256Hasher, _>(3, 5, &t).unwrap();
        assert_eq!(check_extends(Some((3, s3.root)), 3, &proof, &s5), Ok(()));
        let mut bad = proof.clone();
        bad[0][0] ^= 1;
        assert_eq!(
            check_extends(Some((3, s3.root)), 3, &bad, &s5),
            Err((Refusal::BadProof { known: 3 }, Some(Evidence::ProofFails)))
        );
        // The same checkpoint again is cosigned again (a fresh timestamp).
        assert_eq!(check_extends(Some((5, s5.root)), 5, &[], &s5), Ok(()));
        // A forked tree: same size, another root; a smaller tree after a larger one.
        let fork = tree(&[b"a", b"b", b"c", b"X", b"Y"]);
        let (_, f5) = signed_at(&fork, 5);
        assert_eq!(
            check_extends(Some((5, s5.root)), 5, &[], &f5),
            Err((
                Refusal::RootMismatch { known: 5 },
                Some(Evidence::SameSizeOtherRoot)
            ))
        );
        let (_, f4) = signed_at(&fork, 4);
        assert_eq!(
            check_extends(Some((5, s5.root)), 5, &[], &f4).unwrap_err(),
            (
                Refusal::Malformed("the old size 5 exceeds the checkpoint's size 4".into()),
                None
            )
        );
        assert_eq!(
            check_extends(Some((5, s5.root)), 3, &[], &f4),
            Err((Refusal::Conflict { known: 5 }, Some(Evidence::Smaller)))
        );
        // The fork's tree from 3 (shared) to 5 does not extend the cosigned 5 either way.
        let fork_proof = prove_consistency::<Sha256Hasher, _>(3, 5, &fork).unwrap();
        assert!(check_extends(Some((3, s3.root)), 3, &fork_proof, &f5).is_ok());
        assert_eq!(
            check_extends(Some((5, s5.root)), 5, &fork_proof, &f5)
                .unwrap_err()
                .1,
            Some(Evidence::SameSizeOtherRoot)
        );
    }
}
