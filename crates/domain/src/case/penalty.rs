//! Penalties (行政处罚的种类) as a notice or decision names them, whether they give the party a
//! right to a hearing, and the rule that a defence never makes them heavier.
//!
//! The types are those of 《中华人民共和国行政处罚法》第九条 with the environmental measures of
//! 《生态环境行政处罚办法》(MEE Order No. 30). The hearing right: 《行政处罚法》第六十三条 and Order 30
//! Art. 46 as `shared/reference/order30.md` reports it; its amounts (较大数额, Order 30 Art. 89 for
//! organisations; none confirmed for natural persons) are settings ([`HearingRules`]), each with
//! an explicit comparator.

use crate::refusal::Reasons;
use crate::{Reason, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyType {
    Warning,
    PublicCriticism,
    Fine,
    ConfiscateGains,
    ConfiscateProperty,
    PermitSuspension,
    QualificationDowngrade,
    PermitRevocation,
    LicenceApplicationBar,
    ProductionRestriction,
    RectificationSuspension,
    BusinessSuspension,
    Closure,
    PracticeRestriction,
    PracticeBan,
}

/// What a penalty type is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Neither an amount nor a period.
    None,
    /// An amount in fen (a fine; the value confiscated).
    Amount,
    /// A period in days.
    Period,
}

impl PenaltyType {
    pub const ALL: [PenaltyType; 15] = [
        PenaltyType::Warning,
        PenaltyType::PublicCriticism,
        PenaltyType::Fine,
        PenaltyType::ConfiscateGains,
        PenaltyType::ConfiscateProperty,
        PenaltyType::PermitSuspension,
        PenaltyType::QualificationDowngrade,
        PenaltyType::PermitRevocation,
        PenaltyType::LicenceApplicationBar,
        PenaltyType::ProductionRestriction,
        PenaltyType::RectificationSuspension,
        PenaltyType::BusinessSuspension,
        PenaltyType::Closure,
        PenaltyType::PracticeRestriction,
        PenaltyType::PracticeBan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PenaltyType::Warning => "warning",
            PenaltyType::PublicCriticism => "public_criticism",
            PenaltyType::Fine => "fine",
            PenaltyType::ConfiscateGains => "confiscate_gains",
            PenaltyType::ConfiscateProperty => "confiscate_property",
            PenaltyType::PermitSuspension => "permit_suspension",
            PenaltyType::QualificationDowngrade => "qualification_downgrade",
            PenaltyType::PermitRevocation => "permit_revocation",
            PenaltyType::LicenceApplicationBar => "licence_application_bar",
            PenaltyType::ProductionRestriction => "production_restriction",
            PenaltyType::RectificationSuspension => "rectification_suspension",
            PenaltyType::BusinessSuspension => "business_suspension",
            PenaltyType::Closure => "closure",
            PenaltyType::PracticeRestriction => "practice_restriction",
            PenaltyType::PracticeBan => "practice_ban",
        }
    }

    pub fn parse(s: &str) -> Option<PenaltyType> {
        PenaltyType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The type's name as the law writes it (APL Art. 9; Order 30 Art. 8), for documents.
    pub fn title_zh(self) -> &'static str {
        match self {
            PenaltyType::Warning => "警告",
            PenaltyType::PublicCriticism => "通报批评",
            PenaltyType::Fine => "罚款",
            PenaltyType::ConfiscateGains => "没收违法所得",
            PenaltyType::ConfiscateProperty => "没收非法财物",
            PenaltyType::PermitSuspension => "暂扣许可证件",
            PenaltyType::QualificationDowngrade => "降低资质等级",
            PenaltyType::PermitRevocation => "吊销许可证件",
            PenaltyType::LicenceApplicationBar => "一定时期内不得申请行政许可",
            PenaltyType::ProductionRestriction => "限制开展生产经营活动",
            PenaltyType::RectificationSuspension => "责令停产整治",
            PenaltyType::BusinessSuspension => "责令停产停业",
            PenaltyType::Closure => "责令关闭",
            PenaltyType::PracticeRestriction => "限制从业",
            PenaltyType::PracticeBan => "禁止从业",
        }
    }

    pub fn measure(self) -> Measure {
        match self {
            PenaltyType::Fine | PenaltyType::ConfiscateGains | PenaltyType::ConfiscateProperty => {
                Measure::Amount
            }
            PenaltyType::PermitSuspension
            | PenaltyType::LicenceApplicationBar
            | PenaltyType::ProductionRestriction
            | PenaltyType::RectificationSuspension
            | PenaltyType::BusinessSuspension
            | PenaltyType::PracticeRestriction
            | PenaltyType::PracticeBan => Measure::Period,
            _ => Measure::None,
        }
    }
}

