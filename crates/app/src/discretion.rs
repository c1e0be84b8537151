//! The discretion benchmarks in force and the calculation anyone may run against them: the
//! shipped versions are embedded from `config/discretion/` (reviewed like code, never changed
//! once published), read and checked when the app starts.

use crate::{App, AppError};
use domain::discretion::{Benchmark, Calculation, Circumstance, calculate};
use domain::{Reason, Refusal, RefusalKind};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const EMBEDDED: &[(&str, &str)] = &[(
    "gd-model-1.toml",
    include_str!("../../../config/discretion/gd-model-1.toml"),
)];

/// The shipped versions, oldest first; a file that does not parse or check is a build defect,
/// caught by the tests, and leaves the list without it (logged).
pub fn shipped() -> &'static [Benchmark] {
    static LIST: OnceLock<Vec<Benchmark>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut out = Vec::new();
        for (name, text) in EMBEDDED {
            match toml::from_str::<Benchmark>(text) {
                Ok(b) if b.check().is_ok() => out.push(b),
                Ok(_) => tracing::error!(file = name, "a discretion benchmark does not check"),
                Err(e) => tracing::error!(file = name, error = %e, "a discretion benchmark does not parse"),
            }
        }
        out.sort_by_key(|b| b.effective_on);
        out
    })
}

impl App {
    /// Every benchmark version, oldest first.
    pub fn benchmarks(&self) -> &'static [Benchmark] {
        shipped()
    }

    /// A calculation (nothing stored): `version` empty means the version in force today.
    pub fn calculate_fine(
        &self,
        item: &str,
        version: &str,
        facts: &BTreeMap<String, String>,
        circumstances: &[String],
    ) -> Result<Calculation, AppError> {
        let today = self.today();
        let benchmark = if version.is_empty() {
            shipped().iter().rev().find(|b| b.effective_on <= today)
        } else {
            shipped().iter().find(|b| b.version == version)
        }
        .ok_or_else(|| {
            Refusal::one(
                RefusalKind::Invalid,
                Reason::new("discretion.unknown_version")
                    .field("version")
                    .arg("version", version),
            )
        })?;
        let found = benchmark.item(item).ok_or_else(|| {
            Refusal::one(
                RefusalKind::Invalid,
                Reason::new("discretion.unknown_item")
                    .field("item")
                    .arg("item", item),
            )
        })?;
        let mut parsed = Vec::new();
        for (i, c) in circumstances.iter().enumerate() {
            parsed.push(Circumstance::parse(c).ok_or_else(|| {
                Refusal::one(
                    RefusalKind::Invalid,
                    Reason::new("discretion.unknown_circumstance")
                        .field(format!("circumstances[{i}]"))
                        .arg("value", c),
                )
            })?);
        }
        Ok(calculate(benchmark, found, facts, &parsed)?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_version_parses_and_checks() {
        assert_eq!(super::shipped().len(), super::EMBEDDED.len());
    }
}
