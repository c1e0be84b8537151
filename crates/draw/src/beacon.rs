//! The public value: a drand quicknet round, checked offline against the embedded public key,
//! and/or an official lottery draw (DRAW.md §1, §2.1).

use crate::{Beacon, Refusal, hex, refuse, sha256};
use drand_verify::{G2PubkeyRfc, Pubkey};

/// drand quicknet (chain 52db9ba7…): genesis time, period and public key (BLS12-381, G2).
pub const QUICKNET_GENESIS: i64 = 1_692_803_367;
pub const QUICKNET_PERIOD: i64 = 3;
pub const QUICKNET_PUBLIC_KEY: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";

/// The Unix time at which quicknet round `round` (≥ 1) exists.
pub fn round_time(round: u64) -> i64 {
    QUICKNET_GENESIS + (round as i64 - 1) * QUICKNET_PERIOD
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Game and issue are names like any other, and hold no `:` or `|` (the spec's separators).
fn check_lottery_text(path: &str, s: &str) -> Result<(), Refusal> {
    if s.is_empty() || s.contains(['\t', '\n', '\r', ':', '|']) {
        return Err(refuse(
            "draw.bad_text",
            path,
            format!("{s:?} is empty or holds a tab, line feed, carriage return, : or |"),
        ));
    }
    Ok(())
}

/// Verifies a quicknet signature for `round` and returns its randomness (SHA-256 of the
/// signature).
pub fn drand_randomness(round: u64, signature_hex: &str) -> Result<[u8; 32], Refusal> {
    let sig = unhex(signature_hex)
        .ok_or_else(|| refuse("draw.bad_hex", "beacon.drand.signature", "hex digits"))?;
    let key: [u8; 96] = unhex(QUICKNET_PUBLIC_KEY)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| refuse("draw.drand_key", "beacon.drand", "the embedded key"))?;
    let pk = G2PubkeyRfc::from_fixed(key)
        .map_err(|e| refuse("draw.drand_key", "beacon.drand", e.to_string()))?;
    match pk.verify(round, b"", &sig) {
        Ok(true) => Ok(sha256(&sig)),
        _ => Err(refuse(
            "draw.drand_signature",
            "beacon.drand.signature",
            format!("not the quicknet signature of round {round}"),
        )),
    }
}

/// `beacon_spec` and `beacon_hex` (DRAW.md §1, §2.1).
pub(crate) fn spec_and_hex(beacon: &Beacon) -> Result<(String, String), Refusal> {
    let mut spec = Vec::new();
    let mut value = Vec::new();
    if let Some(d) = &beacon.drand {
        if d.network != "quicknet" {
            return Err(refuse(
                "draw.drand_network",
                "beacon.drand.network",
                format!("{} is not quicknet", d.network),
            ));
        }
        if d.round == 0 {
            return Err(refuse(
                "draw.drand_round",
                "beacon.drand.round",
                "rounds start at 1",
            ));
        }
        spec.push(format!("drand:quicknet:{}", d.round));
        value.push(hex(&drand_randomness(d.round, &d.signature)?));
    }
    if let Some(l) = &beacon.lottery {
        check_lottery_text("beacon.lottery.game", &l.game)?;
        check_lottery_text("beacon.lottery.issue", &l.issue)?;
        if l.numbers.is_empty() || l.numbers.iter().any(Vec::is_empty) {
            return Err(refuse(
                "draw.lottery_numbers",
                "beacon.lottery.numbers",
                "one or more non-empty sets of numbers",
            ));
        }
        spec.push(format!("lottery:{}:{}", l.game, l.issue));
        value.push(
            l.numbers
                .iter()
                .map(|set| set.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
                .collect::<Vec<_>>()
                .join("/"),
        );
    }
    if spec.is_empty() {
        return Err(refuse(
            "draw.no_beacon",
            "beacon",
            "a drand round, a lottery draw, or both",
        ));
    }
    Ok((spec.join("|"), value.join("|")))
}
