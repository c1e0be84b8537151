//! `ecoenforce hj212 parse [--strict]`: one JSON line per input line, so a file of captured
//! traffic can be checked with standard tools.

use crate::Hj212ParseArgs;
use serde_json::{Map, Value, json};
use std::io::{BufRead, Write};
use std::process::ExitCode;

/// The JSON line for one input line (without its line feed; a trailing CR is dropped).
pub fn line_json(line: &[u8], opts: &hj212::Options) -> Value {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return json!({"ok": false, "error": "empty line"});
    }
    let frame = match hj212::parse(line, opts) {
        Ok(f) => f,
        Err(e) => return json!({"ok": false, "error": e.to_string()}),
    };
    let mut out = Map::new();
    out.insert("ok".into(), Value::Bool(true));
    out.insert("version".into(), frame.version.as_str().into());
    for (key, value) in [
        ("qn", frame.qn),
        ("st", frame.st),
        ("cn", frame.cn),
        ("pw", frame.pw),
        ("mn", frame.mn),
        ("flag", frame.flag),
        ("pnum", frame.pnum),
        ("pno", frame.pno),
        ("rf", frame.rf),
    ] {
        if let Some(v) = value {
            out.insert(key.into(), v.into());
        }
    }
    let cp = frame.cp_data();
    out.insert(
        "cp".into(),
        Value::Object(
            cp.items()
                .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                .collect(),
        ),
    );
    let warnings: Vec<Value> = frame
        .warnings
        .iter()
        .chain(&cp.warnings)
        .map(|w| Value::String(w.to_string()))
        .collect();
    out.insert("warnings".into(), Value::Array(warnings));
    Value::Object(out)
}

pub fn parse(args: Hj212ParseArgs) -> ExitCode {
    let opts = if args.strict {
        hj212::Options::strict()
    } else {
        hj212::Options::default()
    };
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.split(b'\n') {
        let Ok(line) = line else {
            return ExitCode::from(2);
        };
        if writeln!(out, "{}", line_json(&line, &opts)).is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
