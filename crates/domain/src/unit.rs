//! The organisation's units: the prefecture bureau, its detachment, the county branches and their
//! brigades, township and park liaisons, and partner agencies.
//!
//! The reform puts one detachment and the county brigades under one command (中共中央办公厅、国务院
//! 办公厅《关于深化生态环境保护综合行政执法改革的指导意见》(2018), 二(二)); a unit's place in that
//! tree decides whose rows its people may read.

use crate::actor::Actor;
use crate::event::Payload;
use crate::permission::{Capability, require};
use crate::refusal::{Reason, Reasons, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 州生态环境局
    PrefectureBureau,
    /// 综合行政执法支队
    Detachment,
    /// 县(市)分局
    CountyBranch,
    /// 县(市)综合行政执法大队
    Brigade,
    /// 乡镇、园区、农场联络
    Liaison,
    /// 协作单位
    PartnerAgency,
}

impl UnitKind {
    pub const ALL: [UnitKind; 6] = [
        UnitKind::PrefectureBureau,
        UnitKind::Detachment,
        UnitKind::CountyBranch,
        UnitKind::Brigade,
        UnitKind::Liaison,
        UnitKind::PartnerAgency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::PrefectureBureau => "prefecture_bureau",
            UnitKind::Detachment => "detachment",
            UnitKind::CountyBranch => "county_branch",
            UnitKind::Brigade => "brigade",
            UnitKind::Liaison => "liaison",
            UnitKind::PartnerAgency => "partner_agency",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kinds a unit of this kind may hang under; empty means it has no parent.
    fn parent_kinds(self) -> &'static [UnitKind] {
        match self {
            UnitKind::PrefectureBureau => &[],
            UnitKind::Detachment | UnitKind::CountyBranch => &[UnitKind::PrefectureBureau],
            UnitKind::Brigade => &[UnitKind::CountyBranch],
            UnitKind::Liaison => &[UnitKind::Brigade, UnitKind::CountyBranch],
            UnitKind::PartnerAgency => &[],
        }
    }

    /// Whether the unit sits at prefecture level (its division code is the prefecture's).
    fn prefecture_level(self) -> bool {
        matches!(
            self,
            UnitKind::PrefectureBureau | UnitKind::Detachment | UnitKind::PartnerAgency
        )
    }
}

/// A unit as the projection holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: Uuid,
    pub code: String,
    pub kind: UnitKind,
    pub name_zh: String,
    pub name_en: String,
    pub parent_id: Option<Uuid>,
    pub division_code: String,
    pub demo: bool,
    pub version: i64,
}

