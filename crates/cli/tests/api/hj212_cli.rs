//! Issue 11: `ecoenforce hj212 parse [--strict]` writes exactly one JSON line per input line.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn parse(input: &[u8], strict: bool) -> Vec<Value> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecoenforce"));
    cmd.args(["hj212", "parse"]);
    if strict {
        cmd.arg("--strict");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const INPUT: &str = "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n\
##0136ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\n\
not a frame\n\
\n\
##0136ST=32;CN=2011;PW=000000;MN=LD130133000015;CP=&&DataTime=20160824003817;011-Rtd=231.0,011-Flag=N;B01-Rtd=36.91;060-Rtd=1.803,060-Flag=N&&1dc0\n\
##101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80";

#[test]
fn one_json_line_per_input_line() {
    let out = parse(INPUT.as_bytes(), false);
    assert_eq!(out.len(), 6);
    assert_eq!(out[0]["ok"], true);
    assert_eq!(out[0]["version"], "2017");
    assert_eq!(out[0]["qn"], "20160801085857223");
    assert_eq!(out[0]["cp"]["RtdInterval"], "30");
    assert!(
        out[0].get("pnum").is_none(),
        "absent header fields are omitted"
    );
    assert_eq!(out[1]["ok"], false);
    assert_eq!(out[1]["error"], "crc mismatch: stated 4980, computed 3C00");
    assert_eq!(out[2]["ok"], false);
    assert_eq!(out[3]["ok"], false);
    assert_eq!(out[4]["version"], "2005");
    assert_eq!(out[4]["cp"]["B01-Rtd"], "36.91");
    assert_eq!(out[4]["warnings"][0], "lowercase CRC");
    assert!(out[4].get("qn").is_none() && out[4].get("flag").is_none());
    assert_eq!(out[5]["ok"], true);
    assert_eq!(out[5]["warnings"][0], "3-digit length field");
    // --strict refuses the lowercase CRC and the 3-digit length.
    let strict = parse(INPUT.as_bytes(), true);
    assert_eq!(strict.len(), 6);
    assert_eq!(strict[0]["ok"], true);
    assert_eq!(strict[4]["ok"], false);
    assert_eq!(strict[5]["ok"], false);
}
