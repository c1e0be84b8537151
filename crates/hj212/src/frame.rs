//! One frame: `##` | length | data segment | CRC | CRLF (HJ 212-2017 §6.3), parsed without
//! copying: header fields and the CP body are slices of the input, CP items are read lazily.

use crate::cp::{self, CpData};
use crate::crc::crc;

/// The protocol version, from the Flag's version bits (bits 2–7): 0 = HJ/T 212-2005 (also when
/// Flag is absent), 1 = HJ 212-2017, 2 = HJ 212-2025.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    V2005,
    V2017,
    V2025,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2005 => "2005",
            Version::V2017 => "2017",
            Version::V2025 => "2025",
        }
    }

    /// The version bits of the Flag (already shifted into bits 2–7).
    pub fn flag_bits(self) -> u8 {
        match self {
            Version::V2005 => 0,
            Version::V2017 => 1 << 2,
            Version::V2025 => 2 << 2,
        }
    }
}

/// The largest data segment the standard allows.
pub const STANDARD_MAX_SEGMENT: usize = 1024;

/// How forgiving the parser is. Lenient (the default) accepts, with a warning, what real devices
/// send: lowercase CRCs, 3-digit lengths and segments up to `max_segment` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub strict: bool,
    pub max_segment: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: false,
            max_segment: 4096,
        }
    }
}

impl Options {
    pub fn strict() -> Options {
        Options {
            strict: true,
            max_segment: STANDARD_MAX_SEGMENT,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("no ## header")]
    NoHeader,
    #[error("bad length field {0:?}")]
    BadLength(String),
    #[error("3-digit length field {0} (strict mode wants 4 digits)")]
    ShortLength(usize),
    #[error("data segment of {len} bytes exceeds the limit of {max}")]
    TooLong { len: usize, max: usize },
    #[error(
        "truncated: the length field says {expected} bytes and a 4-digit CRC, {got} bytes follow"
    )]
    Truncated { expected: usize, got: usize },
    #[error("bad CRC field {0:?}: 4 hex digits expected")]
    BadCrcField(String),
    #[error("lowercase CRC {0} (strict mode wants upper case)")]
    LowercaseCrc(String),
    #[error("crc mismatch: stated {stated}, computed {computed:04X}")]
    CrcMismatch { stated: String, computed: u16 },
    #[error("{0} unexpected bytes after the CRC")]
    Trailing(usize),
    #[error("no CP=&&…&& at the end of the data segment")]
    NoCp,
    #[error("header field {0} is not text")]
    NotText(String),
    #[error("bad Flag {0:?}: an integer from 0 to 255 expected")]
    BadFlag(String),
}

/// Something accepted but worth knowing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    LowercaseCrc,
    ThreeDigitLength,
    OverLength(usize),
    DuplicateKey(String),
    UnknownHeaderField(String),
    UnknownVersionBits(u8),
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::LowercaseCrc => write!(f, "lowercase CRC"),
            Warning::ThreeDigitLength => write!(f, "3-digit length field"),
            Warning::OverLength(n) => write!(f, "data segment of {n} bytes exceeds 1024"),
            Warning::DuplicateKey(k) => write!(f, "duplicate key {k}: the last value is kept"),
            Warning::UnknownHeaderField(k) => write!(f, "unknown header field {k}"),
            Warning::UnknownVersionBits(v) => {
                write!(f, "unknown version bits {v} in Flag, read as 2025")
            }
        }
    }
}

/// A parsed frame, borrowing the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The data segment (what the length counts and the CRC covers).
    pub segment: &'a [u8],
    pub qn: Option<&'a str>,
    pub st: Option<&'a str>,
    pub cn: Option<&'a str>,
    pub pw: Option<&'a str>,
    pub mn: Option<&'a str>,
    pub flag: Option<&'a str>,
    pub pnum: Option<&'a str>,
    pub pno: Option<&'a str>,
    pub rf: Option<&'a str>,
    /// The Flag as a number.
    pub flag_bits: Option<u8>,
    pub version: Version,
    /// The CP body, between `CP=&&` and the closing `&&`.
    pub cp: &'a [u8],
    pub crc: u16,
    pub warnings: Vec<Warning>,
}

