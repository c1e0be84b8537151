//! People as pages and documents show them: by name, and for officers with the number of their
//! enforcement certificate and their unit — what a party and a court go by. Login names are
//! for signing in and for the administrators' account pages only.

use crate::{App, AppError};
use domain::user::User;
use std::collections::HashMap;

/// One person, as shown.
#[derive(Clone, Debug)]
pub struct Person {
    pub display_name: String,
    /// The enforcement certificate's number (执法证号), for officers who hold one.
    pub certificate: Option<String>,
    /// The certificate's first and last valid days.
    pub certificate_valid_from: Option<chrono::NaiveDate>,
    pub certificate_valid_until: Option<chrono::NaiveDate>,
    pub unit_zh: Option<String>,
    pub unit_en: Option<String>,
    /// What forms need to offer the right people (a case's team, a recusal): the unit, the
    /// roles, and whether the account is disabled.
    pub unit_id: Option<uuid::Uuid>,
    pub roles: Vec<domain::actor::Role>,
    pub disabled: bool,
}

impl Person {
    /// Whether the enforcement certificate is valid on `day`.
    pub fn certified_on(&self, day: chrono::NaiveDate) -> bool {
        matches!(
            (self.certificate_valid_from, self.certificate_valid_until),
            (Some(from), Some(until)) if from <= day && day <= until
        )
    }
}

/// Everyone who can appear on a page, by login name.
#[derive(Default)]
pub struct People {
    by_username: HashMap<String, Person>,
    usernames: HashMap<uuid::Uuid, String>,
}

impl People {
    pub fn get(&self, username: &str) -> Option<&Person> {
        self.by_username.get(username)
    }

    /// The login name of an account, for what events record by id.
    pub fn username(&self, id: uuid::Uuid) -> Option<&str> {
        self.usernames.get(&id).map(String::as_str)
    }

    /// Everyone, by display name (then login name).
    pub fn all(&self) -> Vec<(&str, &Person)> {
        let mut out: Vec<(&str, &Person)> = self
            .by_username
            .iter()
            .map(|(u, p)| (u.as_str(), p))
            .collect();
        out.sort_by(|a, b| a.1.display_name.cmp(&b.1.display_name).then(a.0.cmp(b.0)));
        out
    }
}

impl App {
    /// Names, certificates and units of every account. Not secret: officers show their
    /// certificate to the parties they deal with (APL Art. 55).
    pub async fn people(&self) -> Result<People, AppError> {
        let units: HashMap<uuid::Uuid, (String, String)> = self
            .units()
            .await?
            .into_iter()
            .map(|u| (u.id, (u.name_zh, u.name_en)))
            .collect();
        let mut people = People::default();
        for u in self.store.users().await? {
            let u: User = u;
            let unit = u.unit_id.and_then(|id| units.get(&id));
            people.usernames.insert(u.id, u.username.clone());
            people.by_username.insert(
                u.username,
                Person {
                    display_name: u.display_name,
                    certificate_valid_from: u.certificate.as_ref().map(|c| c.valid_from),
                    certificate_valid_until: u.certificate.as_ref().map(|c| c.valid_until),
                    certificate: u.certificate.map(|c| c.number),
                    unit_zh: unit.map(|(zh, _)| zh.clone()),
                    unit_en: unit.map(|(_, en)| en.clone()),
                    unit_id: u.unit_id,
                    roles: u.roles,
                    disabled: u.disabled,
                },
            );
        }
        Ok(people)
    }
}
