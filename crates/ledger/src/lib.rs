//! The ledger's Merkle log: RFC 6962 / RFC 9162 tree hashing over a hash trait, the stored-hash
//! layout that lets proofs be built without rereading entries, and inclusion and consistency
//! proofs. No I/O of its own: stored hashes come through [`HashStore`].
//!
//! An independent implementation (`tlog_tiles`, a port of Go's sumdb/tlog) is used in tests only,
//! as the oracle our roots and proofs must equal.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod note;
pub mod tiles;
pub mod tree;

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

/// A SHA-256 digest.
pub type Hash = [u8; 32];
