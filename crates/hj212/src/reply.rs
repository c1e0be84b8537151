//! What the platform sends: replies to a station's frames (9011 request reply, 9012 execution
//! result, 9014 data reply), mirroring the request's version, and commands such as 1011 (get
//! station time), 1012 (set station time) and 1062 (set the real-time data interval).
//!
//! HJ 212-2017 §6.6 and Annex C: a reply echoes the request's QN, uses ST=91, the station's PW and
//! MN, and a Flag with the request's version bits and no reply requested. HJ/T 212-2005 replies
//! carry no Flag and name the acknowledged QN (and CN) inside CP instead.

use crate::frame::{Frame, Version, encode};

/// A data segment from header fields in the standard's order and a CP body.
#[derive(Clone, Debug, Default)]
pub struct Header<'a> {
    pub qn: Option<&'a str>,
    pub st: &'a str,
    pub cn: &'a str,
    pub pw: &'a str,
    pub mn: &'a str,
    pub flag: Option<u8>,
    pub pnum: Option<&'a str>,
    pub pno: Option<&'a str>,
}

impl Header<'_> {
    /// The whole frame with this header and `cp` (the text between `CP=&&` and `&&`).
    pub fn frame(&self, cp: &str) -> Vec<u8> {
        let mut s = String::with_capacity(96 + cp.len());
        if let Some(qn) = self.qn {
            s.push_str("QN=");
            s.push_str(qn);
            s.push(';');
        }
        for (k, v) in [
            ("ST", self.st),
            ("CN", self.cn),
            ("PW", self.pw),
            ("MN", self.mn),
        ] {
            s.push_str(k);
            s.push('=');
            s.push_str(v);
            s.push(';');
        }
        if let Some(flag) = self.flag {
            s.push_str(&format!("Flag={flag};"));
        }
        if let (Some(pnum), Some(pno)) = (self.pnum, self.pno) {
            s.push_str(&format!("PNUM={pnum};PNO={pno};"));
        }
        s.push_str("CP=&&");
        s.push_str(cp);
        s.push_str("&&");
        encode(s.as_bytes())
    }
}

fn reply(req: &Frame<'_>, cn: &str, cp_2017: &str, cp_2005: &str) -> Vec<u8> {
    let v2005 = req.version == Version::V2005;
    Header {
        qn: if v2005 { None } else { req.qn },
        st: "91",
        cn,
        pw: req.pw.unwrap_or_default(),
        mn: req.mn.unwrap_or_default(),
        flag: (!v2005).then(|| req.version.flag_bits()),
        pnum: None,
        pno: None,
    }
    .frame(if v2005 { cp_2005 } else { cp_2017 })
}

/// 2005: the acknowledged QN (when the request had one) and CN, inside CP.
fn cp_2005(req: &Frame<'_>, more: &str) -> String {
    let mut cp = String::new();
    if let Some(qn) = req.qn {
        cp.push_str(&format!("QN={qn};"));
    }
    cp.push_str(&format!("CN={}", req.cn.unwrap_or_default()));
    if !more.is_empty() {
        cp.push(';');
        cp.push_str(more);
    }
    cp
}

/// 9014: the platform received a station's data frame.
pub fn data_reply(req: &Frame<'_>) -> Vec<u8> {
    reply(req, "9014", "", &cp_2005(req, ""))
}

/// 9011: the station answers a request (`QnRtn`: 1 will execute, 2 refused, 3 PW error, …).
pub fn request_reply(req: &Frame<'_>, qn_rtn: u16) -> Vec<u8> {
    let r = format!("QnRtn={qn_rtn}");
    reply(req, "9011", &r, &cp_2005(req, &r))
}

/// 9012: the station's execution result (`ExeRtn`: 1 success, 2 failed, …, 100 no data).
pub fn execution_result(req: &Frame<'_>, exe_rtn: u16) -> Vec<u8> {
    let r = format!("ExeRtn={exe_rtn}");
    reply(req, "9012", &r, &cp_2005(req, &r))
}

/// Who a platform command goes to.
#[derive(Clone, Copy, Debug)]
pub struct Station<'a> {
    pub version: Version,
    pub st: &'a str,
    pub pw: &'a str,
    pub mn: &'a str,
}

fn command(to: &Station<'_>, qn: &str, cn: &str, cp: &str) -> Vec<u8> {
    Header {
        qn: Some(qn),
        st: to.st,
        cn,
        pw: to.pw,
        mn: to.mn,
        // Commands ask for a reply (bit 0).
        flag: Some(to.version.flag_bits() | 1),
        pnum: None,
        pno: None,
    }
    .frame(cp)
}

/// 1011: ask the station for its time.
pub fn get_time(to: &Station<'_>, qn: &str) -> Vec<u8> {
    command(to, qn, "1011", "")
}

/// 1012: set the station's time (`yyyyMMddHHmmss`, station local time).
pub fn set_time(to: &Station<'_>, qn: &str, system_time: &str) -> Vec<u8> {
    command(to, qn, "1012", &format!("SystemTime={system_time}"))
}

/// 1062: set the real-time data interval in seconds.
pub fn set_rtd_interval(to: &Station<'_>, qn: &str, seconds: u32) -> Vec<u8> {
    command(to, qn, "1062", &format!("RtdInterval={seconds}"))
}
