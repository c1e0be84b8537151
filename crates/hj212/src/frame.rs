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

/// Four hex digits (either case) and whether any letter was lower case. Without a branch per
/// digit: which kind of character each is (digit, letter) is random in CRCs.
fn hex4(b: &[u8]) -> Option<(u16, bool)> {
    let mut v: u16 = 0;
    let mut lower = false;
    let mut ok = true;
    for &c in b {
        let digit = c.wrapping_sub(b'0');
        let folded = c | 0x20;
        let letter = folded.wrapping_sub(b'a');
        let is_digit = digit < 10;
        let is_letter = letter < 6;
        ok &= is_digit | is_letter;
        lower |= is_letter & (c == folded);
        let d = if is_digit {
            digit
        } else {
            letter.wrapping_add(10)
        };
        v = (v << 4) | u16::from(d & 0xF);
    }
    ok.then_some((v, lower))
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

/// The header fields the parser knows, in the order of [`Frame`]'s fields.
const FIELDS: [&str; 9] = ["QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO", "RF"];

/// Which known field an item starts with, and where its value begins: a match on the first
/// bytes, so `QN=` costs a compare and not a search for `=`. `None` for anything else (the
/// general path then splits the item at its first `=`, which finds the same key here).
#[inline]
fn known_key(item: &[u8]) -> Option<(usize, usize)> {
    Some(match item {
        [b'Q', b'N', b'=', ..] => (0, 3),
        [b'S', b'T', b'=', ..] => (1, 3),
        [b'C', b'N', b'=', ..] => (2, 3),
        [b'P', b'W', b'=', ..] => (3, 3),
        [b'M', b'N', b'=', ..] => (4, 3),
        [b'F', b'l', b'a', b'g', b'=', ..] => (5, 5),
        [b'P', b'N', b'U', b'M', b'=', ..] => (6, 5),
        [b'P', b'N', b'O', b'=', ..] => (7, 4),
        [b'R', b'F', b'=', ..] => (8, 3),
        _ => return None,
    })
}

/// The start of a standard HJ 212-2017 header: QN (17 digits), ST (2), CN (4) and PW (6) in
/// this order (§6.3.2), `.` marking value bytes. [`standard_start`] recognises it in one pass.
const STANDARD_START: &[u8; 45] = b"QN=.................;ST=..;CN=....;PW=......;";

/// Per word of the first 48 bytes: (mask of the fixed bytes, the fixed bytes, mask of the value
/// bytes), from [`STANDARD_START`]; bytes 45..48 belong to the next item and are not looked at.
const STANDARD_WORDS: [(u64, u64, u64); 6] = {
    let mut t = [(0u64, 0u64, 0u64); 6];
    let mut i = 0;
    while i < 45 {
        let shift = 8 * (i % 8);
        let c = STANDARD_START[i];
        if c == b'.' {
            t[i / 8].2 |= 0xFF << shift;
        } else {
            t[i / 8].0 |= 0xFF << shift;
            t[i / 8].1 |= (c as u64) << shift;
        }
        i += 1;
    }
    t
};

/// If the segment starts with QN, ST, CN and PW of the standard lengths, ASCII and without a
/// `;` inside a value: those four values. Six words checked at once, without a search or a
/// branch per field; anything else (a 2005 header, another order, other lengths) goes through
/// the general loop, so this only saves time.
#[inline]
fn standard_start(segment: &[u8]) -> Option<[&[u8]; 4]> {
    let (words, _) = segment.first_chunk::<48>()?.as_chunks::<8>();
    let mut fixed_ok = true;
    let mut bad = 0u64;
    for (w, &(fixed_mask, fixed, value_mask)) in words.iter().zip(&STANDARD_WORDS) {
        let w = u64::from_le_bytes(*w);
        fixed_ok &= w & fixed_mask == fixed;
        // A `;` or a byte that is not ASCII inside a value.
        bad |= (cp::eq_mask(w, b';') | w) & value_mask;
    }
    (fixed_ok && bad & 0x8080_8080_8080_8080 == 0).then(|| {
        [
            &segment[3..20],
            &segment[24..26],
            &segment[30..34],
            &segment[38..44],
        ]
    })
}

/// The first `;` in `b`, eight bytes at a time (header values are a few words long), and into
/// `high` the high bits of every byte before it (all zero for ASCII).
#[inline]
fn find_semicolon(b: &[u8], high: &mut u64) -> Option<usize> {
    let (words, tail) = b.as_chunks::<8>();
    for (n, w) in words.iter().enumerate() {
        let w = u64::from_le_bytes(*w);
        let m = cp::eq_mask(w, b';');
        if m != 0 {
            // The bytes below the `;` (its high bit is the lowest set bit of m).
            *high |= w & ((m & m.wrapping_neg()) - 1);
            return Some(n * 8 + (m.trailing_zeros() / 8) as usize);
        }
        *high |= w;
    }
    for (i, &c) in tail.iter().enumerate() {
        if c == b';' {
            return Some(words.len() * 8 + i);
        }
        *high |= u64::from(c);
    }
    None
}

/// Reads the header fields and finds the CP body of a data segment whose CRC was checked.
pub fn parse_segment<'a>(
    segment: &'a [u8],
    crc: u16,
    warnings: Vec<Warning>,
) -> Result<Frame<'a>, ParseError> {
    if !segment.ends_with(b"&&") {
        return Err(ParseError::NoCp);
    }
    // The parse's own warnings come after the caller's; the plain path starts again from these.
    let given = warnings.len();
    let mut warnings = warnings;
    // Values of the known fields, as bytes until the header is validated once at the end.
    let mut slots: [Option<&'a [u8]>; 9] = [None; 9];
    // The high bits of every header byte: ASCII if none is set.
    let mut high = 0u64;
    // Header items up to `CP=&&`, in any order. Anything amiss goes to the plain path, which
    // finds the error the plain way (a value that is not text before a missing CP, say).
    let mut at = 0;
    if let Some([qn, st, cn, pw]) = standard_start(segment) {
        slots[..4].copy_from_slice(&[Some(qn), Some(st), Some(cn), Some(pw)]);
        at = STANDARD_START.len();
    }
    let found = loop {
        let rest = &segment[at..];
        if rest.starts_with(b"CP=&&") {
            if rest.len() < 7 {
                break None;
            }
            break Some(&rest[5..rest.len() - 2]);
        }
        let (slot, v) = match known_key(rest) {
            Some((slot, from)) => {
                // The search starts after the key (ASCII, and no `;`).
                let Some(n) = find_semicolon(&rest[from..], &mut high) else {
                    break None;
                };
                let end = from + n;
                at += end + 1;
                (slot, &rest[from..end])
            }
            None => {
                let Some(end) = find_semicolon(rest, &mut high) else {
                    break None;
                };
                at += end + 1;
                let item = &rest[..end];
                if item.is_empty() {
                    continue;
                }
                let (k, v) = match item.iter().position(|&b| b == b'=') {
                    Some(i) => (&item[..i], &item[i + 1..]),
                    None => (item, &item[item.len()..]),
                };
                match FIELDS.iter().position(|f| f.as_bytes() == k) {
                    Some(slot) => (slot, v),
                    None => {
                        warnings.push(Warning::UnknownHeaderField(
                            String::from_utf8_lossy(k).into_owned(),
                        ));
                        continue;
                    }
                }
            }
        };
        if slots[slot].is_some() {
            warnings.push(Warning::DuplicateKey(FIELDS[slot].to_owned()));
        }
        slots[slot] = Some(v);
    };
    // Header values must be ASCII. One check of the whole header, made during the search for
    // `;`, instead of one per value; a header with other bytes, even in an unknown field, takes
    // the plain path, which checks each value and names the one at fault.
    let head = &segment[..at];
    let (Some(cp), 0, Ok(head_text)) = (
        found,
        high & 0x8080_8080_8080_8080,
        std::str::from_utf8(head),
    ) else {
        warnings.truncate(given);
        return parse_segment_plain(segment, crc, warnings);
    };
    // Each value starts and ends at an ASCII separator: a slice of the validated header.
    let text = |v: Option<&'a [u8]>| -> Option<&'a str> {
        let v = v?;
        let from = v.as_ptr() as usize - head.as_ptr() as usize;
        head_text.get(from..from + v.len())
    };
    let [qn, st, cn, pw, mn, flag, pnum, pno, rf] = slots;
    let flag = text(flag);
    let (flag_bits, version) = flag_bits(flag, &mut warnings)?;
    // Built in place as the result (a frame is some 200 bytes).
    Ok(Frame {
        segment,
        qn: text(qn),
        st: text(st),
        cn: text(cn),
        pw: text(pw),
        mn: text(mn),
        flag,
        pnum: text(pnum),
        pno: text(pno),
        rf: text(rf),
        flag_bits,
        version,
        cp,
        crc,
        warnings,
    })
}

