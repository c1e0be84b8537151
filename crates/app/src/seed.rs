//! Start-up data: the first administrator of an empty database, and the demo organisation.
//! Both go through the write path like everything else.

use crate::units::NewUnit;
use crate::users::NewUser;
use crate::{App, AppError};
use domain::unit::UnitKind;
use domain::{Actor, Role};
use serde::Deserialize;
use std::collections::HashMap;

/// The demo password, printed with the demo accounts. Demo only.
pub const DEMO_PASSWORD: &str = "Demo@2026!";

const DEMO_ORGANISATION: &str = include_str!("../../../config/demo-organisation.toml");

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
    /// Demo usernames (password [`DEMO_PASSWORD`]); empty when the demo was seeded before.
    pub demo_accounts: Vec<String>,
}

impl App {
    /// On an empty database, creates `admin` with a random password that must be changed.
    pub async fn bootstrap(&self) -> Result<Seeded, AppError> {
        if self.store.log_size().await? > 0 {
            return Ok(Seeded::default());
        }
        let password = crate::auth::random_password()?;
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
                demo: false,
            },
        )
        .await?;
        Ok(Seeded {
            admin: Some(("admin".into(), password)),
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
            self.create_user(
                &Actor::System,
                NewUser {
                    username: u.username.clone(),
                    display_name: u.display_name,
                    unit_id,
                    roles: u.roles,
                    counties: u.counties,
                    password: DEMO_PASSWORD.into(),
                    must_change_password: false,
                    demo: true,
                },
            )
            .await?;
            accounts.push(u.username);
        }
        Ok(Seeded {
            admin: None,
            demo_accounts: accounts,
        })
    }
}