impl<'a> Frame<'a> {
    /// Bit 0 of the Flag: the sender wants a reply.
    pub fn wants_reply(&self) -> bool {
        self.flag_bits.is_some_and(|f| f & 1 == 1)
    }

    /// Bit 1 of the Flag: one part of a split message, with PNUM and PNO.
    pub fn is_split(&self) -> bool {
        self.flag_bits.is_some_and(|f| f & 2 == 2)
    }

    /// CP items in order, as raw key and value bytes (`;` and `,` both separate items).
    pub fn cp_items(&self) -> cp::Items<'a> {
        cp::Items::new(self.cp)
    }

    /// The CP data model; duplicate keys keep the last value and add a warning.
    pub fn cp_data(&self) -> CpData<'a> {
        CpData::of(self.cp)
    }
}

fn digits(b: &[u8]) -> Option<usize> {
    b.iter().try_fold(0usize, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + usize::from(d - b'0'))
    })
}

fn hex4(b: &[u8]) -> Option<(u16, bool)> {
    let mut v: u16 = 0;
    let mut lower = false;
    for &c in b {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'a'..=b'f' => {
                lower = true;
                c - b'a' + 10
            }
            _ => return None,
        };
        v = (v << 4) | u16::from(d);
    }
    Some((v, lower))
}

/// Where the data segment of a frame starting with `##` begins and how long it says it is:
/// `(digits in the length field, segment length)`. Shared with the [`crate::Framer`].
pub(crate) fn length_field(
    after_hashes: &[u8],
    strict: bool,
) -> Result<(usize, usize), ParseError> {
    let n = after_hashes
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    match n {
        4 => Ok((4, digits(&after_hashes[..4]).unwrap_or(0))),
        // A 3-digit length: the fourth byte starts the segment (a key, so not a digit).
        3 if after_hashes.len() > 3 => {
            let len = digits(&after_hashes[..3]).unwrap_or(0);
            if strict {
                Err(ParseError::ShortLength(len))
            } else {
                Ok((3, len))
            }
        }
        _ => Err(ParseError::BadLength(
            String::from_utf8_lossy(&after_hashes[..after_hashes.len().min(4)]).into_owned(),
        )),
    }
}

fn text<'a>(key: &str, v: &'a [u8]) -> Result<&'a str, ParseError> {
    // Header values are ASCII; the check is cheaper than UTF-8 validation and implies it.
    if v.is_ascii() {
        std::str::from_utf8(v).map_err(|_| ParseError::NotText(key.to_owned()))
    } else {
        Err(ParseError::NotText(key.to_owned()))
    }
}

/// Parses one frame: `##`, the length, the segment, the CRC, then an optional CRLF (or LF).
pub fn parse<'a>(input: &'a [u8], opts: &Options) -> Result<Frame<'a>, ParseError> {
    let rest = input.strip_prefix(b"##").ok_or(ParseError::NoHeader)?;
    let mut warnings = Vec::new();
    let (ndigits, len) = length_field(rest, opts.strict)?;
    if ndigits == 3 {
        warnings.push(Warning::ThreeDigitLength);
    }
    let max = if opts.strict {
        STANDARD_MAX_SEGMENT
    } else {
        opts.max_segment
    };
    if len > max {
        return Err(ParseError::TooLong { len, max });
    }
    if len > STANDARD_MAX_SEGMENT {
        warnings.push(Warning::OverLength(len));
    }
    let body = &rest[ndigits..];
    if body.len() < len + 4 {
        return Err(ParseError::Truncated {
            expected: len + 4,
            got: body.len(),
        });
    }
    let (segment, after) = body.split_at(len);
    let (crc_field, tail) = after.split_at(4);
    if !(tail.is_empty() || tail == b"\r\n" || tail == b"\n") {
        return Err(ParseError::Trailing(tail.len()));
    }
    let Some((stated, lower)) = hex4(crc_field) else {
        return Err(ParseError::BadCrcField(
            String::from_utf8_lossy(crc_field).into_owned(),
        ));
    };
    if lower {
        if opts.strict {
            return Err(ParseError::LowercaseCrc(
                String::from_utf8_lossy(crc_field).into_owned(),
            ));
        }
        warnings.push(Warning::LowercaseCrc);
    }
    let computed = crc(segment);
    if computed != stated {
        return Err(ParseError::CrcMismatch {
            stated: String::from_utf8_lossy(crc_field).into_owned(),
            computed,
        });
    }
    parse_segment(segment, stated, warnings)
}

