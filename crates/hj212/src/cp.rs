//! The CP body: groups separated by `;`, items inside a group by `,`, `key=value` each; a
//! pollutant key is `<code>-<field>` such as `w01018-Rtd` (HJ 212-2017 §6.3.3, Annex B).

use crate::frame::Warning;
use std::borrow::Cow;

/// CP items in order, as raw key and value bytes; empty items (a trailing `;`) are skipped.
///
/// The body is classified 64 bytes at a time: 8 bytes per word (SWAR), one mask for `;` and
/// `,` (item ends) and one for `=`, packed into two 64-bit maps of the block. Each item is then
/// a bit scan for its end and one for its first `=` below it, with no branch per byte or per
/// word: the only hard-to-predict branch is the end of a block.
pub struct Items<'a> {
    cp: &'a [u8],
    /// Offset of the block the maps describe.
    base: usize,
    /// Item ends (`;`, `,`) not yet handled in the block, bit i for byte `base + i`.
    ends: u64,
    /// The `=` of the block after the last handled item end.
    eqs: u64,
    /// Where the current item starts.
    start: usize,
    /// The first `=` of the current item when it lies in an earlier block, else `usize::MAX`.
    eq: usize,
    done: bool,
}

const LO: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of every byte of `w` equal to `t` (exact, no false positives).
#[inline]
pub(crate) fn eq_mask(w: u64, t: u8) -> u64 {
    let x = w ^ (LO * u64::from(t));
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// The high bits of a byte mask (no other bit set) packed into one byte, bit i for byte i: the
/// multiplication moves bit 8i + 7 to 56 + i, and no two partial products meet in the top byte.
#[inline]
fn pack(m: u64) -> u64 {
    m.wrapping_mul(0x0102_0408_1020_4080 >> 7) >> 56
}

const HI: u64 = LO << 7;

/// The item-end and `=` maps of one word, at bit `8 * i` of the block's maps.
///
/// With the high bit of every byte set, `(y ^ t) - 1` per byte cannot borrow across bytes and
/// clears the byte's high bit exactly when its low seven bits are those of `t`; bytes that were
/// not ASCII are then left out, so the masks are exact (property test against a plain split).
#[inline]
fn classify(w: u64, i: usize) -> (u64, u64) {
    let y = w | HI;
    let ascii = !w & HI;
    let not = |t: u8| (y ^ (LO * u64::from(t))).wrapping_sub(LO);
    let ends = !(not(b';') & not(b',')) & ascii;
    let eqs = !not(b'=') & ascii;
    (pack(ends) << (8 * i), pack(eqs) << (8 * i))
}

/// [`classify`] for a word known to be ASCII: per byte `0x80 - (w ^ t)` cannot borrow (the
/// byte is at most 0x7F) and keeps its high bit exactly when the byte is `t`.
#[inline]
fn classify_ascii(w: u64, i: usize) -> (u64, u64) {
    let is = |t: u8| HI.wrapping_sub(w ^ (LO * u64::from(t)));
    let ends = (is(b';') | is(b',')) & HI;
    let eqs = is(b'=') & HI;
    (pack(ends) << (8 * i), pack(eqs) << (8 * i))
}

/// The item-end and `=` maps of the 64 bytes at `at` (nothing past the end of `cp`): a whole
/// block in eight words (the cheaper way when all 64 bytes are ASCII, as CP bodies nearly
/// always are), the last one in as many words as it has.
#[inline]
fn block(cp: &[u8], at: usize) -> (u64, u64) {
    let rest = cp.get(at..).unwrap_or_default();
    let (mut ends, mut eqs) = (0, 0);
    if let Some((b, _)) = rest.split_first_chunk::<64>() {
        let words = b.as_chunks::<8>().0;
        let high = words.iter().fold(0, |h, w| h | u64::from_le_bytes(*w)) & HI;
        for (i, w) in words.iter().enumerate() {
            let w = u64::from_le_bytes(*w);
            let (e, q) = if high == 0 {
                classify_ascii(w, i)
            } else {
                classify(w, i)
            };
            ends |= e;
            eqs |= q;
        }
        return (ends, eqs);
    }
    let (words, tail) = rest.as_chunks::<8>();
    for (i, w) in words.iter().enumerate() {
        let (e, q) = classify(u64::from_le_bytes(*w), i);
        ends |= e;
        eqs |= q;
    }
    if !tail.is_empty() {
        // The last bytes: the word ending at the end of `cp`, shifted down past the bytes
        // already seen (or, for a body under 8 bytes, the bytes copied into a zeroed word).
        let w = match cp.last_chunk::<8>() {
            Some(last) => u64::from_le_bytes(*last) >> (8 * (8 - tail.len())),
            None => {
                let mut b = [0u8; 8];
                for (d, s) in b.iter_mut().zip(tail) {
                    *d = *s;
                }
                u64::from_le_bytes(b)
            }
        };
        let (e, q) = classify(w, words.len());
        ends |= e;
        eqs |= q;
    }
    (ends, eqs)
}

impl<'a> Items<'a> {
    pub fn new(cp: &'a [u8]) -> Items<'a> {
        let (ends, eqs) = if cp.is_empty() { (0, 0) } else { block(cp, 0) };
        Items {
            cp,
            base: 0,
            ends,
            eqs,
            start: 0,
            eq: usize::MAX,
            done: cp.is_empty(),
        }
    }

    /// One step of the walk: the next item, or `None` at the end. Inlined into both `next` and
    /// `fold`, so a consuming walk keeps its state in registers.
    #[inline(always)]
    fn step(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        while !self.done {
            if self.ends != 0 {
                let i = self.ends.trailing_zeros();
                self.ends &= self.ends - 1;
                let end = self.base + i as usize;
                // The `=` before this end belong to this item (those of earlier items are gone).
                let before = self.eqs & ((1u64 << i) - 1);
                self.eqs ^= before;
                // No `=` here gives base + 64, past `end`; one from an earlier block is smaller.
                let eq = self.eq.min(self.base + before.trailing_zeros() as usize);
                self.eq = usize::MAX;
                let start = self.start;
                self.start = end + 1;
                if end > start {
                    return Some(self.item(start, eq, end));
                }
                continue;
            }
            // The current item goes on into the next block: keep its first `=`.
            if self.eqs != 0 && self.eq == usize::MAX {
                self.eq = self.base + self.eqs.trailing_zeros() as usize;
            }
            self.base += 64;
            if self.base >= self.cp.len() {
                self.done = true;
                let (start, end) = (self.start, self.cp.len());
                if end > start {
                    return Some(self.item(start, self.eq, end));
                }
                return None;
            }
            (self.ends, self.eqs) = block(self.cp, self.base);
        }
        None
    }

    /// The item from `start` to `end`, split at `eq` when that lies inside it.
    #[inline]
    fn item(&self, start: usize, eq: usize, end: usize) -> (&'a [u8], &'a [u8]) {
        let cp = self.cp;
        if eq < end {
            (&cp[start..eq], &cp[eq + 1..end])
        } else {
            (&cp[start..end], &cp[end..end])
        }
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.step()
    }

    /// The same walk with the state in locals rather than behind `&mut self` (`count`,
    /// `for_each` and the other consuming adapters come here).
    #[inline]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(mut self, init: B, mut f: F) -> B {
        let mut acc = init;
        while let Some(item) = self.step() {
            acc = f(acc, item);
        }
        acc
    }
}

/// Text of a value: UTF-8 (ASCII is the fast path) borrowed as it is, else GBK, which field
/// devices use in device information and vendor keys, decoded into a new string.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(
            encoding_rs::GBK
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        ),
    }
}

