//! The administrative penalty case (行政处罚案件), from clue to archive: its rules live here, one
//! module per step (clue, registration, investigation, notice, hearing, review, decision,
//! service, execution, closing), each with its commands, states, `decide_<verb>` functions and
//! event payloads (declared once in `crate::event`'s `events!` list).
//!
//! Empty until the issue "Cases 1" lands its first command; `docs/architecture.md` walks a new
//! command through this module and the four other places that share its name.
