//! Creating users: the event names the person; the password hash goes to the credentials table in
//! the same transaction and never into the log.

use crate::{App, AppError};
use domain::admin::AccountState;
use domain::user::{Certify, CreateUser, CreateUserState, User};
use domain::{Actor, Refusal, Role};
use store::SecretWrite;
use uuid::Uuid;

#[derive(Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub unit_id: Option<Uuid>,
    pub roles: Vec<Role>,
    pub counties: Option<Vec<String>>,
    pub password: String,
    /// The user must choose a new password at first sign-in.
    pub must_change_password: bool,
    /// A TOTP secret (base32) the user signs in with, if any.
    pub totp_secret: Option<String>,
    pub demo: bool,
}

impl App {
    /// Records (or replaces) an officer's enforcement certificate.
    pub async fn certify_officer(
        &self,
        actor: &Actor,
        user_id: Uuid,
        certificate: domain::permission::Certificate,
    ) -> Result<(), AppError> {
        self.command(
            actor,
            Certify { certificate },
            move |r, _, _| {
                Box::pin(async move {
                    Ok(AccountState {
                        target: r.user_by_id(user_id).await?,
                    })
                })
            },
            domain::user::decide_certify,
        )
        .await?;
        Ok(())
    }

    /// Records (or replaces) a legal reviewer's standing (APL Art. 58).
    pub async fn qualify_reviewer(
        &self,
        actor: &Actor,
        user_id: Uuid,
        qualification: domain::user::LegalQualification,
    ) -> Result<(), AppError> {
        self.command(
            actor,
            domain::user::QualifyReviewer { qualification },
            move |r, _, _| {
                Box::pin(async move {
                    Ok(AccountState {
                        target: r.user_by_id(user_id).await?,
                    })
                })
            },
            domain::user::decide_qualify_reviewer,
        )
        .await?;
        Ok(())
    }

    /// One hash of the public demo password for every demo account made by this process: the
    /// password is the same and published, so one salt hides nothing, and a demo seed (eighteen
    /// accounts, run by most tests) costs one argon2id hash instead of eighteen.
    async fn demo_password_hash(&self) -> Result<String, AppError> {
        static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        HASH.get_or_try_init(|| self.hash_password(crate::seed::DEMO_PASSWORD.to_owned()))
            .await
            .cloned()
    }

    pub async fn create_user(&self, actor: &Actor, input: NewUser) -> Result<User, AppError> {
        // Before the load, which looks the username up: PostgreSQL refuses a NUL outright.
        domain::text::check_texts([
            ("username", input.username.as_str(), false),
            ("display_name", &input.display_name, false),
        ])?;
        for (i, county) in input.counties.iter().flatten().enumerate() {
            self.check_county(&format!("counties[{i}]"), county)?;
        }
        self.settings
            .password_policy
            .check("password", &input.username, &input.password)?;
        let hash = if input.demo && input.password == crate::seed::DEMO_PASSWORD {
            self.demo_password_hash().await?
        } else {
            self.hash_password(input.password.clone()).await?
        };
        let id = Uuid::now_v7();
        let cmd = CreateUser {
            id,
            username: input.username,
            display_name: input.display_name,
            unit_id: input.unit_id,
            roles: input.roles,
            counties: input.counties,
            demo: input.demo,
        };
        let must_change = input.must_change_password;
        let totp = input.totp_secret.clone();
        self.command_with_secrets(
            actor,
            cmd,
            |r, cmd, _| {
                Box::pin(async move {
                    let username_taken = r.user_by_username(&cmd.username).await?.is_some();
                    let unit = match cmd.unit_id {
                        Some(u) => r.unit_by_id(u).await?,
                        None => None,
                    };
                    Ok(CreateUserState {
                        username_taken,
                        unit,
                    })
                })
            },
            domain::user::decide_create,
            move |_, now| {
                std::iter::once(SecretWrite::Password {
                    user_id: id,
                    hash,
                    must_change,
                    at: now.at,
                })
                .chain(totp.map(|secret| SecretWrite::Totp {
                    user_id: id,
                    secret,
                    at: now.at,
                }))
                .collect()
            },
        )
        .await?;
        self.store
            .user(id)
            .await?
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))
    }
}
