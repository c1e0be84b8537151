//! The published discretion benchmarks (一公开) and the public calculator: every version, its
//! items, factors, tiers and weights, and what a violation would cost and why (the same engine
//! as `POST /api/v1/discretion/calculate`). No sign-in; the calculator is a GET form, it
//! changes nothing. `/discretion.json` gives the same tables as data.

use super::{Chrome, PageCtx};
use crate::AppState;
use askama::Template;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::case::penalty::yuan;
use domain::discretion::{Circumstance, Effect, Mode};
use std::collections::BTreeMap;

pub struct TierRow {
    pub tier: String,
    pub name: String,
    /// "8 %" or the range's name.
    pub weight: String,
    pub chosen: bool,
}

pub struct FactorRow {
    pub factor: String,
    pub name: String,
    pub tiers: Vec<TierRow>,
}

pub struct ItemView {
    pub item: String,
    pub name: String,
    pub basis: String,
    pub range: String,
    pub start: String,
    pub weighted: bool,
    pub factors: Vec<FactorRow>,
    pub source: String,
}

pub struct VersionView {
    pub version: String,
    pub effective_on: String,
    pub adopted: bool,
    pub label: String,
    pub items: Vec<ItemView>,
}

pub struct CircumstanceRow {
    pub value: &'static str,
    pub label: String,
    pub group: String,
    pub chosen: bool,
}

pub struct Outcome {
    /// The version's label when it is not adopted ("Guangdong model, not adopted here").
    pub label: String,
    pub item: String,
    /// What the factors gave, when the circumstances moved it.
    pub base: String,
    pub amount: String,
    pub range: String,
    pub weight: String,
    pub factors: Vec<(String, String, String)>,
    pub shifts: Vec<String>,
    pub no_penalty: String,
}

#[derive(Template)]
#[template(path = "discretion.html")]
struct DiscretionPage {
    chrome: Chrome,
    versions: Vec<VersionView>,
    /// The calculator's item (the version in force), its circumstances, the outcome.
    calculator: Option<ItemView>,
    circumstances: Vec<CircumstanceRow>,
    outcome: Option<Outcome>,
    errors: Vec<String>,
    colon: &'static str,
}

fn pct(bp: i64) -> String {
    let s = format!("{}.{:02}", bp / 100, bp % 100);
    format!("{} %", s.trim_end_matches('0').trim_end_matches('.'))
}

fn item_view(item: &domain::discretion::Item, chosen: &BTreeMap<String, String>) -> ItemView {
    ItemView {
        item: item.item.clone(),
        name: item.name.clone(),
        basis: format!("{}{}", item.law, item.article),
        range: format!(
            "¥{} – ¥{}",
            yuan(item.legal_min_fen),
            yuan(item.legal_max_fen)
        ),
        start: pct(item.start_weight_bp),
        weighted: item.mode == Mode::Weighted,
        factors: item
            .factors
            .iter()
            .map(|f| FactorRow {
                factor: f.factor.clone(),
                name: f.name.clone(),
                tiers: f
                    .tiers
                    .iter()
                    .map(|t| TierRow {
                        tier: t.tier.clone(),
                        name: t.name.clone(),
                        weight: match item.mode {
                            Mode::Weighted => pct(t.weight_bp),
                            Mode::Range => item
                                .ranges
                                .get(t.level)
                                .map(|r| r.name.clone())
                                .unwrap_or_default(),
                        },
                        chosen: chosen.get(&f.factor) == Some(&t.tier),
                    })
                    .collect(),
            })
            .collect(),
        source: item.source.clone(),
    }
}

