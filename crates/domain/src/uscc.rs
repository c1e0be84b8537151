//! The unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, the last a
//! check character over the first 17.

/// The 31-character alphabet (no I, O, Z, S, V).
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, or `None` if one is outside the alphabet.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(WEIGHTS) {
        sum += value(*b)? * w;
    }
    Some(ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

#[derive(Debug, PartialEq, Eq)]
pub enum UsccError {
    Length,
    Character,
    Check { expected: char },
}

/// Validates a USCC: length, alphabet, check character.
pub fn validate(code: &str) -> Result<(), UsccError> {
    if code.len() != 18 || !code.is_ascii() {
        return Err(UsccError::Length);
    }
    let expected = check_character(&code[..17]).ok_or(UsccError::Character)?;
    let last = code.as_bytes()[17];
    if value(last).is_none() {
        return Err(UsccError::Character);
    }
    if last as char != expected {
        return Err(UsccError::Check { expected });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_check() {
        // Codes printed on public business licences.
        for code in [
            "91350100M000100Y43",
            "91110000600037341L",
            "9144030071526726XG",
        ] {
            assert_eq!(validate(code), Ok(()), "{code}");
        }
        assert_eq!(
            validate("91350100M000100Y44"),
            Err(UsccError::Check { expected: '3' })
        );
        assert_eq!(validate("91350100M000100Y4"), Err(UsccError::Length));
        assert_eq!(validate("91350100M000100YI3"), Err(UsccError::Character));
    }

    #[test]
    fn demo_codes_are_valid() {
        let first = "91532801XBDM00001";
        let c = check_character(first).unwrap();
        assert_eq!(validate(&format!("{first}{c}")), Ok(()));
    }
}
