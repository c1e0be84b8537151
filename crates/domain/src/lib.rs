//! The rules of enforcement, pure.
//!
//! Every change of state is decided here, by one contract:
//! `decide_<verb>(state: &<Verb>State, actor: &Actor, cmd: &<Verb>) -> Result<Vec<Payload>, Refusal>`,
//! where the state holds what the store knows and, when the rule needs it, the moment ([`Now`]).
//! Nothing in this crate touches a database, a clock, a random source or a network; callers pass
//! all of that in, so every rule is testable by value.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod actor;
pub mod admin;
pub mod calendar;
pub mod case;
pub mod collation;
pub mod discretion;
pub mod entity;
pub mod entity_import;
pub mod event;
pub mod evidence;
pub mod permission;
pub mod power;
pub mod refusal;
pub mod sealed;
pub mod text;
pub mod time;
pub mod unit;
pub mod uscc;
pub mod user;
pub mod violation;

pub use actor::{Actor, ActorRef, Role};
pub use event::{Event, Payload};
pub use refusal::{LegalSource, Reason, Refusal, RefusalKind};
pub use time::{Now, Timestamp};
