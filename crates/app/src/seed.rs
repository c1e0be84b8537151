//! Start-up data: the first administrator of an empty database, and the demo organisation.
//! Both go through the write path like everything else.

use crate::units::NewUnit;
use crate::users::NewUser;
use crate::{App, AppError};
use chrono::{Datelike, Days, NaiveDate};
use domain::entity::{EntityClass, EntityData, Outlet, OutletKind, Permit};
use domain::permission::Certificate;
use domain::unit::UnitKind;
use domain::{Actor, Role};
use serde::Deserialize;
use std::collections::HashMap;

/// The demo password, printed with the demo accounts. Demo only.
pub const DEMO_PASSWORD: &str = "Demo@2026!";

const DEMO_ORGANISATION: &str = include_str!("../../../config/demo-organisation.toml");
const DEMO_ENTITIES: &str = include_str!("../../../config/demo-entities.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoEntities {
    issuing_authority: String,
    counties: Vec<DemoCounty>,
    templates: Vec<DemoTemplate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCounty {
    code: String,
    name: String,
    seat_lat: f64,
    seat_lon: f64,
    townships: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoTemplate {
    kind: String,
    industry: String,
    class: EntityClass,
    outlets: Vec<OutletKind>,
}

/// A fixed pseudo-random sequence (SplitMix64), so every demo database is the same.
struct Demo(u64);

impl Demo {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A point uniformly within `radius_km` of (lat, lon), in micro-degrees.
    fn near(&mut self, lat: f64, lon: f64, radius_km: f64) -> (i64, i64) {
        let r = radius_km * self.next().sqrt();
        let theta = self.next() * std::f64::consts::TAU;
        let dlat = r * theta.cos() / 111.32;
        let dlon = r * theta.sin() / (111.32 * lat.to_radians().cos());
        (
            ((lat + dlat) * 1e6).round() as i64,
            ((lon + dlon) * 1e6).round() as i64,
        )
    }
}

/// A demo USCC: `91` + county code + `XBDM` + five digits + the GB 32100-2015 check character.
pub fn demo_uscc(county: &str, serial: u32) -> String {
    let first = format!("91{county}XBDM{serial:05}");
    let check = domain::uscc::check_character(&first).unwrap_or('0');
    format!("{first}{check}")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoOrganisation {
    units: Vec<DemoUnit>,
    users: Vec<DemoUser>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUnit {
    code: String,
    kind: UnitKind,
    parent: Option<String>,
    name_zh: String,
    name_en: String,
    division_code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUser {
    username: String,
    display_name: String,
    unit: Option<String>,
    roles: Vec<Role>,
    #[serde(default)]
    counties: Option<Vec<String>>,
    #[serde(default)]
    certificate: Option<String>,
    #[serde(default)]
    legal_qualification: Option<domain::user::LegalQualification>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The database holds real data; demo rows must never mix with it.
    #[error("the database holds data that is not demo data")]
    RealDataPresent,
    #[error("the demo organisation in config/ is invalid: {0}")]
    BadConfig(String),
    #[error(transparent)]
    App(#[from] AppError),
}

/// What start-up created, for printing once.
#[derive(Debug, Default)]
pub struct Seeded {
    /// A new administrator and the only copy of its password.
    pub admin: Option<(String, String)>,
    /// Its TOTP secret (base32), shown only this once.
    pub admin_totp: Option<String>,
    /// Demo usernames (password [`DEMO_PASSWORD`]); empty when the demo was seeded before.
    pub demo_accounts: Vec<String>,
}

/// Certificates: "valid" for three years from 30 days before seeding (demo officers were
/// certified before the demo began, so a record started before midnight on the day of seeding is
/// covered); "expired" 30 days before seeding.
fn demo_certificate(
    state: &str,
    serial: usize,
    today: NaiveDate,
    authority: &str,
) -> Option<Certificate> {
    let three_years = |from: NaiveDate| {
        from.with_year(from.year() + 3)
            .unwrap_or(from + Days::new(3 * 365))
            .pred_opt()
    };
    let (valid_from, valid_until) = match state {
        "valid" => {
            let from = today.checked_sub_days(Days::new(30))?;
            (from, three_years(from)?)
        }
        "expired" => {
            let until = today.checked_sub_days(Days::new(30))?;
            let from = until.with_year(until.year() - 3)?.succ_opt()?;
            (from, until)
        }
        _ => return None,
    };
    Some(Certificate {
        number: format!("5328{:04}{serial:06}", valid_from.year()),
        issuing_authority: authority.to_owned(),
        valid_from,
        valid_until,
    })
}

impl App {
    async fn seed_demo_entities(
        &self,
        demo: &DemoEntities,
        today: NaiveDate,
    ) -> Result<(), SeedError> {
        let mut rng = Demo(532_800);
        let mut serial = 0u32;
        for county in &demo.counties {
            for (i, t) in demo.templates.iter().enumerate() {
                serial += 1;
                let township = &county.townships[i % county.townships.len()];
                let (lat_e6, lon_e6) = rng.near(county.seat_lat, county.seat_lon, 28.0);
                let uscc = demo_uscc(&county.code, serial);
                let outlets = t
                    .outlets
                    .iter()
                    .enumerate()
                    .map(|(k, kind)| {
                        let (prefix, name) = match kind {
                            OutletKind::Water => ("DW", "废水排放口"),
                            OutletKind::Air => ("DA", "废气排放口"),
                            OutletKind::Noise => ("ZS", "厂界噪声监测点"),
                            OutletKind::Solid => ("GF", "固体废物贮存场"),
                        };
                        Outlet {
                            code: format!("{prefix}{:03}", k + 1),
                            kind: *kind,
                            name: name.to_owned(),
                            lat_e6: lat_e6 + 900 * (k as i64 + 1),
                            lon_e6: lon_e6 - 700 * (k as i64 + 1),
                        }
                    })
                    .collect::<Vec<_>>();
                // Every seventh permit runs out within 30 days, so expiry warnings have something to show.
                let permit = (!outlets.is_empty()).then(|| Permit {
                    number: format!("{uscc}001V"),
                    valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(today),
                    valid_until: if serial.is_multiple_of(7) {
                        today + Days::new(u64::from(serial % 30))
                    } else {
                        NaiveDate::from_ymd_opt(2028, 12, 31).unwrap_or(today)
                    },
                });
                let data = EntityData {
                    uscc,
                    name: format!("{}{}{}（演示）", county.name, township, t.kind),
                    county_code: county.code.clone(),
                    industry_code: t.industry.clone(),
                    class: t.class,
                    address: format!("{}{}（演示地址）", county.name, township),
                    legal_representative: format!("演示法人{serial:02}"),
                    lat_e6,
                    lon_e6,
                    outlets,
                    permit,
                };
                self.register_entity(&Actor::System, data, true).await?;
            }
        }
        Ok(())
    }

    /// On an empty database, creates `admin` with a random password that must be changed.
    pub async fn bootstrap(&self) -> Result<Seeded, AppError> {
        if self.store.log_size().await? > 0 {
            return Ok(Seeded::default());
        }
        let password = crate::auth::random_password()?;
        let totp = crate::totp::new_secret()?;
        self.create_user(
            &Actor::System,
            NewUser {
                username: "admin".into(),
                display_name: "系统管理员".into(),
                unit_id: None,
                roles: vec![Role::SystemAdmin],
                counties: None,
                password: password.clone(),
                must_change_password: true,
                totp_secret: Some(totp.clone()),
                demo: false,
            },
        )
        .await?;
        Ok(Seeded {
            admin: Some(("admin".into(), password)),
            admin_totp: Some(totp),
            demo_accounts: Vec::new(),
        })
    }

    /// Seeds the demo organisation once. Refuses a database with real data; does nothing on a
    /// database already seeded.
    pub async fn seed_demo(&self) -> Result<Seeded, SeedError> {
        if self.store.has_real_data().await.map_err(AppError::from)? {
            return Err(SeedError::RealDataPresent);
        }
        if self.store.log_size().await.map_err(AppError::from)? > 0 {
            return Ok(Seeded::default());
        }
        let org: DemoOrganisation =
            toml::from_str(DEMO_ORGANISATION).map_err(|e| SeedError::BadConfig(e.to_string()))?;
        let entities: DemoEntities =
            toml::from_str(DEMO_ENTITIES).map_err(|e| SeedError::BadConfig(e.to_string()))?;
        let today = self.today();
        let mut ids = HashMap::new();
        for u in org.units {
            let parent_id = match &u.parent {
                Some(code) => Some(*ids.get(code).ok_or_else(|| {
                    SeedError::BadConfig(format!("unit {} names unknown parent {code}", u.code))
                })?),
                None => None,
            };
            let unit = self
                .create_unit(
                    &Actor::System,
                    NewUnit {
                        code: u.code.clone(),
                        kind: u.kind,
                        name_zh: u.name_zh,
                        name_en: u.name_en,
                        parent_id,
                        division_code: u.division_code,
                        demo: true,
                    },
                )
                .await?;
            ids.insert(u.code, unit.id);
        }
        let mut accounts = Vec::new();
        for u in org.users {
            let unit_id = match &u.unit {
                Some(code) => Some(*ids.get(code).ok_or_else(|| {
                    SeedError::BadConfig(format!("user {} names unknown unit {code}", u.username))
                })?),
                None => None,
            };
            // The administrators sign in with a second factor (the demo secret).
            let totp_secret = u
                .roles
                .iter()
                .any(|r| domain::admin::is_administrator(*r))
                .then(|| crate::totp::DEMO_SECRET.to_owned());
            let user = self
                .create_user(
                    &Actor::System,
                    NewUser {
                        username: u.username.clone(),
                        display_name: u.display_name,
                        unit_id,
                        roles: u.roles,
                        counties: u.counties,
                        password: DEMO_PASSWORD.into(),
                        must_change_password: false,
                        totp_secret,
                        demo: true,
                    },
                )
                .await?;
            if let Some(state) = &u.certificate {
                let serial = accounts.len() + 1;
                let certificate =
                    demo_certificate(state, serial, today, &entities.issuing_authority)
                        .ok_or_else(|| {
                            SeedError::BadConfig(format!(
                                "user {}: certificate {state:?}",
                                u.username
                            ))
                        })?;
                self.certify_officer(&Actor::System, user.id, certificate)
                    .await?;
            }
            if let Some(q) = &u.legal_qualification {
                self.qualify_reviewer(&Actor::System, user.id, q.clone())
                    .await?;
            }
            accounts.push(u.username);
        }
        self.seed_demo_entities(&entities, today).await?;
        Ok(Seeded {
            admin: None,
            admin_totp: None,
            demo_accounts: accounts,
        })
    }
}