/// A pollutant field suffix (HJ 212-2017 Annex B; 2005 alarm fields). Unknown suffixes are kept.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Rtd,
    Min,
    Avg,
    Max,
    Cou,
    ZsRtd,
    ZsMin,
    ZsAvg,
    ZsMax,
    Flag,
    EFlag,
    SampleTime,
    Rs,
    Rt,
    Ala,
    UpValue,
    LowValue,
    Data,
    DayData,
    NightData,
    Sn,
    Info,
    Other(String),
}

impl Field {
    pub fn parse(suffix: &str) -> Field {
        match suffix {
            "Rtd" => Field::Rtd,
            "Min" => Field::Min,
            "Avg" => Field::Avg,
            "Max" => Field::Max,
            "Cou" => Field::Cou,
            "ZsRtd" => Field::ZsRtd,
            "ZsMin" => Field::ZsMin,
            "ZsAvg" => Field::ZsAvg,
            "ZsMax" => Field::ZsMax,
            "Flag" => Field::Flag,
            "EFlag" => Field::EFlag,
            "SampleTime" => Field::SampleTime,
            "RS" => Field::Rs,
            "RT" => Field::Rt,
            "Ala" => Field::Ala,
            "UpValue" => Field::UpValue,
            "LowValue" => Field::LowValue,
            "Data" => Field::Data,
            "DayData" => Field::DayData,
            "NightData" => Field::NightData,
            "SN" => Field::Sn,
            "Info" => Field::Info,
            other => Field::Other(other.to_owned()),
        }
    }
}

