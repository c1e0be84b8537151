//! The violation catalogue (违法行为目录): what each violation is, which article it breaks, which
//! article punishes it, the penalty types and legal range the law gives, whether it can give a
//! hearing right and whether the daily continuous penalty applies. Versioned data in
//! `config/violations/`, reviewed like code; each item cites its source text, never paraphrased
//! as if it were the law.
//!
//! Which version governs a case is the act's date, not the case's: a violation is judged by the
//! law in force when it was committed, unless a later law is lighter or no longer punishes it
//! (《中华人民共和国行政处罚法》第三十七条). A version states the acts it governs
//! (`acts_from`, `acts_until`), so a catalogue built on the Ecological Environment Code can sit
//! beside the one built on the laws it replaces.

use crate::case::penalty::{HearingRules, PenaltyType};
use crate::refusal::Reasons;
use crate::{Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The sector of the merged team whose law the violation breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Environment,
    Land,
    Agriculture,
    Water,
    Forestry,
}

impl Sector {
    pub fn title_zh(self) -> &'static str {
        match self {
            Sector::Environment => "生态环境",
            Sector::Land => "自然资源（国土）",
            Sector::Agriculture => "农业农村",
            Sector::Water => "水务",
            Sector::Forestry => "林业和草原",
        }
    }
}

/// The prefecture's industries an item may name (rules.md §7), with their names.
pub const INDUSTRIES: &[(&str, &str, &str)] = &[
    ("rubber", "天然橡胶加工", "natural rubber processing"),
    ("sugar", "制糖", "sugar milling"),
    ("tea", "茶叶加工", "tea processing"),
    ("mining", "采矿", "mining"),
    ("hydropower", "水电", "hydropower"),
    ("sewage", "污水处理", "sewage treatment"),
    ("landfill", "垃圾填埋与处置", "landfill and waste disposal"),
    ("hospital", "医疗机构", "hospitals and clinics"),
    (
        "construction",
        "建设项目与施工",
        "construction projects and sites",
    ),
    ("livestock", "畜禽养殖", "livestock farming"),
    ("farming", "种植业", "crop farming"),
    ("forestry", "林业", "forestry"),
    ("tourism", "旅游与服务业", "tourism and services"),
    ("general", "各行业", "every industry"),
];

/// An article of a law or regulation, as cited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// The title as published, in 《》.
    pub law: String,
    /// The article, paragraph and item: "第八十三条第（二）项".
    pub article: String,
}

impl Citation {
    /// The title in 《》 and an article that starts with 第.
    pub fn well_formed(&self) -> bool {
        self.law.starts_with('《') && self.law.ends_with('》') && self.article.starts_with('第')
    }

    pub fn text(&self) -> String {
        format!("{}{}", self.law, self.article)
    }
}

/// The fine the law allows, in the forms the laws use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fine {
    /// No fine for this violation.
    None,
    /// "处 X 元以上 Y 元以下罚款".
    Range { min_fen: i64, max_fen: i64 },
    /// A multiple (or a percentage) of a value: "处建设项目总投资额百分之一以上百分之五以下",
    /// "处所需处置费用三倍以上五倍以下". Multiples in basis points of the value (100 % =
    /// 10,000); the value is named.
    Multiple {
        of: String,
        min_bp: i64,
        max_bp: i64,
    },
    /// An amount per unit of a measure: "非法占用土地每平方米 X 元以上 Y 元以下".
    PerUnit {
        unit: String,
        min_fen: i64,
        max_fen: i64,
    },
    /// "处 Y 元以下罚款".
    MaxOnly { max_fen: i64 },
    /// "处 X 元以上罚款".
    MinOnly { min_fen: i64 },
}

impl Fine {
    /// The fixed amounts the law states (a multiple has none until the value is known).
    pub fn bounds_fen(&self) -> Option<(i64, Option<i64>)> {
        match *self {
            Fine::Range { min_fen, max_fen } => Some((min_fen, Some(max_fen))),
            Fine::MaxOnly { max_fen } => Some((0, Some(max_fen))),
            Fine::MinOnly { min_fen } => Some((min_fen, None)),
            Fine::None | Fine::Multiple { .. } | Fine::PerUnit { .. } => None,
        }
    }

