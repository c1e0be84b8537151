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
    /// The certificate's last valid day.
    pub certificate_valid_until: Option<chrono::NaiveDate>,
    pub unit_zh: Option<String>,
    pub unit_en: Option<String>,
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
                    certificate_valid_until: u.certificate.as_ref().map(|c| c.valid_until),
                    certificate: u.certificate.map(|c| c.number),
                    unit_zh: unit.map(|(zh, _)| zh.clone()),
                    unit_en: unit.map(|(_, en)| en.clone()),
                },
            );
        }
        Ok(people)
    }
}
