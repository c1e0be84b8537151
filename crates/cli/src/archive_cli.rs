//! `ecoenforce ledger verify-archive BUNDLE.json --key VKEY`: the sealed case file, offline
//! (`docs/archive.md` §3).

use crate::{VerifyArchiveArgs, both};
use app::i18n::{Lang, message};
use std::collections::BTreeMap;
use std::process::ExitCode;

pub fn verify_archive(args: VerifyArchiveArgs) -> ExitCode {
    let bundle: serde_json::Value = match std::fs::read_to_string(&args.bundle)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "{}",
                both(
                    "cli.cert_unreadable",
                    &[("path", &args.bundle.display().to_string()), ("detail", &e)]
                )
            );
            return ExitCode::from(2);
        }
    };
    let mut checks = ledger::archive::check_archive_bundle(&bundle, Some(args.key.as_str()));
    checks.extend(
        args.witnesses.check(
            bundle
                .get("checkpoint")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| "/checkpoint is missing".to_owned()),
        ),
    );
    let failed: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.code).collect();
    for lang in Lang::ALL {
        for c in &checks {
            let name = message(lang, &format!("archive.check_{}", c.code), &BTreeMap::new());
            if c.ok {
                println!("  ✓ {name}");
            } else {
                println!("  ✗ {name}: {}", c.detail);
            }
        }
        let mut a = BTreeMap::new();
        a.insert("count".to_owned(), failed.len().to_string());
        a.insert("checks".to_owned(), failed.join(", "));
        let verdict = if failed.is_empty() {
            "cli.archive_as_archived"
        } else {
            "cli.archive_not_as_archived"
        };
        println!("{}", message(lang, verdict, &a));
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