/// `GET /discretion`: every version; with `item=` and `f.<factor>=<tier>` (and `c=` for each
/// circumstance), the calculation by the version in force.
pub async fn page(State(state): State<AppState>, ctx: PageCtx, RawQuery(q): RawQuery) -> Response {
    let tr = ctx.tr();
    let pairs: Vec<(String, String)> = q
        .as_deref()
        .map(|q| {
            super::cases::form_fields(q.as_bytes())
                .into_iter()
                .take(100)
                .collect()
        })
        .unwrap_or_default();
    let item = pairs
        .iter()
        .find(|(k, _)| k == "item")
        .map(|(_, v)| v.clone());
    // A factor given twice (two tiers match): the heavier tier (rules.md §3.4).
    let mut facts: BTreeMap<String, String> = BTreeMap::new();
    let benchmarks = match state.app.benchmarks().await {
        Ok(b) => b,
        Err(e) => return ctx.error(e),
    };
    let today = state.app.today();
    let in_force = benchmarks.iter().rev().find(|b| b.effective_on <= today);
    let position = |factor: &str, tier: &str| {
        in_force
            .and_then(|b| item.as_deref().and_then(|i| b.item(i)))
            .and_then(|i| i.factors.iter().find(|f| f.factor == factor))
            .and_then(|f| f.tiers.iter().position(|t| t.tier == tier))
    };
    for (k, v) in &pairs {
        if let Some(f) = k.strip_prefix("f.").filter(|_| !v.is_empty()) {
            let heavier = facts
                .get(f)
                .is_none_or(|old| position(f, v) > position(f, old));
            if heavier {
                facts.insert(f.to_owned(), v.clone());
            }
        }
    }
    let chosen_c: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "c")
        .map(|(_, v)| v.clone())
        .collect();
    let mut errors = Vec::new();
    // The query's words are echoed: none with control characters, none longer than a code.
    let bad = pairs
        .iter()
        .flat_map(|(k, v)| [k, v])
        .find(|t| domain::text::check_text("query", t, false).is_err() || t.chars().count() > 64);
    if bad.is_some() {
        return ctx.error(app::AppError::from(domain::Refusal::one(
            domain::RefusalKind::Invalid,
            domain::Reason::new("query.invalid")
                .field("query")
                .arg("field", "query")
                .arg("detail", "codes of the published tables"),
        )));
    }
    let mut outcome = None;
    if let (Some(code), Some(b)) = (&item, in_force) {
        match state
            .app
            .calculate_fine(code, &b.version, &facts, &chosen_c)
            .await
        {
            Ok(c) => {
                outcome = Some(Outcome {
                    label: if c.adopted {
                        String::new()
                    } else {
                        c.label.clone()
                    },
                    item: b.item(code).map(|i| i.name.clone()).unwrap_or_default(),
                    base: if c.base_amount_fen == c.amount_fen {
                        String::new()
                    } else {
                        tr.with(
                            "ui-discretion_base",
                            &[("amount", format!("¥{}", yuan(c.base_amount_fen)))],
                        )
                    },
                    amount: format!("¥{}", yuan(c.amount_fen)),
                    range: format!("¥{} – ¥{}", yuan(c.legal_min_fen), yuan(c.legal_max_fen)),
                    weight: tr.with(
                        "ui-discretion_weight_sum",
                        &[
                            ("start", pct(c.start_weight_bp)),
                            ("total", pct(c.total_weight_bp)),
                        ],
                    ),
                    factors: c
                        .factors
                        .iter()
                        .map(|f| {
                            let name = b
                                .item(code)
                                .and_then(|i| i.factors.iter().find(|x| x.factor == f.factor))
                                .map(|x| {
                                    let tier = x
                                        .tiers
                                        .iter()
                                        .find(|t| t.tier == f.tier)
                                        .map(|t| t.name.clone())
                                        .unwrap_or_default();
                                    (x.name.clone(), tier)
                                })
                                .unwrap_or_default();
                            let mut tier = name.1;
                            if f.lowest_taken {
                                tier.push_str(&tr.t("ui-discretion_lowest_taken"));
                            }
                            (name.0, tier, pct(f.weight_bp))
                        })
                        .collect(),
                    shifts: c
                        .shifts
                        .iter()
                        .map(|s| {
                            format!(
                                "{}：{}（{}）",
                                tr.t(&format!("ui-circumstance_{}", s.circumstance)),
                                tr.t(&format!("ui-effect_{}", effect_name(s.effect))),
                                s.source
                            )
                        })
                        .collect(),
                    no_penalty: match c.no_penalty {
                        Some("required") => tr.t("ui-discretion_no_penalty_required"),
                        Some(_) => tr.t("ui-discretion_no_penalty_permitted"),
                        None => String::new(),
                    },
                })
            }
            Err(e) => match ctx.refusal(e) {
                Ok((_, list)) => errors = list,
                Err(r) => return r,
            },
        }
    }
    let versions = benchmarks
        .iter()
        .rev()
        .map(|b| VersionView {
            version: b.version.clone(),
            effective_on: b.effective_on.to_string(),
            adopted: b.adopted,
            label: b.label.clone(),
            items: b
                .items
                .iter()
                .map(|i| item_view(i, &BTreeMap::new()))
                .collect(),
        })
        .collect();
    let calculator = in_force.and_then(|b| {
        let code = item
            .clone()
            .or_else(|| b.items.first().map(|i| i.item.clone()))?;
        b.item(&code).map(|i| item_view(i, &facts))
    });
    let excluded: Vec<Circumstance> = in_force
        .and_then(|b| calculator.as_ref().and_then(|i| b.item(&i.item)))
        .map(|i| i.excluded_circumstances.clone())
        .unwrap_or_default();
    let circumstances = Circumstance::ALL
        .iter()
        .filter(|c| !excluded.contains(c))
        .map(|c| CircumstanceRow {
            value: c.as_str(),
            label: tr.t(&format!("ui-circumstance_{}", c.as_str())),
            group: tr.t(&format!("ui-effect_{}", effect_name(c.effect()))),
            chosen: chosen_c.iter().any(|x| x == c.as_str()),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    ctx.render(
        status,
        &DiscretionPage {
            chrome: ctx.chrome(),
            versions,
            calculator,
            circumstances,
            outcome,
            errors,
            colon: if tr.english() { ": " } else { "：" },
        },
    )
}

pub fn effect_name(e: Effect) -> &'static str {
    match e {
        Effect::TopOfTier => "top_of_tier",
        Effect::UpOneTier => "up_one_tier",
        Effect::LowOfTier => "low_of_tier",
        Effect::NoPenaltyRequired => "no_penalty_required",
        Effect::NoPenaltyPermitted => "no_penalty_permitted",
    }
}

/// `GET /discretion.json`: `{versions: [...], circumstances: [{circumstance, effect, source}]}`,
/// every version as published, newest first, and what each circumstance does.
pub async fn json(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let mut versions = match state.app.benchmarks().await {
        Ok(b) => b,
        Err(e) => return ctx.error(e),
    };
    versions.reverse();
    let circumstances: Vec<_> = Circumstance::ALL
        .iter()
        .map(|c| {
            serde_json::json!({
                "circumstance": c.as_str(), "effect": c.effect(), "source": c.source(),
            })
        })
        .collect();
    Json(serde_json::json!({ "versions": versions, "circumstances": circumstances }))
        .into_response()
}
