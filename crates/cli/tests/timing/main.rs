#![allow(clippy::unwrap_used)]
//! Timing properties of security (the one place timings are tested): in a binary of their own.

// The API suite's harness; this binary uses only part of it.
#[allow(dead_code, unused_macros, unused_imports)]
#[path = "../api/helpers.rs"]
mod helpers;
mod signin;