impl Field {
    /// The suffix as written in a key (`Rtd`, `ZsAvg`, `RS`…).
    pub fn suffix(&self) -> &str {
        match self {
            Field::Rtd => "Rtd",
            Field::Min => "Min",
            Field::Avg => "Avg",
            Field::Max => "Max",
            Field::Cou => "Cou",
            Field::ZsRtd => "ZsRtd",
            Field::ZsMin => "ZsMin",
            Field::ZsAvg => "ZsAvg",
            Field::ZsMax => "ZsMax",
            Field::Flag => "Flag",
            Field::EFlag => "EFlag",
            Field::SampleTime => "SampleTime",
            Field::Rs => "RS",
            Field::Rt => "RT",
            Field::Ala => "Ala",
            Field::UpValue => "UpValue",
            Field::LowValue => "LowValue",
            Field::Data => "Data",
            Field::DayData => "DayData",
            Field::NightData => "NightData",
            Field::Sn => "SN",
            Field::Info => "Info",
            Field::Other(s) => s,
        }
    }
}

/// The CP of a frame as data: every item decoded (borrowed from the frame unless it was GBK),
/// in a map by its full key (`DataTime`, `w01018-Rtd`, `QnRtn`, vendor keys), a duplicated key
/// keeping its last value. The map is a vector sorted by key: one allocation for a frame's
/// twenty-odd items, and lookups by binary search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpData<'a> {
    entries: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub data_time: Option<Cow<'a, str>>,
    pub warnings: Vec<Warning>,
}

/// Items a map sorts with its sort keys on the stack (more take a heap buffer).
const STACK_ITEMS: usize = 64;

/// Bytes of a key that go into its sort key.
const PREFIX: usize = 12;

/// The sort key of item `i` whose key is `buf[from..from + len]`: the key's first 12 bytes,
/// big-endian and zero-padded, above the index. Sort keys of distinct items differ, and ordering
/// them orders the items by (key, index) except among keys that share their first 12 bytes
/// (`sort_keys` orders those by the whole key). Reads 16 bytes at once when `buf` has them, masking what is past the key.
#[inline]
fn sort_key(buf: &[u8], from: usize, len: usize, i: u32) -> u128 {
    let n = len.min(PREFIX);
    let p = match buf.get(from..from + 16) {
        Some(b) => {
            let w = u128::from_be_bytes(<[u8; 16]>::try_from(b).unwrap_or([0; 16]));
            w & !(u128::MAX >> (8 * n))
        }
        None => {
            let mut b = [0u8; 16];
            b[..n].copy_from_slice(&buf[from..from + n]);
            u128::from_be_bytes(b)
        }
    };
    p | u128::from(i)
}

fn index(key: u128) -> usize {
    (key as u32) as usize
}

fn prefix(key: u128) -> u128 {
    key >> 32
}

