//! Which parts of a text a query matched, for showing them marked.

use crate::tokenizer::{fold, is_han};

/// The character ranges `[start, end)` of `text` that the query's words match, sorted and
/// merged. A word matches where its letters, digits and Han characters occur in a row (signs
/// and spaces in the word separate its pieces, as they separate tokens), compared as the index
/// compares them (full-width as ASCII, lower case).
pub fn highlights(text: &str, query: &str) -> Vec<(usize, usize)> {
    let hay: Vec<char> = text.chars().map(fold).collect();
    let mut ranges = Vec::new();
    for piece in query
        .split(|c: char| !(c.is_alphanumeric() || is_han(c)))
        .filter(|p| !p.is_empty())
    {
        let needle: Vec<char> = piece.chars().map(fold).collect();
        if needle.len() > hay.len() {
            continue;
        }
        for start in 0..=hay.len() - needle.len() {
            if hay[start..start + needle.len()] == needle[..] {
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
    fn compares_folded_text_and_ignores_signs_in_the_query() {
        assert_eq!(highlights("ＡＢＣ有限公司", "abc"), [(0, 3)]);
        assert_eq!(highlights("91532801MA6N", "91532801ma"), [(0, 10)]);
        assert!(highlights("糖厂", "%%").is_empty());
        assert!(highlights("糖", "糖厂").is_empty());
    }
}
