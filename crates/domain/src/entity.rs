//! The register of regulated entities (监管对象名录): one row per regulated party, with its outlets
//! and discharge permit, scoped by county.

use crate::actor::Actor;
use crate::event::Payload;
use crate::permission::{Capability, Reach, reach, within};
use crate::refusal::{Reason, Reasons, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityClass {
    /// 重点监管
    Key,
    General,
}

impl EntityClass {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityClass::Key => "key",
            EntityClass::General => "general",
        }
    }

    pub fn parse(s: &str) -> Option<EntityClass> {
        match s {
            "key" => Some(EntityClass::Key),
            "general" => Some(EntityClass::General),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutletKind {
    Water,
    Air,
    Noise,
    Solid,
}

/// Coordinates are integer micro-degrees (WGS-84) so that events hold no floats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outlet {
    pub code: String,
    pub kind: OutletKind,
    pub name: String,
    pub lat_e6: i64,
    pub lon_e6: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permit {
    pub number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// Everything about an entity that a registration or an update states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityData {
    pub uscc: String,
    pub name: String,
    pub county_code: String,
    /// GB/T 4754-2017 four-digit class.
    pub industry_code: String,
    pub class: EntityClass,
    pub address: String,
    pub legal_representative: String,
    pub lat_e6: i64,
    pub lon_e6: i64,
    pub outlets: Vec<Outlet>,
    pub permit: Option<Permit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    pub id: Uuid,
    #[serde(flatten)]
    pub data: EntityData,
    pub demo: bool,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRegistered {
    pub id: Uuid,
    pub demo: bool,
    pub data: EntityData,
}

impl crate::event::EventPayload for EntityRegistered {
    fn counties(&self) -> Vec<String> {
        vec![self.data.county_code.clone()]
    }
}

/// The full new state after an update (so replay needs no earlier row to rebuild this one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityUpdated {
    pub id: Uuid,
    /// Where the entity was before, so a move between counties concerns both.
    pub previous_county_code: String,
    pub data: EntityData,
}

impl crate::event::EventPayload for EntityUpdated {
    fn counties(&self) -> Vec<String> {
        let mut c = vec![self.previous_county_code.clone()];
        if self.data.county_code != self.previous_county_code {
            c.push(self.data.county_code.clone());
        }
        c
    }
}

/// Whether a GB/T 4754-2017 class is one the platform knows (from `config/industry-classes.csv`).
pub trait IndustryClasses: Sync {
    fn knows(&self, code: &str) -> bool;
}

const LAT_LIMIT: i64 = 90_000_000;
const LON_LIMIT: i64 = 180_000_000;

fn check_text(r: &mut Reasons, field: &str, value: &str, max: usize, required: bool) {
    let v = value.trim();
    if required && v.is_empty() {
        r.push(Reason::new("field.required").field(field));
    } else if v.chars().count() > max {
        r.push(Reason::new("field.too_long").field(field).arg("max", max));
    } else if let Err(reason) = crate::text::check_text(field, value, false) {
        // The untrimmed value: a trailing line break is as much a second line as an inner one.
        r.push(reason);
    }
}

fn check_data(
    data: &EntityData,
    prefecture_code: &str,
    counties: &[String],
    industries: &dyn IndustryClasses,
    reach: &Reach,
) -> Result<(), Refusal> {
    let mut r = Reasons::default();
    match crate::uscc::validate(&data.uscc) {
        Ok(()) => {}
        Err(crate::uscc::UsccError::Check { expected }) => r.push(
            Reason::new("uscc.check_character")
                .field("uscc")
                .arg("expected", expected),
        ),
        Err(_) => r.push(Reason::new("uscc.format").field("uscc")),
    }
    check_text(&mut r, "name", &data.name, 200, true);
    check_text(&mut r, "address", &data.address, 300, true);
    check_text(
        &mut r,
        "legal_representative",
        &data.legal_representative,
        50,
        false,
    );
    if !crate::unit::is_county_code(&data.county_code)
        || !crate::unit::in_prefecture(&data.county_code, prefecture_code)
        || !counties.contains(&data.county_code)
    {
        r.push(
            Reason::new("county_code.unknown")
                .field("county_code")
                .arg("prefecture", prefecture_code),
        );
    } else if !within(reach, &data.county_code) {
        r.push(
            Reason::new("county_code.out_of_scope")
                .field("county_code")
                .arg("county", &data.county_code),
        );
    }
    if !industries.knows(&data.industry_code) {
        r.push(
            Reason::new("industry_code.unknown")
                .field("industry_code")
                .arg("code", &data.industry_code),
        );
    }
    if !(-LAT_LIMIT..=LAT_LIMIT).contains(&data.lat_e6) {
        r.push(Reason::new("coordinate.out_of_range").field("lat"));
    }
    if !(-LON_LIMIT..=LON_LIMIT).contains(&data.lon_e6) {
        r.push(Reason::new("coordinate.out_of_range").field("lon"));
    }
    let mut codes = std::collections::HashSet::new();
    for (i, o) in data.outlets.iter().enumerate() {
        check_text(&mut r, &format!("outlets[{i}].code"), &o.code, 20, true);
        check_text(&mut r, &format!("outlets[{i}].name"), &o.name, 100, true);
        if !codes.insert(o.code.trim()) {
            r.push(
                Reason::new("outlet.code_duplicate")
                    .field(format!("outlets[{i}].code"))
                    .arg("code", &o.code),
            );
        }
        if !(-LAT_LIMIT..=LAT_LIMIT).contains(&o.lat_e6) {
            r.push(Reason::new("coordinate.out_of_range").field(format!("outlets[{i}].lat")));
        }
        if !(-LON_LIMIT..=LON_LIMIT).contains(&o.lon_e6) {
            r.push(Reason::new("coordinate.out_of_range").field(format!("outlets[{i}].lon")));
        }
    }
    if let Some(p) = &data.permit {
        check_text(&mut r, "permit.number", &p.number, 40, true);
        if p.valid_until < p.valid_from {
            r.push(Reason::new("permit.validity_reversed").field("permit.valid_until"));
        }
    }
    r.into_result(RefusalKind::Invalid)
}

fn trimmed(data: &EntityData) -> EntityData {
    let mut d = data.clone();
    d.name = d.name.trim().to_owned();
    d.address = d.address.trim().to_owned();
    d.legal_representative = d.legal_representative.trim().to_owned();
    for o in &mut d.outlets {
        o.code = o.code.trim().to_owned();
        o.name = o.name.trim().to_owned();
    }
    if let Some(p) = &mut d.permit {
        p.number = p.number.trim().to_owned();
    }
    d
}

/// Registering a regulated entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterEntity {
    pub id: Uuid,
    pub data: EntityData,
    pub demo: bool,
}

pub struct RegisterState {
    pub prefecture_code: String,
    /// The prefecture's county-level divisions (`config/divisions.csv`).
    pub counties: Vec<String>,
    pub industries: &'static dyn IndustryClasses,
    pub uscc_taken: bool,
}

pub fn decide_register(
    state: &RegisterState,
    actor: &Actor,
    cmd: &RegisterEntity,
) -> Result<Vec<Payload>, Refusal> {
    let RegisterEntity { id, data, demo } = cmd;
    let (id, demo) = (*id, *demo);
    let reach = reach(actor, Capability::EntityRegister)?;
    check_data(
        data,
        &state.prefecture_code,
        &state.counties,
        state.industries,
        &reach,
    )?;
    if state.uscc_taken {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("uscc.taken")
                .field("uscc")
                .arg("uscc", &data.uscc),
        ));
    }
    Ok(vec![Payload::EntityRegistered(EntityRegistered {
        id,
        demo,
        data: trimmed(data),
    })])
}

