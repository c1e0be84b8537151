//! How names sort: in pinyin order, as Chinese readers look things up (GB/T 13418-1992 《文字条目
//! 通用排序规则》 orders Han characters by their Hanyu Pinyin, then tone), rather than by the bytes
//! of UTF-8, which puts 勐海 before 景洪 for no reason a reader knows.
//!
//! [`name_key`] turns a name into an ASCII key whose byte order is that order, so that both
//! databases sort by it with a plain index and the search index sorts by the same key. Each
//! character becomes a segment that starts with its class, so that, like the Unicode collation's
//! root order, spaces and signs come before digits, digits before Latin letters and Latin letters
//! before Han characters:
//!
//! - `0` + six hex digits of the code point: spaces, punctuation and other signs;
//! - `1` + the digit;
//! - `2` + the lower-case letter, then `0` for lower case or `1` for upper (case breaks ties only
//!   after the letters, as in any dictionary, because the case mark is compared before the next
//!   character only when the letters are equal);
//! - `3` + the syllable without tone (`ü` as `v`) + the tone (1–4, 5 for the neutral tone) +
//!   five hex digits of the code point: a Han character with a reading. The tone is a digit and
//!   every syllable letter sorts after digits, so `ta` comes before `tang` without padding; the
//!   code point orders characters of one syllable and tone (homophones) in a fixed way;
//! - `4` + six hex digits: any other character, after everything else.
//!
//! A polyphonic character takes its most common reading (the `pinyin` crate's data, from
//! Unicode's Unihan `kMandarin`): 长 sorts as `zhang`, also in 长江. A name is a proper noun and
//! only the person who typed it knows which reading is meant; the order stays deterministic.

use pinyin::ToPinyin;
use std::fmt::Write;

/// The sort key of `name` (see the module documentation).
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() * 3);
    for (c, reading) in name.chars().zip(name.to_pinyin()) {
        // Writing to a String cannot fail.
        let _ = match (c, reading) {
            (_, Some(p)) => {
                key.push('3');
                let plain = p.plain();
                key.extend(plain.chars().map(|c| if c == 'ü' { 'v' } else { c }));
                let tone = p
                    .with_tone_num_end()
                    .chars()
                    .last()
                    .filter(char::is_ascii_digit)
                    .unwrap_or('5');
                key.push(tone);
                write!(key, "{:05x}", u32::from(c))
            }
            (c, None) if c.is_ascii_digit() => {
                key.push('1');
                key.push(c);
                Ok(())
            }
            (c, None) if c.is_ascii_alphabetic() => {
                key.push('2');
                key.push(c.to_ascii_lowercase());
                key.push(if c.is_ascii_uppercase() { '1' } else { '0' });
                Ok(())
            }
            (c, None) if c.is_whitespace() || c.is_ascii_punctuation() || !c.is_alphanumeric() => {
                write!(key, "0{:06x}", u32::from(c))
            }
            (c, None) => write!(key, "4{:06x}", u32::from(c)),
        };
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<&str> = names.to_vec();
        v.sort_by_key(|n| name_key(n));
        v.into_iter().map(String::from).collect()
    }

    #[test]
    fn han_names_sort_by_pinyin_not_by_bytes() {
        // UTF-8 order would be 勐 (U+52D0) < 景 (U+666F) < 西 (U+897F) < 傣 (U+50A3)…
        assert_eq!(
            sorted(&[
                "西双版纳糖厂",
                "勐海茶厂",
                "景洪水电站",
                "傣族园",
                "澜沧江橡胶"
            ]),
            [
                "傣族园",
                "景洪水电站",
                "澜沧江橡胶",
                "勐海茶厂",
                "西双版纳糖厂"
            ]
        );
    }

    #[test]
    fn shorter_syllables_first_then_tone_then_next_character() {
        // ta < tang (no padding needed), tang2 (糖) < tang3 (躺), then the next character decides.
        assert_eq!(
            sorted(&["躺椅", "糖厂", "他们", "糖业"]),
            ["他们", "糖厂", "糖业", "躺椅"]
        );
        assert!(name_key("绿") > name_key("lu"), "Latin before Han");
        assert!(name_key("绿") > name_key("路"), "lv sorts after lu");
    }

    #[test]
    fn digits_before_latin_before_han_and_a_prefix_first() {
        assert_eq!(
            sorted(&["糖厂", "A糖厂", "1号糖厂", "a糖厂", " 糖", "糖"]),
            [" 糖", "1号糖厂", "a糖厂", "A糖厂", "糖", "糖厂"]
        );
    }

    #[test]
    fn keys_are_ascii_and_deterministic() {
        for name in ["景洪市南华糖厂", "ÉCO 环保", "𠀀x"] {
            let k = name_key(name);
            assert!(k.is_ascii(), "{k}");
            assert_eq!(k, name_key(name));
        }
    }
}
