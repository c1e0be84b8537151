//! Which rows an actor may read: the whole prefecture, or a set of counties.

use domain::Actor;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// `None`: every county. `Some`: only rows concerning these counties (and prefecture-wide rows).
    counties: Option<Vec<String>>,
}

impl Scope {
    pub fn all() -> Scope {
        Scope { counties: None }
    }

    pub fn counties(counties: Vec<String>) -> Scope {
        Scope {
            counties: Some(counties),
        }
    }

    pub fn of(actor: &Actor) -> Scope {
        match actor {
            Actor::System => Scope::all(),
            Actor::User(u) => Scope {
                counties: u.counties.clone(),
            },
        }
    }

    pub fn is_all(&self) -> bool {
        self.counties.is_none()
    }

    /// The scope as one bind parameter, `,532801,532822,`, matched with
    /// `$n LIKE '%,' || county || ',%'` (portable between SQLite and PostgreSQL).
    pub fn pattern(&self) -> String {
        match &self.counties {
            None => String::new(),
            Some(c) => format!(",{},", c.join(",")),
        }
    }
}
