//! The CP body: groups separated by `;`, items inside a group by `,`, `key=value` each; a
//! pollutant key is `<code>-<field>` such as `w01018-Rtd` (HJ 212-2017 §6.3.3, Annex B).

use crate::frame::Warning;
use std::borrow::Cow;

/// CP items in order, as raw key and value bytes; empty items (a trailing `;`) are skipped.
///
/// The body is scanned 8 bytes at a time (SWAR): one mask per word marks every `;`, `,` and
/// `=`, and each marked byte costs a bit scan. Items are a few bytes long, so this beats both a
/// byte loop and a vectorised search whose set-up is paid per separator.
pub struct Items<'a> {
    cp: &'a [u8],
    /// Offset of the word `mask` describes.
    base: usize,
    /// Separators not yet handled in that word (`;`, `,` and `=`), one high bit per byte.
    mask: u64,
    /// The `=` among them.
    eqs: u64,
    /// Where the current item starts.
    start: usize,
    /// The first `=` seen in the current item.
    eq: Option<usize>,
    done: bool,
}

const LO: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of every byte of `w` equal to `t` (exact, no false positives).
fn eq_mask(w: u64, t: u8) -> u64 {
    let x = w ^ (LO * u64::from(t));
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

fn word(cp: &[u8], at: usize) -> (u64, u64) {
    let w = match cp.get(at..at + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
        None => {
            let mut b = [0u8; 8];
            let n = cp.len() - at;
            b[..n].copy_from_slice(&cp[at..]);
            u64::from_le_bytes(b)
        }
    };
    let eqs = eq_mask(w, b'=');
    (eq_mask(w, b';') | eq_mask(w, b',') | eqs, eqs)
}

impl<'a> Items<'a> {
    pub fn new(cp: &'a [u8]) -> Items<'a> {
        let (mask, eqs) = if cp.is_empty() { (0, 0) } else { word(cp, 0) };
        Items {
            cp,
            base: 0,
            mask,
            eqs,
            start: 0,
            eq: None,
            done: cp.is_empty(),
        }
    }

    /// The next separator's position and whether it is `=`, or `None` at the end of the body.
    fn next_sep(&mut self) -> Option<(usize, bool)> {
        while self.mask == 0 {
            self.base += 8;
            if self.base >= self.cp.len() {
                return None;
            }
            (self.mask, self.eqs) = word(self.cp, self.base);
        }
        let bit = self.mask & self.mask.wrapping_neg();
        let i = self.base + (bit.trailing_zeros() / 8) as usize;
        self.mask ^= bit;
        Some((i, self.eqs & bit != 0))
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let end = match self.next_sep() {
                Some((i, true)) => {
                    self.eq.get_or_insert(i);
                    continue;
                }
                Some((i, false)) => i,
                None => {
                    self.done = true;
                    self.cp.len()
                }
            };
            let start = self.start;
            let eq = self.eq.take();
            self.start = end + 1;
            if end > start {
                return Some(match eq {
                    Some(i) => (&self.cp[start..i], &self.cp[i + 1..end]),
                    None => (&self.cp[start..end], &self.cp[end..end]),
                });
            }
        }
        None
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
        CpData::from_entries(Items::new(cp).map(|(k, v)| {
            let (k0, v0) = (at(k), at(v));
            (
                Cow::Borrowed(&text[k0..k0 + k.len()]),
                Cow::Borrowed(&text[v0..v0 + v.len()]),
            )
        }))
    }

    pub fn from_items(items: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> CpData<'a> {
        CpData::from_entries(items.map(|(k, v)| (decode(k), decode(v))))
    }

    fn from_entries(items: impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)>) -> CpData<'a> {
        let mut entries: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::with_capacity(24);
        entries.extend(items);
        // Stable: among equal keys the order of the frame stays, so the last is the last sent.
        // A frame has a few dozen items: insertion sort, without the merge sort's buffer.
        if entries.len() <= 64 {
            for i in 1..entries.len() {
                let mut j = i;
                while j > 0 && entries[j - 1].0 > entries[j].0 {
                    entries.swap(j - 1, j);
                    j -= 1;
                }
            }
        } else {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
        }
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

    proptest::proptest! {
        /// The SWAR scan finds the same items as a plain split.
        #[test]
        fn items_equal_a_plain_split(cp in "[a-z0-9=;,.-]{0,80}") {
            let plain: Vec<(&[u8], &[u8])> = cp
                .as_bytes()
                .split(|&b| b == b';' || b == b',')
                .filter(|i| !i.is_empty())
                .map(|i| match i.iter().position(|&b| b == b'=') {
                    Some(e) => (&i[..e], &i[e + 1..]),
                    None => (i, &i[i.len()..]),
                })
                .collect();
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
    }
}