    /// The range as the law words it, for pages and documents.
    pub fn text_zh(&self) -> String {
        use crate::case::penalty::yuan;
        match self {
            Fine::None => "无罚款".to_owned(),
            Fine::Range { min_fen, max_fen } => {
                format!("{}元以上{}元以下", yuan(*min_fen), yuan(*max_fen))
            }
            Fine::Multiple { of, min_bp, max_bp } => {
                format!("{of}的{}以上{}以下", multiple(*min_bp), multiple(*max_bp))
            }
            Fine::PerUnit {
                unit,
                min_fen,
                max_fen,
            } => format!("每{unit}{}元以上{}元以下", yuan(*min_fen), yuan(*max_fen)),
            Fine::MaxOnly { max_fen } => format!("{}元以下", yuan(*max_fen)),
            Fine::MinOnly { min_fen } => format!("{}元以上", yuan(*min_fen)),
        }
    }
}

/// Basis points as the law writes a multiple: whole multiples as "3倍", others as a percentage.
fn multiple(bp: i64) -> String {
    if bp >= 10_000 && bp % 10_000 == 0 {
        format!("{}倍", bp / 10_000)
    } else if bp % 100 == 0 {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{:02}%", bp / 100, bp % 100)
    }
}

/// Whether a penalty for this violation can give the party a hearing right
/// (《中华人民共和国行政处罚法》第六十三条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hearing {
    /// A penalty type available for it gives the right whatever its size (closure, suspension,
    /// revocation, restriction, …).
    Always,
    /// Only when the fine or confiscation reaches the large amount (较大数额).
    LargeAmount,
    /// Neither.
    Never,
}

/// One violation of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Violation {
    /// Stable code, `<law>_<article>[_<item>]`; a discretion benchmark item of the same code
    /// calculates its fine.
    pub code: String,
    pub name: String,
    pub sector: Sector,
    /// The prefecture's industries where it is found most (rubber, sugar, tea, mining, …).
    #[serde(default)]
    pub industries: Vec<String>,
    /// The article the act breaks.
    pub violated: Citation,
    /// The article that punishes it.
    pub penalty_basis: Citation,
    /// The penalty types the article allows (one of them the fine, if any).
    pub penalties: Vec<PenaltyType>,
    pub fine: Fine,
    /// Orders that go with the penalty and are not penalties themselves (责令改正, 责令停止建设,
    /// 责令恢复原状, …), as the article words them.
    #[serde(default)]
    pub orders: Vec<String>,
    pub hearing: Hearing,
    /// Whether the daily continuous penalty (按日连续处罚) applies: 《中华人民共和国环境保护法》
    /// 第五十九条 and the laws that list the act.
    pub daily_penalty: bool,
    /// The source text's title, edition and article, where the item was read.
    pub source: String,
    /// The first day of the acts this item governs, when its law took effect after the
    /// catalogue's other laws (APL Art. 37: an earlier act is judged by the law then in force).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acts_from: Option<NaiveDate>,
}

/// A version of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub version: String,
    /// From when the version is published and used.
    pub effective_on: NaiveDate,
    /// The first day of the acts it governs (APL Art. 37); none: every act before `acts_until`.
    #[serde(default)]
    pub acts_from: Option<NaiveDate>,
    /// The last day of the acts it governs; none: open.
    #[serde(default)]
    pub acts_until: Option<NaiveDate>,
    /// What the version is and what it is not yet (shown with it).
    pub note: String,
    pub items: Vec<Violation>,
}