/// [`parse_segment`] item by item, each value checked on its own: the path for headers with
/// bytes beyond ASCII (to name the field at fault), and the reference in the tests.
pub(crate) fn parse_segment_plain(
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
    (f.flag_bits, f.version) = flag_bits(f.flag, &mut warnings)?;
    f.warnings = warnings;
    Ok(f)
}

fn text<'a>(key: &str, v: &'a [u8]) -> Result<&'a str, ParseError> {
    // Header values are ASCII; the check is cheaper than UTF-8 validation and implies it.
    if v.is_ascii() {
        std::str::from_utf8(v).map_err(|_| ParseError::NotText(key.to_owned()))
    } else {
        Err(ParseError::NotText(key.to_owned()))
    }
}

/// The Flag as a number, and the version its bits 2–7 give (2005 without a Flag).
#[inline]
fn flag_bits(
    flag: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Result<(Option<u8>, Version), ParseError> {
    let Some(flag) = flag else {
        return Ok((None, Version::V2005));
    };
    let bits: u8 = match *flag.as_bytes() {
        // The usual one or two digits without the general parser.
        [d] if d.is_ascii_digit() => d - b'0',
        [d, e] if d.is_ascii_digit() && e.is_ascii_digit() => (d - b'0') * 10 + (e - b'0'),
        _ => flag
            .parse()
            .map_err(|_| ParseError::BadFlag(flag.to_owned()))?,
    };
    let version = match bits >> 2 {
        0 => Version::V2005,
        1 => Version::V2017,
        2 => Version::V2025,
        other => {
            warnings.push(Warning::UnknownVersionBits(other));
            Version::V2025
        }
    };
    Ok((Some(bits), version))
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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The header fast path (first-bytes key match, one ASCII check, one UTF-8 validation)
        /// gives what the plain item-by-item path gives: fields, warnings and errors alike.
        #[test]
        fn the_fast_header_equals_the_plain_one(
            items in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO", "RF", "CP", "Fla",
                        "QNX", "X", "", "flag",
                    ]),
                    proptest::sample::select(vec!["=", "", "=="]),
                    proptest::collection::vec(
                        proptest::sample::select(b"0123456789Az_&=;\xb0\xd6".to_vec()),
                        0..30,
                    ),
                ),
                0..12,
            ),
            tail in proptest::sample::select(vec![
                &b"CP=&&a=1&&"[..], b"CP=&&&&", b"CP=&&", b"", b"CP=&&\xd6\xd0&&", b";CP=&&x&&",
                b"CP=&", b"&&",
            ]),
            given in proptest::bool::ANY,
        ) {
            let mut seg = Vec::new();
            for (k, eq, v) in &items {
                seg.extend_from_slice(k.as_bytes());
                seg.extend_from_slice(eq.as_bytes());
                seg.extend_from_slice(v);
                seg.push(b';');
            }
            seg.extend_from_slice(tail);
            let warnings = if given { vec![Warning::LowercaseCrc] } else { Vec::new() };
            proptest::prop_assert_eq!(
                parse_segment(&seg, 7, warnings.clone()),
                parse_segment_plain(&seg, 7, warnings)
            );
        }
    }

    proptest::proptest! {
        /// Headers shaped like the standard start (QN 17, ST 2, CN 4, PW 6), with value bytes
        /// that may be `;`, `=` or not ASCII, a key byte that may be off, and more items after:
        /// the one-pass recognition agrees with the plain path.
        #[test]
        fn the_standard_start_equals_the_plain_path(
            values in proptest::collection::vec(
                proptest::sample::select(b"0123456789;=\xb0A".to_vec()),
                29,
            ),
            values_plain in proptest::bool::ANY,
            off in proptest::option::of((0usize..45, proptest::sample::select(b"QNSTCPW=;x".to_vec()))),
            rest in proptest::sample::select(vec![
                &b"MN=010000A8900016F000169DC0;Flag=5;CP=&&a=1&&"[..],
                b"CP=&&&&",
                b"QN=1;CP=&&&&",
                b"MN=\xd6;CP=&&&&",
                b"",
                b"Flag=x;CP=&&&&",
            ]),
        ) {
            let v: Vec<u8> = if values_plain {
                values.iter().map(|&c| if c == b';' || c >= 0x80 { b'7' } else { c }).collect()
            } else {
                values
            };
            let mut seg = Vec::new();
            seg.extend_from_slice(b"QN=");
            seg.extend_from_slice(&v[..17]);
            seg.extend_from_slice(b";ST=");
            seg.extend_from_slice(&v[17..19]);
            seg.extend_from_slice(b";CN=");
            seg.extend_from_slice(&v[19..23]);
            seg.extend_from_slice(b";PW=");
            seg.extend_from_slice(&v[23..29]);
            seg.push(b';');
            if let Some((i, c)) = off {
                seg[i] = c;
            }
            seg.extend_from_slice(rest);
            proptest::prop_assert_eq!(
                parse_segment(&seg, 1, Vec::new()),
                parse_segment_plain(&seg, 1, Vec::new())
            );
        }
    }

    /// [`hex4`] against the plain match on each character, for every byte in every place.
    #[test]
    fn hex4_equals_a_plain_match() {
        fn plain(b: &[u8]) -> Option<(u16, bool)> {
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
        for c in 0..=255u8 {
            for at in 0..4 {
                for base in [*b"0aF9", *b"7dC0", *b"ffff"] {
                    let mut b = base;
                    b[at] = c;
                    assert_eq!(hex4(&b), plain(&b), "{b:?}");
                }
            }
        }
    }

    #[test]
    fn usual_headers_take_the_fast_path_and_agree() {
        // V1's header is the standard start.
        let v1 = b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";
        assert_eq!(
            standard_start(v1),
            Some([&b"20160801085857223"[..], b"32", b"1062", b"100000"])
        );
        for seg in [
            &b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"[..],
            b"ST=32;CN=2011;PW=000000;MN=LD130133000015;CP=&&DataTime=20160824003817&&",
            b"QN=1;PNO=2;PNUM=3;RF=1;Flag=07;CP=&&&&",
            b"QN=1;;X=2;QN=3;MN=\xd6\xd0;CP=&&&&",
            b"QN=1;Flag=+5;CP=&&&&",
        ] {
            assert_eq!(parse_segment(seg, 0, Vec::new()), parse_segment_plain(seg, 0, Vec::new()));
        }
    }
}
