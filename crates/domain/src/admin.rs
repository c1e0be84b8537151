//! Separation of duties among the three administrators (三员分立, GB/T 22239-2019 level 3): the
//! system administrator keeps accounts (create, edit, disable), the security administrator
//! decides access (roles, jurisdictions, password and second-factor resets, unlocks), the audit
//! administrator reads the audit trails. None does another's work, none changes their own
//! account's access, and an administrator role is never combined with another role.

use crate::permission::{Capability, require};
use crate::refusal::{Reason, Reasons, Refusal, RefusalKind};
use crate::user::User;
use crate::{Actor, Payload, Role};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub fn is_administrator(role: Role) -> bool {
    matches!(
        role,
        Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
    )
}

pub(crate) fn not_self(actor: &Actor, target: &User) -> Result<(), Refusal> {
    match actor {
        Actor::User(u) if u.id == target.id => Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("admin.own_account"),
        )),
        _ => Ok(()),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserAccessChanged {
    pub user_id: Uuid,
    pub roles: Vec<Role>,
    pub counties: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDisabled {
    pub user_id: Uuid,
    /// false: enabled again.
    pub disabled: bool,
}

/// The system administrator changed an account's name or unit (not its access).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEdited {
    pub user_id: Uuid,
    pub display_name: String,
    pub unit_id: Option<Uuid>,
}

/// A password or second factor was reset; the new secret never enters the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialReset {
    pub user_id: Uuid,
    /// `password` or `totp`.
    pub what: String,
}

crate::event::administration_events!(UserAccessChanged, UserDisabled, UserEdited, CredentialReset);

/// Role names as a form or a request gives them; an unknown name is refused, naming it.
pub fn parse_roles<S: AsRef<str>>(names: &[S]) -> Result<Vec<Role>, Refusal> {
    names
        .iter()
        .map(|n| {
            Role::parse(n.as_ref()).ok_or_else(|| {
                Refusal::one(
                    RefusalKind::Invalid,
                    Reason::new("admin.unknown_role")
                        .field("roles")
                        .arg("role", n.as_ref()),
                )
            })
        })
        .collect()
}

/// Which administrator reads a setting (`app.<key>`): the password policy, sessions and sign-in
/// limits are security settings; the rest are the system administrator's.
pub fn setting_capability(key: &str) -> Capability {
    let key = key.strip_prefix("app.").unwrap_or(key);
    if ["password_policy.", "session_", "signin_", "cookie_secure"]
        .iter()
        .any(|p| key.starts_with(p))
    {
        Capability::SecuritySettingsRead
    } else {
        Capability::SystemSettingsRead
    }
}

/// What an administrative decision on one account knows: the account, if it exists.
#[derive(Clone, Debug)]
pub struct AccountState {
    pub target: Option<User>,
}

impl AccountState {
    fn target(&self) -> Result<&User, Refusal> {
        self.target.as_ref().ok_or_else(Refusal::not_found)
    }
}

/// A user's roles and jurisdictions, as the security administrator sets them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeAccess {
    pub roles: Vec<Role>,
    /// `None`: the whole prefecture.
    pub counties: Option<Vec<String>>,
}

/// The security administrator sets a user's roles and jurisdictions.
pub fn decide_access(
    state: &AccountState,
    actor: &Actor,
    cmd: &ChangeAccess,
) -> Result<Vec<Payload>, Refusal> {
    let ChangeAccess { roles, counties } = cmd;
    require(actor, Capability::AccessChange)?;
    let target = state.target()?;
    not_self(actor, target)?;
    let mut invalid = Reasons::default();
    let admin = roles.iter().filter(|r| is_administrator(**r)).count();
    if admin > 0 && roles.len() > 1 {
        invalid.push(Reason::new("admin.role_mix").field("roles"));
    }
    if let Some(c) = counties
        && c.iter().any(|x| !crate::unit::is_county_code(x))
    {
        invalid.push(Reason::new("user.county_format").field("counties"));
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    Ok(vec![Payload::UserAccessChanged(UserAccessChanged {
        user_id: target.id,
        roles,
        counties: counties.clone(),
    })])
}

/// An account's display name and unit, as the system administrator edits them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditAccount {
    pub display_name: String,
    /// The unit the request named, as found: `Some(None)` names no unit, `None` a unit that does
    /// not exist.
    pub unit: Option<Option<Uuid>>,
}

