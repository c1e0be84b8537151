//! Sign-in: argon2id password hashes, opaque session tokens stored only as their SHA-256.

use crate::{App, AppError};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::actor::UserActor;
use domain::{Actor, Timestamp};
use domain::{Reason, Refusal, RefusalKind};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use store::{Changes, Decide, Reader, SecretWrite, Session, SigninOutcome, SigninRecord};

pub struct LoginOutcome {
    pub token: String,
    pub expires_at: Timestamp,
    pub must_change_password: bool,
}

/// Who is calling, as the edge needs it.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub actor: Actor,
    /// The person's name, as pages show them (the login name is for signing in).
    pub display_name: String,
    pub must_change_password: bool,
    pub token_hash: [u8; 32],
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("the OS random source failed: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A random password that meets any sensible policy: 24 characters of base64url plus a fixed
/// suffix that adds the classes base64url may miss.
pub fn random_password() -> Result<String, AppError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("the OS random source failed: {e}")))?;
    Ok(format!("{}aA1!", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The one argon2id configuration (the crate's defaults: argon2id v19, m = 19 MiB, t = 2,
/// p = 1) for every hash made, so the dummy hash below costs what a real one does.
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// A hash to verify against when the username is unknown (or has no password), made with the
/// same parameters as real hashes, so both cases take the same time. Made once, on first use.
fn dummy_hash() -> Result<&'static str, AppError> {
    static DUMMY: OnceLock<Result<String, String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            argon2()
                .hash_password(b"no such user; this hash only equalises timing")
                .map(|h| h.to_string())
                .map_err(|e| e.to_string())
        })
        .as_deref()
        .map_err(|e| AppError::Internal(format!("making the dummy password hash: {e}")))
}

/// The three administrators sign in with a second factor (GB/T 22239-2019 level 3).
fn second_factor_required(roles: &[domain::Role]) -> bool {
    roles.iter().any(|r| domain::admin::is_administrator(*r))
}

