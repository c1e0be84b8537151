//! Discretion benchmarks (行政处罚裁量基准): the published tables that turn a violation's facts
//! into a fine, and the calculation that explains each fine by its factors, so like cases get
//! like penalties and anyone can recompute why.
//!
//! The model is Guangdong's (`shared/reference/rules.md` §3.2–3.4, source S12 Arts. 5, 6, 12 and
//! Annex 1; Jiangmen's tier shifts, S13 Arts. 5, 6, 8, 14): weighted accumulation — a starting
//! weight plus one weight per factor tier, summed, capped at 100 %, times the statutory maximum
//! — or a range picked by the factors; a factor that cannot be established takes its lowest
//! tier. No Yunnan or Xishuangbanna table was found: the shipped table is labelled as the
//! Guangdong model, not adopted here. Weights are in basis points (1/100 of a per cent) and
//! amounts in fen, so every result is exact.
//!
//! 《中华人民共和国行政处罚法》第二十九条 (one fine per act, the highest applicable), 第三十二条
//! (mandatory mitigation), 第三十三条 (no penalty for a minor violation corrected in time with no
//! harm; may be none for a first one; none without fault).

use crate::refusal::{LegalSource, Reasons};
use crate::{Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 100 % in basis points.
pub const FULL: i64 = 10_000;

pub const NO_PENALTY: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第三十三条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 33",
};

pub const MITIGATION: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第三十二条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 32",
};

/// One tier of a factor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub tier: String,
    pub name: String,
    /// Weighted mode: the tier's weight in basis points.
    #[serde(default)]
    pub weight_bp: i64,
    /// Range mode: the range (0 light, 1 normal, 2 heavy, …) the tier calls for.
    #[serde(default)]
    pub level: usize,
}

/// A factor of an item, its tiers from the lowest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    pub factor: String,
    pub name: String,
    pub tiers: Vec<Tier>,
}

/// A fine range of range mode, both ends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FineRange {
    pub name: String,
    pub min_fen: i64,
    pub max_fen: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Starting weight plus the tiers' weights, capped at 100 %, times the legal maximum.
    Weighted,
    /// The factors pick one of the item's ranges (the heaviest any of them calls for).
    Range,
}

/// An item of a benchmark: one violation, its legal range and how the fine is found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub item: String,
    pub name: String,
    /// The provision imposing the fine, as cited.
    pub law: String,
    pub article: String,
    pub mode: Mode,
    pub legal_min_fen: i64,
    pub legal_max_fen: i64,
    /// Weighted mode: the starting weight (裁量起点).
    #[serde(default)]
    pub start_weight_bp: i64,
    /// Weighted mode: the lowest total weight (Guangdong's floor for some tables).
    #[serde(default)]
    pub floor_weight_bp: i64,
    /// Range mode: the ranges, light to heavy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<FineRange>,
    pub factors: Vec<Factor>,
    /// Circumstances a factor of the item already counts (a repeat count, the pollutant's
    /// class): refused, so one fact is never counted twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_circumstances: Vec<Circumstance>,
    /// Where the table comes from.
    pub source: String,
}

/// A version of the benchmark as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    pub version: String,
    pub effective_on: NaiveDate,
    /// Whether the bureau adopted it; the shipped Guangdong model is not (every page says so).
    pub adopted: bool,
    /// The label shown with every use ("广东省模型，未经本州采纳").
    pub label: String,
    pub items: Vec<Item>,
}

/// A circumstance of the case that moves the fine or rules it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Circumstance {
    // Aggravating → the top of the fine's tier (Jiangmen Art. 5).
    ViolenceAgainstOfficers,
    CrossCounty,
    BadSocialReaction,
    ToxicOrHazardous,
    #[serde(rename = "two_similar_penalties_in_2_years")]
    TwoSimilarPenaltiesIn2Years,
    // Up one tier, the top of it (Jiangmen Art. 5).
    #[serde(rename = "three_similar_penalties_in_2_years")]
    ThreeSimilarPenaltiesIn2Years,
    LargerEmergency,
    LargerMassIncident,
    DrinkingWaterInterrupted,
    ViolenceCausingInjury,
    // Mitigating → the low end of the tier (Jiangmen Art. 6; APL Art. 32).
    RemovedOrReducedHarm,
    MeritoriousHelp,
    FirstNoIntentMinorHarm,
    CorrectedOnItsOwn,
    PaidDamages,
    LiabilityInsurance,
    Coerced,
    ConfessedUnknownViolations,
    // No penalty (APL Art. 33).
    MinorCorrectedNoHarm,
    FirstViolationMinorCorrected,
    NoFaultProven,
}