/// One penalty as noticed or decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Penalty {
    #[serde(rename = "type")]
    pub kind: PenaltyType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_days: Option<i64>,
}

/// The largest amount a penalty may state: 10 billion yuan, far above any statutory maximum.
pub const AMOUNT_MAX_FEN: i64 = 1_000_000_000_000;
/// The longest period a penalty may state: 20 years.
pub const PERIOD_MAX_DAYS: i64 = 20 * 366;

impl Penalty {
    /// The penalty as a document states it: "罚款人民币12,345.60元", "责令停产整治30日".
    pub fn text_zh(&self) -> String {
        let title = self.kind.title_zh();
        match (self.amount_fen, self.period_days) {
            (Some(fen), _) => format!("{title}人民币{}元", yuan(fen)),
            (None, Some(days)) => format!("{title}{days}日"),
            (None, None) => title.to_owned(),
        }
    }
}

/// Fen as yuan with thousands separators and two decimals.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

/// Every penalty of a list has the measure its type needs and no other, within bounds; a type
/// named once at most; at least one penalty.
pub fn check_penalties(field: &str, penalties: &[Penalty]) -> Result<(), Refusal> {
    let mut invalid = Reasons::default();
    if penalties.is_empty() {
        invalid.push(Reason::new("field.required").field(field));
    }
    // Each type once: a longer list repeats one, and is not read further.
    if penalties.len() > PenaltyType::ALL.len() {
        invalid.push(
            Reason::new("field.too_long")
                .field(field)
                .arg("max", PenaltyType::ALL.len()),
        );
        return invalid.into_result(RefusalKind::Invalid);
    }
    for (i, p) in penalties.iter().enumerate() {
        let at = |f: &str| format!("{field}[{i}].{f}");
        if penalties[..i].iter().any(|q| q.kind == p.kind) {
            invalid.push(
                Reason::new("penalty.duplicate_type")
                    .field(at("type"))
                    .arg("type", p.kind.as_str()),
            );
        }
        let (amount, period) = match p.kind.measure() {
            Measure::None => (false, false),
            Measure::Amount => (true, false),
            Measure::Period => (false, true),
        };
        for (name, value, needed, max) in [
            ("amount_fen", p.amount_fen, amount, AMOUNT_MAX_FEN),
            ("period_days", p.period_days, period, PERIOD_MAX_DAYS),
        ] {
            match (value, needed) {
                (None, true) => invalid.push(
                    Reason::new("penalty.measure_required")
                        .field(at(name))
                        .arg("type", p.kind.as_str()),
                ),
                (Some(_), false) => invalid.push(
                    Reason::new("penalty.measure_not_applicable")
                        .field(at(name))
                        .arg("type", p.kind.as_str()),
                ),
                (Some(v), true) if !(1..=max).contains(&v) => invalid.push(
                    Reason::new("penalty.measure_out_of_range")
                        .field(at(name))
                        .arg("max", max),
                ),
                _ => {}
            }
        }
    }
    invalid.into_result(RefusalKind::Invalid)
}

/// How a threshold compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// Strictly above the figure ("不包括本数").
    Above,
    /// The figure itself counts.
    AtOrAbove,
}

impl Comparator {
    pub fn holds(self, value: i64, threshold: i64) -> bool {
        match self {
            Comparator::Above => value > threshold,
            Comparator::AtOrAbove => value >= threshold,
        }
    }
}

/// One "large amount" (较大数额) threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub fen: i64,
    pub comparator: Comparator,
}

/// The large amounts that give a hearing right, by who the party is. UNCONFIRMED values:
/// settings, marked on the settings page for the legal reviewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HearingRules {
    /// Legal persons and other organisations: Order 30 Art. 89, 200,000 yuan; "not counting
    /// the figure itself" as the commentary reads it.
    pub organisation: Threshold,
    /// Natural persons: no 2023 figure confirmed; 5,000 yuan and up, the 2010 value.
    pub person: Threshold,
}

impl Default for HearingRules {
    fn default() -> Self {
        HearingRules {
            organisation: Threshold {
                fen: 200_000 * 100,
                comparator: Comparator::Above,
            },
            person: Threshold {
                fen: 5_000 * 100,
                comparator: Comparator::AtOrAbove,
            },
        }
    }
}

