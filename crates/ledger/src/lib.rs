//! The ledger's Merkle log: RFC 6962 / RFC 9162 tree hashing over a hash trait, the stored-hash
//! layout that lets proofs be built without rereading entries, and inclusion and consistency
//! proofs. No I/O of its own: stored hashes come through [`HashStore`].
//!
//! An independent implementation (`tlog_tiles`, a port of Go's sumdb/tlog) is used in tests only,
//! as the oracle our roots and proofs must equal.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod tree;

pub use tree::{
    HashStore, ProofError, Sha256Hasher, TreeHasher, prove_consistency, prove_inclusion,
    stored_hash_count, stored_hash_index, stored_hashes_for_leaf, tree_hash, verify_consistency,
    verify_inclusion,
};

/// A SHA-256 digest.
pub type Hash = [u8; 32];