/// How a circumstance acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    TopOfTier,
    UpOneTier,
    LowOfTier,
    /// No penalty: the law forbids one.
    NoPenaltyRequired,
    /// No penalty may be imposed: the authority decides, the amount is still computed.
    NoPenaltyPermitted,
}

impl Circumstance {
    pub const ALL: [Circumstance; 21] = [
        Circumstance::ViolenceAgainstOfficers,
        Circumstance::CrossCounty,
        Circumstance::BadSocialReaction,
        Circumstance::ToxicOrHazardous,
        Circumstance::TwoSimilarPenaltiesIn2Years,
        Circumstance::ThreeSimilarPenaltiesIn2Years,
        Circumstance::LargerEmergency,
        Circumstance::LargerMassIncident,
        Circumstance::DrinkingWaterInterrupted,
        Circumstance::ViolenceCausingInjury,
        Circumstance::RemovedOrReducedHarm,
        Circumstance::MeritoriousHelp,
        Circumstance::FirstNoIntentMinorHarm,
        Circumstance::CorrectedOnItsOwn,
        Circumstance::PaidDamages,
        Circumstance::LiabilityInsurance,
        Circumstance::Coerced,
        Circumstance::ConfessedUnknownViolations,
        Circumstance::MinorCorrectedNoHarm,
        Circumstance::FirstViolationMinorCorrected,
        Circumstance::NoFaultProven,
    ];

    pub fn effect(self) -> Effect {
        use Circumstance::*;
        match self {
            ViolenceAgainstOfficers
            | CrossCounty
            | BadSocialReaction
            | ToxicOrHazardous
            | TwoSimilarPenaltiesIn2Years => Effect::TopOfTier,
            ThreeSimilarPenaltiesIn2Years
            | LargerEmergency
            | LargerMassIncident
            | DrinkingWaterInterrupted
            | ViolenceCausingInjury => Effect::UpOneTier,
            RemovedOrReducedHarm
            | MeritoriousHelp
            | FirstNoIntentMinorHarm
            | CorrectedOnItsOwn
            | PaidDamages
            | LiabilityInsurance
            | Coerced
            | ConfessedUnknownViolations => Effect::LowOfTier,
            MinorCorrectedNoHarm | NoFaultProven => Effect::NoPenaltyRequired,
            FirstViolationMinorCorrected => Effect::NoPenaltyPermitted,
        }
    }

    pub fn as_str(self) -> &'static str {
        use Circumstance::*;
        match self {
            ViolenceAgainstOfficers => "violence_against_officers",
            CrossCounty => "cross_county",
            BadSocialReaction => "bad_social_reaction",
            ToxicOrHazardous => "toxic_or_hazardous",
            TwoSimilarPenaltiesIn2Years => "two_similar_penalties_in_2_years",
            ThreeSimilarPenaltiesIn2Years => "three_similar_penalties_in_2_years",
            LargerEmergency => "larger_emergency",
            LargerMassIncident => "larger_mass_incident",
            DrinkingWaterInterrupted => "drinking_water_interrupted",
            ViolenceCausingInjury => "violence_causing_injury",
            RemovedOrReducedHarm => "removed_or_reduced_harm",
            MeritoriousHelp => "meritorious_help",
            FirstNoIntentMinorHarm => "first_no_intent_minor_harm",
            CorrectedOnItsOwn => "corrected_on_its_own",
            PaidDamages => "paid_damages",
            LiabilityInsurance => "liability_insurance",
            Coerced => "coerced",
            ConfessedUnknownViolations => "confessed_unknown_violations",
            MinorCorrectedNoHarm => "minor_corrected_no_harm",
            FirstViolationMinorCorrected => "first_violation_minor_corrected",
            NoFaultProven => "no_fault_proven",
        }
    }

    pub fn parse(s: &str) -> Option<Circumstance> {
        Circumstance::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Where the rule comes from.
    pub fn source(self) -> &'static str {
        match self.effect() {
            Effect::TopOfTier | Effect::UpOneTier => {
                "江门市生态环境局行政处罚自由裁量权细化标准 第五条"
            }
            Effect::LowOfTier => {
                "江门市生态环境局行政处罚自由裁量权细化标准 第六条；《中华人民共和国行政处罚法》第三十二条"
            }
            Effect::NoPenaltyRequired | Effect::NoPenaltyPermitted => {
                "《中华人民共和国行政处罚法》第三十三条"
            }
        }
    }
}

