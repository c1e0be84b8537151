//! Chinese text as tokens: every Han character alone and every two adjacent ones (bigrams), at
//! the character's position; runs of letters and digits as one lower-cased word.
//!
//! A word segmenter (jieba) finds only the words it cut: 南华糖厂 cut as 南华 / 糖厂 is not found
//! by 华糖, and a name it cuts another way is not found by 糖厂. Bigrams find every fragment of
//! two or more characters as a phrase of consecutive bigrams, which is how Lucene's CJK analyzer
//! searches Chinese; unigrams at the same positions find one-character queries (and join a
//! one-character run to its neighbours in a phrase, as in 2号).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the index registers [`CjkTokenizer`] under.
pub const CJK: &str = "cjk_bigram";

/// Han characters: the CJK Unified Ideographs, Extension A, the compatibility ideographs and the
/// supplementary planes' extensions.
pub fn is_han(c: char) -> bool {
    matches!(u32::from(c),
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// One character as the index compares it: full-width Latin letters and digits (Ａ, １) as ASCII,
/// letters in lower case. One character in, one out, so offsets stay those of the text.
pub fn fold(c: char) -> char {
    // The common cases first: `to_lowercase` is a table search, and a search result's highlights
    // fold every character of four fields of every row on the page. Han characters have no case.
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if is_han(c) {
        return c;
    }
    fold_any(c)
}

/// [`fold`]'s rule for any character, without its shortcuts.
fn fold_any(c: char) -> char {
    let c = match u32::from(c) {
        // Full-width forms FF01..FF5E are ASCII 21..7E shifted by FEE0.
        n @ 0xFF01..=0xFF5E => char::from_u32(n - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Word,
    Gap,
}

fn class(c: char) -> Class {
    if is_han(c) {
        Class::Han
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Gap
    }
}

/// Whether tokens are made for the index (every unigram and bigram) or for a query (a run of
/// two or more Han characters as its bigrams only, so that a phrase of them is the fragment).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Index,
    Query,
}

/// The tokens of `text`: (position, byte offsets in `text`, folded text).
pub fn tokens(text: &str, mode: Mode) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i + 1).map_or(text.len(), |&(b, _)| b);
    let mut out = Vec::new();
    let mut position = 0;
    let mut i = 0;
    while i < chars.len() {
        let kind = class(chars[i].1);
        let mut j = i;
        while j < chars.len() && class(chars[j].1) == kind {
            j += 1;
        }
        match kind {
            Class::Gap => {}
            Class::Word => {
                out.push(Token {
                    offset_from: chars[i].0,
                    offset_to: end_of(j - 1),
                    position,
                    text: chars[i..j].iter().map(|&(_, c)| fold(c)).collect(),
                    position_length: 1,
                });
                position += 1;
            }
            Class::Han => {
                let run = j - i;
                for k in i..j {
                    let at = position + (k - i);
                    if mode == Mode::Index || run == 1 {
                        out.push(Token {
                            offset_from: chars[k].0,
                            offset_to: end_of(k),
                            position: at,
                            text: chars[k].1.to_string(),
                            position_length: 1,
                        });
                    }
                    if k + 1 < j {
                        out.push(Token {
                            offset_from: chars[k].0,
                            offset_to: end_of(k + 1),
                            position: at,
                            text: [chars[k].1, chars[k + 1].1].iter().collect(),
                            position_length: 1,
                        });
                    }
                }
                position += run;
            }
        }
        i = j;
    }
    out
}

/// The index's tokenizer ([`Mode::Index`]).
#[derive(Clone, Default)]
pub struct CjkTokenizer;

pub struct CjkTokens {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for CjkTokenizer {
    type TokenStream<'a> = CjkTokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkTokens {
        CjkTokens {
            tokens: tokens(text, Mode::Index),
            next: 0,
        }
    }
}

impl TokenStream for CjkTokens {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcuts for ASCII and Han characters fold every character as the general rule does.
    #[test]
    fn fold_agrees_with_the_general_rule_for_every_character() {
        let differ: Vec<char> = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|&c| fold(c) != fold_any(c))
            .collect();
        assert!(differ.is_empty(), "{differ:?}");
        assert_eq!((fold('A'), fold('Ａ'), fold('糖')), ('a', 'a', '糖'));
    }

    fn texts(text: &str, mode: Mode) -> Vec<(usize, String)> {
        tokens(text, mode)
            .into_iter()
            .map(|t| (t.position, t.text))
            .collect()
    }

    #[test]
    fn index_mode_has_unigrams_and_bigrams_at_each_position() {
        assert_eq!(
            texts("南华糖厂", Mode::Index),
            [
                (0, "南".into()),
                (0, "南华".into()),
                (1, "华".into()),
                (1, "华糖".into()),
                (2, "糖".into()),
                (2, "糖厂".into()),
                (3, "厂".into())
            ]
        );
    }

    #[test]
    fn query_mode_keeps_bigrams_of_a_run_and_a_lone_character() {
        assert_eq!(
            texts("华糖 2号", Mode::Query),
            [(0, "华糖".into()), (2, "2".into()), (3, "号".into())]
        );
    }

    #[test]
    fn words_are_folded_and_offsets_point_into_the_text() {
        let t = tokens("ＡＢ12 糖", Mode::Index);
        assert_eq!(t[0].text, "ab12");
        assert_eq!((t[0].offset_from, t[0].offset_to), (0, "ＡＢ12".len()));
        assert_eq!(&"ＡＢ12 糖"[t[1].offset_from..t[1].offset_to], "糖");
    }
}