/// Reads the header fields and finds the CP body of a data segment whose CRC was checked.
pub fn parse_segment(
    segment: &[u8],
    crc: u16,
    mut warnings: Vec<Warning>,
) -> Result<Frame<'_>, ParseError> {
    if !segment.ends_with(b"&&") {
        return Err(ParseError::NoCp);
    }
    let mut f = Frame {
        segment,
        qn: None,
        st: None,
        cn: None,
        pw: None,
        mn: None,
        flag: None,
        pnum: None,
        pno: None,
        rf: None,
        flag_bits: None,
        version: Version::V2005,
        cp: &[],
        crc,
        warnings: Vec::new(),
    };
    // Header items up to `CP=&&`, in any order; a plain scan (items are a few bytes long).
    let mut at = 0;
    loop {
        let rest = &segment[at..];
        if rest.starts_with(b"CP=&&") {
            if rest.len() < 7 {
                return Err(ParseError::NoCp);
            }
            f.cp = &rest[5..rest.len() - 2];
            break;
        }
        let end = rest
            .iter()
            .position(|&b| b == b';')
            .ok_or(ParseError::NoCp)?;
        at += end + 1;
        let item = &rest[..end];
        if item.is_empty() {
            continue;
        }
        let (k, v) = match item.iter().position(|&b| b == b'=') {
            Some(i) => (&item[..i], &item[i + 1..]),
            None => (item, &item[item.len()..]),
        };
        let (name, slot) = match k {
            b"QN" => ("QN", &mut f.qn),
            b"ST" => ("ST", &mut f.st),
            b"CN" => ("CN", &mut f.cn),
            b"PW" => ("PW", &mut f.pw),
            b"MN" => ("MN", &mut f.mn),
            b"Flag" => ("Flag", &mut f.flag),
            b"PNUM" => ("PNUM", &mut f.pnum),
            b"PNO" => ("PNO", &mut f.pno),
            b"RF" => ("RF", &mut f.rf),
            _ => {
                warnings.push(Warning::UnknownHeaderField(
                    String::from_utf8_lossy(k).into_owned(),
                ));
                continue;
            }
        };
        if slot.is_some() {
            warnings.push(Warning::DuplicateKey(name.to_owned()));
        }
        *slot = Some(text(name, v)?);
    }
    if let Some(flag) = f.flag {
        let bits: u8 = flag
            .parse()
            .map_err(|_| ParseError::BadFlag(flag.to_owned()))?;
        f.flag_bits = Some(bits);
        f.version = match bits >> 2 {
            0 => Version::V2005,
            1 => Version::V2017,
            2 => Version::V2025,
            other => {
                warnings.push(Warning::UnknownVersionBits(other));
                Version::V2025
            }
        };
    }
    f.warnings = warnings;
    Ok(f)
}

/// A whole frame around a data segment: `##`, 4-digit length, segment, upper-case CRC, CRLF.
pub fn encode(segment: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(segment.len() + 12);
    out.extend_from_slice(b"##");
    out.extend_from_slice(format!("{:04}", segment.len()).as_bytes());
    out.extend_from_slice(segment);
    out.extend_from_slice(format!("{:04X}\r\n", crc(segment)).as_bytes());
    out
}
