//! The CRC of HJ 212 (the standard's appendix; HJ 212-2017 Annex A, "ANSI CRC16" in 2025): not
//! CRC-16/MODBUS. Per byte `r = (r >> 8) ^ b`, then eight reflected shifts with 0xA001.
//!
//! After `r = (r >> 8) ^ b` the register is below 256, so each step is `r = T[(r >> 8) ^ b]`
//! with the ordinary reflected-0xA001 table T, and the next step sees only the high byte of T.
//! That high byte `H(x)` is linear over GF(2), so the high byte after 16 bytes is
//! `H¹⁶(h ⊕ b₀) ⊕ H¹⁵(b₁) ⊕ … ⊕ H¹(b₁₅)`: sixteen 256-byte tables, one lookup per byte and no
//! dependency chain between them (slicing by 16).

/// The bitwise definition, exactly as the standard writes it.
pub fn crc_bitwise(data: &[u8]) -> u16 {
    let mut r: u16 = 0xFFFF;
    for &b in data {
        r = (r >> 8) ^ u16::from(b);
        for _ in 0..8 {
            r = if r & 1 == 1 {
                (r >> 1) ^ 0xA001
            } else {
                r >> 1
            };
        }
    }
    r
}

const fn table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = i as u16;
        let mut j = 0;
        while j < 8 {
            r = if r & 1 == 1 {
                (r >> 1) ^ 0xA001
            } else {
                r >> 1
            };
            j += 1;
        }
        t[i] = r;
        i += 1;
    }
    t
}

/// T: the reflected 0xA001 table (CRC-16/ARC).
const TABLE: [u16; 256] = table();

/// SLICES[k][x] = H^(k+1)(x), H(x) = TABLE[x] >> 8.
const fn slices() -> [[u8; 256]; 16] {
    let mut s = [[0u8; 256]; 16];
    let mut x = 0;
    while x < 256 {
        let mut v = x as u8;
        let mut k = 0;
        while k < 16 {
            v = (TABLE[v as usize] >> 8) as u8;
            s[k][x] = v;
            k += 1;
        }
        x += 1;
    }
    s
}

const SLICES: [[u8; 256]; 16] = slices();

/// The HJ 212 CRC, sliced by 16; equal to [`crc_bitwise`] for every input (property test).
pub fn crc(data: &[u8]) -> u16 {
    let Some((&last, body)) = data.split_last() else {
        return 0xFFFF;
    };
    // h: the high byte of the register before each byte (0xFF at the start).
    let mut h: u8 = 0xFF;
    let (blocks, tail) = body.as_chunks::<16>();
    for c in blocks {
        // Two word loads and shifts instead of sixteen byte loads: table lookups then use the
        // load ports alone.
        let lo = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let hi = u64::from_le_bytes([c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]]);
        let b = |w: u64, i: u32| usize::from((w >> (8 * i)) as u8);
        h = SLICES[15][usize::from(h) ^ b(lo, 0)]
            ^ SLICES[14][b(lo, 1)]
            ^ SLICES[13][b(lo, 2)]
            ^ SLICES[12][b(lo, 3)]
            ^ SLICES[11][b(lo, 4)]
            ^ SLICES[10][b(lo, 5)]
            ^ SLICES[9][b(lo, 6)]
            ^ SLICES[8][b(lo, 7)]
            ^ SLICES[7][b(hi, 0)]
            ^ SLICES[6][b(hi, 1)]
            ^ SLICES[5][b(hi, 2)]
            ^ SLICES[4][b(hi, 3)]
            ^ SLICES[3][b(hi, 4)]
            ^ SLICES[2][b(hi, 5)]
            ^ SLICES[1][b(hi, 6)]
            ^ SLICES[0][b(hi, 7)];
    }
    for &b in tail {
        h = SLICES[0][usize::from(h ^ b)];
    }
    TABLE[usize::from(h ^ last)]
}

/// CRC-16/MODBUS, only to name the common mistake in messages and tests.
pub fn crc_modbus(data: &[u8]) -> u16 {
    let mut r: u16 = 0xFFFF;
    for &b in data {
        r ^= u16::from(b);
        for _ in 0..8 {
            r = if r & 1 == 1 {
                (r >> 1) ^ 0xA001
            } else {
                r >> 1
            };
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(crc(b""), 0xFFFF);
        assert_eq!(TABLE[1], 0xC0C1);
        assert_eq!(TABLE[255], 0x4040);
        let v1 = b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";
        assert_eq!(crc(v1), 0x1C80);
        assert_eq!(crc_bitwise(v1), 0x1C80);
        assert_eq!(crc_modbus(v1), 0x0759);
    }

    proptest::proptest! {
        #[test]
        fn sliced_equals_bitwise(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            proptest::prop_assert_eq!(crc(&data), crc_bitwise(&data));
        }
    }
}