/// One factor as the calculation used it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsedFactor {
    pub factor: String,
    pub tier: String,
    /// The tier was not established and the lowest was taken (S12 Art. 5).
    pub lowest_taken: bool,
    pub weight_bp: i64,
    pub level: usize,
    pub source: String,
}

/// A move of the amount by the case's circumstances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shift {
    pub circumstance: &'static str,
    pub effect: Effect,
    pub source: &'static str,
}

/// The result of a calculation, which explains itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Calculation {
    pub item: String,
    pub version: String,
    /// Whether the bureau adopted the version, and its label (the shipped Guangdong model is
    /// not adopted: every result says so).
    pub adopted: bool,
    pub label: String,
    pub amount_fen: i64,
    pub legal_min_fen: i64,
    pub legal_max_fen: i64,
    /// Weighted mode: the starting weight and the total (before the cap).
    pub start_weight_bp: i64,
    pub total_weight_bp: i64,
    /// The amount before the circumstances moved it.
    pub base_amount_fen: i64,
    /// The tier (range) of the fine the circumstances moved within: 0 light, 1 normal, 2 heavy.
    pub tier: usize,
    pub factors: Vec<UsedFactor>,
    pub shifts: Vec<Shift>,
    /// `required`: no penalty (APL Art. 33); `permitted`: the authority may impose none.
    pub no_penalty: Option<&'static str>,
}

impl Benchmark {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.item == code)
    }

    /// A table that can be calculated with: amounts ordered, tiers named once with weights that
    /// never fall as the tier rises, ranges inside the legal range. Each problem is named.
    pub fn check(&self) -> Result<(), Refusal> {
        let mut invalid = Reasons::default();
        let mut seen = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            let at = |f: &str| format!("items[{i}].{f}");
            if seen.contains(&item.item.as_str()) {
                invalid.push(Reason::new("discretion.item_repeated").field(at("item")));
            }
            seen.push(item.item.as_str());
            if item.legal_min_fen < 0 || item.legal_max_fen < item.legal_min_fen {
                invalid.push(Reason::new("discretion.bad_range").field(at("legal_max_fen")));
            }
            if !(0..=FULL).contains(&item.start_weight_bp)
                || !(0..=FULL).contains(&item.floor_weight_bp)
            {
                invalid.push(Reason::new("discretion.bad_weight").field(at("start_weight_bp")));
            }
            if item.mode == Mode::Range {
                let ok = !item.ranges.is_empty()
                    && item
                        .ranges
                        .windows(2)
                        .all(|w| w[0].min_fen <= w[1].min_fen && w[0].max_fen <= w[1].max_fen)
                    && item.ranges.iter().all(|r| {
                        item.legal_min_fen <= r.min_fen
                            && r.min_fen <= r.max_fen
                            && r.max_fen <= item.legal_max_fen
                    });
                if !ok {
                    invalid.push(Reason::new("discretion.bad_ranges").field(at("ranges")));
                }
            }
            for (j, f) in item.factors.iter().enumerate() {
                let ok = !f.tiers.is_empty()
                    && f.tiers
                        .windows(2)
                        .all(|w| w[0].weight_bp <= w[1].weight_bp && w[0].level <= w[1].level)
                    && f.tiers.iter().all(|t| {
                        (0..=FULL).contains(&t.weight_bp)
                            && (item.mode == Mode::Weighted || t.level < item.ranges.len())
                    })
                    && f.tiers
                        .iter()
                        .enumerate()
                        .all(|(k, t)| f.tiers[..k].iter().all(|u| u.tier != t.tier));
                if !ok {
                    invalid.push(
                        Reason::new("discretion.bad_tiers")
                            .field(format!("items[{i}].factors[{j}]")),
                    );
                }
            }
        }
        invalid.into_result(RefusalKind::Invalid)
    }
}

