//! The published lists: the violation catalogue and the power and responsibility list, version
//! by version. The shipped versions are embedded from `config/violations/` and `config/powers/`
//! (reviewed like code); the bureau's own are files in `<data-dir>/violations/` and
//! `<data-dir>/powers/`, read at start-up and on SIGHUP. A file that does not parse or check
//! keeps the lists as they were and says which file and why.

use crate::App;
use chrono::NaiveDate;
use domain::case::penalty::HearingRules;
use domain::power::{PowerDiff, PowerList, PowerListFile, diff};
use domain::violation::Catalogue;
use std::path::Path;
use std::sync::Arc;

const EMBEDDED_CATALOGUES: &[(&str, &str)] = &[(
    "catalogue-2026-1.toml",
    include_str!("../../../config/violations/catalogue-2026-1.toml"),
)];

const EMBEDDED_POWERS: &[(&str, &str)] = &[(
    "powers-2026-1.toml",
    include_str!("../../../config/powers/powers-2026-1.toml"),
)];

/// One published version of the power list with what changed from the one before.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PowerVersion {
    #[serde(flatten)]
    pub list: PowerList,
    pub changes: PowerDiff,
}

/// Every version of both lists, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Published {
    pub catalogues: Vec<Catalogue>,
    pub powers: Vec<PowerVersion>,
}

impl Published {
    /// The power list in force on `day`: the latest effective by then.
    pub fn powers_on(&self, day: NaiveDate) -> Option<&PowerVersion> {
        self.powers
            .iter()
            .rev()
            .find(|v| v.list.effective_on <= day)
    }

    pub fn power_version(&self, version: &str) -> Option<&PowerVersion> {
        self.powers.iter().find(|v| v.list.version == version)
    }

    /// The catalogue that governs an act of `act_on`, as known on `today` (APL Art. 37).
    pub fn catalogue_for(&self, act_on: NaiveDate, today: NaiveDate) -> Option<&Catalogue> {
        domain::violation::governing(&self.catalogues, act_on, today)
    }

    /// The catalogue in force on `day` (the latest effective, whatever the acts it governs).
    pub fn catalogue_on(&self, day: NaiveDate) -> Option<&Catalogue> {
        self.catalogues.iter().rev().find(|c| c.effective_on <= day)
    }
}

/// A list file that cannot be published, and why.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct ListError {
    pub file: String,
    pub problem: String,
}

fn refusal_text(r: &domain::Refusal) -> String {
    r.reasons
        .iter()
        .map(|x| match &x.field {
            Some(f) => format!("{} ({f})", x.code),
            None => x.code.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_files(dir: &Path) -> Result<Vec<(String, String)>, ListError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(ListError {
                file: dir.display().to_string(),
                problem: e.to_string(),
            });
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ListError {
            file: path.display().to_string(),
            problem: e.to_string(),
        })?;
        out.push((path.display().to_string(), text));
    }
    out.sort();
    Ok(out)
}

/// The embedded versions and those of `<data_dir>`, checked; a version repeated is an error.
/// An item's hearing relevance is checked against the default thresholds (Order 30 Art. 89):
/// the catalogue states what the law gives, whatever the settings say of a case.
pub fn load(data_dir: Option<&Path>) -> Result<Published, ListError> {
    let rules = &HearingRules::default();
    let mut catalogue_files: Vec<(String, String)> = EMBEDDED_CATALOGUES
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    let mut power_files: Vec<(String, String)> = EMBEDDED_POWERS
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    if let Some(dir) = data_dir {
        catalogue_files.extend(read_files(&dir.join("violations"))?);
        power_files.extend(read_files(&dir.join("powers"))?);
    }
    let mut catalogues: Vec<Catalogue> = Vec::new();
    for (file, text) in &catalogue_files {
        let err = |problem: String| ListError {
            file: file.clone(),
            problem,
        };
        let c: Catalogue = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        c.check(rules).map_err(|r| err(refusal_text(&r)))?;
        if catalogues.iter().any(|d| d.version == c.version) {
            return Err(err(format!("version {} published twice", c.version)));
        }
        catalogues.push(c);
    }
    catalogues.sort_by_key(|c| c.effective_on);
    let mut lists: Vec<PowerList> = Vec::new();
    for (file, text) in &power_files {
        let err = |problem: String| ListError {
            file: file.clone(),
            problem,
        };
        let f: PowerListFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let catalogue = catalogues
            .iter()
            .find(|c| c.version == f.catalogue)
            .ok_or_else(|| err(format!("catalogue {} is not published", f.catalogue)))?;
        let list = f.build(catalogue).map_err(|r| err(refusal_text(&r)))?;
        if lists.iter().any(|l| l.version == list.version) {
            return Err(err(format!("version {} published twice", list.version)));
        }
        lists.push(list);
    }
    lists.sort_by_key(|l| l.effective_on);
    let mut powers: Vec<PowerVersion> = Vec::new();
    for list in lists {
        let changes = diff(powers.last().map(|v| &v.list), &list);
        powers.push(PowerVersion { list, changes });
    }
    Ok(Published { catalogues, powers })
}

impl App {
    /// The lists as published.
    pub fn published(&self) -> Arc<Published> {
        self.published
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the lists again (start-up, SIGHUP); a bad file keeps the old lists.
    pub fn reload_published(&self, data_dir: Option<&Path>) -> Result<(), ListError> {
        let published = load(data_dir)?;
        *self.published.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(published);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lists_load() {
        let p = load(None).unwrap();
        assert_eq!(p.catalogues.len(), 1);
        let v = &p.powers[0];
        assert!(v.changes.previous.is_none());
        assert_eq!(v.changes.added.len(), v.list.powers.len());
        assert!(v.list.demo_allocation);
        // One penalty power per violation.
        let penalties = v
            .list
            .powers
            .iter()
            .filter(|p| p.violation.is_some())
            .count();
        assert_eq!(penalties, p.catalogues[0].items.len());
    }

    /// A benchmark item calculates the fine of the catalogue's violation of the same code: the
    /// same article and the same legal range.
    #[test]
    fn every_benchmark_item_is_a_catalogue_violation() {
        let p = load(None).unwrap();
        for b in crate::discretion::shipped() {
            let c = p
                .catalogue_on(b.effective_on.max(p.catalogues[0].effective_on))
                .unwrap();
            for item in &b.items {
                let v = c
                    .item(&item.item)
                    .unwrap_or_else(|| panic!("{}", item.item));
                assert_eq!(v.penalty_basis.law, item.law, "{}", item.item);
                assert_eq!(v.penalty_basis.article, item.article, "{}", item.item);
                assert_eq!(
                    v.fine,
                    domain::violation::Fine::Range {
                        min_fen: item.legal_min_fen,
                        max_fen: item.legal_max_fen
                    },
                    "{}",
                    item.item
                );
            }
        }
    }
}
