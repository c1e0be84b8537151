//! The top hits by a string fast field (the pinyin name key), without tantivy's per-hit lookups.
//!
//! tantivy's `order_by_string_fast_field` keeps each segment's best term ordinals and then turns
//! each into its string with its own dictionary lookup, decoding the same dictionary block again
//! for every hit (tantivy issue 2776): at 100,000 entities that was most of a `sort=name` search.
//! Here each segment's ordinals are sorted and turned into strings in one pass over the
//! dictionary; the segments' hits are then merged by string (ordinals of different segments are
//! not comparable).

use std::collections::BinaryHeap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Collects the first `offset + limit` hits by the string column `field`, ascending (ties by
/// document address); hits without a value come last. The fruit is the page: `limit` hits
/// after `offset`.
pub(crate) struct ByStringField {
    pub field: String,
    pub offset: usize,
    pub limit: usize,
}

pub(crate) struct SegmentByString {
    column: Option<StrColumn>,
    segment: SegmentOrdinal,
    keep: usize,
    /// The best `keep` (ordinal, doc) so far, the worst on top.
    best: BinaryHeap<(u64, DocId)>,
}

impl Collector for ByStringField {
    type Fruit = Vec<DocAddress>;
    type Child = SegmentByString;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentByString> {
        Ok(SegmentByString {
            column: reader.fast_fields().str(&self.field)?,
            segment,
            keep: self.offset + self.limit,
            best: BinaryHeap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<SegmentHits>) -> tantivy::Result<Vec<DocAddress>> {
        let mut all = Vec::new();
        for hits in segments {
            all.extend(hits?);
        }
        // `None` (no value) after every value.
        all.sort_by(|(a, da), (b, db)| match (a, b) {
            (Some(a), Some(b)) => a.cmp(b).then(da.cmp(db)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => da.cmp(db),
        });
        Ok(all
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|(_, address)| address)
            .collect())
    }
}

/// A segment's best hits with their keys (`None`: no value), or why its dictionary could not
/// be read.
type SegmentHits = tantivy::Result<Vec<(Option<Vec<u8>>, DocAddress)>>;

impl SegmentCollector for SegmentByString {
    type Fruit = SegmentHits;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.keep == 0 {
            return;
        }
        let ord = self
            .column
            .as_ref()
            .and_then(|c| c.ords().first(doc))
            .unwrap_or(u64::MAX);
        if self.best.len() < self.keep {
            self.best.push((ord, doc));
        } else if let Some(&worst) = self.best.peek()
            && (ord, doc) < worst
        {
            self.best.pop();
            self.best.push((ord, doc));
        }
    }

    fn harvest(self) -> Self::Fruit {
        let hits = self.best.into_sorted_vec();
        let with_value: Vec<u64> = hits
            .iter()
            .map(|&(ord, _)| ord)
            .filter(|&ord| ord != u64::MAX)
            .collect();
        let mut keys: Vec<Vec<u8>> = Vec::with_capacity(with_value.len());
        if let Some(column) = &self.column {
            column
                .dictionary()
                .sorted_ords_to_term_cb(&with_value, |bytes| keys.push(bytes.to_vec()))?;
        }
        if keys.len() != with_value.len() {
            return Err(tantivy::TantivyError::InternalError(format!(
                "a string column's dictionary holds {} of {} ordinals",
                keys.len(),
                with_value.len()
            )));
        }
        let mut keys = keys.into_iter();
        Ok(hits
            .into_iter()
            .map(|(ord, doc)| {
                let key = if ord == u64::MAX { None } else { keys.next() };
                (
                    key,
                    DocAddress {
                        segment_ord: self.segment,
                        doc_id: doc,
                    },
                )
            })
            .collect())
    }
}
