//! The power and responsibility list (权力和责任清单): every power the enforcement team exercises
//! — penalties, coercive measures, inspections — with its legal basis, the unit responsible, the
//! procedure and where to complain, published without sign-in and kept version by version, each
//! with its effective date and what changed from the one before.
//!
//! A penalty power is the catalogue's violation (its basis is the catalogue's cited articles);
//! the others are written out with their articles. What the law does not say — which unit holds
//! a power, the procedure's wording, the supervision channel — is the bureau's allocation: until
//! the bureau publishes its own (a `allocation_source` for the version), it is labelled demo data
//! (演示数据) wherever it is shown.

use crate::refusal::Reasons;
use crate::violation::{Catalogue, Citation};
use crate::{Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kinds of power the list groups by, as power lists name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerKind {
    /// 行政处罚
    Penalty,
    /// 行政强制
    Coercion,
    /// 行政检查
    Inspection,
    /// 其他行政权力
    Other,
}

impl PowerKind {
    pub fn title_zh(self) -> &'static str {
        match self {
            PowerKind::Penalty => "行政处罚",
            PowerKind::Coercion => "行政强制",
            PowerKind::Inspection => "行政检查",
            PowerKind::Other => "其他行政权力",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            PowerKind::Penalty => "Administrative penalty",
            PowerKind::Coercion => "Administrative coercion",
            PowerKind::Inspection => "Administrative inspection",
            PowerKind::Other => "Other power",
        }
    }
}

/// Who holds a power.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// The prefecture's detachment (支队).
    Detachment,
    /// The county brigades (大队), each in its county.
    Brigade,
    /// Both, by the case's jurisdiction.
    Both,
}

impl Holder {
    pub fn title_zh(self) -> &'static str {
        match self {
            Holder::Detachment => "州生态环境保护综合行政执法支队",
            Holder::Brigade => "各县（市）生态环境保护综合行政执法大队",
            Holder::Both => "支队及各县（市）大队（按管辖）",
        }
    }
}

/// A power written out in the list file (penalties come from the catalogue instead).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerEntry {
    pub code: String,
    pub name: String,
    pub kind: PowerKind,
    pub basis: Vec<Citation>,
    #[serde(default)]
    pub holder: Option<Holder>,
    #[serde(default)]
    pub procedure: Option<String>,
    #[serde(default)]
    pub supervision: Option<String>,
    /// The responsibilities that go with the power (责任事项), as the bureau words them.
    #[serde(default)]
    pub duties: Vec<String>,
}

/// A version of the list as its file gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerListFile {
    pub version: String,
    pub effective_on: NaiveDate,
    /// The catalogue version whose violations are the penalty powers.
    pub catalogue: String,
    /// Where the bureau published the allocation (unit, procedure, supervision); none: demo.
    #[serde(default)]
    pub allocation_source: Option<String>,
    /// The allocation of every penalty power, unless one names its own.
    pub penalty_holder: Holder,
    pub penalty_procedure: String,
    pub supervision: String,
    #[serde(default)]
    pub penalty_duties: Vec<String>,
    /// Allocations of single penalty powers that differ from the default, by violation code.
    #[serde(default)]
    pub penalty_holders: std::collections::BTreeMap<String, Holder>,
    pub powers: Vec<PowerEntry>,
}

/// One power as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Power {
    pub code: String,
    pub name: String,
    pub kind: PowerKind,
    pub basis: Vec<Citation>,
    pub holder: Holder,
    pub procedure: String,
    pub supervision: String,
    pub duties: Vec<String>,
    /// The catalogue's violation, for a penalty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
    /// For a penalty, what the catalogue says of it (so a version's diff shows a changed fine
    /// or penalty type, not only a changed article).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub penalty: Option<PenaltyFacts>,
}

/// A penalty power's catalogue facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PenaltyFacts {
    pub penalties: Vec<crate::case::penalty::PenaltyType>,
    pub fine: crate::violation::Fine,
    pub hearing: crate::violation::Hearing,
    pub daily_penalty: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acts_from: Option<NaiveDate>,
}

/// A published version of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PowerList {
    pub version: String,
    pub effective_on: NaiveDate,
    pub catalogue: String,
    /// Unit, procedure and supervision are demo data until the bureau publishes its own.
    pub demo_allocation: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_source: Option<String>,
    pub powers: Vec<Power>,
}

