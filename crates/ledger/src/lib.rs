//! The ledger's Merkle log: RFC 6962 / RFC 9162 tree hashing over a hash trait, the stored-hash
//! layout that lets proofs be built without rereading entries, and inclusion and consistency
//! proofs. No I/O of its own: stored hashes come through [`HashStore`].
//!
//! An independent implementation (`tlog_tiles`, a port of Go's sumdb/tlog) is used in tests only,
//! as the oracle our roots and proofs must equal.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod archive;
pub mod certificate;
pub mod cosignature;
pub mod document;
pub mod note;
pub mod tiles;
pub mod tree;
pub mod witness;

pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use tree::{
    HashStore, ProofError, Sha256Hasher, TreeHasher, hashes_for_leaf, left_siblings,
    prove_consistency, prove_inclusion, root_from, root_indexes, stored_hash_count,
    stored_hash_index, stored_hashes_for_leaf, tree_hash, verify_consistency, verify_inclusion,
};

/// `event_hash`: SHA-256 of the event's RFC 8785 canonical JSON (ARCHITECTURE.md). The ledger
/// entry is this hash; the RFC 6962 leaf is `leaf_hash` = SHA-256(0x00 ‖ event_hash).
pub fn event_hash(canonical_json: &[u8]) -> Hash {
    use sha2::Digest;
    sha2::Sha256::digest(canonical_json).into()
}

/// The RFC 6962 leaf of an event: SHA-256(0x00 ‖ event_hash).
pub fn leaf_hash(event_hash: &Hash) -> Hash {
    <Sha256Hasher as TreeHasher>::leaf(event_hash)
}

/// Lower-case hex of any bytes (hashes, key IDs).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Reads lower- or upper-case hex of a 32-byte hash.
pub fn parse_hash_hex(text: &str) -> Option<Hash> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A SHA-256 digest.
pub type Hash = [u8; 32];