impl Unit {
    /// The unit an accepted `unit.created` event describes (the projection's first row).
    pub fn created(e: &UnitCreated) -> Unit {
        Unit {
            id: e.id,
            code: e.code.clone(),
            kind: e.kind,
            name_zh: e.name_zh.clone(),
            name_en: e.name_en.clone(),
            parent_id: e.parent_id,
            division_code: e.division_code.clone(),
            demo: e.demo,
            version: 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitCreated {
    pub id: Uuid,
    pub code: String,
    pub kind: UnitKind,
    pub name_zh: String,
    pub name_en: String,
    pub parent_id: Option<Uuid>,
    pub division_code: String,
    pub demo: bool,
}

impl crate::event::EventPayload for UnitCreated {
    fn counties(&self) -> Vec<String> {
        crate::event::county_of(&self.division_code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRenamed {
    pub id: Uuid,
    pub division_code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl crate::event::EventPayload for UnitRenamed {
    fn counties(&self) -> Vec<String> {
        crate::event::county_of(&self.division_code)
    }
}

/// A 6-digit GB/T 2260 code that names a county-level division (not ending in `00`).
pub fn is_county_code(code: &str) -> bool {
    is_division_code(code) && !code.ends_with("00")
}

pub fn is_division_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `code` lies in the prefecture `prefecture_code` (same first four digits).
pub fn in_prefecture(code: &str, prefecture_code: &str) -> bool {
    is_division_code(code) && prefecture_code.len() == 6 && code[..4] == prefecture_code[..4]
}

fn valid_unit_code(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
        && !code.ends_with('-')
}

const NAME_MAX_CHARS: usize = 100;

fn check_name(reasons: &mut Reasons, field: &str, value: &str) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        reasons.push(Reason::new("field.required").field(field));
    } else if trimmed.chars().count() > NAME_MAX_CHARS {
        reasons.push(
            Reason::new("field.too_long")
                .field(field)
                .arg("max", NAME_MAX_CHARS),
        );
    } else if let Err(reason) = crate::text::check_text(field, value, false) {
        reasons.push(reason);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateUnit {
    pub id: Uuid,
    pub code: String,
    pub kind: UnitKind,
    pub name_zh: String,
    pub name_en: String,
    pub parent_id: Option<Uuid>,
    pub division_code: String,
    pub demo: bool,
}

/// What `decide_create` needs to know from the store.
#[derive(Clone, Debug)]
pub struct CreateUnitState {
    pub prefecture_code: String,
    /// The prefecture's county-level divisions (`config/divisions.csv`).
    pub counties: Vec<String>,
    pub code_taken: bool,
    /// The unit named by `parent_id`, if the command names one and it exists.
    pub parent: Option<Unit>,
}

pub fn decide_create(
    state: &CreateUnitState,
    actor: &Actor,
    cmd: &CreateUnit,
) -> Result<Vec<Payload>, Refusal> {
    require(actor, Capability::UnitManage)?;
    let mut invalid = Reasons::default();
    if !valid_unit_code(&cmd.code) {
        invalid.push(Reason::new("unit.code_format").field("code"));
    }
    check_name(&mut invalid, "name_zh", &cmd.name_zh);
    check_name(&mut invalid, "name_en", &cmd.name_en);
    let reasons_before_division = invalid.len();
    if !in_prefecture(&cmd.division_code, &state.prefecture_code) {
        invalid.push(
            Reason::new("unit.division_outside_prefecture")
                .field("division_code")
                .arg("prefecture", &state.prefecture_code),
        );
    } else if cmd.kind.prefecture_level() && cmd.division_code != state.prefecture_code {
        invalid.push(
            Reason::new("unit.division_must_be_prefecture")
                .field("division_code")
                .arg("prefecture", &state.prefecture_code),
        );
    } else if !cmd.kind.prefecture_level() && !is_county_code(&cmd.division_code) {
        invalid.push(Reason::new("unit.division_must_be_county").field("division_code"));
    } else if cmd.division_code != state.prefecture_code
        && !state.counties.contains(&cmd.division_code)
    {
        // Well-formed and in the prefecture, but no county `config/divisions.csv` lists.
        invalid.push(
            Reason::new("county_code.unknown")
                .field("division_code")
                .arg("prefecture", &state.prefecture_code),
        );
    }
    let allowed = cmd.kind.parent_kinds();
    match (cmd.parent_id, &state.parent) {
        (None, _) if allowed.is_empty() => {}
        (None, _) => invalid.push(Reason::new("field.required").field("parent_id")),
        (Some(_), None) => invalid.push(Reason::new("unit.parent_unknown").field("parent_id")),
        (Some(_), Some(parent)) => {
            if !allowed.contains(&parent.kind) {
                invalid.push(
                    Reason::new("unit.parent_kind")
                        .field("parent_id")
                        .arg("kind", cmd.kind.as_str())
                        .arg("parent_kind", parent.kind.as_str()),
                );
            } else if invalid.len() == reasons_before_division
                && is_county_code(&parent.division_code)
                && parent.division_code != cmd.division_code
            {
                invalid.push(
                    Reason::new("unit.division_differs_from_parent")
                        .field("division_code")
                        .arg("parent_division", &parent.division_code),
                );
            }
        }
    }
    invalid.into_result(RefusalKind::Invalid)?;
    if state.code_taken {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("unit.code_taken")
                .field("code")
                .arg("code", &cmd.code),
        ));
    }
    Ok(vec![Payload::UnitCreated(UnitCreated {
        id: cmd.id,
        code: cmd.code.clone(),
        kind: cmd.kind,
        name_zh: cmd.name_zh.trim().to_owned(),
        name_en: cmd.name_en.trim().to_owned(),
        parent_id: cmd.parent_id,
        division_code: cmd.division_code.clone(),
        demo: cmd.demo,
    })])
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameUnit {
    pub id: Uuid,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    /// The version the caller read (`If-Match`); `None` skips the check.
    pub expected_version: Option<i64>,
}

/// What `decide_rename` needs to know from the store.
#[derive(Clone, Debug)]
pub struct RenameUnitState {
    /// The unit named by the command, if it exists.
    pub unit: Option<Unit>,
}

pub fn decide_rename(
    state: &RenameUnitState,
    actor: &Actor,
    cmd: &RenameUnit,
) -> Result<Vec<Payload>, Refusal> {
    require(actor, Capability::UnitManage)?;
    let unit = state.unit.as_ref().ok_or_else(Refusal::not_found)?;
    let mut invalid = Reasons::default();
    if let Some(n) = &cmd.name_zh {
        check_name(&mut invalid, "name_zh", n);
    }
    if let Some(n) = &cmd.name_en {
        check_name(&mut invalid, "name_en", n);
    }
    invalid.into_result(RefusalKind::Invalid)?;
    if let Some(v) = cmd.expected_version
        && v != unit.version
    {
        return Err(Refusal::one(
            RefusalKind::Stale,
            Reason::new("request.stale")
                .arg("expected", v)
                .arg("current", unit.version),
        ));
    }
    let name_zh = cmd.name_zh.as_deref().unwrap_or(&unit.name_zh).trim();
    let name_en = cmd.name_en.as_deref().unwrap_or(&unit.name_en).trim();
    if name_zh == unit.name_zh && name_en == unit.name_en {
        // Nothing changes, so nothing is recorded.
        return Ok(Vec::new());
    }
    Ok(vec![Payload::UnitRenamed(UnitRenamed {
        id: unit.id,
        division_code: unit.division_code.clone(),
        name_zh: name_zh.to_owned(),
        name_en: name_en.to_owned(),
    })])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Role, UserActor};

    fn bureau() -> Unit {
        Unit {
            id: Uuid::from_u128(1),
            code: "bureau".into(),
            kind: UnitKind::PrefectureBureau,
            name_zh: "西双版纳傣族自治州生态环境局".into(),
            name_en: "Xishuangbanna Prefecture Bureau of Ecology and Environment".into(),
            parent_id: None,
            division_code: "532800".into(),
            demo: false,
            version: 1,
        }
    }

    fn branch() -> Unit {
        Unit {
            id: Uuid::from_u128(2),
            code: "menghai-branch".into(),
            kind: UnitKind::CountyBranch,
            name_zh: "勐海分局".into(),
            name_en: "Menghai county branch".into(),
            parent_id: Some(Uuid::from_u128(1)),
            division_code: "532822".into(),
            demo: false,
            version: 1,
        }
    }

    fn state(parent: Option<Unit>) -> CreateUnitState {
        CreateUnitState {
            prefecture_code: "532800".into(),
            counties: vec!["532801".into(), "532822".into(), "532823".into()],
            code_taken: false,
            parent,
        }
    }

    fn brigade_cmd() -> CreateUnit {
        CreateUnit {
            id: Uuid::from_u128(3),
            code: "menghai-brigade".into(),
            kind: UnitKind::Brigade,
            name_zh: " 勐海县生态环境保护综合行政执法大队 ".into(),
            name_en: "Menghai brigade".into(),
            parent_id: Some(Uuid::from_u128(2)),
            division_code: "532822".into(),
            demo: false,
        }
    }

    fn user(roles: Vec<Role>) -> Actor {
        Actor::User(UserActor {
            id: Uuid::from_u128(9),
            username: "someone".into(),
            roles,
            unit_id: None,
            counties: None,
            certificate: None,
        })
    }

    #[test]
    fn a_brigade_under_its_county_branch_is_created_with_trimmed_names() {
        let events = decide_create(&state(Some(branch())), &Actor::System, &brigade_cmd()).unwrap();
        let [Payload::UnitCreated(e)] = events.as_slice() else {
            panic!("expected one unit.created event, got {events:?}")
        };
        assert_eq!(e.name_zh, "勐海县生态环境保护综合行政执法大队");
        assert_eq!(e.parent_id, Some(Uuid::from_u128(2)));
        assert_eq!(events[0].counties(), vec!["532822".to_string()]);
    }

    #[test]
    fn only_the_system_administrator_manages_units() {
        let officer = user(vec![Role::DetachmentOfficer]);
        let r = decide_create(&state(Some(branch())), &officer, &brigade_cmd()).unwrap_err();
        assert_eq!(r.kind, RefusalKind::Forbidden);
        let admin = user(vec![Role::SystemAdmin]);
        assert!(decide_create(&state(Some(branch())), &admin, &brigade_cmd()).is_ok());
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let cmd = CreateUnit {
            code: "Bad Code".into(),
            name_zh: "".into(),
            name_en: "x".repeat(101),
            division_code: "530100".into(),
            ..brigade_cmd()
        };
        let r = decide_create(&state(Some(branch())), &Actor::System, &cmd).unwrap_err();
        assert_eq!(r.kind, RefusalKind::Invalid);
        let fields: Vec<_> = r.reasons.iter().map(|r| r.field.clone().unwrap()).collect();
        assert_eq!(fields, ["code", "name_zh", "name_en", "division_code"]);
    }

    #[test]
    fn parent_rules() {
        let r = decide_create(&state(None), &Actor::System, &brigade_cmd()).unwrap_err();
        assert_eq!(r.reasons[0].code, "unit.parent_unknown");
        let r = decide_create(&state(Some(bureau())), &Actor::System, &brigade_cmd()).unwrap_err();
        assert_eq!(r.reasons[0].code, "unit.parent_kind");
        let other_county = CreateUnit {
            division_code: "532801".into(),
            ..brigade_cmd()
        };
        let r = decide_create(&state(Some(branch())), &Actor::System, &other_county).unwrap_err();
        assert_eq!(r.reasons[0].code, "unit.division_differs_from_parent");
        let no_parent = CreateUnit {
            parent_id: None,
            ..brigade_cmd()
        };
        let r = decide_create(&state(None), &Actor::System, &no_parent).unwrap_err();
        assert_eq!(r.reasons[0].code, "field.required");
    }

    #[test]
    fn the_detachment_sits_at_prefecture_level() {
        let cmd = CreateUnit {
            kind: UnitKind::Detachment,
            code: "detachment".into(),
            parent_id: Some(Uuid::from_u128(1)),
            division_code: "532801".into(),
            ..brigade_cmd()
        };
        let r = decide_create(&state(Some(bureau())), &Actor::System, &cmd).unwrap_err();
        assert_eq!(r.reasons[0].code, "unit.division_must_be_prefecture");
    }

    #[test]
    fn a_taken_code_is_a_conflict_after_validation() {
        let mut s = state(Some(branch()));
        s.code_taken = true;
        let r = decide_create(&s, &Actor::System, &brigade_cmd()).unwrap_err();
        assert_eq!(r.kind, RefusalKind::Conflict);
        assert_eq!(r.reasons[0].code, "unit.code_taken");
    }

    #[test]
    fn rename_checks_version_and_records_nothing_when_unchanged() {
        let b = branch();
        let cmd = RenameUnit {
            id: b.id,
            name_zh: Some("勐海县分局".into()),
            name_en: None,
            expected_version: Some(1),
        };
        let events = decide_rename(
            &RenameUnitState {
                unit: Some(b.clone()),
            },
            &Actor::System,
            &cmd,
        )
        .unwrap();
        assert_eq!(events.len(), 1);
        let stale = RenameUnit {
            expected_version: Some(7),
            ..cmd.clone()
        };
        assert_eq!(
            decide_rename(
                &RenameUnitState {
                    unit: Some(b.clone())
                },
                &Actor::System,
                &stale
            )
            .unwrap_err()
            .kind,
            RefusalKind::Stale
        );
        let same = RenameUnit {
            name_zh: Some(b.name_zh.clone()),
            ..cmd.clone()
        };
        assert!(
            decide_rename(
                &RenameUnitState {
                    unit: Some(b.clone())
                },
                &Actor::System,
                &same
            )
            .unwrap()
            .is_empty()
        );
        assert_eq!(
            decide_rename(&RenameUnitState { unit: None }, &Actor::System, &cmd)
                .unwrap_err()
                .kind,
            RefusalKind::NotFound
        );
    }
}
