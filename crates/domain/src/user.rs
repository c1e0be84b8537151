//! Users of the platform. Credentials never enter an event: the event names the person, their unit,
//! roles and jurisdiction; the password hash lives in a table that is not a projection.

use crate::actor::{Actor, Role};
use crate::event::Payload;
use crate::permission::Capability;
use crate::refusal::{Reason, Reasons, Refusal, RefusalKind};
use crate::unit::Unit;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCreated {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub unit_id: Option<Uuid>,
    pub roles: Vec<Role>,
    /// County codes the user may act in; `None` means the whole prefecture.
    pub counties: Option<Vec<String>>,
    pub demo: bool,
}

/// An officer's enforcement certificate, recorded (or replaced) for a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerCertified {
    pub user_id: Uuid,
    pub certificate: crate::permission::Certificate,
}

/// A legal reviewer's standing (《中华人民共和国行政处罚法》第五十八条): since when they review
/// penalty decisions, and the number of their legal professional qualification certificate
/// (法律职业资格证书), required of those who took up review on or after 2021-07-15.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalQualification {
    pub reviewer_since: chrono::NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// A user's legal-review standing, recorded (or replaced).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewerQualified {
    pub user_id: Uuid,
    pub qualification: LegalQualification,
}

crate::event::administration_events!(UserCreated, OfficerCertified, ReviewerQualified);

/// A user as the projection holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub unit_id: Option<Uuid>,
    pub roles: Vec<Role>,
    pub counties: Option<Vec<String>>,
    pub certificate: Option<crate::permission::Certificate>,
    /// For a legal reviewer: since when, and the qualification number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_qualification: Option<LegalQualification>,
    /// Disabled by the system administrator: refused at sign-in and on every request.
    pub disabled: bool,
    pub demo: bool,
    pub version: i64,
}

pub fn valid_username(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && name.as_bytes()[0].is_ascii_lowercase()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub unit_id: Option<Uuid>,
    pub roles: Vec<Role>,
    pub counties: Option<Vec<String>>,
    pub demo: bool,
}

#[derive(Clone, Debug)]
pub struct CreateUserState {
    pub username_taken: bool,
    pub unit: Option<Unit>,
}

pub fn decide_create(
    state: &CreateUserState,
    actor: &Actor,
    cmd: &CreateUser,
) -> Result<Vec<Payload>, Refusal> {
    crate::permission::require(actor, Capability::AccountCreate)?;
    let mut invalid = Reasons::default();
    if !valid_username(&cmd.username) {
        invalid.push(Reason::new("user.username_format").field("username"));
    }
    if cmd.display_name.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("display_name"));
    } else if let Err(reason) = crate::text::check_text("display_name", &cmd.display_name, false) {
        invalid.push(reason);
    }
    if cmd.unit_id.is_some() && state.unit.is_none() {
        invalid.push(Reason::new("user.unit_unknown").field("unit_id"));
    }
    if let Some(counties) = &cmd.counties
        && counties.iter().any(|c| !crate::unit::is_county_code(c))
    {
        invalid.push(Reason::new("user.county_format").field("counties"));
    }
    invalid.into_result(RefusalKind::Invalid)?;
    if state.username_taken {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("user.username_taken")
                .field("username")
                .arg("username", &cmd.username),
        ));
    }
    let mut roles = cmd.roles.clone();
    roles.sort();
    roles.dedup();
    Ok(vec![Payload::UserCreated(UserCreated {
        id: cmd.id,
        username: cmd.username.clone(),
        display_name: cmd.display_name.trim().to_owned(),
        unit_id: cmd.unit_id,
        roles,
        counties: cmd.counties.clone(),
        demo: cmd.demo,
    })])
}

/// Recording (or replacing) an officer's enforcement certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certify {
    pub certificate: crate::permission::Certificate,
}

pub fn decide_certify(
    state: &crate::admin::AccountState,
    actor: &Actor,
    cmd: &Certify,
) -> Result<Vec<Payload>, Refusal> {
    let certificate = &cmd.certificate;
    crate::permission::require(actor, Capability::AccountCertify)?;
    let user = state.target.as_ref().ok_or_else(Refusal::not_found)?;
    crate::admin::not_self(actor, user)?;
    let mut invalid = Reasons::default();
    for (field, value, max) in [
        ("number", &certificate.number, 40),
        ("issuing_authority", &certificate.issuing_authority, 100),
    ] {
        if value.trim().is_empty() {
            invalid.push(Reason::new("field.required").field(field));
        } else if value.chars().count() > max {
            invalid.push(Reason::new("field.too_long").field(field).arg("max", max));
        } else if value.chars().any(char::is_control) {
            invalid.push(Reason::new("field.control_characters").field(field));
        }
    }
    if certificate.valid_until < certificate.valid_from {
        invalid.push(Reason::new("permit.validity_reversed").field("valid_until"));
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut certificate = certificate.clone();
    certificate.number = certificate.number.trim().to_owned();
    certificate.issuing_authority = certificate.issuing_authority.trim().to_owned();
    Ok(vec![Payload::OfficerCertified(OfficerCertified {
        user_id: user.id,
        certificate,
    })])
}

/// Recording (or replacing) a legal reviewer's standing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QualifyReviewer {
    pub qualification: LegalQualification,
}

