//! Frames out of a TCP byte stream (粘包/拆包): push bytes as they arrive, pop whole frames.
//!
//! Frames by the length field, never by CRLF alone; skips foreign bytes to the next `##` and
//! counts them; keeps a trailing `#` and waits for all length digits, so a frame split at any
//! byte is never lost (hj212.md §6, pitfalls 4–7). The CRC is not checked here: the parser does
//! that, so a lenient station can still be heard.

use crate::frame::length_field;

/// What the framer yields.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A whole frame from `##` through the CRC, with its CRLF when one was sent.
    Frame(&'a [u8]),
    /// Bytes that could not be part of a frame and were skipped.
    Garbage(usize),
}

#[derive(Clone, Copy, Debug)]
pub struct FramerOptions {
    /// Longest data segment accepted (the standard's 1024; devices send more).
    pub max_segment: usize,
    /// Accept 3-digit length fields.
    pub three_digit_length: bool,
}

impl Default for FramerOptions {
    fn default() -> Self {
        FramerOptions {
            max_segment: 4096,
            three_digit_length: true,
        }
    }
}

pub struct Framer {
    buf: Vec<u8>,
    /// Bytes before `pos` were handed out or skipped; dropped at the next `push`.
    pos: usize,
    opts: FramerOptions,
    /// Whether the stream ended (`finish`): a frame without CRLF at the very end is complete.
    finished: bool,
}

impl Default for Framer {
    fn default() -> Self {
        Framer::new(FramerOptions::default())
    }
}

impl Framer {
    pub fn new(opts: FramerOptions) -> Framer {
        Framer {
            buf: Vec::new(),
            pos: 0,
            opts,
            finished: false,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The stream ended: a last frame without CRLF is complete, and whatever cannot become a
    /// frame any more is garbage.
    pub fn finish(&mut self) {
        self.finished = true;
    }

    /// Bytes held and not yet handed out (bounded by one frame at most).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next frame or skipped run of garbage, or `None` until more bytes arrive.
    pub fn next_item(&mut self) -> Option<Item<'_>> {
        let data = &self.buf[self.pos..];
        if data.is_empty() {
            return None;
        }
        // Find the next `##`.
        let start = match memchr::memmem::find(data, b"##") {
            Some(i) => i,
            None => {
                // Keep a trailing `#`: it may start the next header.
                let keep = usize::from(data.last() == Some(&b'#') && !self.finished);
                let skip = data.len() - keep;
                if skip == 0 {
                    return None;
                }
                self.pos += skip;
                return Some(Item::Garbage(skip));
            }
        };
        if start > 0 {
            self.pos += start;
            return Some(Item::Garbage(start));
        }
        match self.frame_len(data) {
            Ok(Some(n)) => {
                let frame = &self.buf[self.pos..self.pos + n];
                self.pos += n;
                Some(Item::Frame(frame))
            }
            Ok(None) if !self.finished => None,
            // Not a frame after all (or never completed): skip the `#` and look again.
            Ok(None) | Err(()) => {
                self.pos += 1;
                Some(Item::Garbage(1))
            }
        }
    }

    /// The length of the frame at the start of `data` (which begins with `##`): `Ok(None)` when
    /// more bytes are needed, `Err` when these bytes cannot start a frame.
    fn frame_len(&self, data: &[u8]) -> Result<Option<usize>, ()> {
        let rest = &data[2..];
        // Wait for the length digits and the first byte of the segment.
        if rest.len() < 5 {
            let all_digits = rest.iter().all(u8::is_ascii_digit);
            return if all_digits {
                Ok(None)
            } else {
                self.short(rest)
            };
        }
        let (ndigits, len) = length_field(rest, !self.opts.three_digit_length).map_err(|_| ())?;
        if len > self.opts.max_segment {
            return Err(());
        }
        let seg = &rest[ndigits..];
        // A segment starts with a key: a letter (QN, ST, CN, …). Rules out most foreign bytes
        // that happen to hold `##` and digits.
        if !seg.first().is_some_and(u8::is_ascii_alphabetic) {
            return Err(());
        }
        let crc_at = 2 + ndigits + len;
        if data.len() < crc_at + 4 {
            return Ok(None);
        }
        if !data[crc_at..crc_at + 4].iter().all(u8::is_ascii_hexdigit) {
            return Err(());
        }
        let end = crc_at + 4;
        match &data[end..] {
            [b'\r', b'\n', ..] => Ok(Some(end + 2)),
            [b'\n', ..] => Ok(Some(end + 1)),
            // Frames without CRLF (hj212.md §6.6): complete when the next header or the end of
            // the stream follows.
            [b'#', b'#', ..] => Ok(Some(end)),
            [] | [b'\r'] | [b'#'] if !self.finished => Ok(None),
            [] | [b'\r'] | [b'#'] => Ok(Some(end)),
            _ => Ok(Some(end)),
        }
    }

    /// Fewer than 5 bytes after `##` and some are not digits: a 3-digit length may already be
    /// readable; otherwise these bytes cannot start a frame.
    fn short(&self, rest: &[u8]) -> Result<Option<usize>, ()> {
        let lead = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if lead == 3 && self.opts.three_digit_length {
            Ok(None)
        } else {
            Err(())
        }
    }
}
