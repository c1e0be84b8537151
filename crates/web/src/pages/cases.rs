//! The case pages: the officer's workspace of a case, its timeline and its forms.
//!
//! Empty until the issue "Cases 1" lands its first page (`docs/architecture.md`).
