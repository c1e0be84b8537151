//! The CP body: groups separated by `;`, items inside a group by `,`, `key=value` each; a
//! pollutant key is `<code>-<field>` such as `w01018-Rtd` (HJ 212-2017 §6.3.3, Annex B).

use crate::frame::Warning;
use std::collections::BTreeMap;

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

/// Text of a value: UTF-8 (ASCII is the fast path), else GBK, which field devices use in
/// device information and vendor keys.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GBK
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
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

/// The CP of a frame as data: every key in order of first appearance with its last value,
/// `DataTime`, and the pollutant fields grouped by code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpData {
    /// Every item, keyed by its full key (`DataTime`, `w01018-Rtd`, `QnRtn`, vendor keys).
    pub items: BTreeMap<String, String>,
    pub data_time: Option<String>,
    /// Pollutant code → field → value.
    pub pollutants: BTreeMap<String, BTreeMap<Field, String>>,
    pub warnings: Vec<Warning>,
}

impl CpData {
    pub fn from_items<'a>(items: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> CpData {
        let mut d = CpData::default();
        for (k, v) in items {
            let key = decode(k);
            let value = decode(v);
            if key == "DataTime" {
                d.data_time = Some(value.clone());
            } else if let Some((code, suffix)) = key.split_once('-') {
                d.pollutants
                    .entry(code.to_owned())
                    .or_default()
                    .insert(Field::parse(suffix), value.clone());
            }
            if d.items.insert(key.clone(), value).is_some() {
                d.warnings.push(Warning::DuplicateKey(key));
            }
        }
        d
    }

    /// One field of one pollutant, e.g. `("w01018", Field::Avg)`.
    pub fn get(&self, code: &str, field: Field) -> Option<&str> {
        self.pollutants.get(code)?.get(&field).map(String::as_str)
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
    }
}
