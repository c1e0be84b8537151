//! Which parts of a text a query matched, for showing them marked.

use crate::tokenizer::{fold, is_han};

/// The character ranges `[start, end)` of `text` that the query's words match, sorted and
/// merged. A word matches where its letters, digits and Han characters occur in a row (signs
/// and spaces in the word separate its pieces, as they separate tokens), compared as the index
/// compares them (full-width as ASCII, lower case).
pub fn highlights(text: &str, query: &str) -> Vec<(usize, usize)> {
    Highlighter::new(query).marks(text)
}

/// [`highlights`] for one query over many texts (the fields of a page of results): the query is
/// split and folded once, and the folded text's buffer is reused.
pub struct Highlighter {
    needles: Vec<Vec<char>>,
    hay: Vec<char>,
}

impl Highlighter {
    pub fn new(query: &str) -> Highlighter {
        Highlighter {
            needles: query
                .split(|c: char| !(c.is_alphanumeric() || is_han(c)))
                .filter(|p| !p.is_empty())
                .map(|p| p.chars().map(fold).collect())
                .collect(),
            hay: Vec::new(),
        }
    }

    /// The ranges of `text` the query matched, as [`highlights`] gives them.
    pub fn marks(&mut self, text: &str) -> Vec<(usize, usize)> {
        self.hay.clear();
        self.hay.extend(text.chars().map(fold));
        let hay = &self.hay;
        let mut ranges = Vec::new();
        for needle in &self.needles {
            let Some(&first) = needle.first() else {
                continue;
            };
            if needle.len() > hay.len() {
                continue;
            }
            for start in 0..=hay.len() - needle.len() {
                if hay[start] == first && hay[start..start + needle.len()] == needle[..] {
                    ranges.push((start, start + needle.len()));
                }
            }
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_every_occurrence_and_merges_overlaps() {
        assert_eq!(highlights("南华糖厂糖厂", "糖厂"), [(2, 6)]);
        assert_eq!(highlights("南华糖厂 景洪糖厂", "糖厂"), [(2, 4), (7, 9)]);
        assert_eq!(highlights("景洪市南华糖厂", "南华 糖"), [(3, 6)]);
    }

    #[test]
    fn one_highlighter_gives_what_each_call_gives() {
        let mut h = Highlighter::new("南华 糖厂");
        for text in ["南华糖厂糖厂", "", "景洪市南华糖厂", "糖", "南华"] {
            assert_eq!(h.marks(text), highlights(text, "南华 糖厂"), "{text}");
        }
        assert_eq!(h.marks("景洪市南华糖厂"), [(3, 7)]);
        assert!(Highlighter::new("").marks("糖厂").is_empty());
    }

    #[test]
    fn compares_folded_text_and_ignores_signs_in_the_query() {
        assert_eq!(highlights("ＡＢＣ有限公司", "abc"), [(0, 3)]);
        assert_eq!(highlights("91532801MA6N", "91532801ma"), [(0, 10)]);
        assert!(highlights("糖厂", "%%").is_empty());
        assert!(highlights("糖", "糖厂").is_empty());
    }
}
