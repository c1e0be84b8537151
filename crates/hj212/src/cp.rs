//! The CP body: groups separated by `;`, items inside a group by `,`, `key=value` each; a
//! pollutant key is `<code>-<field>` such as `w01018-Rtd` (HJ 212-2017 §6.3.3, Annex B).

use crate::frame::Warning;
use std::collections::BTreeMap;

/// CP items in order, as raw key and value bytes; empty items (a trailing `;`) are skipped.
pub struct Items<'a> {
    rest: &'a [u8],
}

impl<'a> Items<'a> {
    pub fn new(cp: &'a [u8]) -> Items<'a> {
        Items { rest: cp }
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let end = memchr::memchr2(b';', b',', self.rest).unwrap_or(self.rest.len());
            let item = &self.rest[..end];
            self.rest = &self.rest[(end + 1).min(self.rest.len())..];
            if item.is_empty() {
                continue;
            }
            return Some(match memchr::memchr(b'=', item) {
                Some(i) => (&item[..i], &item[i + 1..]),
                None => (item, &item[item.len()..]),
            });
        }
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
