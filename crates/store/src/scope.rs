//! Which rows an actor may read: the whole prefecture, or a set of counties.

use domain::permission::Reach;

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

    /// The counties of a limited scope; `None` for every county.
    pub fn county_list(&self) -> Option<&[String]> {
        self.counties.as_deref()
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

/// The rows an actor reaches for a capability (`domain::permission::reach`) are the rows it reads.
impl From<Reach> for Scope {
    fn from(reach: Reach) -> Scope {
        Scope { counties: reach }
    }
}
