//! The one command path: inside the write transaction, load the state a decision needs, let
//! `domain` decide (`decide_<verb>(state, actor, cmd)`), wrap what it returns into events and
//! append them. Every command handler goes through [`App::command`] (or
//! [`App::command_with_secrets`]), so none repeats the read-decide-envelop steps.

use crate::{App, AppError};
use domain::event::Payload;
use domain::{Actor, Event, Now, Refusal};
use futures::future::BoxFuture;
use store::{Changes, Committed, Decide, Reader, SecretWrite, StoreError};

/// A `domain` decision: `decide_<verb>(state, actor, cmd)`.
pub(crate) type DecideFn<S, C> = fn(&S, &Actor, &C) -> Result<Vec<Payload>, Refusal>;

impl App {
    /// Runs one command on the write path: `load` reads the state inside the transaction (it is
    /// given the command and the moment, which the state carries if the rule needs it), `decide`
    /// rules, and the events it returns are appended with this actor and instant, or nothing is.
    pub(crate) async fn command<C, S, L>(
        &self,
        actor: &Actor,
        cmd: C,
        load: L,
        decide: DecideFn<S, C>,
    ) -> Result<Committed, AppError>
    where
        C: Send + Sync + 'static,
        S: Send + 'static,
        L: for<'r> FnOnce(&'r mut dyn Reader, &'r C, Now) -> BoxFuture<'r, Result<S, StoreError>>
            + Send
            + 'static,
    {
        self.command_with_secrets(actor, cmd, load, decide, |_, _| Vec::new())
            .await
    }

    /// [`App::command`], also storing secrets (password hashes, TOTP secrets) that `secrets`
    /// derives from the state, in the same transaction; they never enter an event.
    pub(crate) async fn command_with_secrets<C, S, L, W>(
        &self,
        actor: &Actor,
        cmd: C,
        load: L,
        decide: DecideFn<S, C>,
        secrets: W,
    ) -> Result<Committed, AppError>
    where
        C: Send + Sync + 'static,
        S: Send + 'static,
        L: for<'r> FnOnce(&'r mut dyn Reader, &'r C, Now) -> BoxFuture<'r, Result<S, StoreError>>
            + Send
            + 'static,
        W: FnOnce(&S, Now) -> Vec<SecretWrite> + Send + 'static,
    {
        let actor = actor.clone();
        let clock = self.clock.clone();
        let run: Decide = Box::new(move |r: &mut dyn Reader| {
            Box::pin(async move {
                let now = Now::at(clock.now());
                let state = load(r, &cmd, now).await?;
                let payloads = decide(&state, &actor, &cmd)?;
                Ok(Changes {
                    events: envelop(payloads, &actor, now),
                    secrets: secrets(&state, now),
                })
            })
        });
        self.write(run).await
    }
}

/// Wraps decided payloads into events: a fresh UUIDv7 each, one instant, the actor.
pub(crate) fn envelop(payloads: Vec<Payload>, actor: &Actor, now: Now) -> Vec<Event> {
    let actor = actor.to_ref();
    payloads
        .into_iter()
        .map(|payload| Event {
            id: uuid::Uuid::now_v7(),
            at: now.at,
            actor: actor.clone(),
            payload,
        })
        .collect()
}

/// The payload of the first committed event that `pick` recognises: what a command handler
/// answers with (the created unit, the registered entity…).
pub(crate) fn committed<T>(
    committed: &Committed,
    what: &str,
    pick: impl Fn(&Payload) -> Option<T>,
) -> Result<T, AppError> {
    committed
        .iter()
        .find_map(|r| pick(&r.event.payload))
        .ok_or_else(|| AppError::Internal(format!("a command wrote no {what} event")))
}
