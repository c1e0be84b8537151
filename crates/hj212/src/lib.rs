//! HJ 212 (HJ/T 212-2005, HJ 212-2017, HJ 212-2025): the protocol the data loggers at key
//! dischargers' outlets speak over TCP. Sans-IO: [`parse`] and [`encode`] frames, the
//! standard's [`crc`], a [`Framer`] for byte streams and a [`Reassembler`] for split messages;
//! the caller owns the sockets and the clock. Facts and pitfalls: `shared/reference/hj212.md`.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cp;
pub mod crc;
pub mod frame;
pub mod framer;
pub mod reassembler;
pub mod reply;

pub use cp::{CpData, Field};
pub use crc::crc;
pub use frame::{Frame, Options, ParseError, Version, Warning, encode, parse};
pub use framer::{Framer, FramerOptions, Item};
pub use reassembler::{Message, Reassembler, ReassemblerOptions, ReassemblyError};

#[cfg(test)]
mod tests;
