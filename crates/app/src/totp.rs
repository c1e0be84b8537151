//! Time-based one-time passwords (RFC 6238, HMAC-SHA-1, 30 s steps, 6 digits): the second
//! factor the three administrators (三员) must use, and anyone else may.
//!
//! 《信息安全技术 网络安全等级保护基本要求》(GB/T 22239-2019) level 3 asks for two or more
//! authentication factors for administrators.

use crate::AppError;
use hmac::{Hmac, KeyInit, Mac};

/// The demo administrators' secret (演示数据; printed with the demo accounts, never for real).
pub const DEMO_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

const STEP: i64 = 30;

/// A new random secret, base32 (RFC 4648, no padding), 160 bits.
pub fn new_secret() -> Result<String, AppError> {
    let mut key = [0u8; 20];
    getrandom::fill(&mut key).map_err(|e| AppError::Internal(format!("randomness: {e}")))?;
    Ok(data_encoding::BASE32_NOPAD.encode(&key))
}

/// The code for the step containing `unix_seconds`, with `digits` digits (RFC 4226 §5.3).
pub fn code(secret_b32: &str, unix_seconds: i64, digits: u32) -> Option<String> {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret_b32.trim_end_matches('=').as_bytes())
        .ok()?;
    code_for_key(&key, unix_seconds.div_euclid(STEP) as u64, digits)
}

fn code_for_key(key: &[u8], counter: u64, digits: u32) -> Option<String> {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).ok()?;
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    Some(format!(
        "{:0width$}",
        bin % 10u32.pow(digits),
        width = digits as usize
    ))
}

/// Whether `given` is the code of the current step or of one step either side (clock drift).
pub fn verify(secret_b32: &str, given: &str, unix_seconds: i64) -> bool {
    matching_step(secret_b32, given, unix_seconds).is_some()
}

/// The time step (RFC 6238's T) whose code `given` is: the current step or one either side.
pub fn matching_step(secret_b32: &str, given: &str, unix_seconds: i64) -> Option<i64> {
    let given = given.trim();
    if given.len() != 6 {
        return None;
    }
    // Every step is computed and compared in full, without stopping at the first match or the
    // first differing digit, so the time taken does not tell how close a guess came.
    let mut found = None;
    for t in [-STEP, 0, STEP].map(|d| unix_seconds + d) {
        let matches = code(secret_b32, t, 6).is_some_and(|c| same(c.as_bytes(), given.as_bytes()));
        if matches && found.is_none() {
            found = Some(t.div_euclid(STEP));
        }
    }
    found
}

/// Byte strings of equal length compared in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `otpauth://` URI authenticator apps read (as a QR code or typed in).
pub fn uri(username: &str, secret_b32: &str) -> String {
    format!(
        "otpauth://totp/ecoenforce:{username}?secret={secret_b32}&issuer=ecoenforce&digits=6&period=30"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 column (key "12345678901234567890", 8 digits).
    #[test]
    fn rfc_6238_vectors() {
        let key = b"12345678901234567890";
        for (t, expected) in [
            (59i64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(
                code_for_key(key, (t / 30) as u64, 8).unwrap(),
                expected,
                "{t}"
            );
        }
        let b32 = data_encoding::BASE32_NOPAD.encode(key);
        assert_eq!(code(&b32, 59, 6).unwrap(), "287082");
        assert!(verify(&b32, "287082", 59));
        assert!(verify(&b32, "287082", 59 + 30), "one step of drift");
        assert!(!verify(&b32, "287082", 59 + 90));
        assert!(!verify(&b32, "28708", 59));
        assert_eq!(new_secret().unwrap().len(), 32);
    }
}