/// Sorts sort keys (`sort_key`) into the order of (whole key, index); `key(i)` is item i's key.
fn sort_keys<'k>(keys: &mut [u128], key: impl Fn(usize) -> &'k str) {
    // Sort keys are distinct, so any sort is stable; a frame's few dozen items take an
    // insertion sort on plain integers, more the library's.
    if keys.len() <= STACK_ITEMS {
        for i in 1..keys.len() {
            let x = keys[i];
            let mut j = i;
            while j > 0 && keys[j - 1] > x {
                keys[j] = keys[j - 1];
                j -= 1;
            }
            keys[j] = x;
        }
    } else {
        keys.sort_unstable();
    }
    // Keys sharing their first 12 bytes: ordered by the whole key, then index. Rare, so first
    // one pass to see whether there are any.
    if !keys.windows(2).any(|w| prefix(w[0]) == prefix(w[1])) {
        return;
    }
    let mut i = 0;
    while i < keys.len() {
        let mut j = i + 1;
        while j < keys.len() && prefix(keys[j]) == prefix(keys[i]) {
            j += 1;
        }
        if j - i > 1 {
            keys[i..j].sort_by(|a, b| {
                key(index(*a))
                    .cmp(key(index(*b)))
                    .then(index(*a).cmp(&index(*b)))
            });
        }
        i = j;
    }
}

/// Keeps the last item of each key among sorted sort keys, moving the kept ones to the front;
/// a warning for each earlier one. Gives how many are kept and where `DataTime` is among them.
fn dedup<'k>(
    keys: &mut [u128],
    key: impl Fn(usize) -> &'k str,
    warnings: &mut Vec<Warning>,
) -> (usize, Option<usize>) {
    let data_time_key = prefix(sort_key(b"DataTime", 0, 8, 0));
    let mut data_time = None;
    let mut kept = 0;
    for p in 0..keys.len() {
        let k = keys[p];
        let repeated = kept > 0
            && prefix(keys[kept - 1]) == prefix(k)
            && key(index(keys[kept - 1])) == key(index(k));
        if repeated {
            // The same key again: this later value takes the earlier one's place.
            warnings.push(Warning::DuplicateKey(key(index(k)).to_owned()));
            keys[kept - 1] = k;
        } else {
            if prefix(k) == data_time_key && key(index(k)) == "DataTime" {
                data_time = Some(kept);
            }
            keys[kept] = k;
            kept += 1;
        }
    }
    (kept, data_time)
}

