//! `ecoenforce ledger verify-document FILE.pdf --key VKEY [--proof BUNDLE]`: offline.

use crate::{VerifyDocumentArgs, both};
use app::i18n::{Lang, message};
use std::collections::BTreeMap;
use std::process::ExitCode;

fn sha256_of(path: &std::path::Path) -> std::io::Result<String> {
    store::blobs::sha256_sm3(&mut std::fs::File::open(path)?).map(|(sha256, _)| sha256)
}

fn unreadable(path: &std::path::Path, detail: &str) -> ExitCode {
    eprintln!(
        "{}",
        both(
            "cli.cert_unreadable",
            &[("path", &path.display().to_string()), ("detail", detail)]
        )
    );
    ExitCode::from(2)
}

pub fn verify_document(args: VerifyDocumentArgs) -> ExitCode {
    let sha256 = match sha256_of(&args.file) {
        Ok(h) => h,
        Err(e) => return unreadable(&args.file, &e.to_string()),
    };
    let Some(proof) = &args.proof else {
        // Without the bundle there is nothing to check the file against, offline.
        println!("{}", both("cli.document_no_proof", &[("sha256", &sha256)]));
        return ExitCode::from(2);
    };
    let bundle: serde_json::Value = match std::fs::read_to_string(proof)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => return unreadable(proof, &e),
    };
    let mut checks =
        ledger::document::check_document_bundle(&bundle, Some(&sha256), Some(args.key.as_str()));
    checks.extend(
        args.witnesses
            .check(ledger::certificate::tlog_proof_checkpoint(
                &bundle,
                "/tlog_proof",
            )),
    );
    let failed = checks.iter().filter(|c| !c.ok).count();
    for lang in Lang::ALL {
        for c in &checks {
            let mut a = BTreeMap::new();
            a.insert("detail".to_owned(), c.detail.clone());
            let name = message(lang, &format!("document.check_{}", c.code), &a);
            if c.ok {
                println!("  ✓ {name}");
            } else {
                println!("  ✗ {name}: {}", c.detail);
            }
        }
        let mut a = BTreeMap::new();
        a.insert("count".to_owned(), failed.to_string());
        a.insert("sha256".to_owned(), sha256.clone());
        let verdict = if failed == 0 {
            "cli.document_genuine"
        } else {
            "cli.document_not_genuine"
        };
        println!("{}", message(lang, verdict, &a));
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