impl PowerListFile {
    /// The published list: the file's powers and one penalty power per catalogue violation.
    /// The catalogue must be the one the file names; every problem is named.
    pub fn build(&self, catalogue: &Catalogue) -> Result<PowerList, Refusal> {
        let mut invalid = Reasons::default();
        if !crate::violation::version_well_formed(&self.version) {
            invalid.push(Reason::new("violation.bad_version").field("version"));
        }
        if catalogue.version != self.catalogue {
            invalid.push(
                Reason::new("power.catalogue_missing")
                    .field("catalogue")
                    .arg("version", self.catalogue.clone()),
            );
        }
        for code in self.penalty_holders.keys() {
            if catalogue.item(code).is_none() {
                invalid.push(
                    Reason::new("power.unknown_violation").field(format!("penalty_holders.{code}")),
                );
            }
        }
        let mut powers: Vec<Power> = Vec::new();
        for (i, p) in self.powers.iter().enumerate() {
            let at = |f: &str| format!("powers[{i}].{f}");
            if p.kind == PowerKind::Penalty {
                // Penalties are the catalogue's, so their basis is cited once.
                invalid.push(Reason::new("power.penalty_in_list").field(at("kind")));
            }
            if p.basis.is_empty() {
                invalid.push(Reason::new("field.required").field(at("basis")));
            }
            for (j, c) in p.basis.iter().enumerate() {
                if !c.well_formed() {
                    invalid.push(
                        Reason::new("violation.bad_citation")
                            .field(format!("powers[{i}].basis[{j}]")),
                    );
                }
            }
            if p.name.trim().is_empty() {
                invalid.push(Reason::new("field.required").field(at("name")));
            }
            powers.push(Power {
                code: p.code.clone(),
                name: p.name.clone(),
                kind: p.kind,
                basis: p.basis.clone(),
                holder: p.holder.unwrap_or(self.penalty_holder),
                procedure: p.procedure.clone().unwrap_or_default(),
                supervision: p
                    .supervision
                    .clone()
                    .unwrap_or_else(|| self.supervision.clone()),
                duties: p.duties.clone(),
                violation: None,
                penalty: None,
            });
        }
        for v in &catalogue.items {
            powers.push(Power {
                code: format!("penalty_{}", v.code),
                name: format!("对{}的行政处罚", v.name),
                kind: PowerKind::Penalty,
                basis: vec![v.violated.clone(), v.penalty_basis.clone()],
                holder: self
                    .penalty_holders
                    .get(&v.code)
                    .copied()
                    .unwrap_or(self.penalty_holder),
                procedure: self.penalty_procedure.clone(),
                supervision: self.supervision.clone(),
                duties: self.penalty_duties.clone(),
                violation: Some(v.code.clone()),
                penalty: Some(PenaltyFacts {
                    penalties: v.penalties.clone(),
                    fine: v.fine.clone(),
                    hearing: v.hearing,
                    daily_penalty: v.daily_penalty,
                    acts_from: v.acts_from,
                }),
            });
        }
        for (i, p) in powers.iter().enumerate() {
            if powers[..i].iter().any(|q| q.code == p.code) {
                invalid.push(Reason::new("power.repeated").arg("code", p.code.clone()));
            }
        }
        invalid.into_result(RefusalKind::Invalid)?;
        powers.sort_by(|a, b| (a.kind, &a.code).cmp(&(b.kind, &b.code)));
        Ok(PowerList {
            version: self.version.clone(),
            effective_on: self.effective_on,
            catalogue: self.catalogue.clone(),
            demo_allocation: self.allocation_source.is_none(),
            allocation_source: self.allocation_source.clone(),
            powers,
        })
    }
}

/// What changed in one power between two versions: the fields that differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub code: String,
    pub name: String,
    pub fields: Vec<&'static str>,
}

/// A version against the one before it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PowerDiff {
    /// The version compared against; none for the first version.
    pub previous: Option<String>,
    pub added: Vec<Power>,
    pub removed: Vec<Power>,
    pub changed: Vec<Changed>,
}