impl<'a> CpData<'a> {
    /// The map of a CP body.
    pub fn of(cp: &'a [u8]) -> CpData<'a> {
        let Ok(text) = std::str::from_utf8(cp) else {
            // GBK somewhere: each item decoded on its own.
            return CpData::from_items(Items::new(cp));
        };
        // Valid as a whole, so every item is: items start and end at ASCII separators, which
        // are character boundaries. One validation instead of two per item.
        let at = |part: &[u8]| part.as_ptr() as usize - cp.as_ptr() as usize;
        let borrowed = |part: &[u8]| {
            let from = at(part);
            Cow::Borrowed(text.get(from..from + part.len()).unwrap_or_default())
        };
        if cp.len() > usize::from(u16::MAX) {
            return CpData::from_vec(
                Items::new(cp)
                    .map(|(k, v)| (borrowed(k), borrowed(v)))
                    .collect(),
            );
        }
        // Items stay where they are: a sort key and the four offsets of each, on the stack, and
        // the map's vector is filled once, in order.
        let mut keys = [0u128; STACK_ITEMS];
        let mut spans = [0u64; STACK_ITEMS];
        let mut n = 0usize;
        Items::new(cp).for_each(|(k, v)| {
            if let (Some(key), Some(span)) = (keys.get_mut(n), spans.get_mut(n)) {
                let k0 = at(k);
                // n < STACK_ITEMS and offsets < 2^16 (checked above): they fit.
                *key = sort_key(cp, k0, k.len(), n as u32);
                let [k0, kn, v0, vn] = [k0, k.len(), at(v), v.len()].map(|x| x as u64);
                *span = k0 | kn << 16 | v0 << 32 | vn << 48;
            }
            n += 1;
        });
        let (Some(keys), Some(spans)) = (keys.get_mut(..n), spans.get(..n)) else {
            // More items than the stack holds.
            return CpData::from_vec(
                Items::new(cp)
                    .map(|(k, v)| (borrowed(k), borrowed(v)))
                    .collect(),
            );
        };
        let part = |span: u64, shift: u32| {
            let from = (span >> shift) as u16 as usize;
            let len = (span >> (shift + 16)) as u16 as usize;
            text.get(from..from + len).unwrap_or_default()
        };
        sort_keys(keys, |i| part(spans[i], 0));
        let mut warnings = Vec::new();
        let (kept, data_time) = dedup(keys, |i| part(spans[i], 0), &mut warnings);
        let entries: Vec<(Cow<'a, str>, Cow<'a, str>)> = keys[..kept]
            .iter()
            .map(|&k| {
                let span = spans[index(k)];
                (Cow::Borrowed(part(span, 0)), Cow::Borrowed(part(span, 32)))
            })
            .collect();
        CpData {
            data_time: data_time.map(|i| entries[i].1.clone()),
            entries,
            warnings,
        }
    }

    pub fn from_items(items: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> CpData<'a> {
        CpData::from_vec(items.map(|(k, v)| (decode(k), decode(v))).collect())
    }

    /// Entries in frame order to the map, sort keys on the stack or, for many items, the heap.
    fn from_vec(mut entries: Vec<(Cow<'a, str>, Cow<'a, str>)>) -> CpData<'a> {
        if u32::try_from(entries.len()).is_err() {
            return CpData::sorted_plainly(entries);
        }
        let key = |(i, (k, _)): (usize, &(Cow<'a, str>, Cow<'a, str>))| {
            // i < 2^32 (checked above).
            sort_key(k.as_bytes(), 0, k.len(), i as u32)
        };
        let mut stack = [0u128; STACK_ITEMS];
        let mut heap = Vec::new();
        let keys: &mut [u128] = match stack.get_mut(..entries.len()) {
            Some(keys) => {
                for (slot, k) in keys.iter_mut().zip(entries.iter().enumerate().map(key)) {
                    *slot = k;
                }
                keys
            }
            None => {
                heap.extend(entries.iter().enumerate().map(key));
                &mut heap
            }
        };
        sort_keys(keys, |i| &entries[i].0);
        let mut warnings = Vec::new();
        let (kept, data_time) = dedup(keys, |i| &entries[i].0, &mut warnings);
        let entries: Vec<(Cow<'a, str>, Cow<'a, str>)> = keys[..kept]
            .iter()
            .map(|&k| std::mem::take(&mut entries[index(k)]))
            .collect();
        CpData {
            data_time: data_time.map(|i| entries[i].1.clone()),
            entries,
            warnings,
        }
    }

