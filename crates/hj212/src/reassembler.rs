//! Split messages (Flag bit 1, PNUM/PNO; HJ 212-2017 §6.3.3): every part is a whole frame; the
//! parts of one message share (MN, QN, CN). Bounded, with expiry driven by the caller's clock.

use crate::frame::Frame;
use std::collections::{BTreeMap, HashMap};

pub type Key = (String, String, String);

#[derive(Clone, Copy, Debug)]
pub struct ReassemblerOptions {
    /// Messages being assembled at once; the oldest is dropped to make room.
    pub max_pending: usize,
    /// A message not complete this long after its first part is dropped (milliseconds).
    pub timeout_ms: u64,
    /// Parts per message at most (PNUM above this is refused).
    pub max_parts: u32,
    /// CP bytes held across all pending messages; the oldest are dropped to stay below it.
    pub max_bytes: usize,
}

impl Default for ReassemblerOptions {
    fn default() -> Self {
        ReassemblerOptions {
            max_pending: 1024,
            timeout_ms: 60_000,
            max_parts: 1000,
            max_bytes: 16 << 20,
        }
    }
}

/// A whole message: its key and the CP bodies of its parts in PNO order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub key: Key,
    pub parts: Vec<Vec<u8>>,
}

impl Message {
    /// The parts' CP bodies joined by `;`.
    pub fn cp(&self) -> Vec<u8> {
        self.parts.join(&b';')
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReassemblyError {
    #[error("a split frame without a valid PNUM/PNO (PNUM {pnum:?}, PNO {pno:?})")]
    BadNumbers {
        pnum: Option<String>,
        pno: Option<String>,
    },
    #[error("PNUM {got} differs from {first} in an earlier part")]
    PnumChanged { first: u32, got: u32 },
}

/// What was dropped unfinished, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    pub key: Key,
    pub received: usize,
    pub expected: u32,
    pub expired: bool,
}

struct Pending {
    pnum: u32,
    first_ms: u64,
    parts: BTreeMap<u32, Vec<u8>>,
}

pub struct Reassembler {
    opts: ReassemblerOptions,
    pending: HashMap<Key, Pending>,
    dropped: Vec<Dropped>,
    bytes: usize,
}

impl Default for Reassembler {
    fn default() -> Self {
        Reassembler::new(ReassemblerOptions::default())
    }
}

fn key_of(f: &Frame<'_>) -> Key {
    (
        f.mn.unwrap_or_default().to_owned(),
        f.qn.unwrap_or_default().to_owned(),
        f.cn.unwrap_or_default().to_owned(),
    )
}

impl Reassembler {
    pub fn new(opts: ReassemblerOptions) -> Reassembler {
        Reassembler {
            opts,
            pending: HashMap::new(),
            dropped: Vec::new(),
            bytes: 0,
        }
    }

    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Messages dropped unfinished since the last call (expired or evicted).
    pub fn take_dropped(&mut self) -> Vec<Dropped> {
        std::mem::take(&mut self.dropped)
    }

    /// Adds a frame at time `now_ms`. An unsplit frame is a whole message at once; a part
    /// completes its message when the last missing PNO arrives. A repeated part replaces the
    /// earlier copy (stations resend).
    pub fn push(
        &mut self,
        frame: &Frame<'_>,
        now_ms: u64,
    ) -> Result<Option<Message>, ReassemblyError> {
        self.expire(now_ms);
        if !frame.is_split() {
            return Ok(Some(Message {
                key: key_of(frame),
                parts: vec![frame.cp.to_vec()],
            }));
        }
        let numbers = (
            frame.pnum.and_then(|s| s.parse::<u32>().ok()),
            frame.pno.and_then(|s| s.parse::<u32>().ok()),
        );
        let (Some(pnum), Some(pno)) = numbers else {
            return Err(ReassemblyError::BadNumbers {
                pnum: frame.pnum.map(str::to_owned),
                pno: frame.pno.map(str::to_owned),
            });
        };
        if pnum == 0 || pno == 0 || pno > pnum || pnum > self.opts.max_parts {
            return Err(ReassemblyError::BadNumbers {
                pnum: frame.pnum.map(str::to_owned),
                pno: frame.pno.map(str::to_owned),
            });
        }
        let key = key_of(frame);
        if !self.pending.contains_key(&key) && self.pending.len() >= self.opts.max_pending {
            self.evict_oldest();
        }
        let entry = self.pending.entry(key.clone()).or_insert_with(|| Pending {
            pnum,
            first_ms: now_ms,
            parts: BTreeMap::new(),
        });
        if entry.pnum != pnum {
            return Err(ReassemblyError::PnumChanged {
                first: entry.pnum,
                got: pnum,
            });
        }
        self.bytes += frame.cp.len();
        if let Some(old) = entry.parts.insert(pno, frame.cp.to_vec()) {
            self.bytes -= old.len();
        }
        if entry.parts.len() as u32 == entry.pnum {
            let done = self.remove(&key).map(|p| p.parts.into_values().collect());
            return Ok(done.map(|parts| Message { key, parts }));
        }
        while self.bytes > self.opts.max_bytes && self.pending.len() > 1 {
            self.evict_oldest();
        }
        Ok(None)
    }

    /// Drops messages whose first part came more than the timeout before `now_ms`.
    pub fn expire(&mut self, now_ms: u64) {
        let timeout = self.opts.timeout_ms;
        let old: Vec<Key> = self
            .pending
            .iter()
            .filter(|(_, p)| now_ms.saturating_sub(p.first_ms) > timeout)
            .map(|(k, _)| k.clone())
            .collect();
        for k in old {
            if let Some(p) = self.remove(&k) {
                self.dropped.push(Dropped {
                    key: k,
                    received: p.parts.len(),
                    expected: p.pnum,
                    expired: true,
                });
            }
        }
    }

    fn remove(&mut self, key: &Key) -> Option<Pending> {
        let p = self.pending.remove(key)?;
        self.bytes -= p.parts.values().map(Vec::len).sum::<usize>();
        Some(p)
    }

    fn evict_oldest(&mut self) {
        let oldest = self
            .pending
            .iter()
            .min_by_key(|(k, p)| (p.first_ms, (*k).clone()))
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest
            && let Some(p) = self.remove(&k)
        {
            self.dropped.push(Dropped {
                key: k,
                received: p.parts.len(),
                expected: p.pnum,
                expired: false,
            });
        }
    }
}
