//! The CRC of HJ 212 (the standard's appendix; HJ 212-2017 Annex A, "ANSI CRC16" in 2025): not
//! CRC-16/MODBUS. Per byte `r = (r >> 8) ^ b`, then eight reflected shifts with 0xA001.
//!
//! After `r = (r >> 8) ^ b` the register is below 256, so each step is `r = T[(r >> 8) ^ b]`
//! with the ordinary reflected-0xA001 table T, and the next step sees only the high byte of T.
//! That high byte `H(x)` is linear over GF(2), so the high byte before the last byte of an
//! `n + 1`-byte input is `Hⁿ(0xFF) ⊕ Hⁿ(b₀) ⊕ Hⁿ⁻¹(b₁) ⊕ … ⊕ H¹(bₙ₋₁)`.
//!
//! And `H⁸` is the identity (checked when this file compiles, `H8_IS_IDENTITY`): bytes
//! eight apart enter through the same power of H. So the input (less its last byte) is folded
//! into one 8-byte word by XOR, words aligned on its end, and eight table lookups finish it:
//! a pass of word XORs instead of a lookup per byte, exactly the same value.

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

/// POW[k][x] = H^(k+1)(x), H(x) = TABLE[x] >> 8, for k in 0..8.
const fn powers() -> [[u8; 256]; 8] {
    let mut s = [[0u8; 256]; 8];
    let mut x = 0;
    while x < 256 {
        let mut v = x as u8;
        let mut k = 0;
        while k < 8 {
            v = (TABLE[v as usize] >> 8) as u8;
            s[k][x] = v;
            k += 1;
        }
        x += 1;
    }
    s
}

const POW: [[u8; 256]; 8] = powers();

/// H⁸ = identity: the fold in [`crc`] rests on it, and the build fails if it were false.
const H8_IS_IDENTITY: bool = {
    let mut x = 0;
    let mut ok = true;
    while x < 256 {
        ok &= POW[7][x] as usize == x;
        x += 1;
    }
    ok
};
const _: () = assert!(H8_IS_IDENTITY);

/// START[m] = H^m(0xFF): what the initial register contributes after `m` bytes (mod 8).
const START: [u8; 8] = {
    let mut s = [0xFFu8; 8];
    let mut m = 1;
    while m < 8 {
        s[m] = POW[m - 1][0xFF];
        m += 1;
    }
    s
};

fn le(c: &[u8; 8]) -> u64 {
    u64::from_le_bytes(*c)
}

/// The HJ 212 CRC by folding (module comment); equal to [`crc_bitwise`] for every input
/// (property test).
pub fn crc(data: &[u8]) -> u16 {
    let Some((&last, body)) = data.split_last() else {
        return 0xFFFF;
    };
    // Byte k of the body enters as H^((n - k) mod 8): words taken from the end line up those
    // of equal power; the head (n mod 8 bytes) is right-aligned in a zero-padded word.
    let n = body.len();
    let (head, words) = body.split_at(n % 8);
    let (words, _) = words.as_chunks::<8>();
    let first = match body.first_chunk::<8>() {
        // The head is the first n mod 8 bytes of this word: shifted up to its top.
        Some(c) if !head.is_empty() => le(c) << (8 * (8 - head.len())),
        Some(_) => 0,
        None => {
            let mut pad = [0u8; 8];
            for (d, s) in pad[8 - head.len()..].iter_mut().zip(head) {
                *d = *s;
            }
            le(&pad)
        }
    };
    // Four lanes so the XORs do not wait on each other.
    let (quads, rest) = words.as_chunks::<4>();
    let mut acc = [first, 0, 0, 0];
    for q in quads {
        acc[0] ^= le(&q[0]);
        acc[1] ^= le(&q[1]);
        acc[2] ^= le(&q[2]);
        acc[3] ^= le(&q[3]);
    }
    let mut w = acc[0] ^ acc[1] ^ acc[2] ^ acc[3];
    for c in rest {
        w ^= le(c);
    }
    // Byte i of w enters as H^(8 - i): byte 0 as H⁸, the identity.
    let b = |i: u32| usize::from((w >> (8 * i)) as u8);
    let h = START[n % 8]
        ^ b(0) as u8
        ^ POW[6][b(1)]
        ^ POW[5][b(2)]
        ^ POW[4][b(3)]
        ^ POW[3][b(4)]
        ^ POW[2][b(5)]
        ^ POW[1][b(6)]
        ^ POW[0][b(7)];
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

    #[test]
    fn every_length_and_alignment() {
        let data: Vec<u8> = (0..200u32).map(|i| (i * 37 + 11) as u8).collect();
        for start in 0..8 {
            for end in start..data.len() {
                assert_eq!(crc(&data[start..end]), crc_bitwise(&data[start..end]));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn folded_equals_bitwise(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            proptest::prop_assert_eq!(crc(&data), crc_bitwise(&data));
        }
    }
}
