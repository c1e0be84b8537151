//! GB/T 4754-2017 industry classes from `config/industry-classes.csv` (embedded; partial).

use domain::entity::IndustryClasses;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CSV: &str = include_str!("../../../config/industry-classes.csv");

#[derive(Clone, Debug)]
pub struct IndustryClass {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// The classes in the embedded table, by code.
pub fn classes() -> &'static BTreeMap<String, IndustryClass> {
    static TABLE: OnceLock<BTreeMap<String, IndustryClass>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CSV.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("code,") && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.splitn(3, ',');
                let (code, zh, en) = (f.next()?, f.next()?, f.next()?);
                Some((
                    code.to_owned(),
                    IndustryClass {
                        code: code.to_owned(),
                        name_zh: zh.to_owned(),
                        name_en: en.to_owned(),
                    },
                ))
            })
            .collect()
    })
}

pub struct EmbeddedClasses;

impl IndustryClasses for EmbeddedClasses {
    fn knows(&self, code: &str) -> bool {
        classes().contains_key(code)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_loads_four_digit_codes() {
        let t = super::classes();
        assert!(t.len() >= 10);
        assert!(
            t.keys()
                .all(|c| c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert_eq!(t["1340"].name_zh, "制糖业");
    }
}