/// The system administrator edits an account's display name and unit.
pub fn decide_edit(
    state: &AccountState,
    actor: &Actor,
    cmd: &EditAccount,
) -> Result<Vec<Payload>, Refusal> {
    let EditAccount { display_name, unit } = cmd;
    let unit = *unit;
    require(actor, Capability::AccountEdit)?;
    let target = state.target()?;
    not_self(actor, target)?;
    let name = display_name.trim();
    let mut invalid = Reasons::default();
    if name.is_empty() {
        invalid.push(Reason::new("field.required").field("display_name"));
    } else if name.chars().count() > 50 {
        invalid.push(
            Reason::new("field.too_long")
                .field("display_name")
                .arg("max", 50),
        );
    } else if let Err(reason) = crate::text::check_text("display_name", display_name, false) {
        invalid.push(reason);
    }
    if unit.is_none() {
        invalid.push(Reason::new("user.unit_unknown").field("unit_code"));
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let unit_id = unit.flatten();
    if name == target.display_name && unit_id == target.unit_id {
        return Ok(Vec::new());
    }
    Ok(vec![Payload::UserEdited(UserEdited {
        user_id: target.id,
        display_name: name.to_owned(),
        unit_id,
    })])
}

/// Disabling (`true`) or enabling again (`false`) an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetDisabled {
    pub disabled: bool,
}

/// The system administrator disables or enables an account.
pub fn decide_disable(
    state: &AccountState,
    actor: &Actor,
    cmd: &SetDisabled,
) -> Result<Vec<Payload>, Refusal> {
    require(actor, Capability::AccountDisable)?;
    let target = state.target()?;
    not_self(actor, target)?;
    Ok(vec![Payload::UserDisabled(UserDisabled {
        user_id: target.id,
        disabled: cmd.disabled,
    })])
}

/// Which secret a reset replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetCredential {
    Password,
    Totp,
}

impl ResetCredential {
    pub fn as_str(self) -> &'static str {
        match self {
            ResetCredential::Password => "password",
            ResetCredential::Totp => "totp",
        }
    }
}

/// The security administrator resets a password or a second factor.
pub fn decide_reset(
    state: &AccountState,
    actor: &Actor,
    cmd: &ResetCredential,
) -> Result<Vec<Payload>, Refusal> {
    require(actor, Capability::CredentialReset)?;
    let target = state.target()?;
    not_self(actor, target)?;
    Ok(vec![Payload::CredentialReset(CredentialReset {
        user_id: target.id,
        what: cmd.as_str().to_owned(),
    })])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_parsed_or_named_as_unknown() {
        assert_eq!(
            parse_roles(&["brigade_officer", "legal_reviewer"]).unwrap(),
            [Role::BrigadeOfficer, Role::LegalReviewer]
        );
        let r = parse_roles(&["brigade_officer", "king"]).unwrap_err();
        assert_eq!(
            (r.kind, r.reasons[0].code),
            (RefusalKind::Invalid, "admin.unknown_role")
        );
        assert_eq!(r.reasons[0].args["role"], "king");
    }

    #[test]
    fn settings_belong_to_one_administrator() {
        for key in [
            "app.password_policy.min_length",
            "app.session_idle_seconds",
            "app.signin_ip_max_failures",
            "app.cookie_secure",
        ] {
            assert_eq!(
                setting_capability(key),
                Capability::SecuritySettingsRead,
                "{key}"
            );
        }
        for key in ["app.prefecture_code", "app.calendar_prefecture_layer"] {
            assert_eq!(
                setting_capability(key),
                Capability::SystemSettingsRead,
                "{key}"
            );
        }
    }
}
