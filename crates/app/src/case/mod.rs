//! Command handlers and scoped queries of the case procedure: each loads its state in the write
//! transaction and decides through `App::command` (see `crate::command`).
//!
//! Empty until the issue "Cases 1" lands its first command (`docs/architecture.md`).
