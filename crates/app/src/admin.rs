//! The three administrators' commands and reads (三员分立; rules in `domain::admin`).

use crate::command::DecideFn;
use crate::{App, AppError};
use domain::admin::{AccountState, ChangeAccess, EditAccount, ResetCredential, SetDisabled};
use domain::permission::{Capability, allows, require};
use domain::user::Certify;
use domain::{Actor, Refusal, Role};
use store::{EventRecord, SecretWrite, SecurityAuditRecord, SigninRecord};

/// A new secret, shown to the security administrator once.
pub struct NewSecret {
    pub username: String,
    pub secret: String,
}

impl App {
    /// Runs an administrative decision on the account `username`, storing `secret` for it in
    /// the same transaction (a password already hashed, or a TOTP secret), and revoking every
    /// session of the account there too when `end_sessions`.
    async fn admin_write<C: Send + Sync + 'static>(
        &self,
        actor: &Actor,
        username: &str,
        cmd: C,
        decide: DecideFn<AccountState, C>,
        secret: Option<Secret>,
        end_sessions: bool,
    ) -> Result<(), AppError> {
        let username = username.to_owned();
        self.command_with_secrets(
            actor,
            cmd,
            |r, _, _| {
                Box::pin(async move {
                    Ok(AccountState {
                        target: r.user_by_username(&username).await?,
                    })
                })
            },
            decide,
            move |state, now| {
                let Some(t) = &state.target else {
                    return Vec::new();
                };
                let mut writes = match secret {
                    Some(Secret::PasswordHash(hash)) => vec![SecretWrite::Password {
                        user_id: t.id,
                        hash,
                        must_change: true,
                        at: now.at,
                    }],
                    Some(Secret::Totp(secret)) => vec![SecretWrite::Totp {
                        user_id: t.id,
                        secret,
                        at: now.at,
                    }],
                    None => Vec::new(),
                };
                if end_sessions {
                    writes.push(SecretWrite::EndSessions {
                        user_id: t.id,
                        keep: None,
                    });
                }
                writes
            },
        )
        .await?;
        Ok(())
    }

    /// System administrator: a new account with no roles yet (the security administrator grants
    /// access) and an initial password, shown once, that must be changed at first sign-in.
    pub async fn create_account(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        unit_code: Option<&str>,
    ) -> Result<NewSecret, AppError> {
        require(actor, Capability::AccountCreate)?;
        domain::text::check_texts([
            ("username", username, false),
            ("display_name", display_name, false),
            ("unit_code", unit_code.unwrap_or_default(), false),
        ])?;
        let unit_id = self.unit_by_code(unit_code).await?.ok_or_else(|| {
            AppError::Refused(Refusal::one(
                domain::RefusalKind::Invalid,
                domain::Reason::new("user.unit_unknown").field("unit_code"),
            ))
        })?;
        let password = crate::auth::random_password()?;
        self.create_user(
            actor,
            crate::users::NewUser {
                username: username.to_owned(),
                display_name: display_name.to_owned(),
                unit_id,
                roles: Vec::new(),
                counties: None,
                password: password.clone(),
                must_change_password: true,
                totp_secret: None,
                demo: false,
            },
        )
        .await?;
        Ok(NewSecret {
            username: username.to_owned(),
            secret: password,
        })
    }

    /// Security administrator: a user's roles and jurisdictions.
    pub async fn set_access(
        &self,
        actor: &Actor,
        username: &str,
        roles: Vec<Role>,
        counties: Option<Vec<String>>,
    ) -> Result<(), AppError> {
        // A jurisdiction over a county `config/divisions.csv` does not list is over nothing.
        for (i, county) in counties.iter().flatten().enumerate() {
            self.check_county(&format!("counties[{i}]"), county)?;
        }
        self.admin_write(
            actor,
            username,
            ChangeAccess { roles, counties },
            domain::admin::decide_access,
            None,
            // The actor is rebuilt from the account at every request (`App::authenticate`), so
            // open sessions carry the new access from their next request on.
            false,
        )
        .await
    }

    /// The unit with this code: `Some(None)` for no code, `None` for a code no unit has.
    async fn unit_by_code(
        &self,
        code: Option<&str>,
    ) -> Result<Option<Option<uuid::Uuid>>, AppError> {
        let Some(code) = code.filter(|c| !c.is_empty()) else {
            return Ok(Some(None));
        };
        Ok(self
            .units()
            .await?
            .into_iter()
            .find(|u| u.code == code)
            .map(|u| Some(u.id)))
    }

    /// System administrator: an account's display name and unit.
    pub async fn edit_account(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        unit_code: Option<&str>,
    ) -> Result<(), AppError> {
        require(actor, Capability::AccountEdit)?;
        domain::text::check_texts([
            ("display_name", display_name, false),
            ("unit_code", unit_code.unwrap_or_default(), false),
        ])?;
        let unit = self.unit_by_code(unit_code).await?;
        self.admin_write(
            actor,
            username,
            EditAccount {
                display_name: display_name.to_owned(),
                unit,
            },
            domain::admin::decide_edit,
            None,
            false,
        )
        .await
    }

    /// System administrator: records (or replaces) an officer's enforcement certificate.
    pub async fn certify_account(
        &self,
        actor: &Actor,
        username: &str,
        certificate: domain::permission::Certificate,
    ) -> Result<(), AppError> {
        require(actor, Capability::AccountCertify)?;
        self.admin_write(
            actor,
            username,
            Certify { certificate },
            domain::user::decide_certify,
            None,
            false,
        )
        .await
    }

    /// System administrator: records a legal reviewer's standing (since when, and the legal
    /// professional qualification number; APL Art. 58).
    pub async fn qualify_reviewer_account(
        &self,
        actor: &Actor,
        username: &str,
        qualification: domain::user::LegalQualification,
    ) -> Result<(), AppError> {
        require(actor, Capability::AccountCertify)?;
        self.admin_write(
            actor,
            username,
            domain::user::QualifyReviewer { qualification },
            domain::user::decide_qualify_reviewer,
            None,
            false,
        )
        .await
    }

    /// System administrator: disables or enables an account. Disabling revokes its sessions in
    /// the same transaction, so enabling it again revives none of them.
    pub async fn set_disabled(
        &self,
        actor: &Actor,
        username: &str,
        disabled: bool,
    ) -> Result<(), AppError> {
        self.admin_write(
            actor,
            username,
            SetDisabled { disabled },
            domain::admin::decide_disable,
            None,
            disabled,
        )
        .await
    }

    /// Security administrator: a new initial password (must be changed at next sign-in),
    /// returned only this once.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        username: &str,
    ) -> Result<NewSecret, AppError> {
        require(actor, Capability::CredentialReset)?;
        let password = crate::auth::random_password()?;
        let hash = self.hash_password(password.clone()).await?;
        self.admin_write(
            actor,
            username,
            ResetCredential::Password,
            domain::admin::decide_reset,
            Some(Secret::PasswordHash(hash)),
            // A reset is what shuts out whoever knew the old password: now, not at expiry.
            true,
        )
        .await?;
        Ok(NewSecret {
            username: username.to_owned(),
            secret: password,
        })
    }

    /// Security administrator: a new second-factor secret, returned only this once.
    pub async fn reset_totp(&self, actor: &Actor, username: &str) -> Result<NewSecret, AppError> {
        require(actor, Capability::CredentialReset)?;
        let secret = crate::totp::new_secret()?;
        self.admin_write(
            actor,
            username,
            ResetCredential::Totp,
            domain::admin::decide_reset,
            Some(Secret::Totp(secret.clone())),
            true,
        )
        .await?;
        Ok(NewSecret {
            username: username.to_owned(),
            secret,
        })
    }

    /// System or security administrator: every account with its roles, jurisdictions and
    /// certificate, and the units.
    pub async fn admin_overview(
        &self,
        actor: &Actor,
    ) -> Result<(Vec<domain::user::User>, Vec<domain::unit::Unit>), AppError> {
        require(actor, Capability::AccountRead)?;
        Ok((self.store.users().await?, self.store.units().await?))
    }

    /// The settings in force that the actor's duty reads (`domain::admin::setting_capability`), as
    /// `app.<key>` = value (the names of the settings file and of `ECOENFORCE__APP__…`).
    /// Settings change in the file (or environment) and take effect at restart.
    pub fn settings_in_force(&self, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
        let readable = if allows(actor, Capability::SecuritySettingsRead) {
            Capability::SecuritySettingsRead
        } else {
            require(actor, Capability::SystemSettingsRead)?;
            Capability::SystemSettingsRead
        };
        let value = serde_json::to_value(&self.settings)
            .map_err(|e| AppError::Internal(format!("settings: {e}")))?;
        let mut out = Vec::new();
        flatten("app", &value, &mut out);
        out.retain(|(k, _)| domain::admin::setting_capability(k) == readable);
        Ok(out)
    }

    /// Audit administrator: the latest sign-in attempts of everyone.
    pub async fn audit_recent_signins(&self, actor: &Actor) -> Result<Vec<SigninRecord>, AppError> {
        require(actor, Capability::AuditRead)?;
        Ok(self.store.recent_signins(200).await?)
    }

    /// Audit administrator: sign-in attempts of a username, newest first.
    pub async fn audit_signins(
        &self,
        actor: &Actor,
        username: &str,
    ) -> Result<Vec<SigninRecord>, AppError> {
        require(actor, Capability::AuditRead)?;
        Ok(self.store.signins_of(username, 500).await?)
    }

    /// Audit administrator: the security audit (refused evidence and the like), newest first.
    pub async fn audit_security(
        &self,
        actor: &Actor,
    ) -> Result<Vec<SecurityAuditRecord>, AppError> {
        require(actor, Capability::AuditRead)?;
        Ok(self.store.security_audit(500).await?)
    }

    /// Audit administrator: administration events (accounts, access, resets), oldest first.
    pub async fn audit_events(
        &self,
        actor: &Actor,
        after: i64,
    ) -> Result<Vec<EventRecord>, AppError> {
        require(actor, Capability::AuditRead)?;
        Ok(self.store.administration_events(after, 500).await?)
    }
}

/// A secret stored with an administrative decision.
enum Secret {
    /// An argon2id PHC string.
    PasswordHash(String),
    /// Base32.
    Totp(String),
}

/// `{"a": {"b": 1}}` under `prefix` → `prefix.a.b` = `1`.
/// Settings whose shipped defaults rest on facts not confirmed for Xishuangbanna (case numbers
/// and 文号 forms: documents.md §3; the list of enforced laws; the emergency approval window):
/// the settings page marks them, so an administrator knows they are to be confirmed.
pub const UNCONFIRMED_SETTINGS: &[&str] = &[
    "app.case_number_brigade",
    "app.case_number_detachment",
    "app.document_numbers",
    "app.enforced_laws",
    "app.preservation_approval_hours",
    "app.hearing",
    "app.statement_days",
    "app.host_recusal_days",
    "app.legal_review_triggers",
    "app.deliberation",
    "app.decision_text",
    "app.publicity",
    "app.public_notice_days",
    "app.filing_upward",
];

/// Whether a setting (a flattened key) has an unconfirmed default.
pub fn unconfirmed(key: &str) -> bool {
    UNCONFIRMED_SETTINGS.iter().any(|p| {
        key.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    })
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}