/// The three tiers of a legal range (S12 Art. 12: light below the middle, heavy from it): the
/// boundaries light [min, mid], heavy [mid, max], with `mid` the average.
fn legal_tiers(min: i64, max: i64) -> Vec<(i64, i64)> {
    let mid = min + (max - min) / 2;
    vec![(min, mid), (mid, mid), (mid, max)]
}

/// The fine for `facts` (factor → tier; a factor not given, or not established, takes its lowest
/// tier) and `circumstances`, by `item` of `benchmark`. The same input always gives the same
/// output.
pub fn calculate(
    benchmark: &Benchmark,
    item: &Item,
    facts: &BTreeMap<String, String>,
    circumstances: &[Circumstance],
) -> Result<Calculation, Refusal> {
    let mut invalid = Reasons::default();
    for f in facts.keys() {
        if !item.factors.iter().any(|x| &x.factor == f) {
            invalid.push(
                Reason::new("discretion.unknown_factor")
                    .field(format!("facts.{f}"))
                    .arg("factor", f),
            );
        }
    }
    let mut used = Vec::new();
    for f in &item.factors {
        let (tier, lowest_taken) = match facts.get(&f.factor) {
            Some(t) => match f.tiers.iter().find(|x| &x.tier == t) {
                Some(x) => (x, false),
                None => {
                    invalid.push(
                        Reason::new("discretion.unknown_tier")
                            .field(format!("facts.{}", f.factor))
                            .arg("tier", t),
                    );
                    continue;
                }
            },
            None => match f.tiers.first() {
                Some(x) => (x, true),
                None => continue,
            },
        };
        used.push(UsedFactor {
            factor: f.factor.clone(),
            tier: tier.tier.clone(),
            lowest_taken,
            weight_bp: tier.weight_bp,
            level: tier.level,
            source: item.source.clone(),
        });
    }
    for (i, c) in circumstances.iter().enumerate() {
        if item.excluded_circumstances.contains(c) {
            invalid.push(
                Reason::new("discretion.circumstance_in_factors")
                    .field(format!("circumstances[{i}]"))
                    .arg("value", c.as_str()),
            );
        }
    }
    // No penalty, or a first minor offence, cannot stand with harm done or repeated offences.
    let lenient = circumstances.iter().any(|c| {
        matches!(
            c.effect(),
            Effect::NoPenaltyRequired | Effect::NoPenaltyPermitted
        ) || *c == Circumstance::FirstNoIntentMinorHarm
    });
    let grave = circumstances.iter().any(|c| {
        c.effect() == Effect::UpOneTier
            || matches!(
                c,
                Circumstance::BadSocialReaction
                    | Circumstance::ToxicOrHazardous
                    | Circumstance::TwoSimilarPenaltiesIn2Years
            )
    });
    if lenient && grave {
        invalid.push(
            Reason::new("discretion.contradictory")
                .field("circumstances")
                .source(NO_PENALTY),
        );
    }
    invalid.into_result(RefusalKind::Invalid)?;

    let (min, max) = (item.legal_min_fen, item.legal_max_fen);
    let (total, base, tiers, tier) = match item.mode {
        Mode::Weighted => {
            let total = item.start_weight_bp + used.iter().map(|u| u.weight_bp).sum::<i64>();
            let weight = total.clamp(item.floor_weight_bp, FULL);
            // Exact: weight ≤ 10,000 and amounts ≤ 10^15 fen fit an i128 product.
            let amount = (i128::from(max) * i128::from(weight) / i128::from(FULL)) as i64;
            let base = amount.clamp(min, max);
            let tiers = legal_tiers(min, max);
            // Below the average light, at it normal, above it heavy (S12 Art. 12).
            let mid = tiers[1].0;
            let tier = match base.cmp(&mid) {
                std::cmp::Ordering::Less => 0,
                std::cmp::Ordering::Equal => 1,
                std::cmp::Ordering::Greater => 2,
            };
            (total, base, tiers, tier)
        }
        Mode::Range => {
            let level = used.iter().map(|u| u.level).max().unwrap_or(0);
            let tiers: Vec<(i64, i64)> =
                item.ranges.iter().map(|r| (r.min_fen, r.max_fen)).collect();
            let (lo, hi) = tiers[level.min(tiers.len() - 1)];
            // No circumstance: the middle of the range (Jiangmen Art. 8).
            (
                0,
                lo + (hi - lo) / 2,
                tiers,
                level.min(item.ranges.len() - 1),
            )
        }
    };

    // The circumstances: up one tier or the top of this one (aggravating), the low end
    // (mitigating); both kinds together leave the amount where the factors put it.
    let mut sorted = circumstances.to_vec();
    sorted.sort();
    sorted.dedup();
    let has = |e: Effect| sorted.iter().any(|c| c.effect() == e);
    let up = has(Effect::UpOneTier);
    let top = has(Effect::TopOfTier);
    let low = has(Effect::LowOfTier);
    let mut amount = base;
    if up {
        amount = tiers.get(tier + 1).map(|t| t.1).unwrap_or(max);
    } else if top {
        amount = tiers[tier].1;
    }
    if low {
        amount = if up || top { base } else { tiers[tier].0 };
    }
    let amount = amount.clamp(min, max);
    let no_penalty = if has(Effect::NoPenaltyRequired) {
        Some("required")
    } else if has(Effect::NoPenaltyPermitted) {
        Some("permitted")
    } else {
        None
    };
    Ok(Calculation {
        item: item.item.clone(),
        version: benchmark.version.clone(),
        adopted: benchmark.adopted,
        label: benchmark.label.clone(),
        amount_fen: if no_penalty == Some("required") {
            0
        } else {
            amount
        },
        legal_min_fen: min,
        legal_max_fen: max,
        start_weight_bp: item.start_weight_bp,
        total_weight_bp: total,
        base_amount_fen: base,
        tier,
        factors: used,
        shifts: sorted
            .iter()
            .map(|c| Shift {
                circumstance: c.as_str(),
                effect: c.effect(),
                source: c.source(),
            })
            .collect(),
        no_penalty,
    })
}

