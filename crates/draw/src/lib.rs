//! The verifiable random inspection draw (双随机), algorithm `shuangsuiji/v1`, exactly as
//! `shared/design/DRAW.md` specifies it: a crate small enough for a court's expert to read on its
//! own. Pure: no clock, no network, no randomness; the caller passes `now` where a rule needs it.
//!
//! [`run`] takes the draw's inputs and returns the full result record; [`verify`] recomputes a
//! record from its own inputs and names the first field that differs.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod beacon;
mod record;

pub use beacon::{QUICKNET_GENESIS, QUICKNET_PERIOD, QUICKNET_PUBLIC_KEY, round_time};
pub use record::{DERIVED_FIELDS, Mismatch, compare};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

pub const ALGORITHM: &str = "shuangsuiji/v1";

/// How long after the beacon's time a party may still reveal its nonce (DRAW.md §2.2).
pub const REVEAL_WINDOW_SECONDS: i64 = 24 * 3600;

/// Why a draw is refused: a stable code, the field path it concerns and the values involved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code} at {path}: {detail}")]
pub struct Refusal {
    pub code: &'static str,
    pub path: String,
    pub detail: String,
}

fn refuse(code: &'static str, path: impl Into<String>, detail: impl Into<String>) -> Refusal {
    Refusal {
        code,
        path: path.into(),
        detail: detail.into(),
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stratum {
    pub name: String,
    pub pool: Vec<String>,
    pub k: u64,
    pub inspector_group: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub pool: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub entity: String,
    pub inspectors: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commit {
    pub party: String,
    /// SHA-256 of the party's 32 raw nonce bytes, lowercase hex.
    pub commit: String,
    /// The revealed nonce (64 hex digits); absent, or 64 zeros with `revealed: false`, when the
    /// party did not reveal it in time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revealed: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drand {
    pub network: String,
    pub round: u64,
    /// The round's BLS signature, hex.
    pub signature: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lottery {
    pub game: String,
    pub issue: String,
    /// The sets of numbers, each already in the order to use.
    pub numbers: Vec<Vec<u64>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beacon {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drand: Option<Drand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lottery: Option<Lottery>,
}

/// What `draw run` takes: the record without its derived fields.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub algorithm: String,
    pub draw_id: String,
    pub strata: Vec<Stratum>,
    pub inspector_groups: Vec<Group>,
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    pub inspectors_per_entity: u64,
    pub max_tasks_per_inspector: u64,
    pub commits: Vec<Commit>,
    pub beacon: Beacon,
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Names and IDs are non-empty and hold no TAB, LF or CR.
fn check_text(path: &str, s: &str) -> Result<(), Refusal> {
    if s.is_empty() || s.contains(['\t', '\n', '\r']) {
        return Err(refuse(
            "draw.bad_text",
            path,
            format!("{s:?} is empty or holds a tab, line feed or carriage return"),
        ));
    }
    Ok(())
}

/// The pool's IDs sorted by UTF-8 bytes, duplicates removed.
pub fn canonical(pool: &[String]) -> Vec<String> {
    pool.iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// SHA-256 of the canonical pool, each ID followed by `\n`.
pub fn pool_hash(pool: &[String]) -> [u8; 32] {
    let mut h = Sha256::new();
    for id in canonical(pool) {
        h.update(id.as_bytes());
        h.update(b"\n");
    }
    h.finalize().into()
}

/// A stream of unsigned 64-bit integers from a 32-byte seed (DRAW.md §2.5).
pub struct Stream {
    seed: [u8; 32],
    block: u64,
    buf: [u64; 4],
    used: usize,
}

impl Stream {
    pub fn new(seed: [u8; 32]) -> Stream {
        Stream {
            seed,
            block: 0,
            buf: [0; 4],
            used: 4,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        if self.used == 4 {
            let mut h = Sha256::new();
            h.update(self.seed);
            h.update(self.block.to_be_bytes());
            let d: [u8; 32] = h.finalize().into();
            for (i, w) in self.buf.iter_mut().enumerate() {
                let mut b = [0u8; 8];
                b.copy_from_slice(&d[8 * i..8 * i + 8]);
                *w = u64::from_be_bytes(b);
            }
            self.block += 1;
            self.used = 0;
        }
        self.used += 1;
        self.buf[self.used - 1]
    }

    /// Uniform in `0..x` by rejection sampling (DRAW.md §2.6); `x` ≥ 1.
    pub fn uniform(&mut self, x: u64) -> u64 {
        // limit = 2^64 − (2^64 mod x), computed without 128-bit arithmetic.
        let rem = (u64::MAX % x + 1) % x;
        loop {
            let u = self.next_u64();
            if rem == 0 || u < 0u64.wrapping_sub(rem) {
                return u % x;
            }
        }
    }
}

/// A partial Fisher–Yates shuffle of the canonical pool: the first `k` in draw order.
pub fn select<T: Clone>(canonical_pool: &[T], k: usize, seed: [u8; 32]) -> Vec<T> {
    let mut a = canonical_pool.to_vec();
    let mut s = Stream::new(seed);
    for i in 0..k {
        let j = i + s.uniform((a.len() - i) as u64) as usize;
        a.swap(i, j);
    }
    a.truncate(k);
    a
}

/// `sub(label)` = SHA-256(seed ‖ label).
pub fn sub(seed: &[u8; 32], label: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed);
    h.update(label.as_bytes());
    h.finalize().into()
}

struct Checked {
    strata: Vec<(Stratum, Vec<String>)>,
    groups: BTreeMap<String, Vec<String>>,
    exclusions: BTreeMap<String, BTreeSet<String>>,
}

fn check(input: &Input) -> Result<Checked, Refusal> {
    if input.algorithm != ALGORITHM {
        return Err(refuse(
            "draw.algorithm",
            "algorithm",
            format!("{} is not {ALGORITHM}", input.algorithm),
        ));
    }
    check_text("draw_id", &input.draw_id)?;
    if input.strata.is_empty() {
        return Err(refuse("draw.no_strata", "strata", "at least one stratum"));
    }
    if input.inspector_groups.is_empty() {
        return Err(refuse(
            "draw.no_groups",
            "inspector_groups",
            "at least one inspector group",
        ));
    }
    if input.inspectors_per_entity < 2 {
        return Err(refuse(
            "draw.per_entity",
            "inspectors_per_entity",
            format!("{} is less than 2", input.inspectors_per_entity),
        ));
    }
    let mut groups = BTreeMap::new();
    for (i, g) in input.inspector_groups.iter().enumerate() {
        check_text(&format!("inspector_groups[{i}].name"), &g.name)?;
        for (j, id) in g.pool.iter().enumerate() {
            check_text(&format!("inspector_groups[{i}].pool[{j}]"), id)?;
        }
        if groups.insert(g.name.clone(), canonical(&g.pool)).is_some() {
            return Err(refuse(
                "draw.duplicate_name",
                format!("inspector_groups[{i}].name"),
                format!("{} appears twice", g.name),
            ));
        }
    }
    let mut exclusions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, e) in input.exclusions.iter().enumerate() {
        check_text(&format!("exclusions[{i}].entity"), &e.entity)?;
        for (j, id) in e.inspectors.iter().enumerate() {
            check_text(&format!("exclusions[{i}].inspectors[{j}]"), id)?;
        }
        exclusions
            .entry(e.entity.clone())
            .or_default()
            .extend(e.inspectors.iter().cloned());
    }
    let mut names = BTreeSet::new();
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    let mut strata = Vec::new();
    for (i, s) in input.strata.iter().enumerate() {
        check_text(&format!("strata[{i}].name"), &s.name)?;
        check_text(&format!("strata[{i}].inspector_group"), &s.inspector_group)?;
        if !names.insert(s.name.clone()) {
            return Err(refuse(
                "draw.duplicate_name",
                format!("strata[{i}].name"),
                format!("{} appears twice", s.name),
            ));
        }
        for (j, id) in s.pool.iter().enumerate() {
            check_text(&format!("strata[{i}].pool[{j}]"), id)?;
            if let Some(other) = owner.insert(id, &s.name)
                && other != s.name
            {
                return Err(refuse(
                    "draw.id_in_two_strata",
                    format!("strata[{i}].pool[{j}]"),
                    format!("{id} is in stratum {other} and in stratum {}", s.name),
                ));
            }
        }
        let pool = canonical(&s.pool);
        if s.k > pool.len() as u64 {
            return Err(refuse(
                "draw.k_too_large",
                format!("strata[{i}].k"),
                format!("k = {} but the pool holds {} IDs", s.k, pool.len()),
            ));
        }
        let Some(group) = groups.get(&s.inspector_group) else {
            return Err(refuse(
                "draw.unknown_group",
                format!("strata[{i}].inspector_group"),
                format!("no inspector group {}", s.inspector_group),
            ));
        };
        let n = input.inspectors_per_entity as usize;
        for entity in &pool {
            let left = match exclusions.get(entity) {
                None => group.len(),
                Some(x) => group.iter().filter(|o| !x.contains(*o)).count(),
            };
            if left < n {
                return Err(refuse(
                    "draw.pool_too_small",
                    format!("strata[{i}].inspector_group"),
                    format!(
                        "entity {entity}: group {} holds {left} inspectors after exclusions, {n} are needed",
                        s.inspector_group
                    ),
                ));
            }
        }
        strata.push((s.clone(), pool));
    }
    strata.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    if input.commits.is_empty() {
        return Err(refuse("draw.no_commits", "commits", "at least one commit"));
    }
    for (i, c) in input.commits.iter().enumerate() {
        check_text(&format!("commits[{i}].party"), &c.party)?;
        if unhex32(&c.commit).is_none() {
            return Err(refuse(
                "draw.bad_hex",
                format!("commits[{i}].commit"),
                "64 lowercase hex digits",
            ));
        }
    }
    Ok(Checked {
        strata,
        groups,
        exclusions,
    })
}

/// The line-based hash of the strata (DRAW.md §1).
fn strata_hash(strata: &[(Stratum, Vec<String>)]) -> [u8; 32] {
    let mut h = Sha256::new();
    for (s, pool) in strata {
        h.update(format!(
            "{}\t{}\t{}\t{}\n",
            s.name,
            hex(&pool_hash(pool)),
            s.k,
            s.inspector_group
        ));
    }
    h.finalize().into()
}

fn inspector_hash(c: &Checked, n: u64, m: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    for (name, pool) in &c.groups {
        h.update(format!("group\t{name}\t{}\n", hex(&pool_hash(pool))));
    }
    for (entity, inspectors) in &c.exclusions {
        for i in inspectors {
            h.update(format!("exclude\t{entity}\t{i}\n"));
        }
    }
    h.update(format!("per_entity\t{n}\nmax_tasks\t{m}\n"));
    h.finalize().into()
}

/// Each party's nonce as used in the seed, and whether it was revealed. A nonce that does not
/// match its commit refuses the draw; an unrevealed one is allowed only once the reveal window
/// after the beacon's time has passed (`now` and the beacon's time in Unix seconds; a lottery
/// has no time here, so an unrevealed nonce with a lottery-only beacon needs `revealed: false`
/// stated by the caller after the window, and `now` = `None` skips the time check).
fn nonces(
    input: &Input,
    beacon_time: Option<i64>,
    now: Option<i64>,
) -> Result<Vec<(String, bool)>, Refusal> {
    let zeros = "0".repeat(64);
    input
        .commits
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let unrevealed = c.revealed == Some(false);
            match &c.nonce_hex {
                Some(n) if !(unrevealed && *n == zeros) => {
                    if c.revealed == Some(false) {
                        return Err(refuse(
                            "draw.bad_reveal",
                            format!("commits[{i}].revealed"),
                            "a nonce is given but marked not revealed",
                        ));
                    }
                    let bytes = unhex32(n).ok_or_else(|| {
                        refuse(
                            "draw.bad_hex",
                            format!("commits[{i}].nonce_hex"),
                            "64 lowercase hex digits",
                        )
                    })?;
                    if hex(&sha256(&bytes)) != c.commit {
                        return Err(refuse(
                            "draw.nonce_mismatch",
                            format!("commits[{i}].nonce_hex"),
                            format!(
                                "SHA-256 of the nonce of {} is {}, the commit is {}",
                                c.party,
                                hex(&sha256(&bytes)),
                                c.commit
                            ),
                        ));
                    }
                    Ok((n.clone(), true))
                }
                _ if unrevealed => {
                    if let (Some(t), Some(now)) = (beacon_time, now)
                        && now < t + REVEAL_WINDOW_SECONDS
                    {
                        return Err(refuse(
                            "draw.reveal_window_open",
                            format!("commits[{i}].nonce_hex"),
                            format!(
                                "{} may reveal its nonce until {} (Unix time)",
                                c.party,
                                t + REVEAL_WINDOW_SECONDS
                            ),
                        ));
                    }
                    Ok((zeros.clone(), false))
                }
                _ => Err(refuse(
                    "draw.nonce_missing",
                    format!("commits[{i}].nonce_hex"),
                    format!(
                        "the nonce of {} is not revealed; after the 24-hour window mark it \"revealed\": false",
                        c.party
                    ),
                )),
            }
        })
        .collect()
}

/// Runs the draw on its inputs and returns the full record (DRAW.md §3). `now` (Unix seconds)
/// is used only for the unrevealed-nonce rule.
pub fn run(input: &Input, now: Option<i64>) -> Result<Value, Refusal> {
    let checked = check(input)?;
    let n = input.inspectors_per_entity;
    let m = input.max_tasks_per_inspector;
    let (beacon_spec, beacon_hex) = beacon::spec_and_hex(&input.beacon)?;
    let beacon_time = input.beacon.drand.as_ref().map(|d| round_time(d.round));
    let nonces = nonces(input, beacon_time, now)?;
    let pool_hash_all = strata_hash(&checked.strata);
    let k: u64 = checked.strata.iter().map(|(s, _)| s.k).sum();
    let inspector_hash = inspector_hash(&checked, n, m);
    let mut seed_text = format!(
        "{ALGORITHM}\n{}\n{}\n{k}\n{}\n{beacon_spec}\n{beacon_hex}\n",
        input.draw_id,
        hex(&pool_hash_all),
        hex(&inspector_hash)
    );
    for (nonce, _) in &nonces {
        seed_text.push_str(nonce);
        seed_text.push('\n');
    }
    let seed = sha256(seed_text.as_bytes());

    let mut strata_out = Vec::new();
    // Tasks per officer ID, across groups (an officer may be in several).
    let mut tasks: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let mut inspectors_out = Vec::new();
    let mut selections = Vec::new();
    for (s, pool) in &checked.strata {
        let selected = select(
            pool,
            s.k as usize,
            sub(&seed, &format!("stratum:{}", s.name)),
        );
        strata_out.push(json!({
            "name": s.name,
            "pool": pool,
            "k": s.k,
            "inspector_group": s.inspector_group,
            "pool_hash": hex(&pool_hash(pool)),
            "selected": selected,
        }));
        selections.push((s, selected));
    }
    // Officers by their index in the group's canonical pool: the selection works on indices
    // (same order, so the same result) and maps back to IDs at the end, without copying IDs.
    for (s, selected) in &selections {
        let group = &checked.groups[&s.inspector_group];
        for entity in selected {
            let base: Vec<usize> = match checked.exclusions.get(entity) {
                None => (0..group.len()).collect(),
                Some(x) => (0..group.len())
                    .filter(|&i| !x.contains(&group[i]))
                    .collect(),
            };
            let capped: Vec<usize> = base
                .iter()
                .copied()
                .filter(|&i| m == 0 || tasks.get(group[i].as_str()).copied().unwrap_or(0) < m)
                .collect();
            let cap_lifted = (capped.len() as u64) < n;
            let eligible = if cap_lifted { &base } else { &capped };
            let chosen = select(
                eligible,
                n as usize,
                sub(&seed, &format!("inspectors:{entity}")),
            );
            for &i in &chosen {
                *tasks.entry(group[i].as_str()).or_default() += 1;
            }
            inspectors_out.push(json!({
                "entity": entity,
                "selected": chosen.iter().map(|&i| group[i].as_str()).collect::<Vec<_>>(),
                "cap_lifted": cap_lifted,
            }));
        }
    }
    let groups_out: Vec<Value> = checked
        .groups
        .iter()
        .map(|(name, pool)| json!({"name": name, "pool": pool, "pool_hash": hex(&pool_hash(pool))}))
        .collect();
    let exclusions_out: Vec<Value> = checked
        .exclusions
        .iter()
        .map(|(entity, inspectors)| json!({"entity": entity, "inspectors": inspectors}))
        .collect();
    let commits_out: Vec<Value> = input
        .commits
        .iter()
        .zip(&nonces)
        .map(|(c, (nonce, revealed))| {
            json!({"party": c.party, "commit": c.commit, "nonce_hex": nonce, "revealed": revealed})
        })
        .collect();
    Ok(json!({
        "algorithm": ALGORITHM,
        "draw_id": input.draw_id,
        "strata": strata_out,
        "inspector_groups": groups_out,
        "exclusions": exclusions_out,
        "inspectors_per_entity": n,
        "max_tasks_per_inspector": m,
        "pool_hash": hex(&pool_hash_all),
        "k": k,
        "inspector_hash": hex(&inspector_hash),
        "commits": commits_out,
        "beacon": serde_json::to_value(&input.beacon).unwrap_or(Value::Null),
        "beacon_spec": beacon_spec,
        "beacon_hex": beacon_hex,
        "seed": hex(&seed),
        "inspectors": inspectors_out,
    }))
}

/// Recomputes a record from its own inputs. `Ok(None)`: every field matches; `Ok(Some(m))`: the
/// first field that differs. The `announcement`, if any, is left to the caller (it needs the
/// ledger's keys).
pub fn verify(record: &Value, now: Option<i64>) -> Result<Option<Mismatch>, Refusal> {
    let input = record::input_of(record)?;
    let mut computed = run(&input, now)?;
    if let (Some(a), Some(obj)) = (record.get("announcement"), computed.as_object_mut()) {
        obj.insert("announcement".into(), a.clone());
    }
    Ok(compare(record, &computed))
}

/// RFC 8785 canonical JSON of a record.
pub fn canonical_json(record: &Value) -> String {
    serde_json_canonicalizer::to_string(record).unwrap_or_default()
}

#[cfg(test)]
mod tests;
