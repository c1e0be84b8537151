//! `ecoenforce draw run` and `draw verify`: the random inspection draw, offline (DRAW.md).

use crate::{DrawRunArgs, DrawVerifyArgs, both};
use std::process::ExitCode;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Reads a JSON file (or stdin for `-`); on error prints why in both languages.
fn read_json(path: &std::path::Path) -> Result<serde_json::Value, ExitCode> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map(|_| s)
    } else {
        std::fs::read_to_string(path)
    };
    let text = text.map_err(|e| {
        eprintln!(
            "{}",
            both(
                "cli.draw_unreadable",
                &[
                    ("path", &path.display().to_string()),
                    ("detail", &e.to_string())
                ]
            )
        );
        ExitCode::from(2)
    })?;
    serde_json::from_str(&text).map_err(|e| {
        eprintln!(
            "{}",
            both(
                "cli.draw_not_json",
                &[
                    ("path", &path.display().to_string()),
                    ("detail", &e.to_string())
                ]
            )
        );
        ExitCode::from(2)
    })
}

fn refused(r: &draw::Refusal) -> ExitCode {
    use app::i18n::{Lang, message};
    let args: std::collections::BTreeMap<String, String> = [
        ("code", r.code),
        ("path", r.path.as_str()),
        ("detail", r.detail.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for lang in Lang::ALL {
        eprintln!(
            "{}\n  {}",
            message(lang, "cli.draw_refused", &args),
            message(lang, r.code, &args)
        );
    }
    ExitCode::FAILURE
}

pub fn run(args: DrawRunArgs) -> ExitCode {
    let value = match read_json(&args.input) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let input: draw::Input = match serde_path_to_error::deserialize(value) {
        Ok(i) => i,
        Err(e) => {
            return refused(&draw::Refusal {
                code: "draw.bad_input",
                path: e.path().to_string(),
                detail: e.inner().to_string(),
            });
        }
    };
    match draw::run(&input, Some(now())) {
        Ok(record) => {
            println!("{}", draw::canonical_json(&record));
            ExitCode::SUCCESS
        }
        Err(r) => refused(&r),
    }
}

pub fn verify(args: DrawVerifyArgs) -> ExitCode {
    let record = match read_json(&args.file) {
        Ok(v) => v,
        Err(code) => return code,
    };
    match draw::verify(&record, None) {
        Err(r) => return refused(&r),
        Ok(Some(m)) => {
            println!("{m}");
            return ExitCode::FAILURE;
        }
        Ok(None) => {}
    }
    if !args.witnesses.witness_keys.is_empty() && args.key.is_none() {
        eprintln!("{}", crate::both("cli.witness_key_needs_key", &[]));
        return ExitCode::from(2);
    }
    match (record.get("announcement"), &args.key) {
        (None, _) => println!("match; announcement not checked"),
        (Some(_), None) => println!("match; announcement not checked (give --key)"),
        (Some(a), Some(key)) => match check_announcement(a, key).and_then(|()| {
            // With --witness-key, the announcement's checkpoint must be cosigned too: what
            // shows, to someone who does not trust the bureau, that it was public in time.
            match args
                .witnesses
                .check(ledger::certificate::tlog_proof_checkpoint(a, "/tlog_proof"))
            {
                Some(c) if !c.ok => Err(c.detail),
                _ => Ok(()),
            }
        }) {
            Ok(()) => println!("match"),
            Err(why) => {
                println!("mismatch at announcement: {why}");
                return ExitCode::FAILURE;
            }
        },
    }
    ExitCode::SUCCESS
}

/// The announcement's event hash is a leaf of a checkpoint signed by `vkey` (its tlog-proof).
fn check_announcement(a: &serde_json::Value, vkey: &str) -> Result<(), String> {
    let index = a["leaf_index"]
        .as_u64()
        .ok_or("leaf_index is not a number")?;
    let event_hash = a["event_hash"]
        .as_str()
        .and_then(ledger::parse_hash_hex)
        .ok_or("event_hash is not 64 hex digits")?;
    let proof = ledger::tiles::parse_tlog_proof(a["tlog_proof"].as_str().ok_or("no tlog_proof")?)
        .map_err(|e| e.to_string())?;
    if proof.index != index {
        return Err(format!(
            "the proof is for entry {}, the record says {index}",
            proof.index
        ));
    }
    let body = ledger::note::verify(&proof.checkpoint, vkey).map_err(|e| e.to_string())?;
    let (_, size, root) = ledger::note::parse_checkpoint(body).map_err(|e| e.to_string())?;
    if ledger::verify_inclusion::<ledger::Sha256Hasher>(
        index,
        size,
        &ledger::leaf_hash(&event_hash),
        &proof.path,
        &root,
    ) {
        Ok(())
    } else {
        Err(format!("entry {index} is not in the signed tree of {size}"))
    }
}