pub struct UpdateState {
    pub prefecture_code: String,
    /// The prefecture's county-level divisions (`config/divisions.csv`).
    pub counties: Vec<String>,
    pub industries: &'static dyn IndustryClasses,
    /// The entity as stored, if it exists and the actor may read it.
    pub current: Option<Entity>,
}

/// Changing a registered entity: its full new data, against the version the caller read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateEntity {
    pub id: Uuid,
    pub data: EntityData,
    pub expected_version: i64,
}

pub fn decide_update(
    state: &UpdateState,
    actor: &Actor,
    cmd: &UpdateEntity,
) -> Result<Vec<Payload>, Refusal> {
    let UpdateEntity {
        data,
        expected_version,
        ..
    } = cmd;
    let expected_version = *expected_version;
    let reach = reach(actor, Capability::EntityRegister)?;
    let current = state.current.as_ref().ok_or_else(Refusal::not_found)?;
    if !within(&reach, &current.data.county_code) {
        return Err(Refusal::not_found());
    }
    if data.uscc != current.data.uscc {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.immutable")
                .field("uscc")
                .arg("field", "uscc"),
        ));
    }
    check_data(
        data,
        &state.prefecture_code,
        &state.counties,
        state.industries,
        &reach,
    )?;
    if expected_version != current.version {
        return Err(Refusal::one(
            RefusalKind::Stale,
            Reason::new("request.stale")
                .arg("expected", expected_version)
                .arg("current", current.version),
        ));
    }
    let data = trimmed(data);
    if data == current.data {
        return Ok(Vec::new());
    }
    Ok(vec![Payload::EntityUpdated(EntityUpdated {
        id: current.id,
        previous_county_code: current.data.county_code.clone(),
        data,
    })])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Role, UserActor};

    struct Known;
    impl IndustryClasses for Known {
        fn knows(&self, code: &str) -> bool {
            code == "1340"
        }
    }

    fn data() -> EntityData {
        let first = "91532822XBDM00001";
        EntityData {
            uscc: format!("{first}{}", crate::uscc::check_character(first).unwrap()),
            name: " 勐海某糖厂（演示） ".into(),
            county_code: "532822".into(),
            industry_code: "1340".into(),
            class: EntityClass::Key,
            address: "勐海县勐遮镇".into(),
            legal_representative: "岩某".into(),
            lat_e6: 21_957_300,
            lon_e6: 100_452_800,
            outlets: vec![Outlet {
                code: "DW001".into(),
                kind: OutletKind::Water,
                name: "废水总排口".into(),
                lat_e6: 21_957_000,
                lon_e6: 100_452_000,
            }],
            permit: Some(Permit {
                number: "91532822XBDM0000X001V".into(),
                valid_from: "2024-01-01".parse().unwrap(),
                valid_until: "2028-12-31".parse().unwrap(),
            }),
        }
    }

    fn officer(counties: &[&str]) -> Actor {
        Actor::User(UserActor {
            id: Uuid::nil(),
            username: "menghai.officer".into(),
            roles: vec![Role::BrigadeOfficer],
            unit_id: None,
            counties: Some(counties.iter().map(|c| c.to_string()).collect()),
            certificate: None,
        })
    }

    fn register(data: EntityData) -> RegisterEntity {
        RegisterEntity {
            id: Uuid::nil(),
            data,
            demo: false,
        }
    }

    fn state(taken: bool) -> RegisterState {
        RegisterState {
            prefecture_code: "532800".into(),
            counties: vec!["532801".into(), "532822".into(), "532823".into()],
            industries: &Known,
            uscc_taken: taken,
        }
    }

    #[test]
    fn a_brigade_officer_registers_in_their_county_only() {
        let events = decide_register(
            &state(false),
            &officer(&["532822"]),
            &register(data().clone()),
        )
        .unwrap();
        let [Payload::EntityRegistered(e)] = events.as_slice() else {
            panic!()
        };
        assert_eq!(e.data.name, "勐海某糖厂（演示）");
        assert_eq!(events[0].counties(), ["532822"]);
        let r = decide_register(
            &state(false),
            &officer(&["532801"]),
            &register(data().clone()),
        )
        .unwrap_err();
        assert_eq!(
            (r.kind, r.reasons[0].code),
            (RefusalKind::Invalid, "county_code.out_of_scope")
        );
    }

    #[test]
    fn a_bad_check_character_names_uscc() {
        let mut d = data();
        d.uscc.pop();
        d.uscc.push(if d.uscc.ends_with('0') { '1' } else { '0' });
        let r = decide_register(&state(false), &officer(&["532822"]), &register(d.clone()))
            .unwrap_err();
        assert_eq!(r.reasons[0].field.as_deref(), Some("uscc"));
        assert_eq!(r.reasons[0].code, "uscc.check_character");
    }

    #[test]
    fn every_problem_at_once_then_duplicates() {
        let mut d = data();
        d.industry_code = "9999".into();
        d.name = "".into();
        d.lat_e6 = 91_000_000;
        d.outlets.push(d.outlets[0].clone());
        d.permit.as_mut().unwrap().valid_until = "2020-01-01".parse().unwrap();
        let r = decide_register(&state(false), &officer(&["532822"]), &register(d.clone()))
            .unwrap_err();
        let codes: Vec<_> = r.reasons.iter().map(|r| r.code).collect();
        assert_eq!(
            codes,
            [
                "field.required",
                "industry_code.unknown",
                "coordinate.out_of_range",
                "outlet.code_duplicate",
                "permit.validity_reversed"
            ]
        );
        let r = decide_register(
            &state(true),
            &officer(&["532822"]),
            &register(data().clone()),
        )
        .unwrap_err();
        assert_eq!(
            (r.kind, r.reasons[0].code),
            (RefusalKind::Conflict, "uscc.taken")
        );
    }

    #[test]
    fn updates() {
        let current = Entity {
            id: Uuid::nil(),
            data: trimmed(&data()),
            demo: false,
            version: 3,
        };
        let st = UpdateState {
            prefecture_code: "532800".into(),
            counties: vec!["532801".into(), "532822".into(), "532823".into()],
            industries: &Known,
            current: Some(current.clone()),
        };
        let mut moved = data();
        moved.county_code = "532801".into();
        let both = Actor::User(UserActor {
            counties: Some(vec!["532822".into(), "532801".into()]),
            ..match officer(&[]) {
                Actor::User(u) => u,
                Actor::System => unreachable!(),
            }
        });
        let events = decide_update(
            &st,
            &both,
            &UpdateEntity {
                id: Uuid::nil(),
                data: moved.clone(),
                expected_version: 3,
            },
        )
        .unwrap();
        let mut counties = events[0].counties();
        counties.sort();
        assert_eq!(counties, ["532801", "532822"]);
        assert_eq!(
            decide_update(
                &st,
                &officer(&["532822"]),
                &UpdateEntity {
                    id: Uuid::nil(),
                    data: moved.clone(),
                    expected_version: 3
                }
            )
            .unwrap_err()
            .reasons[0]
                .code,
            "county_code.out_of_scope"
        );
        assert_eq!(
            decide_update(
                &st,
                &officer(&["532801"]),
                &UpdateEntity {
                    id: Uuid::nil(),
                    data: data().clone(),
                    expected_version: 3
                }
            )
            .unwrap_err()
            .kind,
            RefusalKind::NotFound,
            "outside scope reads as absent"
        );
        assert_eq!(
            decide_update(
                &st,
                &both,
                &UpdateEntity {
                    id: Uuid::nil(),
                    data: moved.clone(),
                    expected_version: 2
                }
            )
            .unwrap_err()
            .kind,
            RefusalKind::Stale
        );
        let mut other = data();
        other.uscc = "91350100M000100Y43".into();
        assert_eq!(
            decide_update(
                &st,
                &both,
                &UpdateEntity {
                    id: Uuid::nil(),
                    data: other.clone(),
                    expected_version: 3
                }
            )
            .unwrap_err()
            .reasons[0]
                .code,
            "field.immutable"
        );
        assert!(
            decide_update(
                &st,
                &both,
                &UpdateEntity {
                    id: Uuid::nil(),
                    data: data().clone(),
                    expected_version: 3
                }
            )
            .unwrap()
            .is_empty()
        );
    }
}