impl PowerDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// `next` against `previous` (none: everything is added), power by power, by code.
pub fn diff(previous: Option<&PowerList>, next: &PowerList) -> PowerDiff {
    let Some(prev) = previous else {
        return PowerDiff {
            previous: None,
            added: next.powers.clone(),
            removed: Vec::new(),
            changed: Vec::new(),
        };
    };
    let find = |list: &PowerList, code: &str| list.powers.iter().find(|p| p.code == code).cloned();
    let mut out = PowerDiff {
        previous: Some(prev.version.clone()),
        ..PowerDiff::default()
    };
    for p in &next.powers {
        match find(prev, &p.code) {
            None => out.added.push(p.clone()),
            Some(q) => {
                let fields: Vec<&'static str> = [
                    ("name", p.name != q.name),
                    ("kind", p.kind != q.kind),
                    ("basis", p.basis != q.basis),
                    ("holder", p.holder != q.holder),
                    ("procedure", p.procedure != q.procedure),
                    ("supervision", p.supervision != q.supervision),
                    ("duties", p.duties != q.duties),
                    ("penalty", p.penalty != q.penalty),
                ]
                .into_iter()
                .filter(|(_, differs)| *differs)
                .map(|(f, _)| f)
                .collect();
                if !fields.is_empty() {
                    out.changed.push(Changed {
                        code: p.code.clone(),
                        name: p.name.clone(),
                        fields,
                    });
                }
            }
        }
    }
    for q in &prev.powers {
        if find(next, &q.code).is_none() {
            out.removed.push(q.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::penalty::PenaltyType;
    use crate::violation::{Fine, Hearing, Sector, Violation};

    fn catalogue() -> Catalogue {
        let v = |code: &str| Violation {
            code: code.into(),
            name: format!("违法行为{code}"),
            sector: Sector::Environment,
            industries: vec![],
            violated: Citation {
                law: "《中华人民共和国水污染防治法》".into(),
                article: "第十条".into(),
            },
            penalty_basis: Citation {
                law: "《中华人民共和国水污染防治法》".into(),
                article: "第八十三条".into(),
            },
            penalties: vec![PenaltyType::Fine],
            fine: Fine::MaxOnly { max_fen: 100 },
            orders: vec![],
            hearing: Hearing::Never,
            daily_penalty: false,
            source: "s".into(),
            acts_from: None,
        };
        Catalogue {
            version: "c1".into(),
            effective_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            acts_from: None,
            acts_until: None,
            note: String::new(),
            items: vec![v("a_1"), v("b_2")],
        }
    }

    fn file() -> PowerListFile {
        PowerListFile {
            version: "p1".into(),
            effective_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            catalogue: "c1".into(),
            allocation_source: None,
            penalty_holder: Holder::Both,
            penalty_procedure: "一般程序".into(),
            supervision: "12369".into(),
            penalty_duties: vec![],
            penalty_holders: Default::default(),
            powers: vec![PowerEntry {
                code: "inspect".into(),
                name: "现场检查".into(),
                kind: PowerKind::Inspection,
                basis: vec![Citation {
                    law: "《中华人民共和国环境保护法》".into(),
                    article: "第二十四条".into(),
                }],
                holder: None,
                procedure: Some("两名执法人员出示执法证件".into()),
                supervision: None,
                duties: vec![],
            }],
        }
    }

    #[test]
    fn penalties_come_from_the_catalogue() {
        let list = file().build(&catalogue()).unwrap();
        assert!(list.demo_allocation);
        let codes: Vec<&str> = list.powers.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["penalty_a_1", "penalty_b_2", "inspect"]);
        assert_eq!(list.powers[0].basis[1].article, "第八十三条");
        assert_eq!(list.powers[2].supervision, "12369");
    }

    #[test]
    fn a_penalty_written_in_the_list_or_a_wrong_catalogue_is_refused() {
        let mut f = file();
        f.powers[0].kind = PowerKind::Penalty;
        f.catalogue = "other".into();
        let e = f.build(&catalogue()).unwrap_err();
        let codes: Vec<&str> = e.reasons.iter().map(|r| r.code).collect();
        assert!(codes.contains(&"power.penalty_in_list"), "{codes:?}");
        assert!(codes.contains(&"power.catalogue_missing"), "{codes:?}");
    }

    #[test]
    fn the_diff_names_what_was_added_removed_and_changed() {
        let first = file().build(&catalogue()).unwrap();
        let d0 = diff(None, &first);
        assert_eq!(d0.added.len(), 3);
        assert!(d0.previous.is_none());

        let mut f = file();
        f.version = "p2".into();
        f.powers[0].procedure = Some("两名执法人员出示执法证件，制作笔录".into());
        f.penalty_holders.insert("b_2".into(), Holder::Detachment);
        let mut c = catalogue();
        c.items.remove(0);
        c.items.push(Violation {
            code: "c_3".into(),
            ..c.items[0].clone()
        });
        // The same articles, a new fine: a change of the penalty power.
        c.items[0].fine = Fine::MaxOnly { max_fen: 200 };
        let second = f.build(&c).unwrap();
        let d = diff(Some(&first), &second);
        assert_eq!(d.previous.as_deref(), Some("p1"));
        assert_eq!(
            d.added.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
            ["penalty_c_3"]
        );
        assert_eq!(
            d.removed
                .iter()
                .map(|p| p.code.as_str())
                .collect::<Vec<_>>(),
            ["penalty_a_1"]
        );
        let changed: Vec<(&str, Vec<&str>)> = d
            .changed
            .iter()
            .map(|c| (c.code.as_str(), c.fields.clone()))
            .collect();
        assert_eq!(
            changed,
            [
                ("penalty_b_2", vec!["holder", "penalty"]),
                ("inspect", vec!["procedure"])
            ]
        );
        assert!(diff(Some(&second), &second).is_empty());
    }
}