/// A published version's name: it goes into links and file names, so ASCII letters, digits,
/// `.`, `_` and `-`, at most 40.
pub fn version_well_formed(v: &str) -> bool {
    (1..=40).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The large amount compared against a fixed maximum: the lower of the two thresholds, so a
/// violation that can reach either is "large amount".
fn can_reach_large_amount(rules: &HearingRules, fine: &Fine) -> bool {
    match fine.bounds_fen() {
        None => !matches!(fine, Fine::None),
        Some((_, None)) => true,
        Some((_, Some(max))) => [rules.organisation, rules.person]
            .iter()
            .any(|t| t.comparator.holds(max, t.fen)),
    }
}

/// What the hearing relevance must be for the penalties and fine of an item.
pub fn hearing_relevance(rules: &HearingRules, penalties: &[PenaltyType], fine: &Fine) -> Hearing {
    use crate::case::penalty::{Penalty, hearing_grounds};
    // A type that gives the right whatever its measure: ask with the smallest measure.
    let always = penalties.iter().any(|t| {
        let p = Penalty {
            kind: *t,
            amount_fen: None,
            period_days: None,
        };
        !hearing_grounds(rules, true, &[p]).is_empty()
    });
    let amount_types = penalties.iter().any(|t| {
        matches!(
            t,
            PenaltyType::ConfiscateGains | PenaltyType::ConfiscateProperty
        )
    });
    if always {
        Hearing::Always
    } else if amount_types || can_reach_large_amount(rules, fine) {
        Hearing::LargeAmount
    } else {
        Hearing::Never
    }
}

impl Catalogue {
    pub fn item(&self, code: &str) -> Option<&Violation> {
        self.items.iter().find(|v| v.code == code)
    }

    /// Whether the version governs an act committed on `day`.
    pub fn governs(&self, day: NaiveDate) -> bool {
        self.acts_from.is_none_or(|f| f <= day) && self.acts_until.is_none_or(|u| day <= u)
    }

    /// The item for an act of `day`: none when the version, or the item's own law, did not
    /// govern acts of that day.
    pub fn item_for(&self, code: &str, day: NaiveDate) -> Option<&Violation> {
        self.item(code)
            .filter(|v| self.governs(day) && v.acts_from.is_none_or(|f| f <= day))
    }

    /// A catalogue that can be published: codes unique and well formed, every text given,
    /// amounts ordered, a fine exactly when the penalty types name one, the daily penalty only
    /// with a fine, and the hearing relevance the one its penalties give. Each problem named.
    pub fn check(&self, rules: &HearingRules) -> Result<(), Refusal> {
        let mut invalid = Reasons::default();
        if !version_well_formed(&self.version) {
            invalid.push(Reason::new("violation.bad_version").field("version"));
        }
        if let (Some(f), Some(u)) = (self.acts_from, self.acts_until)
            && u < f
        {
            invalid.push(Reason::new("violation.bad_period").field("acts_until"));
        }
        for (i, v) in self.items.iter().enumerate() {
            let at = |f: &str| format!("items[{i}].{f}");
            let code_ok = !v.code.is_empty()
                && v.code.len() <= 40
                && v.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !code_ok {
                invalid.push(Reason::new("violation.bad_code").field(at("code")));
            }
            if self.items[..i].iter().any(|w| w.code == v.code) {
                invalid.push(Reason::new("violation.repeated").field(at("code")));
            }
            for (name, text) in [
                ("name", v.name.as_str()),
                ("violated.law", v.violated.law.as_str()),
                ("violated.article", v.violated.article.as_str()),
                ("penalty_basis.law", v.penalty_basis.law.as_str()),
                ("penalty_basis.article", v.penalty_basis.article.as_str()),
                ("source", v.source.as_str()),
            ] {
                if text.trim().is_empty() {
                    invalid.push(Reason::new("field.required").field(at(name)));
                }
            }
            for (name, c) in [
                ("violated", &v.violated),
                ("penalty_basis", &v.penalty_basis),
            ] {
                if !c.well_formed() {
                    invalid.push(Reason::new("violation.bad_citation").field(at(name)));
                }
            }
            for (k, ind) in v.industries.iter().enumerate() {
                if !INDUSTRIES.iter().any(|(code, _, _)| code == ind) {
                    invalid.push(
                        Reason::new("violation.unknown_industry")
                            .field(format!("items[{i}].industries[{k}]")),
                    );
                }
            }
            if v.penalties.is_empty() {
                invalid.push(Reason::new("field.required").field(at("penalties")));
            }
            if v.penalties
                .iter()
                .enumerate()
                .any(|(k, t)| v.penalties[..k].contains(t))
            {
                invalid.push(Reason::new("violation.repeated_penalty").field(at("penalties")));
            }
            let fined = v.penalties.contains(&PenaltyType::Fine);
            if fined == matches!(v.fine, Fine::None) {
                invalid.push(Reason::new("violation.fine_mismatch").field(at("fine")));
            }
            let ordered = match &v.fine {
                Fine::None => true,
                Fine::Range { min_fen, max_fen } => 0 < *min_fen && min_fen < max_fen,
                Fine::MaxOnly { max_fen } => 0 < *max_fen,
                Fine::MinOnly { min_fen } => 0 < *min_fen,
                Fine::Multiple { of, min_bp, max_bp } => {
                    !of.trim().is_empty() && 0 < *min_bp && min_bp < max_bp
                }
                Fine::PerUnit {
                    unit,
                    min_fen,
                    max_fen,
                } => !unit.trim().is_empty() && 0 < *min_fen && min_fen < max_fen,
            };
            if !ordered {
                invalid.push(Reason::new("discretion.bad_range").field(at("fine")));
            }
            if v.daily_penalty && !fined {
                invalid
                    .push(Reason::new("violation.daily_without_fine").field(at("daily_penalty")));
            }
            let relevance = hearing_relevance(rules, &v.penalties, &v.fine);
            if v.hearing != relevance {
                invalid.push(
                    Reason::new("violation.hearing_mismatch")
                        .field(at("hearing"))
                        .arg("expected", format!("{relevance:?}").to_lowercase()),
                );
            }
        }
        invalid.into_result(RefusalKind::Invalid)
    }
}

/// The version that governs an act of `day` among `versions` (the latest effective one that
/// governs it, as of `today`).
pub fn governing(versions: &[Catalogue], day: NaiveDate, today: NaiveDate) -> Option<&Catalogue> {
    versions
        .iter()
        .filter(|c| c.effective_on <= today && c.governs(day))
        .max_by_key(|c| c.effective_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Violation {
        Violation {
            code: "water_83_2".into(),
            name: "超标排放水污染物".into(),
            sector: Sector::Environment,
            industries: vec!["sugar".into()],
            violated: Citation {
                law: "《中华人民共和国水污染防治法》".into(),
                article: "第十条".into(),
            },
            penalty_basis: Citation {
                law: "《中华人民共和国水污染防治法》".into(),
                article: "第八十三条第（二）项".into(),
            },
            penalties: vec![PenaltyType::Fine, PenaltyType::ProductionRestriction],
            fine: Fine::Range {
                min_fen: 10_000_000,
                max_fen: 100_000_000,
            },
            orders: vec!["责令改正".into()],
            hearing: Hearing::Always,
            daily_penalty: true,
            source: "《中华人民共和国水污染防治法》（2017年修正）第八十三条".into(),
            acts_from: None,
        }
    }

    fn catalogue(items: Vec<Violation>) -> Catalogue {
        Catalogue {
            version: "t".into(),
            effective_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            acts_from: None,
            acts_until: None,
            note: String::new(),
            items,
        }
    }

    fn codes(r: Result<(), Refusal>) -> Vec<String> {
        r.err()
            .map(|e| e.reasons.iter().map(|r| r.code.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_good_item_checks() {
        assert!(
            catalogue(vec![item()])
                .check(&HearingRules::default())
                .is_ok()
        );
    }

    #[test]
    fn hearing_follows_the_penalties() {
        let rules = HearingRules::default();
        let small = Fine::MaxOnly { max_fen: 100_000 };
        assert_eq!(
            hearing_relevance(&rules, &[PenaltyType::Warning, PenaltyType::Fine], &small),
            Hearing::Never
        );
        let big = Fine::MaxOnly {
            max_fen: 50_000_000,
        };
        assert_eq!(
            hearing_relevance(&rules, &[PenaltyType::Fine], &big),
            Hearing::LargeAmount
        );
        // The person's threshold is 5,000 yuan and the figure counts.
        let five_k = Fine::MaxOnly { max_fen: 500_000 };
        assert_eq!(
            hearing_relevance(&rules, &[PenaltyType::Fine], &five_k),
            Hearing::LargeAmount
        );
        assert_eq!(
            hearing_relevance(&rules, &[PenaltyType::Fine, PenaltyType::Closure], &small),
            Hearing::Always
        );
        let multiple = Fine::Multiple {
            of: "总投资额".into(),
            min_bp: 100,
            max_bp: 500,
        };
        assert_eq!(
            hearing_relevance(&rules, &[PenaltyType::Fine], &multiple),
            Hearing::LargeAmount
        );
    }

    #[test]
    fn each_defect_is_named() {
        let mut wrong_hearing = item();
        wrong_hearing.hearing = Hearing::Never;
        let mut no_fine = item();
        no_fine.fine = Fine::None;
        let mut bad_version = catalogue(vec![item()]);
        bad_version.version = "2026 一".into();
        assert_eq!(
            codes(bad_version.check(&HearingRules::default())),
            ["violation.bad_version"]
        );
        let mut bad_code = item();
        bad_code.code = "Water 83".into();
        let mut bad_citation = item();
        bad_citation.penalty_basis.law = "水污染防治法".into();
        let mut daily_without_fine = item();
        daily_without_fine.penalties = vec![PenaltyType::Warning];
        daily_without_fine.fine = Fine::None;
        daily_without_fine.hearing = Hearing::Never;
        let mut reversed = item();
        reversed.fine = Fine::Range {
            min_fen: 5,
            max_fen: 1,
        };
        let rules = HearingRules::default();
        for (v, want) in [
            (wrong_hearing, "violation.hearing_mismatch"),
            (no_fine, "violation.fine_mismatch"),
            (bad_code, "violation.bad_code"),
            (bad_citation, "violation.bad_citation"),
            (daily_without_fine, "violation.daily_without_fine"),
            (reversed, "discretion.bad_range"),
        ] {
            let got = codes(catalogue(vec![v]).check(&rules));
            assert!(got.iter().any(|c| c == want), "{want}: {got:?}");
        }
        let got = codes(catalogue(vec![item(), item()]).check(&rules));
        assert_eq!(got, vec!["violation.repeated"]);
    }

    #[test]
    fn the_act_date_picks_the_version() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let mut laws = catalogue(vec![item()]);
        laws.version = "laws".into();
        laws.acts_until = Some(d(2026, 12, 31));
        let mut code = catalogue(vec![item()]);
        code.version = "code".into();
        code.effective_on = d(2027, 1, 1);
        code.acts_from = Some(d(2027, 1, 1));
        let both = [laws, code];
        let today = d(2027, 3, 1);
        assert_eq!(
            governing(&both, d(2026, 6, 1), today).unwrap().version,
            "laws"
        );
        assert_eq!(
            governing(&both, d(2027, 2, 1), today).unwrap().version,
            "code"
        );
        // Before the new version is effective, nothing governs a later act.
        assert!(governing(&both, d(2027, 2, 1), d(2026, 12, 1)).is_none());
        // An item whose law came later governs only the acts from its day.
        let mut later = both[0].clone();
        later.items[0].acts_from = Some(d(2025, 7, 1));
        assert!(later.item_for("water_83_2", d(2025, 6, 30)).is_none());
        assert!(later.item_for("water_83_2", d(2025, 7, 1)).is_some());
        assert!(later.item_for("water_83_2", d(2027, 1, 1)).is_none());
    }

    /// The shipped catalogue parses and checks (the app embeds the same file).
    #[test]
    fn the_shipped_catalogue_checks() {
        let text = include_str!("../../../config/violations/catalogue-2026-1.toml");
        let c: Catalogue = toml::from_str(text).expect("parses");
        if let Err(e) = c.check(&HearingRules::default()) {
            panic!("{:#?}", e.reasons);
        }
        assert!(c.items.len() >= 20, "{} items", c.items.len());
    }

    #[test]
    fn multiples_read_as_the_law_writes_them() {
        let f = Fine::Multiple {
            of: "建设项目总投资额".into(),
            min_bp: 100,
            max_bp: 500,
        };
        assert_eq!(f.text_zh(), "建设项目总投资额的1%以上5%以下");
        let g = Fine::Multiple {
            of: "所需处置费用".into(),
            min_bp: 30_000,
            max_bp: 50_000,
        };
        assert_eq!(g.text_zh(), "所需处置费用的3倍以上5倍以下");
        let h = Fine::PerUnit {
            unit: "平方米".into(),
            min_fen: 10_000,
            max_fen: 100_000,
        };
        assert_eq!(h.text_zh(), "每平方米100.00元以上1,000.00元以下");
    }
}