impl App {
    pub(crate) async fn hash_password(&self, password: String) -> Result<String, AppError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    async fn verify_password(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, AppError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let known = hash.is_some();
        tokio::task::spawn_blocking(move || {
            let hash = match hash.as_deref() {
                Some(h) => h,
                None => dummy_hash()?,
            };
            // The hash is verified whether or not the user is known, and only then is `known`
            // looked at: an unknown name must cost the same argon2id work as a wrong password.
            let verified = argon2().verify_password(password.as_bytes(), hash).is_ok();
            Ok(verified && known)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    async fn audit(
        &self,
        username: &str,
        user_id: Option<uuid::Uuid>,
        ip: &str,
        outcome: SigninOutcome,
    ) -> Result<(), AppError> {
        self.store
            .record_signin(&SigninRecord {
                at: self.clock.now(),
                // Bounded, so a flood of long names cannot bloat the audit table.
                username: username.chars().take(64).collect(),
                user_id,
                ip: ip.to_owned(),
                outcome,
            })
            .await?;
        Ok(())
    }

    /// Seconds until the oldest failure in a window leaves it (at least 1).
    fn retry_after(&self, oldest: Option<Timestamp>, window_seconds: i64) -> u64 {
        let now = self.clock.now().as_datetime();
        oldest
            .map(|o| {
                (o.as_datetime() + chrono::Duration::seconds(window_seconds) - now).num_seconds()
            })
            .unwrap_or(window_seconds)
            .max(1) as u64
    }

    /// Starts a password attempt for `username` from `ip`: refused (429, audited) while either
    /// has had too many failures in its window — checked before any hash is computed, for a
    /// sign-in and for a password change alike, and whether or not the username exists.
    ///
    /// The returned guard serialises attempts for the same address and for the same username
    /// until the caller has recorded the outcome: were the failures counted while other guesses
    /// were still being checked, a storm of guesses sent at once would all pass the count (40 at
    /// once got 40 guesses against a limit of 5). One server's attempts are exact; several
    /// servers on one database each add at most one guess in flight.
    async fn begin_attempt(&self, username: &str, ip: &str) -> Result<Attempt<'_>, AppError> {
        // Always the address first, then the name: no two attempts wait on each other in turn.
        let by_ip = self.attempts_by_ip.lock(ip).await;
        let by_name = self.attempts_by_name.lock(username).await;
        self.check_attempts(username, ip).await?;
        Ok(Attempt {
            _by_ip: by_ip,
            _by_name: by_name,
        })
    }

    async fn check_attempts(&self, username: &str, ip: &str) -> Result<(), AppError> {
        let s = &self.settings;
        let now = self.clock.now().as_datetime();
        let since = |seconds: i64| Timestamp::new(now - chrono::Duration::seconds(seconds));
        let by_ip = self
            .store
            .ip_failures(ip, since(s.signin_ip_window_seconds))
            .await?;
        if by_ip.count >= s.signin_ip_max_failures {
            self.audit(username, None, ip, SigninOutcome::IpLimited)
                .await?;
            return Err(AppError::TooMany {
                retry_after_seconds: self.retry_after(by_ip.oldest, s.signin_ip_window_seconds),
            });
        }
        let by_name = self
            .store
            .username_failures(username, since(s.signin_failure_window_seconds))
            .await?;
        if by_name.count >= s.signin_max_failures {
            self.audit(username, None, ip, SigninOutcome::LockedOut)
                .await?;
            return Err(AppError::TooMany {
                retry_after_seconds: self
                    .retry_after(by_name.oldest, s.signin_failure_window_seconds),
            });
        }
        Ok(())
    }

    /// [`App::login_with_totp`] without a second factor.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        ip: &str,
    ) -> Result<LoginOutcome, AppError> {
        self.login_with_totp(username, password, None, ip).await
    }

    /// Checks a username and password and opens a session. Failures are counted per submitted
    /// username (whether or not it exists) and per address, before any hash is computed.
    pub async fn login_with_totp(
        &self,
        username: &str,
        password: &str,
        totp: Option<&str>,
        ip: &str,
    ) -> Result<LoginOutcome, AppError> {
        // Refused before counting: no account has such a name or password, and a NUL must not
        // reach a query (PostgreSQL refuses it).
        domain::text::check_texts([
            ("username", username, false),
            ("password", password, false),
            ("totp", totp.unwrap_or_default(), false),
        ])?;
        let _attempt = self.begin_attempt(username, ip).await?;
        let found = self.store.user_with_credential(username).await?;
        let (user, credential) = match found {
            Some((user, Some(credential))) => (Some(user), Some(credential)),
            _ => (None, None),
        };
        let ok = self
            .verify_password(
                password.to_owned(),
                credential.as_ref().map(|c| c.password_hash.clone()),
            )
            .await?;
        let user_id = user.as_ref().map(|u| u.id);
        let (Some(user), Some(credential), true) = (user, credential, ok) else {
            self.audit(username, user_id, ip, SigninOutcome::Failure)
                .await?;
            return Err(AppError::Unauthenticated("auth.invalid_credentials"));
        };
        if user.disabled {
            self.audit(username, Some(user.id), ip, SigninOutcome::Failure)
                .await?;
            return Err(AppError::Unauthenticated("auth.account_disabled"));
        }
        // The second factor: required for the three administrators, and for anyone who has one.
        let required = second_factor_required(&user.roles);
        match (
            &credential.totp_secret,
            totp.filter(|t| !t.trim().is_empty()),
        ) {
            (None, _) if required => {
                self.audit(username, Some(user.id), ip, SigninOutcome::Failure)
                    .await?;
                return Err(AppError::Unauthenticated("auth.totp_not_set"));
            }
            (None, _) => {}
            (Some(_), None) => {
                self.audit(username, Some(user.id), ip, SigninOutcome::Failure)
                    .await?;
                return Err(AppError::Unauthenticated("auth.totp_required"));
            }
            (Some(secret), Some(code)) => {
                let now = self.clock.now().as_datetime().timestamp();
                // A code is good once (RFC 6238 §5.2): a replay is as wrong as a wrong code.
                let fresh = match crate::totp::matching_step(secret, code, now) {
                    Some(step) => self.store.claim_totp_step(user.id, step).await?,
                    None => false,
                };
                if !fresh {
                    self.audit(username, Some(user.id), ip, SigninOutcome::Failure)
                        .await?;
                    return Err(AppError::Unauthenticated("auth.totp_invalid"));
                }
            }
        }
        self.audit(username, Some(user.id), ip, SigninOutcome::Success)
            .await?;
        let token = new_token()?;
        let now = self.clock.now();
        let expires_at = Timestamp::new(
            now.as_datetime() + chrono::Duration::seconds(self.settings.session_ttl_seconds),
        );
        self.store
            .create_session(&Session {
                token_hash: token_hash(&token),
                user_id: user.id,
                created_at: now,
                expires_at,
                last_seen_at: now,
                revoked: false,
            })
            .await?;
        Ok(LoginOutcome {
            token,
            expires_at,
            must_change_password: credential.must_change,
        })
    }

    /// Resolves a bearer token or session cookie to its actor, ending sessions that expired or
    /// idled out.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, AppError> {
        let hash = token_hash(token);
        let Some((session, holder)) = self.store.session_holder(&hash).await? else {
            return Err(AppError::Unauthenticated("auth.required"));
        };
        let now = self.clock.now();
        let idle_limit = session.last_seen_at.as_datetime()
            + chrono::Duration::seconds(self.settings.session_idle_seconds);
        if session.revoked || now >= session.expires_at || now.as_datetime() >= idle_limit {
            return Err(AppError::Unauthenticated("auth.session_expired"));
        }
        let Some((user, credential)) = holder else {
            return Err(AppError::Unauthenticated("auth.required"));
        };
        if user.disabled {
            return Err(AppError::Unauthenticated("auth.account_disabled"));
        }
        let must_change_password = credential.as_ref().is_some_and(|c| c.must_change);
        // An administrator's role granted to an account without a second factor must not ride
        // on a session opened with the password alone. (Any session of an account that has a
        // second factor was opened with a code of it: resetting it ends them.)
        if second_factor_required(&user.roles)
            && credential.as_ref().is_none_or(|c| c.totp_secret.is_none())
        {
            return Err(AppError::Unauthenticated("auth.totp_not_set"));
        }
        // Touch at most once a minute: the idle timeout needs no finer grain.
        if now.as_datetime() - session.last_seen_at.as_datetime() >= chrono::Duration::seconds(60) {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Authenticated {
            display_name: user.display_name.clone(),
            actor: Actor::User(UserActor {
                id: user.id,
                username: user.username,
                roles: user.roles,
                unit_id: user.unit_id,
                counties: user.counties,
                certificate: user.certificate,
            }),
            must_change_password,
            token_hash: hash,
        })
    }

