#![allow(clippy::unwrap_used)]
//! Integration tests: the real server over HTTP, on both backends. One binary, so the harness
//! links once.

mod admin;
mod archive;
mod binary;
mod calendar_cli;
mod case_documents;
mod case_pages;
mod cases;
mod checkpoints;
mod clock;
mod credentials;
mod decision;
mod discretion;
mod document_pages;
mod documents;
mod draw_cli;
mod entities;
mod errors;
mod evidence;
mod health;
mod helpers;
mod hj212_cli;
mod import;
mod investigation_pages;
mod ledger;
mod legal_review;
mod limits;
mod notices;
mod pages;
mod permissions;
mod powers;
mod preservation;
mod proceedings;
mod publicity;
mod records;
mod sealed;
mod search;
mod task_pages;
mod tasks;
mod team;
mod triage;
mod validation;
mod witness_drill;
mod witnesses;
mod write_path;