/// One act, several items applicable: the highest fine (APL Art. 29).
pub fn highest(calculations: Vec<Calculation>) -> Option<Calculation> {
    calculations.into_iter().max_by_key(|c| c.amount_fen)
}

/// A version proposed by the legal reviewers: the bureau's own table (adopted once approved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkProposed {
    pub benchmark: Benchmark,
    pub proposed_by: String,
}

impl crate::event::EventPayload for BenchmarkProposed {
    fn counties(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A head's approval of a proposed version, from its effective day (never before the day of
/// approval): from then it is published and calculations may use it; it never changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkApproved {
    pub version: String,
    pub effective_on: NaiveDate,
    pub approved_by: String,
}

impl crate::event::EventPayload for BenchmarkApproved {
    fn counties(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A version as kept: the table, who proposed it, and once approved who approved it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBenchmark {
    pub benchmark: Benchmark,
    pub proposed_by: String,
    pub approved_by: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ProposeBenchmark {
    pub benchmark: Benchmark,
}

pub struct ProposeBenchmarkState {
    /// Every version that exists: shipped, proposed or approved.
    pub versions: Vec<String>,
}

/// The table's words: one line each, no control characters, bounded, each named by its place.
fn check_benchmark_texts(b: &Benchmark) -> Result<(), Refusal> {
    let mut invalid = Reasons::default();
    let mut text = |field: String, value: &str, max: usize| {
        if let Err(r) = crate::text::check_text(&field, value, false) {
            invalid.push(r);
        } else if value.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(field));
        } else if value.chars().count() > max {
            invalid.push(Reason::new("field.too_long").field(field).arg("max", max));
        }
    };
    text("version".into(), &b.version, 64);
    text("label".into(), &b.label, 200);
    for (i, item) in b.items.iter().enumerate() {
        text(format!("items[{i}].item"), &item.item, 64);
        text(format!("items[{i}].name"), &item.name, 500);
        text(format!("items[{i}].law"), &item.law, 200);
        text(format!("items[{i}].article"), &item.article, 200);
        text(format!("items[{i}].source"), &item.source, 500);
        for (j, r) in item.ranges.iter().enumerate() {
            text(format!("items[{i}].ranges[{j}].name"), &r.name, 100);
        }
        for (j, f) in item.factors.iter().enumerate() {
            text(format!("items[{i}].factors[{j}].factor"), &f.factor, 64);
            text(format!("items[{i}].factors[{j}].name"), &f.name, 200);
            for (k, t) in f.tiers.iter().enumerate() {
                text(
                    format!("items[{i}].factors[{j}].tiers[{k}].tier"),
                    &t.tier,
                    64,
                );
                text(
                    format!("items[{i}].factors[{j}].tiers[{k}].name"),
                    &t.name,
                    200,
                );
            }
        }
    }
    invalid.into_result(RefusalKind::Invalid)
}

/// A legal reviewer proposes a new version (the bureau's own, adopted once a head approves it).
pub fn decide_propose_benchmark(
    state: &ProposeBenchmarkState,
    actor: &crate::Actor,
    cmd: &ProposeBenchmark,
) -> Result<Vec<crate::event::Payload>, Refusal> {
    // The legal review proposes (with the detachment leader, who also reviews cases).
    crate::permission::reach(actor, crate::permission::Capability::CaseReview)?;
    let b = &cmd.benchmark;
    check_benchmark_texts(b)?;
    if b.items.is_empty() || b.items.len() > 500 {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("discretion.bad_items").field("items"),
        ));
    }
    b.check()?;
    if state.versions.iter().any(|v| v == &b.version) {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("discretion.version_exists")
                .field("version")
                .arg("version", &b.version),
        ));
    }
    Ok(vec![
        BenchmarkProposed {
            benchmark: Benchmark {
                adopted: true,
                ..b.clone()
            },
            proposed_by: actor.name().to_owned(),
        }
        .into(),
    ])
}