/// The grounds on which the penalties give a hearing right (empty: none). Large fines, large
/// confiscations, and every type Art. 63 and Order 30 Art. 46 list whatever its size.
pub fn hearing_grounds(
    rules: &HearingRules,
    party_is_person: bool,
    penalties: &[Penalty],
) -> Vec<PenaltyType> {
    let threshold = if party_is_person {
        rules.person
    } else {
        rules.organisation
    };
    penalties
        .iter()
        .filter(|p| match p.kind {
            PenaltyType::Fine | PenaltyType::ConfiscateGains | PenaltyType::ConfiscateProperty => p
                .amount_fen
                .is_some_and(|a| threshold.comparator.holds(a, threshold.fen)),
            PenaltyType::QualificationDowngrade
            | PenaltyType::PermitRevocation
            | PenaltyType::LicenceApplicationBar
            | PenaltyType::ProductionRestriction
            | PenaltyType::RectificationSuspension
            | PenaltyType::BusinessSuspension
            | PenaltyType::Closure
            | PenaltyType::PracticeRestriction
            | PenaltyType::PracticeBan => true,
            PenaltyType::Warning | PenaltyType::PublicCriticism | PenaltyType::PermitSuspension => {
                false
            }
        })
        .map(|p| p.kind)
        .collect()
}

