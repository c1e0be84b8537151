//! In-memory append rate, inclusion proofs per second at 1 M and 10 M leaves on an in-memory
//! stored-hash array, and the single-core SHA-256 rate, in one run.
//!
//! `cargo bench -p ledger --bench tree [-- MAX_LEAVES]` (default 10,000,000; needs ~0.7 GB).
//! `ECOENFORCE_BENCH_SHORT=1`: 20,000 hashes, proofs at 1,000 and 10,000 leaves (by default),
//! 2,000 proofs each.

use ledger::{HashStore, Sha256Hasher, TreeHasher};
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use std::time::Instant;

struct Memory(Vec<ledger::Hash>);

impl HashStore for Memory {
    type Error = Infallible;
    fn read(&self, indexes: &[u64]) -> Result<Vec<ledger::Hash>, Infallible> {
        Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
    }
}

/// CI's short mode (`ECOENFORCE_BENCH_SHORT=1`, as `crates/cli/benches/common`): small sizes, so
/// that the bench is built and run on each change and never rots; its figures mean nothing.
fn short() -> bool {
    std::env::var("ECOENFORCE_BENCH_SHORT").is_ok_and(|v| v == "1")
}

fn main() {
    // The SHA-256 loop, the smaller tree size measured, the default largest, proofs per size.
    let (n, first, default_max, proofs) = if short() {
        (20_000, 1_000u64, 10_000u64, 2_000u64)
    } else {
        (2_000_000, 1_000_000, 10_000_000, 200_000)
    };
    let max: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default_max);

    let t = Instant::now();
    let mut h = [0u8; 32];
    for _ in 0..n {
        h = Sha256::digest(h).into();
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "SHA-256 of 32 bytes: {:.2} M/s on one core ({:.0} MB/s); checksum {:02x}",
        n as f64 / s / 1e6,
        n as f64 * 32.0 / s / 1e6,
        h[0]
    );

    let mut tree = Memory(Vec::with_capacity((2 * max) as usize));
    let t = Instant::now();
    let mut marks = Vec::new();
    for i in 0..max {
        let mut e = [0u8; 32];
        e[..8].copy_from_slice(&i.to_le_bytes());
        let leaf = ledger::leaf_hash(&e);
        let add =
            ledger::stored_hashes_for_leaf::<Sha256Hasher, _>(i, leaf, &tree).unwrap_or_default();
        tree.0.extend(add);
        if i + 1 == first || i + 1 == max {
            marks.push((i + 1, t.elapsed().as_secs_f64()));
        }
    }
    for (leaves, secs) in &marks {
        println!(
            "append: {leaves} leaves in {secs:.2} s = {:.0} leaves/s (in memory, with every subtree hash)",
            *leaves as f64 / secs
        );
    }

    for size in [first, max] {
        if size > max {
            continue;
        }
        let root = ledger::tree_hash::<Sha256Hasher, _>(size, &tree)
            .unwrap_or_else(|_| Sha256Hasher::empty());
        let t = Instant::now();
        let mut ok = 0;
        for k in 0..proofs {
            let index = (k * 7_919) % size;
            let p =
                ledger::prove_inclusion::<Sha256Hasher, _>(index, size, &tree).unwrap_or_default();
            ok += p.len();
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "inclusion proofs at {size} leaves: {:.0} proofs/s built ({ok} hashes)",
            proofs as f64 / s
        );
        let index = size / 3;
        let p = ledger::prove_inclusion::<Sha256Hasher, _>(index, size, &tree).unwrap_or_default();
        let mut e = [0u8; 32];
        e[..8].copy_from_slice(&index.to_le_bytes());
        let leaf = ledger::leaf_hash(&e);
        let t = Instant::now();
        let mut verified = 0;
        for _ in 0..proofs {
            verified += usize::from(ledger::verify_inclusion::<Sha256Hasher>(
                index, size, &leaf, &p, &root,
            ));
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "inclusion proofs at {size} leaves: {:.0} proofs/s verified ({verified} ok)",
            proofs as f64 / s
        );
    }
}
