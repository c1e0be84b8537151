//! GB/T 2260 division names from `config/divisions.csv` (embedded).

use std::collections::BTreeMap;
use std::sync::OnceLock;

const CSV: &str = include_str!("../../../config/divisions.csv");

/// (name in Chinese, name in English) by code.
pub fn divisions() -> &'static BTreeMap<String, (String, String)> {
    static TABLE: OnceLock<BTreeMap<String, (String, String)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CSV.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("code,") && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.splitn(3, ',');
                Some((
                    f.next()?.to_owned(),
                    (f.next()?.to_owned(), f.next()?.to_owned()),
                ))
            })
            .collect()
    })
}

/// The division's name in Chinese or English, or the code itself when unknown.
pub fn name(code: &str, english: bool) -> String {
    divisions()
        .get(code)
        .map(|(zh, en)| if english { en.clone() } else { zh.clone() })
        .unwrap_or_else(|| code.to_owned())
}

/// The codes of the counties (county-level divisions) of a prefecture, in code order.
pub fn counties_of(prefecture_code: &str) -> Vec<String> {
    divisions()
        .keys()
        .filter(|c| {
            domain::unit::is_county_code(c) && domain::unit::in_prefecture(c, prefecture_code)
        })
        .cloned()
        .collect()
}
