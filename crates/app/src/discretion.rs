//! The discretion benchmarks in force and the calculation anyone may run against them: the
//! shipped versions are embedded from `config/discretion/` (reviewed like code, never changed
//! once published), read and checked when the app starts.

use crate::{App, AppError};
use domain::Actor;
use domain::discretion::{
    ApproveBenchmark, ApproveBenchmarkState, Benchmark, Calculation, Circumstance,
    ProposeBenchmark, ProposeBenchmarkState, StoredBenchmark, calculate,
};
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
    /// Every published version, oldest first: the shipped ones and those a head approved.
    pub async fn benchmarks(&self) -> Result<Vec<Benchmark>, AppError> {
        let mut out: Vec<Benchmark> = shipped().to_vec();
        for s in self.store.stored_benchmarks().await? {
            if s.approved_by.is_some() {
                out.push(s.benchmark);
            }
        }
        out.sort_by_key(|b| b.effective_on);
        Ok(out)
    }

    /// Every proposed version, approved or not, for the legal review and the heads.
    pub async fn proposed_benchmarks(
        &self,
        actor: &Actor,
    ) -> Result<Vec<StoredBenchmark>, AppError> {
        let reviewer = domain::permission::reach(actor, domain::permission::Capability::CaseReview);
        if reviewer.is_err() {
            domain::permission::require(actor, domain::permission::Capability::CaseApprove)?;
        }
        Ok(self.store.stored_benchmarks().await?)
    }

    /// A legal reviewer proposes a new version (the bureau's own).
    pub async fn propose_benchmark(
        &self,
        actor: &Actor,
        benchmark: Benchmark,
    ) -> Result<crate::case::Written, AppError> {
        domain::permission::require(actor, domain::permission::Capability::CaseReview)?;
        let cmd = ProposeBenchmark { benchmark };
        let committed = self
            .command(
                actor,
                cmd,
                |r, _, _| {
                    Box::pin(async move {
                        let mut versions: Vec<String> =
                            shipped().iter().map(|b| b.version.clone()).collect();
                        versions.extend(
                            r.benchmark_versions()
                                .await?
                                .into_iter()
                                .map(|s| s.benchmark.version),
                        );
                        Ok(ProposeBenchmarkState { versions })
                    })
                },
                domain::discretion::decide_propose_benchmark,
            )
            .await?;
        Ok(committed
            .iter()
            .map(|r| (r.seq, r.event.schema()))
            .collect())
    }

    /// A head approves a proposed version from `effective_on`.
    pub async fn approve_benchmark(
        &self,
        actor: &Actor,
        version: String,
        effective_on: chrono::NaiveDate,
    ) -> Result<crate::case::Written, AppError> {
        domain::permission::require(actor, domain::permission::Capability::CaseApprove)?;
        domain::text::check_texts([("version", version.as_str(), false)])?;
        let cmd = ApproveBenchmark {
            version,
            effective_on,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        Ok(ApproveBenchmarkState {
                            stored: r.benchmark_version(&cmd.version).await?,
                            today: now.today,
                        })
                    })
                },
                domain::discretion::decide_approve_benchmark,
            )
            .await?;
        Ok(committed
            .iter()
            .map(|r| (r.seq, r.event.schema()))
            .collect())
    }

    /// A calculation (nothing stored): `version` empty means the version in force today.
    pub async fn calculate_fine(
        &self,
        item: &str,
        version: &str,
        facts: &BTreeMap<String, String>,
        circumstances: &[String],
    ) -> Result<Calculation, AppError> {
        let today = self.today();
        let all = self.benchmarks().await?;
        let benchmark = if version.is_empty() {
            all.iter().rev().find(|b| b.effective_on <= today)
        } else {
            all.iter().find(|b| b.version == version)
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

    /// A benchmark as a case uses it (a report's proposed fine, an advance notice): its inputs
    /// checked as text under `benchmark.`, calculated again here, and kept with the version
    /// and amount, so a later table never changes what the case used.
    pub async fn benchmark_use(
        &self,
        input: BenchmarkInput,
    ) -> Result<domain::case::notice::BenchmarkUse, AppError> {
        let named: Vec<String> = (0..input.circumstances.len())
            .map(|i| format!("benchmark.circumstances[{i}]"))
            .collect();
        let mut texts = vec![
            ("benchmark.item", input.item.as_str(), false),
            ("benchmark.version", input.version.as_str(), false),
        ];
        for (k, v) in &input.facts {
            texts.push(("benchmark.facts", k.as_str(), false));
            texts.push(("benchmark.facts", v.as_str(), false));
        }
        for (c, field) in input.circumstances.iter().zip(&named) {
            texts.push((field.as_str(), c.as_str(), false));
        }
        domain::text::check_texts(texts)?;
        let c = self
            .calculate_fine(
                &input.item,
                &input.version,
                &input.facts,
                &input.circumstances,
            )
            .await?;
        Ok(domain::case::notice::BenchmarkUse {
            item: c.item,
            version: c.version,
            facts: input.facts,
            circumstances: input.circumstances,
            amount_fen: c.amount_fen,
            departure_reason: input.departure_reason,
        })
    }
}

/// What a case's form or request gives of a benchmark calculation.
#[derive(Clone, Debug, Default)]
pub struct BenchmarkInput {
    pub item: String,
    /// Empty: the version in force today.
    pub version: String,
    pub facts: BTreeMap<String, String>,
    pub circumstances: Vec<String>,
    pub departure_reason: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_version_parses_and_checks() {
        assert_eq!(super::shipped().len(), super::EMBEDDED.len());
    }
}
