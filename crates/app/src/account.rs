//! What a signed-in user sees of themselves, and the home dashboard.

use crate::auth::Authenticated;
use crate::{App, AppError};
use domain::permission::{Capability, Certificate};
use domain::user::User;
use domain::{Actor, Refusal};
use store::{Scope, Session, SigninRecord};

/// A session as its owner sees it: a short public handle, never the token or its hash.
#[derive(Clone, Debug)]
pub struct SessionView {
    pub handle: String,
    pub current: bool,
    pub session: Session,
}

fn handle(hash: &[u8; 32]) -> String {
    hash[..6].iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone, Debug)]
pub struct Dashboard {
    /// (county code, class, count) within the actor's reach.
    pub counts: Vec<(String, String, i64)>,
    /// Officers in reach whose certificates run out within 30 days (or already have).
    pub expiring: Vec<(User, Certificate)>,
}

impl App {
    pub async fn my_sessions(&self, auth: &Authenticated) -> Result<Vec<SessionView>, AppError> {
        let Actor::User(u) = &auth.actor else {
            return Err(AppError::Refused(Refusal::forbidden()));
        };
        let now = self.clock.now();
        Ok(self
            .store
            .sessions_of(u.id)
            .await?
            .into_iter()
            .filter(|s| !s.revoked && s.expires_at > now)
            .map(|s| SessionView {
                handle: handle(&s.token_hash),
                current: s.token_hash == auth.token_hash,
                session: s,
            })
            .collect())
    }

    /// Ends one of the caller's own sessions, named by its handle.
    pub async fn revoke_my_session(&self, auth: &Authenticated, h: &str) -> Result<(), AppError> {
        let session = self
            .my_sessions(auth)
            .await?
            .into_iter()
            .find(|s| s.handle == h)
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))?;
        self.store
            .revoke_session(&session.session.token_hash)
            .await?;
        Ok(())
    }

    pub async fn my_signins(&self, auth: &Authenticated) -> Result<Vec<SigninRecord>, AppError> {
        let Actor::User(u) = &auth.actor else {
            return Err(AppError::Refused(Refusal::forbidden()));
        };
        Ok(self.store.signins_of(&u.username, 50).await?)
    }

    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, AppError> {
        let reach = domain::permission::reach(actor, Capability::EntityRead)?;
        let scope = Scope::from(reach.clone());
        let counts = self.store.entity_counts(&scope).await?;
        let today = self.today();
        let horizon = today + chrono::Days::new(30);
        let expiring = self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| match (&reach, &u.counties) {
                (None, _) => true,
                (Some(mine), Some(theirs)) => theirs.iter().any(|c| mine.contains(c)),
                (Some(_), None) => false,
            })
            .filter_map(|u| {
                let c = u.certificate.clone()?;
                (c.valid_until <= horizon).then_some((u, c))
            })
            .collect();
        Ok(Dashboard { counts, expiring })
    }
}