#[derive(Clone, Debug)]
pub struct ApproveBenchmark {
    pub version: String,
    pub effective_on: NaiveDate,
}

pub struct ApproveBenchmarkState {
    pub stored: Option<StoredBenchmark>,
    pub today: NaiveDate,
}

/// A bureau head approves a proposed version from a day not before today; not one's own.
pub fn decide_approve_benchmark(
    state: &ApproveBenchmarkState,
    actor: &crate::Actor,
    cmd: &ApproveBenchmark,
) -> Result<Vec<crate::event::Payload>, Refusal> {
    crate::permission::reach(actor, crate::permission::Capability::CaseApprove)?;
    let Some(stored) = &state.stored else {
        return Err(Refusal::not_found());
    };
    let mut unmet = Reasons::default();
    if stored.approved_by.is_some() {
        unmet.push(Reason::new("discretion.version_approved").field("version"));
    }
    if stored.proposed_by == actor.name() {
        unmet.push(Reason::new("approval.own_proposal"));
    }
    if cmd.effective_on < state.today {
        unmet.push(
            Reason::new("discretion.effective_in_past")
                .field("effective_on")
                .arg("today", state.today),
        );
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        BenchmarkApproved {
            version: stored.benchmark.version.clone(),
            effective_on: cmd.effective_on,
            approved_by: actor.name().to_owned(),
        }
        .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Guangdong's table for the Air Pollution Prevention Law Art. 99(2) (rules.md §3.3).
    fn art99_2() -> Benchmark {
        toml::from_str(include_str!("../../../config/discretion/gd-model-1.toml")).unwrap()
    }

    fn facts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_two_worked_examples_exactly() {
        let b = art99_2();
        b.check().unwrap();
        let item = b.item("air_99_2").unwrap();
        // A: one B-class pollutant at 2.5×, general area, normal period, first offence.
        let a = calculate(
            &b,
            item,
            &facts(&[
                ("pollutant_count", "1"),
                ("pollutant_class", "b_class"),
                ("location", "general"),
                ("timing", "normal"),
                ("exceedance", "under_3x"),
                ("similar_in_2_years", "1"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(a.total_weight_bp, 2000);
        assert_eq!(a.amount_fen, 20_000_000);
        // B: two A-class pollutants at 10× near a reserve in a heavy-pollution alert, the
        // third violation in two years.
        let b2 = calculate(
            &b,
            item,
            &facts(&[
                ("pollutant_count", "2"),
                ("pollutant_class", "a_class"),
                ("location", "ecologically_sensitive"),
                ("timing", "heavy_pollution_alert"),
                ("exceedance", "8x_to_20x"),
                ("similar_in_2_years", "3"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(b2.total_weight_bp, 8200);
        assert_eq!(b2.amount_fen, 82_000_000);
        // A factor not established takes its lowest tier: the same as stating it.
        let c = calculate(&b, item, &facts(&[("pollutant_class", "b_class")]), &[]).unwrap();
        assert_eq!(c.amount_fen, 20_000_000);
        assert!(c.factors.iter().any(|f| f.lowest_taken));
    }

    /// Range mode: the heaviest range any factor calls for, its middle; the circumstances move
    /// within the ranges, never past the legal range.
    #[test]
    fn range_mode_picks_the_heaviest_range() {
        let range = |name: &str, min_fen, max_fen| FineRange {
            name: name.into(),
            min_fen,
            max_fen,
        };
        let tier = |t: &str, level| Tier {
            tier: t.into(),
            name: t.into(),
            weight_bp: 0,
            level,
        };
        let item = Item {
            item: "r".into(),
            name: "r".into(),
            law: "《某法》".into(),
            article: "第一条".into(),
            mode: Mode::Range,
            legal_min_fen: 1_000,
            legal_max_fen: 20_000,
            start_weight_bp: 0,
            floor_weight_bp: 0,
            ranges: vec![
                range("light", 1_000, 5_000),
                range("normal", 5_000, 10_000),
                range("heavy", 10_000, 20_000),
            ],
            factors: vec![
                Factor {
                    factor: "harm".into(),
                    name: "harm".into(),
                    tiers: vec![tier("low", 0), tier("high", 2)],
                },
                Factor {
                    factor: "fault".into(),
                    name: "fault".into(),
                    tiers: vec![tier("none", 0), tier("some", 1)],
                },
            ],
            excluded_circumstances: Vec::new(),
            source: "test".into(),
        };
        let b = Benchmark {
            version: "t".into(),
            effective_on: "2026-01-01".parse().unwrap(),
            adopted: false,
            label: "test".into(),
            items: vec![item.clone()],
        };
        b.check().unwrap();
        let amount = |f: &[(&str, &str)], c: &[Circumstance]| {
            calculate(&b, &item, &facts(f), c).unwrap().amount_fen
        };
        assert_eq!(amount(&[], &[]), 3_000);
        assert_eq!(amount(&[("fault", "some")], &[]), 7_500);
        assert_eq!(amount(&[("fault", "some"), ("harm", "high")], &[]), 15_000);
        let fault = [("fault", "some")];
        assert_eq!(amount(&fault, &[Circumstance::CrossCounty]), 10_000);
        assert_eq!(amount(&fault, &[Circumstance::Coerced]), 5_000);
        assert_eq!(amount(&fault, &[Circumstance::LargerEmergency]), 20_000);
        assert_eq!(
            amount(&[("harm", "high")], &[Circumstance::LargerEmergency]),
            20_000
        );
        assert_eq!(
            amount(&fault, &[Circumstance::CrossCounty, Circumstance::Coerced]),
            7_500
        );
        // One act, several items: the highest (APL Art. 29).
        let a = calculate(&b, &item, &facts(&fault), &[]).unwrap();
        let c = calculate(&b, &item, &facts(&[("harm", "high")]), &[]).unwrap();
        assert_eq!(highest(vec![a, c]).unwrap().amount_fen, 15_000);
    }

    #[test]
    fn one_fact_is_not_counted_twice_nor_contradicted() {
        let b = art99_2();
        let item = b.item("air_99_2").unwrap();
        let codes = |cs: &[Circumstance]| {
            calculate(&b, item, &BTreeMap::new(), cs)
                .unwrap_err()
                .reasons
                .iter()
                .map(|r| r.code)
                .collect::<Vec<_>>()
        };
        // The repeat count is a factor of this item.
        assert_eq!(
            codes(&[Circumstance::ThreeSimilarPenaltiesIn2Years]),
            vec!["discretion.circumstance_in_factors"]
        );
        assert_eq!(
            codes(&[
                Circumstance::MinorCorrectedNoHarm,
                Circumstance::LargerEmergency
            ]),
            vec!["discretion.contradictory"]
        );
    }

    /// The names in data are the names of the API.
    #[test]
    fn circumstances_serialise_as_their_names() {
        for c in Circumstance::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }

    #[test]
    fn bad_facts_are_named() {
        let b = art99_2();
        let item = b.item("air_99_2").unwrap();
        let r = calculate(
            &b,
            item,
            &facts(&[("colour", "red"), ("timing", "midnight")]),
            &[],
        )
        .unwrap_err();
        let codes: Vec<_> = r.reasons.iter().map(|r| r.code).collect();
        assert_eq!(
            codes,
            vec!["discretion.unknown_factor", "discretion.unknown_tier"]
        );
    }

    fn tiers_strategy(item: &Item) -> impl Strategy<Value = BTreeMap<String, String>> + use<> {
        let choices: Vec<(String, Vec<String>)> = item
            .factors
            .iter()
            .map(|f| {
                (
                    f.factor.clone(),
                    f.tiers.iter().map(|t| t.tier.clone()).collect(),
                )
            })
            .collect();
        let n = choices.len();
        proptest::collection::vec(any::<prop::sample::Index>(), n).prop_map(move |idx| {
            choices
                .iter()
                .zip(idx)
                .map(|((f, ts), i)| (f.clone(), ts[i.index(ts.len())].clone()))
                .collect()
        })
    }

    fn circumstances() -> impl Strategy<Value = Vec<Circumstance>> {
        proptest::collection::vec(prop::sample::select(Circumstance::ALL.to_vec()), 0..5)
    }

    proptest! {
        /// Every combination of tiers and circumstances stays within the legal range.
        #[test]
        fn within_the_legal_range(
            f in tiers_strategy(art99_2().item("air_99_2").unwrap()),
            cs in circumstances(),
        ) {
            let b = art99_2();
            let item = b.item("air_99_2").unwrap();
            let Ok(c) = calculate(&b, item, &f, &cs) else {
                // Refused: a circumstance the factors count, or contradictory ones.
                return Ok(());
            };
            if c.no_penalty != Some("required") {
                prop_assert!(item.legal_min_fen <= c.amount_fen && c.amount_fen <= item.legal_max_fen);
            }
            // The same input, the same output.
            prop_assert_eq!(c, calculate(&b, item, &f, &cs).unwrap());
        }

        /// An aggravating circumstance never lowers the amount, a mitigating one never raises
        /// it, and a higher tier of any factor never lowers it.
        #[test]
        fn aggravating_never_lowers_and_mitigating_never_raises(
            f in tiers_strategy(art99_2().item("air_99_2").unwrap()),
            cs in circumstances(),
            added in prop::sample::select(Circumstance::ALL.to_vec()),
        ) {
            let b = art99_2();
            let item = b.item("air_99_2").unwrap();
            let cs: Vec<_> = cs.into_iter().filter(|c| !matches!(c.effect(), Effect::NoPenaltyRequired)).collect();
            let Ok(before) = calculate(&b, item, &f, &cs).map(|c| c.amount_fen) else {
                return Ok(());
            };
            let mut more = cs.clone();
            more.push(added);
            let Ok(after) = calculate(&b, item, &f, &more).map(|c| c.amount_fen) else {
                return Ok(());
            };
            match added.effect() {
                Effect::TopOfTier | Effect::UpOneTier => prop_assert!(after >= before),
                Effect::LowOfTier => prop_assert!(after <= before),
                Effect::NoPenaltyRequired => prop_assert_eq!(after, 0),
                Effect::NoPenaltyPermitted => prop_assert_eq!(after, before),
            }
            for factor in &item.factors {
                let at = f.get(&factor.factor).unwrap();
                let k = factor.tiers.iter().position(|t| &t.tier == at).unwrap();
                if let Some(next) = factor.tiers.get(k + 1) {
                    let mut higher = f.clone();
                    higher.insert(factor.factor.clone(), next.tier.clone());
                    let raised = calculate(&b, item, &higher, &cs).map(|c| c.amount_fen).unwrap_or(before);
                    prop_assert!(raised >= before, "{} {} → {}", factor.factor, before, raised);
                }
            }
        }
    }
}