    /// The plain way, for more items than an index of 32 bits holds: a stable sort by key,
    /// then the last of each key kept. The reference for `sort_keys` and `dedup` in the tests.
    fn sorted_plainly(mut entries: Vec<(Cow<'a, str>, Cow<'a, str>)>) -> CpData<'a> {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut warnings = Vec::new();
        let mut kept = 0;
        for i in 0..entries.len() {
            if kept > 0 && entries[kept - 1].0 == entries[i].0 {
                warnings.push(Warning::DuplicateKey(entries[i].0.clone().into_owned()));
                entries.swap(kept - 1, i);
            } else {
                entries.swap(kept, i);
                kept += 1;
            }
        }
        entries.truncate(kept);
        let mut d = CpData {
            entries,
            data_time: None,
            warnings,
        };
        d.data_time = d.borrowed("DataTime");
        d
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
    }

    fn borrowed(&self, key: &str) -> Option<Cow<'a, str>> {
        Some(self.entries[self.position(key)?].1.clone())
    }

    /// The value of a full key.
    pub fn value(&self, key: &str) -> Option<&str> {
        Some(&self.entries[self.position(key)?].1)
    }

    /// One field of one pollutant, e.g. `("w01018", Field::Avg)` for `w01018-Avg`.
    pub fn get(&self, code: &str, field: Field) -> Option<&str> {
        let suffix = field.suffix();
        // Compares `code-suffix` with each key without building it.
        let i = self
            .entries
            .binary_search_by(|(k, _)| {
                let k = k.as_bytes();
                let (head, rest) = k.split_at(k.len().min(code.len()));
                head.cmp(code.as_bytes())
                    .then_with(|| match rest.split_first() {
                        None => std::cmp::Ordering::Less,
                        Some((&dash, tail)) => {
                            dash.cmp(&b'-').then_with(|| tail.cmp(suffix.as_bytes()))
                        }
                    })
            })
            .ok()?;
        Some(&self.entries[i].1)
    }

    /// Every item as (key, value), sorted by key.
    pub fn items(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }

    /// Pollutant fields as (code, suffix, value), sorted by code then suffix: `w01018-Avg=1` is
    /// `("w01018", "Avg", "1")` (`Field::parse` names the suffix).
    pub fn pollutants(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.items().filter_map(|(k, v)| {
            let (code, suffix) = k.split_once('-')?;
            Some((code, suffix, v))
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: split at every `;` and `,`, drop empty items, split each at its first `=`.
    fn plain_split(cp: &[u8]) -> Vec<(&[u8], &[u8])> {
        cp.split(|&b| b == b';' || b == b',')
            .filter(|i| !i.is_empty())
            .map(|i| match i.iter().position(|&b| b == b'=') {
                Some(e) => (&i[..e], &i[e + 1..]),
                None => (i, &i[i.len()..]),
            })
            .collect()
    }

    /// A body over 64 KiB (offsets past 16 bits) and of thousands of items, with repeats.
    #[test]
    fn a_huge_body_makes_the_same_map() {
        let mut cp = Vec::new();
        for i in 0..9000 {
            cp.extend_from_slice(
                format!("a{:05}-Rtd={i},DataTime={};", i % 4000, i % 7).as_bytes(),
            );
        }
        assert!(cp.len() > usize::from(u16::MAX));
        let plain = CpData::sorted_plainly(
            Items::new(&cp)
                .map(|(k, v)| (decode(k), decode(v)))
                .collect(),
        );
        assert_eq!(CpData::of(&cp), plain);
        assert_eq!(plain.len(), 4001);
        assert_eq!(plain.data_time.as_deref(), Some("4"));
    }

    #[test]
    fn pack_gathers_every_high_bit() {
        for x in 0..=255u64 {
            let spread = (0..8).fold(0u64, |m, k| m | (((x >> k) & 1) << (8 * k + 7)));
            assert_eq!(pack(spread), x);
        }
    }

    proptest::proptest! {
        /// The block scan finds the same items as a plain split, walked with `next`, with
        /// `fold`, and with `next` then `fold` from the middle; bodies up to five blocks, with
        /// bytes that differ from a separator in one bit (high bit included) and zeros.
        #[test]
        fn items_equal_a_plain_split(
            cp in proptest::collection::vec(
                proptest::sample::select(
                    b";,=a0.-\x00\xbb\xac\xbd\x3a\x2d\x3c\x7b".to_vec()
                ),
                0..330,
            ),
            first in 0usize..40,
        ) {
            let plain = plain_split(&cp);
            let ours: Vec<_> = Items::new(&cp).collect();
            proptest::prop_assert_eq!(&ours, &plain);
            let mut folded = Vec::new();
            Items::new(&cp).for_each(|i| folded.push(i));
            proptest::prop_assert_eq!(&folded, &plain);
            let mut it = Items::new(&cp);
            let mut mixed: Vec<_> = it.by_ref().take(first).collect();
            it.for_each(|i| mixed.push(i));
            proptest::prop_assert_eq!(&mixed, &plain);
            proptest::prop_assert_eq!(Items::new(&cp).count(), plain.len());
        }

        /// The same on ASCII bodies (the cheaper classification of whole ASCII blocks), with
        /// bytes one bit or one step away from a separator.
        #[test]
        fn items_equal_a_plain_split_on_ascii(
            cp in proptest::collection::vec(
                proptest::sample::select(b";,=a0.-\x00\x3a\x2d\x3c\x7b\x2b\x7f\x3f\x39\x3e".to_vec()),
                0..330,
            ),
        ) {
            let plain = plain_split(&cp);
            let ours: Vec<_> = Items::new(&cp).collect();
            proptest::prop_assert_eq!(&ours, &plain);
            let mut folded = Vec::new();
            Items::new(&cp).for_each(|i| folded.push(i));
            proptest::prop_assert_eq!(&folded, &plain);
        }

        /// The same on text like a real body, with long keys and values across blocks.
        #[test]
        fn items_equal_a_plain_split_on_text(cp in "([a-zA-Z0-9.-]{0,70}[=;,]){0,30}[a-z=]{0,9}") {
            let plain = plain_split(cp.as_bytes());
            let ours: Vec<_> = Items::new(cp.as_bytes()).collect();
            proptest::prop_assert_eq!(ours, plain);
        }

        /// The sorted map holds what a map filled in frame order holds (last value wins), with a
        /// warning per repeated key, and finds each pollutant field.
        #[test]
        fn the_map_equals_a_btreemap(cp in "([a-c]{1,2}(-[A-Z][a-z]{0,2})?=[0-9]{0,2}[;,]){0,12}") {
            let mut reference = std::collections::BTreeMap::new();
            let mut repeated = 0;
            for (k, v) in Items::new(cp.as_bytes()) {
                let (k, v) = (std::str::from_utf8(k).unwrap(), std::str::from_utf8(v).unwrap());
                if reference.insert(k, v).is_some() {
                    repeated += 1;
                }
            }
            let map = CpData::of(cp.as_bytes());
            proptest::prop_assert_eq!(&map, &CpData::from_items(Items::new(cp.as_bytes())));
            let ours: Vec<(&str, &str)> = map.items().collect();
            let theirs: Vec<(&str, &str)> = reference.iter().map(|(k, v)| (*k, *v)).collect();
            proptest::prop_assert_eq!(ours, theirs);
            proptest::prop_assert_eq!(map.warnings.len(), repeated);
            for (k, v) in &reference {
                proptest::prop_assert_eq!(map.value(k), Some(*v));
                if let Some((code, suffix)) = k.split_once('-') {
                    proptest::prop_assert_eq!(map.get(code, Field::parse(suffix)), Some(*v));
                }
            }
            proptest::prop_assert_eq!(map.get("zz", Field::Rtd), None);
        }

        /// The map sorted by sort keys (stack or heap) equals the plain stable sort: keys that
        /// share their first 12 bytes, keys that differ only by a trailing NUL, repeated keys
        /// (DataTime among them), more items than the stack holds, GBK values.
        #[test]
        fn the_sort_keys_order_as_the_plain_sort(
            items in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "DataTime", "a21026-ZsAvg", "a21026-ZsAvgX", "a21026-ZsAv", "a21026-ZsAvh",
                        "w01018-SampleTime", "w01018-SampleTimf", "ab", "ab\0", "a", "", "B01-Rtd",
                        "w01018-SampleTime-and-more",
                    ]),
                    proptest::sample::select(vec!["1", "", "N", "x\u{d6d0}"]),
                ),
                0..150,
            ),
            gbk in proptest::bool::ANY,
        ) {
            let mut cp: Vec<u8> = Vec::new();
            for (k, v) in &items {
                cp.extend_from_slice(k.as_bytes());
                cp.push(b'=');
                cp.extend_from_slice(v.as_bytes());
                cp.push(b';');
            }
            if gbk {
                // Not UTF-8: every item decoded on its own (`from_items`).
                cp.extend_from_slice(b"Info=\xd6\xd0;");
            }
            let ours = CpData::of(&cp);
            let plain = CpData::sorted_plainly(
                Items::new(&cp).map(|(k, v)| (decode(k), decode(v))).collect(),
            );
            proptest::prop_assert_eq!(ours, plain);
        }
    }
}
