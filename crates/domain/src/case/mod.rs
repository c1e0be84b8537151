//! The administrative penalty case (行政处罚案件), from clue to archive: its rules live here, one
//! module per step, each with its commands, states, `decide_<verb>` functions and event payloads
//! (declared once in `crate::event`'s `events!` list). `docs/architecture.md` walks a new
//! command through this module and the four other places that share its name.

pub mod archive;
pub mod clue;
pub mod decision;
pub mod deliberation;
pub mod document;
pub mod extension;
pub mod filing;
pub mod hearing;
pub mod interference;
pub mod legal_review;
pub mod notice;
pub mod party;
pub mod penalty;
pub mod performance;
pub mod preservation;
pub mod proceedings;
pub mod publicity;
pub mod record;
pub mod recusal;
pub mod registration;
pub mod review;
pub mod service;
pub mod statement;
pub mod steps;
pub mod team;
pub mod tolling;
pub mod triage;

#[cfg(test)]
mod tests;
