//! The case API, `/api/v1/cases/{id}/<verb>` and `/api/v1/clues/{id}/<verb>` (each with
//! `If-Match`): thin handlers that parse, call `app`, and answer.
//!
//! Empty until the issue "Cases 1" lands its first route (`docs/architecture.md`).
