//! RFC 6962 §2.1 / RFC 9162 §2.1: leaves `H(0x00 ‖ d)`, nodes `H(0x01 ‖ l ‖ r)`, the empty tree
//! `H()`. Hashes of complete subtrees are stored in one array, in the order they become complete,
//! so appending leaf n stores its hash and the hash of every subtree it completes.

use crate::Hash;
use sha2::{Digest, Sha256};

/// The hash function of the tree.
pub trait TreeHasher {
    fn empty() -> Hash;
    fn leaf(data: &[u8]) -> Hash;
    fn node(left: &Hash, right: &Hash) -> Hash;
}

/// SHA-256, as RFC 6962, C2SP and Chinese evidence platforms use.
pub struct Sha256Hasher;

impl TreeHasher for Sha256Hasher {
    fn empty() -> Hash {
        Sha256::digest([]).into()
    }

    fn leaf(data: &[u8]) -> Hash {
        let mut h = Sha256::new();
        h.update([0x00]);
        h.update(data);
        h.finalize().into()
    }

    fn node(left: &Hash, right: &Hash) -> Hash {
        let mut h = Sha256::new();
        h.update([0x01]);
        h.update(left);
        h.update(right);
        h.finalize().into()
    }
}

/// Where the stored hashes live (a table, a file, memory).
pub trait HashStore {
    type Error;
    /// The stored hashes at these indexes, in the same order.
    fn read(&self, indexes: &[u64]) -> Result<Vec<Hash>, Self::Error>;
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError<E> {
    #[error("index {index} is not below tree size {size}")]
    OutOfRange { index: u64, size: u64 },
    #[error("the proof does not verify")]
    Invalid,
    #[error("reading stored hashes: {0}")]
    Store(E),
}

/// The position in the stored-hash array of the hash of the complete subtree at `level` whose
/// leaves are `n·2^level … (n+1)·2^level − 1`.
pub fn stored_hash_index(level: u32, n: u64) -> u64 {
    // Every complete subtree before it, at every level, comes first; then its own level's
    // hashes below it on the same path.
    let mut m = n;
    for _ in 0..level {
        m = 2 * m + 1;
    }
    let mut i = 0;
    while m > 0 {
        i += m;
        m >>= 1;
    }
    i + u64::from(level)
}

/// How many hashes are stored for a tree of `n` leaves.
pub fn stored_hash_count(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let mut count = stored_hash_index(0, n - 1) + 1;
    let mut i = n - 1;
    while i & 1 != 0 {
        count += 1;
        i >>= 1;
    }
    count
}

/// The stored indexes of the left siblings that appending leaf `n` (0-based) completes subtrees
/// with, highest level first.
pub fn left_siblings(n: u64) -> Vec<u64> {
    let completes = (n + 1).trailing_zeros();
    (0..completes)
        .rev()
        .map(|level| stored_hash_index(level, (n >> level) - 1))
        .collect()
}

/// The hashes to store for a new leaf given its [`left_siblings`]' hashes (same order): the leaf
/// hash, then the hash of each subtree it completes.
pub fn hashes_for_leaf<H: TreeHasher>(leaf: Hash, left: &[Hash]) -> Vec<Hash> {
    let mut out = Vec::with_capacity(left.len() + 1);
    let mut h = leaf;
    out.push(h);
    for l in left.iter().rev() {
        h = H::node(l, &h);
        out.push(h);
    }
    out
}

/// The hashes to store when leaf `n` (0-based) with hash `leaf` is appended. They go at
/// `stored_hash_count(n)` onwards.
pub fn stored_hashes_for_leaf<H: TreeHasher, S: HashStore>(
    n: u64,
    leaf: Hash,
    store: &S,
) -> Result<Vec<Hash>, S::Error> {
    let left = store.read(&left_siblings(n))?;
    Ok(hashes_for_leaf::<H>(leaf, &left))
}

/// The largest power of two strictly below `n` (n ≥ 2), and its log2.
fn split(n: u64) -> (u64, u32) {
    let level = 63 - (n - 1).leading_zeros();
    (1 << level, level)
}

/// The stored indexes of the complete subtrees that make up leaves `lo..hi`, left to right.
fn subtrees(mut lo: u64, hi: u64, need: &mut Vec<u64>) {
    while lo < hi {
        // The largest aligned complete subtree starting at lo that fits.
        let (k, level) = split(hi - lo + 1);
        let (k, level) = if lo & (k - 1) == 0 {
            (k, level)
        } else {
            let level = lo.trailing_zeros();
            (1 << level, level)
        };
        need.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
}

/// MTH of leaves `lo..hi` from stored hashes (`lo..hi` must be a subtree range of RFC 9162's
/// recursion, or the whole tree).
fn range_hash<H: TreeHasher, S: HashStore>(lo: u64, hi: u64, store: &S) -> Result<Hash, S::Error> {
    if lo == hi {
        return Ok(H::empty());
    }
    let mut need = Vec::new();
    subtrees(lo, hi, &mut need);
    let hashes = store.read(&need)?;
    let mut iter = hashes.iter().rev();
    let mut h = *iter.next().unwrap_or(&H::empty());
    for l in iter {
        h = H::node(l, &h);
    }
    Ok(h)
}

/// The stored indexes whose hashes [`root_from`] folds into the root of the first `n` leaves.
pub fn root_indexes(n: u64) -> Vec<u64> {
    let mut need = Vec::new();
    subtrees(0, n, &mut need);
    need
}

/// The root from the hashes at [`root_indexes`] (same order).
pub fn root_from<H: TreeHasher>(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let Some(last) = iter.next() else {
        return H::empty();
    };
    iter.fold(*last, |h, l| H::node(l, &h))
}

/// The root hash of the first `n` leaves.
pub fn tree_hash<H: TreeHasher, S: HashStore>(n: u64, store: &S) -> Result<Hash, S::Error> {
    range_hash::<H, S>(0, n, store)
}

/// RFC 9162 §2.1.3.1 PATH(m, D[lo..hi]): the audit path of leaf `m`, bottom-up.
fn path<H: TreeHasher, S: HashStore>(
    m: u64,
    lo: u64,
    hi: u64,
    store: &S,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    if hi - lo <= 1 {
        return Ok(());
    }
    let (k, _) = split(hi - lo);
    if m < k {
        path::<H, S>(m, lo, lo + k, store, out)?;
        out.push(range_hash::<H, S>(lo + k, hi, store)?);
    } else {
        path::<H, S>(m - k, lo + k, hi, store, out)?;
        out.push(range_hash::<H, S>(lo, lo + k, store)?);
    }
    Ok(())
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves.
pub fn prove_inclusion<H: TreeHasher, S: HashStore>(
    index: u64,
    size: u64,
    store: &S,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    if index >= size {
        return Err(ProofError::OutOfRange { index, size });
    }
    let mut out = Vec::new();
    path::<H, S>(index, 0, size, store, &mut out).map_err(ProofError::Store)?;
    Ok(out)
}

/// RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo..hi], b).
fn subproof<H: TreeHasher, S: HashStore>(
    m: u64,
    lo: u64,
    hi: u64,
    complete: bool,
    store: &S,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let n = hi - lo;
    if m == n {
        if !complete {
            out.push(range_hash::<H, S>(lo, hi, store)?);
        }
        return Ok(());
    }
    let (k, _) = split(n);
    if m <= k {
        subproof::<H, S>(m, lo, lo + k, complete, store, out)?;
        out.push(range_hash::<H, S>(lo + k, hi, store)?);
    } else {
        subproof::<H, S>(m - k, lo + k, hi, false, store, out)?;
        out.push(range_hash::<H, S>(lo, lo + k, store)?);
    }
    Ok(())
}

/// The consistency proof between the trees of `old` and `new` leaves (0 < old ≤ new; empty when
/// equal).
pub fn prove_consistency<H: TreeHasher, S: HashStore>(
    old: u64,
    new: u64,
    store: &S,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    if old == 0 || old > new {
        return Err(ProofError::OutOfRange {
            index: old,
            size: new,
        });
    }
    let mut out = Vec::new();
    subproof::<H, S>(old, 0, new, true, store, &mut out).map_err(ProofError::Store)?;
    Ok(out)
}

/// RFC 9162 §2.1.3.2: whether `proof` shows leaf `leaf` at `index` in the tree `root` of `size`.
pub fn verify_inclusion<H: TreeHasher>(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = H::node(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = H::node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: whether `proof` shows the tree `new_root` of `new` leaves extends the tree
/// `old_root` of `old` leaves.
pub fn verify_consistency<H: TreeHasher>(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old == 0 || old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = H::node(c, &fr);
            sr = H::node(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = H::node(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// An in-memory stored-hash array.
    #[derive(Default)]
    struct Memory(Vec<Hash>);

    impl HashStore for Memory {
        type Error = Infallible;
        fn read(&self, indexes: &[u64]) -> Result<Vec<Hash>, Infallible> {
            Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
        }
    }

    impl tlog_tiles::tlog::HashReader for Memory {
        fn read_hashes(
            &self,
            indexes: &[u64],
        ) -> Result<Vec<tlog_tiles::tlog::Hash>, tlog_tiles::tlog::Error> {
            Ok(indexes
                .iter()
                .map(|&i| tlog_tiles::tlog::Hash(self.0[i as usize]))
                .collect())
        }
    }

    fn build(n: u64) -> (Memory, Vec<Vec<u8>>) {
        let mut m = Memory::default();
        let mut leaves = Vec::new();
        for i in 0..n {
            let data = format!("event {i}").into_bytes();
            assert_eq!(m.0.len() as u64, stored_hash_count(i));
            let add = stored_hashes_for_leaf::<Sha256Hasher, _>(i, Sha256Hasher::leaf(&data), &m)
                .unwrap();
            m.0.extend(add);
            leaves.push(data);
        }
        assert_eq!(m.0.len() as u64, stored_hash_count(n));
        (m, leaves)
    }

    #[test]
    fn the_empty_tree_and_one_leaf() {
        let (m, _) = build(0);
        assert_eq!(
            tree_hash::<Sha256Hasher, _>(0, &m).unwrap(),
            tlog_tiles::tlog::EMPTY_HASH.0
        );
        let (m, leaves) = build(1);
        assert_eq!(
            tree_hash::<Sha256Hasher, _>(1, &m).unwrap(),
            Sha256Hasher::leaf(&leaves[0])
        );
    }

    /// Our stored layout, roots and proofs equal Go's tlog as ported by `tlog_tiles`, for every
    /// (index, size) and (old, new) up to 70 leaves.
    #[test]
    fn equal_to_tlog_tiles_for_every_small_tree() {
        let (m, leaves) = build(70);
        for (i, data) in leaves.iter().enumerate() {
            assert_eq!(
                Sha256Hasher::leaf(data),
                tlog_tiles::tlog::record_hash(data).0
            );
            for level in 0..4 {
                assert_eq!(
                    stored_hash_index(level, i as u64),
                    tlog_tiles::tlog::stored_hash_index(level as u8, i as u64)
                );
            }
        }
        for size in 1..=70u64 {
            let root = tree_hash::<Sha256Hasher, _>(size, &m).unwrap();
            assert_eq!(
                root,
                tlog_tiles::tlog::tree_hash(size, &m).unwrap().0,
                "root {size}"
            );
            for index in 0..size {
                let ours = prove_inclusion::<Sha256Hasher, _>(index, size, &m).unwrap();
                let theirs: Vec<Hash> = tlog_tiles::tlog::prove_record(size, index, &m)
                    .unwrap()
                    .iter()
                    .map(|h| h.0)
                    .collect();
                assert_eq!(ours, theirs, "inclusion {index} in {size}");
                let leaf = Sha256Hasher::leaf(&leaves[index as usize]);
                assert!(verify_inclusion::<Sha256Hasher>(
                    index, size, &leaf, &ours, &root
                ));
                assert!(!verify_inclusion::<Sha256Hasher>(
                    index,
                    size,
                    &Sha256Hasher::leaf(b"other"),
                    &ours,
                    &root
                ));
            }
            for old in 1..=size {
                let old_root = tree_hash::<Sha256Hasher, _>(old, &m).unwrap();
                let ours = prove_consistency::<Sha256Hasher, _>(old, size, &m).unwrap();
                let theirs: Vec<Hash> = tlog_tiles::tlog::prove_tree(size, old, &m)
                    .unwrap()
                    .iter()
                    .map(|h| h.0)
                    .collect();
                assert_eq!(ours, theirs, "consistency {old} → {size}");
                assert!(
                    verify_consistency::<Sha256Hasher>(old, size, &old_root, &root, &ours),
                    "{old} → {size}"
                );
                if old < size {
                    assert!(
                        !verify_consistency::<Sha256Hasher>(old, size, &root, &root, &ours)
                            || old_root == root
                    );
                }
            }
        }
    }

    /// A second, independent oracle: ct-merkle's in-memory tree (RustCrypto sha2 0.11).
    #[test]
    fn equal_to_ct_merkle() {
        let (m, leaves) = build(300);
        for size in [1u64, 2, 3, 7, 8, 9, 64, 100, 255, 256, 257, 300] {
            let mut theirs =
                ct_merkle::mem_backed_tree::MemoryBackedTree::<sha2_11::Sha256, Vec<u8>>::new();
            for l in &leaves[..size as usize] {
                theirs.push(l.clone());
            }
            let root = tree_hash::<Sha256Hasher, _>(size, &m).unwrap();
            assert_eq!(
                &root[..],
                theirs.root().as_bytes().as_slice(),
                "root {size}"
            );
            for index in [0, size / 2, size - 1] {
                let ours: Vec<u8> = prove_inclusion::<Sha256Hasher, _>(index, size, &m)
                    .unwrap()
                    .concat();
                assert_eq!(
                    ours,
                    theirs.prove_inclusion(index as usize).as_bytes(),
                    "inclusion {index} in {size}"
                );
            }
            for old in [1, size / 2 + 1, size - 1] {
                if old == 0 || old >= size {
                    continue;
                }
                let ours: Vec<u8> = prove_consistency::<Sha256Hasher, _>(old, size, &m)
                    .unwrap()
                    .concat();
                let additions = (size - old) as usize;
                assert_eq!(
                    ours,
                    theirs.prove_consistency(additions).as_bytes(),
                    "consistency {old} → {size}"
                );
            }
        }
    }

    #[test]
    fn proofs_out_of_range_are_refused() {
        let (m, _) = build(5);
        assert!(matches!(
            prove_inclusion::<Sha256Hasher, _>(5, 5, &m),
            Err(ProofError::OutOfRange { .. })
        ));
        assert!(matches!(
            prove_consistency::<Sha256Hasher, _>(0, 5, &m),
            Err(ProofError::OutOfRange { .. })
        ));
        assert!(matches!(
            prove_consistency::<Sha256Hasher, _>(6, 5, &m),
            Err(ProofError::OutOfRange { .. })
        ));
        assert!(!verify_inclusion::<Sha256Hasher>(
            5,
            5,
            &[0; 32],
            &[],
            &[0; 32]
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        /// Random larger trees: our verifiers accept tlog_tiles' proofs and theirs accept ours.
        #[test]
        fn random_trees_agree_with_tlog_tiles(size in 71u64..1500, a in 0u64..10_000, b in 0u64..10_000) {
            let (m, leaves) = build(size);
            let index = a % size;
            let old = b % size + 1;
            let root = tree_hash::<Sha256Hasher, _>(size, &m).unwrap();
            let proof = prove_inclusion::<Sha256Hasher, _>(index, size, &m).unwrap();
            let p: Vec<tlog_tiles::tlog::Hash> = proof.iter().map(|h| tlog_tiles::tlog::Hash(*h)).collect();
            let leaf = Sha256Hasher::leaf(&leaves[index as usize]);
            proptest::prop_assert!(tlog_tiles::tlog::check_record(&p, size, tlog_tiles::tlog::Hash(root), index, tlog_tiles::tlog::Hash(leaf)).is_ok());
            let old_root = tree_hash::<Sha256Hasher, _>(old, &m).unwrap();
            let c = prove_consistency::<Sha256Hasher, _>(old, size, &m).unwrap();
            let cp: Vec<tlog_tiles::tlog::Hash> = c.iter().map(|h| tlog_tiles::tlog::Hash(*h)).collect();
            proptest::prop_assert!(tlog_tiles::tlog::check_tree(&cp, size, tlog_tiles::tlog::Hash(root), old, tlog_tiles::tlog::Hash(old_root)).is_ok());
            proptest::prop_assert!(verify_consistency::<Sha256Hasher>(old, size, &old_root, &root, &c));
        }
    }
}