/// A decision after a defence is never heavier than the notice served (《行政处罚法》第四十五条):
/// only the types noticed, each amount or period no greater. Every excess is a reason.
pub fn heavier_than_noticed(noticed: &[Penalty], decided: &[Penalty]) -> Vec<Reason> {
    let mut out = Vec::new();
    for (i, d) in decided.iter().enumerate() {
        let Some(n) = noticed.iter().find(|n| n.kind == d.kind) else {
            out.push(
                Reason::new("penalty.not_noticed")
                    .field(format!("penalties[{i}].type"))
                    .arg("type", d.kind.as_str())
                    .source(crate::refusal::LegalSource {
                        zh_cn: "《中华人民共和国行政处罚法》第四十四条、第四十五条",
                        en: "Administrative Penalty Law of the PRC (2021), Arts. 44 and 45",
                    }),
            );
            continue;
        };
        for (name, got, limit) in [
            ("amount_fen", d.amount_fen, n.amount_fen),
            ("period_days", d.period_days, n.period_days),
        ] {
            // A measure the notice did not state is heavier than none.
            if let Some(got) = got
                && limit.is_none_or(|limit| got > limit)
            {
                out.push(
                    Reason::new("penalty.heavier_than_noticed")
                        .field(format!("penalties[{i}].{name}"))
                        .arg(
                            "noticed",
                            limit.map(|l| l.to_string()).unwrap_or_else(|| "—".into()),
                        )
                        .arg("decided", got)
                        .source(crate::refusal::LegalSource {
                            zh_cn: "《中华人民共和国行政处罚法》第四十五条",
                            en: "Administrative Penalty Law of the PRC (2021), Art. 45",
                        }),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(kind: PenaltyType, amount: Option<i64>, period: Option<i64>) -> Penalty {
        Penalty {
            kind,
            amount_fen: amount,
            period_days: period,
        }
    }

    #[test]
    fn the_large_amounts_compare_as_configured() {
        let rules = HearingRules::default();
        let fine = |yuan: i64| vec![p(PenaltyType::Fine, Some(yuan * 100), None)];
        // Organisations: above 200,000 yuan, the figure itself not counting.
        assert!(hearing_grounds(&rules, false, &fine(200_000)).is_empty());
        assert_eq!(
            hearing_grounds(&rules, false, &fine(200_001)),
            [PenaltyType::Fine]
        );
        // Natural persons: 5,000 yuan and up.
        assert!(hearing_grounds(&rules, true, &fine(4_999)).is_empty());
        assert_eq!(
            hearing_grounds(&rules, true, &fine(5_000)),
            [PenaltyType::Fine]
        );
        // Configured the other way, the figure counts.
        let mut inclusive = rules;
        inclusive.organisation.comparator = Comparator::AtOrAbove;
        assert_eq!(
            hearing_grounds(&inclusive, false, &fine(200_000)),
            [PenaltyType::Fine]
        );
        // Closure gives the right whatever the fine; a warning never.
        let list = vec![
            p(PenaltyType::Warning, None, None),
            p(PenaltyType::Closure, None, None),
        ];
        assert_eq!(
            hearing_grounds(&rules, false, &list),
            [PenaltyType::Closure]
        );
    }

    #[test]
    fn a_penalty_as_documents_state_it() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(1_234_560), "12,345.60");
        assert_eq!(yuan(10_000_000_000), "100,000,000.00");
        let p = |kind, amount_fen, period_days| Penalty {
            kind,
            amount_fen,
            period_days,
        };
        assert_eq!(
            p(PenaltyType::Fine, Some(600_000), None).text_zh(),
            "罚款人民币6,000.00元"
        );
        assert_eq!(
            p(PenaltyType::RectificationSuspension, None, Some(30)).text_zh(),
            "责令停产整治30日"
        );
        assert_eq!(p(PenaltyType::Warning, None, None).text_zh(), "警告");
    }

    #[test]
    fn each_type_has_its_measure() {
        assert!(check_penalties("penalties", &[p(PenaltyType::Fine, Some(100), None)]).is_ok());
        let r = check_penalties(
            "penalties",
            &[
                p(PenaltyType::Fine, None, Some(3)),
                p(PenaltyType::Fine, Some(0), None),
                p(PenaltyType::BusinessSuspension, None, None),
            ],
        )
        .unwrap_err();
        let codes: Vec<(&str, Option<String>)> = r
            .reasons
            .iter()
            .map(|r| (r.code, r.field.clone()))
            .collect();
        assert!(codes.contains(&(
            "penalty.measure_required",
            Some("penalties[0].amount_fen".into())
        )));
        assert!(codes.contains(&(
            "penalty.measure_not_applicable",
            Some("penalties[0].period_days".into())
        )));
        assert!(codes.contains(&("penalty.duplicate_type", Some("penalties[1].type".into()))));
        assert!(codes.contains(&(
            "penalty.measure_out_of_range",
            Some("penalties[1].amount_fen".into())
        )));
        assert!(codes.contains(&(
            "penalty.measure_required",
            Some("penalties[2].period_days".into())
        )));
        assert!(check_penalties("penalties", &[]).is_err());
        for t in PenaltyType::ALL {
            assert_eq!(PenaltyType::parse(t.as_str()), Some(t));
        }
    }

    /// A valid list: each type once.
    fn penalties() -> impl Strategy<Value = Vec<Penalty>> {
        proptest::collection::vec(penalty(), 1..5).prop_map(|mut v| {
            let mut seen = Vec::new();
            v.retain(|p| {
                let new = !seen.contains(&p.kind);
                seen.push(p.kind);
                new
            });
            v
        })
    }

    fn penalty() -> impl Strategy<Value = Penalty> {
        (0..PenaltyType::ALL.len(), 1i64..10_000_000, 1i64..3650).prop_map(|(i, amount, days)| {
            let kind = PenaltyType::ALL[i];
            match kind.measure() {
                Measure::Amount => p(kind, Some(amount), None),
                Measure::Period => p(kind, None, Some(days)),
                Measure::None => p(kind, None, None),
            }
        })
    }

    proptest! {
        /// A decision passes exactly when it names only noticed types, none heavier.
        #[test]
        fn a_defence_never_makes_the_penalty_heavier(
            noticed in penalties(),
            decided in penalties(),
        ) {
            let reasons = heavier_than_noticed(&noticed, &decided);
            let within = |d: Option<i64>, n: Option<i64>| match (d, n) {
                (Some(a), Some(b)) => a <= b,
                (Some(_), None) => false,
                (None, _) => true,
            };
            let lawful = decided.iter().all(|d| noticed.iter().any(|n| {
                n.kind == d.kind
                    && within(d.amount_fen, n.amount_fen)
                    && within(d.period_days, n.period_days)
            }));
            prop_assert_eq!(reasons.is_empty(), lawful);
            // The notice itself, or anything lighter, always passes.
            prop_assert!(heavier_than_noticed(&noticed, &noticed).is_empty());
            let lighter: Vec<Penalty> = noticed.iter().map(|n| Penalty {
                amount_fen: n.amount_fen.map(|a| a / 2 + 1),
                period_days: n.period_days.map(|d| d / 2 + 1),
                ..n.clone()
            }).collect();
            prop_assert!(heavier_than_noticed(&noticed, &lighter).is_empty());
        }
    }
}
