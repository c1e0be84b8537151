//! `ecoenforce ledger verify-certificate BUNDLE [--file FILE] [--key VKEY]`: offline.

use crate::{VerifyCertificateArgs, both};
use app::i18n::{Lang, message};
use std::collections::BTreeMap;
use std::process::ExitCode;

fn file_hashes(path: &std::path::Path) -> std::io::Result<(String, String)> {
    store::blobs::sha256_sm3(&mut std::fs::File::open(path)?)
}

pub fn verify_certificate(args: VerifyCertificateArgs) -> ExitCode {
    let path = args.bundle.display().to_string();
    let bundle: serde_json::Value = match std::fs::read_to_string(&args.bundle)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "{}",
                both("cli.cert_unreadable", &[("path", &path), ("detail", &e)])
            );
            return ExitCode::from(2);
        }
    };
    let file = match &args.file {
        None => None,
        Some(f) => match file_hashes(f) {
            Ok(h) => Some(h),
            Err(e) => {
                eprintln!(
                    "{}",
                    both(
                        "cli.cert_unreadable",
                        &[
                            ("path", &f.display().to_string()),
                            ("detail", &e.to_string())
                        ]
                    )
                );
                return ExitCode::from(2);
            }
        },
    };
    let mut checks = ledger::certificate::check_bundle(
        &bundle,
        file.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        args.key.as_deref(),
    );
    checks.extend(
        args.witnesses
            .check(ledger::certificate::tlog_proof_checkpoint(
                &bundle,
                "/tlog_proof",
            )),
    );
    let failed: Vec<_> = checks.iter().filter(|c| !c.ok).collect();
    for lang in Lang::ALL {
        for c in &checks {
            let mut a = BTreeMap::new();
            a.insert("detail".to_owned(), c.detail.clone());
            let name = message(lang, &format!("cert.check_{}", c.code), &a);
            if c.ok {
                println!("  ✓ {name}");
            } else {
                println!("  ✗ {name}: {}", c.detail);
            }
        }
        let verdict = if failed.is_empty() {
            if file.is_some() {
                "cli.cert_valid_with_file"
            } else {
                "cli.cert_valid"
            }
        } else {
            "cli.cert_invalid"
        };
        let mut a = BTreeMap::new();
        a.insert("count".to_owned(), failed.len().to_string());
        println!("{}", message(lang, verdict, &a));
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