    pub async fn logout(&self, auth: &Authenticated) -> Result<(), AppError> {
        self.store.revoke_session(&auth.token_hash).await?;
        Ok(())
    }

    /// Changes the caller's own password; the only thing a must-change sign-in may do. The
    /// current password is checked as a sign-in checks it: a wrong one is a failed sign-in (the
    /// same counter and lock-out, in the sign-in audit), so a stolen session cannot guess it
    /// without limit; while the account is locked out the change is refused even with the right
    /// one.
    pub async fn change_password(
        &self,
        auth: &Authenticated,
        current: &str,
        new: &str,
        ip: &str,
    ) -> Result<(), AppError> {
        let Actor::User(user) = &auth.actor else {
            return Err(AppError::Refused(Refusal::forbidden()));
        };
        domain::text::check_texts([("current", current, false), ("new", new, false)])?;
        let attempt = self.begin_attempt(&user.username, ip).await?;
        let credential = self
            .store
            .user_with_credential(&user.username)
            .await?
            .and_then(|(_, c)| c);
        let ok = self
            .verify_password(current.to_owned(), credential.map(|c| c.password_hash))
            .await?;
        if !ok {
            self.audit(&user.username, Some(user.id), ip, SigninOutcome::Failure)
                .await?;
            return Err(AppError::Refused(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("password.current_wrong").field("current"),
            )));
        }
        // The guess is settled; hashing the new password need not hold others up.
        drop(attempt);
        self.settings
            .password_policy
            .check("new", &user.username, new)?;
        if new == current {
            return Err(AppError::Refused(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("password.unchanged").field("new"),
            )));
        }
        let hash = self.hash_password(new.to_owned()).await?;
        let user_id = user.id;
        let keep = auth.token_hash;
        let at = self.clock.now();
        let decide: Decide = Box::new(move |_r: &mut dyn Reader| {
            Box::pin(async move {
                Ok(Changes {
                    events: Vec::new(),
                    secrets: vec![
                        SecretWrite::Password {
                            user_id,
                            hash,
                            must_change: false,
                            at,
                        },
                        // Whoever knew the old password may hold a session: it ends with the
                        // change; the one that made the change goes on.
                        SecretWrite::EndSessions {
                            user_id,
                            keep: Some(keep),
                        },
                    ],
                })
            })
        });
        // Only a secret changes, no event: allowed even while the ledger is read-only.
        self.store.write(decide).await?;
        Ok(())
    }

    /// Clears a username's sign-in failures (the security administrator).
    pub async fn unlock(&self, actor: &Actor, username: &str, ip: &str) -> Result<(), AppError> {
        domain::permission::require(actor, domain::permission::Capability::AccountUnlock)?;
        self.audit(username, None, ip, SigninOutcome::Unlock).await
    }
}

/// A password attempt in progress (`App::begin_attempt`); ends when dropped.
struct Attempt<'a> {
    _by_ip: crate::keyed_locks::KeyedGuard<'a>,
    _by_name: crate::keyed_locks::KeyedGuard<'a>,
}