/// By whom certifies officers (the system administrator), never for oneself; the number, when
/// given, is text of at most 40 characters.
pub fn decide_qualify_reviewer(
    state: &crate::admin::AccountState,
    actor: &Actor,
    cmd: &QualifyReviewer,
) -> Result<Vec<Payload>, Refusal> {
    crate::permission::require(actor, Capability::AccountCertify)?;
    let user = state.target.as_ref().ok_or_else(Refusal::not_found)?;
    crate::admin::not_self(actor, user)?;
    // A line break is refused before the number is trimmed.
    if let Some(raw) = cmd.qualification.number.as_deref() {
        let mut invalid = Reasons::default();
        if raw.chars().any(char::is_control) {
            invalid.push(Reason::new("field.control_characters").field("number"));
        } else if raw.trim().chars().count() > 40 {
            invalid.push(Reason::new("field.too_long").field("number").arg("max", 40));
        }
        invalid.into_result(RefusalKind::Invalid)?;
    }
    let number = cmd
        .qualification
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    Ok(vec![Payload::ReviewerQualified(ReviewerQualified {
        user_id: user.id,
        qualification: LegalQualification {
            reviewer_since: cmd.qualification.reviewer_since,
            number: number.map(str::to_owned),
        },
    })])
}

/// The password policy, configurable in settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// How many of lower case, upper case, digit and symbol must appear.
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 10,
            min_classes: 3,
        }
    }
}

impl PasswordPolicy {
    /// Checks a new password; the reason names `field` so forms can point at it.
    pub fn check(&self, field: &str, username: &str, password: &str) -> Result<(), Refusal> {
        let classes = [
            password.chars().any(|c| c.is_lowercase()),
            password.chars().any(|c| c.is_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password
                .chars()
                .any(|c| !c.is_alphanumeric() && !c.is_whitespace()),
        ]
        .into_iter()
        .filter(|x| *x)
        .count();
        let contains_name =
            !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase());
        if password.chars().count() < self.min_length || classes < self.min_classes || contains_name
        {
            return Err(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("password.policy")
                    .field(field)
                    .arg("min_length", self.min_length)
                    .arg("min_classes", self.min_classes),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        let p = PasswordPolicy::default();
        assert!(p.check("password", "admin", "Demo@2026!").is_ok());
        assert!(p.check("password", "admin", "short1A!").is_err());
        assert!(p.check("password", "admin", "alllowercase").is_err());
        assert!(p.check("password", "admin", "xxAdmin2026!").is_err());
        assert!(p.check("password", "admin", "lower-and-digits-1").is_ok());
    }

    #[test]
    fn usernames() {
        for ok in ["admin", "menghai.officer2", "ju.head", "a_b-c"] {
            assert!(valid_username(ok), "{ok}");
        }
        for bad in ["", "ab", "Admin", "1abc", "a b c", "张三丰"] {
            assert!(!valid_username(bad), "{bad}");
        }
    }

    #[test]
    fn create_user_refusals() {
        let cmd = CreateUser {
            id: Uuid::from_u128(1),
            username: "Bad Name".into(),
            display_name: " ".into(),
            unit_id: Some(Uuid::from_u128(2)),
            roles: vec![Role::SystemAdmin],
            counties: Some(vec!["532800".into()]),
            demo: false,
        };
        let state = CreateUserState {
            username_taken: false,
            unit: None,
        };
        let r = decide_create(&state, &Actor::System, &cmd).unwrap_err();
        assert_eq!(r.reasons.len(), 4);
        let ok = CreateUser {
            username: "admin".into(),
            display_name: "管理员".into(),
            unit_id: None,
            counties: None,
            roles: vec![Role::SystemAdmin, Role::SystemAdmin],
            ..cmd
        };
        let taken = CreateUserState {
            username_taken: true,
            unit: None,
        };
        assert_eq!(
            decide_create(&taken, &Actor::System, &ok).unwrap_err().kind,
            RefusalKind::Conflict
        );
        let events = decide_create(&state, &Actor::System, &ok).unwrap();
        let [Payload::UserCreated(u)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(u.roles, vec![Role::SystemAdmin]);
    }
}
