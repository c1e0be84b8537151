//! The search index: a projection of the database that finds records by fragments of Chinese
//! text, USCC prefixes and words, ranked (BM25, by field), on both databases alike. It is kept on
//! the data directory's disk and rebuilt from the database whenever it is missing, from another
//! schema or behind on another history (the caller checks the stamp it commits with each batch).
//!
//! Text is indexed as character unigrams and bigrams ([`tokenizer`]); a query word is a phrase
//! of its bigrams, so any fragment of two or more characters is found (糖厂 in 景洪南华糖厂), and
//! a USCC or a Latin word by its prefix.

mod by_name;
pub mod highlight;
pub mod tokenizer;

use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use uuid::Uuid;

pub use highlight::{Highlighter, highlights};
use tokenizer::{CJK, CjkTokenizer, Mode, tokens};

/// The schema's version, first in every commit's stamp: an index of another version is rebuilt.
const VERSION: &str = "entities/2";
/// The tokenizer of the USCC field: the whole code, lower-cased, for prefix queries.
const LOWER: &str = "lower_raw";
/// Words of a query looked for; the rest are ignored.
pub const MAX_WORDS: usize = 10;
/// What the one indexing thread may buffer before it writes a segment (tantivy's minimum is
/// 15 MB).
const WRITER_MEMORY: usize = 20_000_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
}

/// One regulated entity as the index holds it.
#[derive(Clone, Copy, Debug)]
pub struct EntityDoc<'a> {
    pub id: Uuid,
    pub county: &'a str,
    pub class: &'a str,
    pub name: &'a str,
    /// `domain::collation::name_key`: the order of [`Order::Name`].
    pub name_key: &'a str,
    pub uscc: &'a str,
    pub address: &'a str,
    pub legal_representative: &'a str,
}

/// How hits are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Best match first: BM25, a match in the name counting most, then the USCC, the legal
    /// representative, the address.
    #[default]
    Relevance,
    /// By name in pinyin order.
    Name,
}

/// A search: words that must all match, within the counties of a scope (`None`: every county),
/// optionally one county and one class.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub text: &'a str,
    pub counties: Option<&'a [String]>,
    pub county: &'a str,
    pub class: &'a str,
    pub order: Order,
    pub offset: usize,
    pub limit: usize,
}

/// The hits of one page, in order, and how many match in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    pub total: usize,
    pub ids: Vec<Uuid>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    /// The id's two halves as fast fields: a page's ids read from columns, without the
    /// document store (a block decompressed per hit).
    id_hi: Field,
    id_lo: Field,
    county: Field,
    class: Field,
    name: Field,
    name_key: Field,
    uscc: Field,
    address: Field,
    legal_representative: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(CJK)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let uscc = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(LOWER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: b.add_text_field("id", STRING),
            id_hi: b.add_u64_field("id_hi", tantivy::schema::FAST),
            id_lo: b.add_u64_field("id_lo", tantivy::schema::FAST),
            county: b.add_text_field("county", STRING),
            class: b.add_text_field("class", STRING),
            name: b.add_text_field("name", text.clone()),
            name_key: b.add_text_field("name_key", STRING | tantivy::schema::FAST),
            uscc: b.add_text_field("uscc", uscc),
            address: b.add_text_field("address", text.clone()),
            legal_representative: b.add_text_field("legal_representative", text),
        };
        (b.build(), fields)
    }

    /// The text fields a Han or mixed word is looked for in, with the weight of a match there.
    fn weighted_text(&self) -> [(Field, f32); 3] {
        [
            (self.name, 4.0),
            (self.legal_representative, 2.0),
            (self.address, 1.0),
        ]
    }
}

/// The entity index: one writer (behind a lock), readers reloaded after each commit.
pub struct EntityIndex {
    fields: Fields,
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

impl EntityIndex {
    /// Opens the index in `dir`, creating it (and `dir`) if absent. An index that cannot be
    /// opened or is of another schema version is deleted and made anew, empty: it is a
    /// projection, and an empty stamp makes the caller rebuild it.
    pub fn open(dir: &Path) -> Result<EntityIndex, SearchError> {
        let (schema, fields) = Fields::schema();
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
        let opened = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| SearchError::Directory(e.to_string()))
            .and_then(|d| Ok(Index::open_or_create(d, schema.clone())?));
        let index = match opened {
            Ok(index)
                if stamp_of(&index).is_some() || index.searchable_segment_ids()?.is_empty() =>
            {
                index
            }
            _ => {
                std::fs::remove_dir_all(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
                std::fs::create_dir_all(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
                Index::create_in_dir(dir, schema)?
            }
        };
        EntityIndex::with(index, fields)
    }

    /// An index in memory, built from the database at first use when no data directory is
    /// attached (tests, tools).
    pub fn in_memory() -> Result<EntityIndex, SearchError> {
        let (schema, fields) = Fields::schema();
        EntityIndex::with(Index::create_in_ram(schema), fields)
    }

    fn with(index: Index, fields: Fields) -> Result<EntityIndex, SearchError> {
        index.tokenizers().register(CJK, CjkTokenizer);
        index.tokenizers().register(
            LOWER,
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .build(),
        );
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(EntityIndex {
            fields,
            index,
            reader,
            writer: Mutex::new(writer),
        })
    }

    /// The stamp of the last commit (what the caller wrote with it), if it is of this schema.
    pub fn stamp(&self) -> Option<String> {
        stamp_of(&self.index)
    }

    /// Adds or replaces `docs` (by id), or with `replace_all` makes them the whole index, and
    /// with a `stamp` commits everything written so far: searches see it when this returns.
    /// Without one, the documents wait in the writer for a later call's commit (a rebuild in
    /// batches).
    pub fn write(
        &self,
        docs: &[EntityDoc<'_>],
        replace_all: bool,
        stamp: Option<&str>,
    ) -> Result<(), SearchError> {
        let f = self.fields;
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if replace_all {
            writer.delete_all_documents()?;
        }
        for d in docs {
            let id = d.id.to_string();
            if !replace_all {
                writer.delete_term(Term::from_field_text(f.id, &id));
            }
            let mut doc = TantivyDocument::default();
            doc.add_text(f.id, &id);
            let (hi, lo) = d.id.as_u64_pair();
            doc.add_u64(f.id_hi, hi);
            doc.add_u64(f.id_lo, lo);
            doc.add_text(f.county, d.county);
            doc.add_text(f.class, d.class);
            doc.add_text(f.name, d.name);
            doc.add_text(f.name_key, d.name_key);
            doc.add_text(f.uscc, d.uscc);
            doc.add_text(f.address, d.address);
            doc.add_text(f.legal_representative, d.legal_representative);
            writer.add_document(doc)?;
        }
        let Some(stamp) = stamp else {
            return Ok(());
        };
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&format!("{VERSION} {stamp}"));
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// The ids of one page of hits and the number of hits in all.
    pub fn search(&self, r: &Request<'_>) -> Result<Hits, SearchError> {
        let Some(query) = self.query(r) else {
            return Ok(Hits::default());
        };
        let searcher = self.reader.searcher();
        // tantivy refuses a limit of 0; a page of none is the count alone.
        let page = TopDocs::with_limit(r.limit.max(1)).and_offset(r.offset);
        let (total, addresses) = match r.order {
            Order::Relevance => {
                let (total, top) = searcher.search(&query, &(Count, page.order_by_score()))?;
                (total, top.into_iter().map(|(_, a)| a).collect::<Vec<_>>())
            }
            Order::Name => searcher.search(
                &query,
                &(
                    Count,
                    by_name::ByStringField {
                        field: "name_key".to_owned(),
                        offset: r.offset,
                        limit: r.limit,
                    },
                ),
            )?,
        };
        let mut ids = Vec::with_capacity(addresses.len().min(r.limit));
        // Each segment's two columns, opened at its first hit (hits of segments interleave).
        let mut columns: Vec<Option<(Column<u64>, Column<u64>)>> =
            vec![None; searcher.segment_readers().len()];
        for address in addresses.into_iter().take(r.limit) {
            let Some(slot) = columns.get_mut(address.segment_ord as usize) else {
                continue;
            };
            if slot.is_none() {
                let fast = searcher.segment_reader(address.segment_ord).fast_fields();
                *slot = Some((fast.u64("id_hi")?, fast.u64("id_lo")?));
            }
            if let Some((hi, lo)) = slot
                && let (Some(hi), Some(lo)) = (hi.first(address.doc_id), lo.first(address.doc_id))
            {
                ids.push(Uuid::from_u64_pair(hi, lo));
            }
        }
        Ok(Hits { total, ids })
    }

    /// The query of a request; `None` when its text has no word to look for (only signs).
    fn query(&self, r: &Request<'_>) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Each word is a query of its own over four fields; ten are more than any name needs,
        // and a request of fifty one-letter prefixes would cost the server for nothing.
        for word in r.text.split_whitespace().take(MAX_WORDS) {
            let toks = tokens(word, Mode::Query);
            if toks.is_empty() {
                continue;
            }
            let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let han = word.chars().any(tokenizer::is_han);
            if !han && toks.len() == 1 && toks[0].text.chars().count() < 2 {
                // One letter or digit: the word itself, not every word it begins.
                for (field, weight) in std::iter::once((f.uscc, 3.0)).chain(f.weighted_text()) {
                    let q = TermQuery::new(
                        Term::from_field_text(field, &toks[0].text),
                        IndexRecordOption::WithFreqs,
                    );
                    any.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(q), weight)),
                    ));
                }
            } else if !han && toks.len() == 1 {
                // A code or a Latin word: by prefix, in the USCC and in the texts. The token is
                // letters and digits only, so it needs no escaping in the pattern.
                let pattern = format!("{}.*", toks[0].text);
                for (field, weight) in std::iter::once((f.uscc, 3.0)).chain(f.weighted_text()) {
                    if let Ok(q) = RegexQuery::from_pattern(&pattern, field) {
                        any.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(q), weight)),
                        ));
                    }
                }
            } else {
                let first = toks[0].position;
                for (field, weight) in f.weighted_text() {
                    let q: Box<dyn Query> = if toks.len() == 1 {
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, &toks[0].text),
                            IndexRecordOption::WithFreqs,
                        ))
                    } else {
                        Box::new(PhraseQuery::new_with_offset(
                            toks.iter()
                                .map(|t| {
                                    (t.position - first, Term::from_field_text(field, &t.text))
                                })
                                .collect(),
                        ))
                    };
                    any.push((Occur::Should, Box::new(BoostQuery::new(q, weight))));
                }
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if clauses.is_empty() {
            return None;
        }
        // Filters match or not; they add nothing to the score (a term query's would depend on
        // how rare the county is).
        let exact = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                )),
                0.0,
            ))
        };
        if let Some(counties) = r.counties {
            let within = counties
                .iter()
                .map(|c| (Occur::Should, exact(f.county, c)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(within))));
        }
        if !r.county.is_empty() {
            clauses.push((Occur::Must, exact(f.county, r.county)));
        }
        if !r.class.is_empty() {
            clauses.push((Occur::Must, exact(f.class, r.class)));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

/// The caller's stamp of an index's last commit, if that commit was made by this schema version.
fn stamp_of(index: &Index) -> Option<String> {
    let payload = index.load_metas().ok()?.payload?;
    payload
        .strip_prefix(VERSION)
        .and_then(|s| s.strip_prefix(' '))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct E(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );

    const ENTITIES: [E; 6] = [
        // name, county, uscc, address, legal representative
        E(
            "景洪市南华糖厂",
            "532801",
            "91532801MA6N0001XA",
            "景洪市嘎洒镇曼景保村",
            "刀建华",
        ),
        E(
            "勐海县勐阿糖厂",
            "532822",
            "91532822MA6N0002XB",
            "勐海县勐阿镇",
            "岩温",
        ),
        E(
            "勐腊县精制茶厂",
            "532823",
            "91532823MA6N0003XC",
            "勐腊县勐仑镇糖厂路8号",
            "玉香",
        ),
        E(
            "西双版纳ABC橡胶有限公司",
            "532801",
            "91532801MA6N0004XD",
            "景洪市工业园区2号路",
            "李糖",
        ),
        E(
            "景洪水电站",
            "532801",
            "91532801MA6N0005XE",
            "景洪市澜沧江",
            "王海",
        ),
        E(
            "勐海茶业",
            "532822",
            "92532822MA6N0006XF",
            "勐海县城",
            "张三",
        ),
    ];

    fn id(n: usize) -> Uuid {
        Uuid::from_u128(n as u128 + 1)
    }

    fn index() -> EntityIndex {
        let idx = EntityIndex::in_memory().expect("index");
        let keys: Vec<String> = ENTITIES
            .iter()
            // A stand-in for the pinyin key (the domain's): the tests of order give their own.
            .map(|e| e.0.to_owned())
            .collect();
        let docs: Vec<EntityDoc<'_>> = ENTITIES
            .iter()
            .zip(&keys)
            .enumerate()
            .map(|(n, (e, k))| EntityDoc {
                id: id(n),
                county: e.1,
                class: if n % 2 == 0 { "key" } else { "general" },
                name: e.0,
                name_key: k,
                uscc: e.2,
                address: e.3,
                legal_representative: e.4,
            })
            .collect();
        idx.write(&docs, true, Some("6 x")).expect("write");
        idx
    }

    fn find(idx: &EntityIndex, text: &str) -> Vec<usize> {
        find_in(idx, text, None)
    }

    fn find_in(idx: &EntityIndex, text: &str, counties: Option<&[String]>) -> Vec<usize> {
        let hits = idx
            .search(&Request {
                text,
                counties,
                county: "",
                class: "",
                order: Order::Relevance,
                offset: 0,
                limit: 20,
            })
            .expect("search");
        assert_eq!(hits.total, hits.ids.len());
        hits.ids
            .iter()
            .map(|h| {
                (0..ENTITIES.len())
                    .find(|&n| id(n) == *h)
                    .expect("known id")
            })
            .collect()
    }

    #[test]
    fn two_characters_and_fragments_are_found_and_ranked_name_first() {
        // 糖厂 in two names, in an address (2) and 糖 alone in a legal representative (3: not 糖厂).
        assert_eq!(
            find(&index(), "糖厂")[..2]
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>(),
            [0, 1].into()
        );
        assert_eq!(
            find(&index(), "糖厂")[2],
            2,
            "an address match ranks after names"
        );
        assert_eq!(find(&index(), "糖厂").len(), 3);
        // A fragment across what a segmenter would call two words.
        assert_eq!(find(&index(), "南华糖"), [0]);
        assert_eq!(find(&index(), "华糖"), [0]);
        // One character: names, addresses and legal representatives holding it.
        let one = find(&index(), "糖");
        assert_eq!(one.len(), 4, "{one:?}");
    }

    #[test]
    fn uscc_prefixes_latin_words_legal_representatives_and_addresses() {
        let idx = index();
        assert_eq!(find(&idx, "91532822"), [1]);
        assert_eq!(find(&idx, "91532801ma6n0001xa"), [0]);
        let mut both = find(&idx, "915328");
        both.sort_unstable();
        assert_eq!(both, [0, 1, 2, 3, 4]);
        assert_eq!(find(&idx, "abc"), [3]);
        assert_eq!(find(&idx, "ＡＢＣ"), [3], "full-width letters");
        assert_eq!(find(&idx, "岩温"), [1]);
        assert_eq!(find(&idx, "澜沧江"), [4]);
        assert_eq!(find(&idx, "2号路"), [3]);
    }

    #[test]
    fn one_letter_is_a_word_not_a_prefix_and_words_beyond_ten_are_ignored() {
        let idx = index();
        assert!(find(&idx, "9").is_empty(), "not every USCC starting with 9");
        assert_eq!(find(&idx, "2号路"), [3]);
        let many = format!("岩温 {}", ["勐阿"; 9].join(" "));
        assert_eq!(find(&idx, &many), [1]);
        let beyond = format!("{} 不存在", ["勐阿"; 10].join(" "));
        assert_eq!(
            find(&idx, &beyond),
            [1],
            "the eleventh word is not looked for"
        );
    }

    #[test]
    fn every_word_must_match_and_signs_alone_find_nothing() {
        let idx = index();
        assert_eq!(find(&idx, "勐海 茶"), [5]);
        assert!(find(&idx, "糖厂 橡胶").is_empty());
        assert!(find(&idx, "%_\\").is_empty());
        assert!(find(&idx, "糖厂厂").is_empty());
    }

    #[test]
    fn scope_county_and_class_filter() {
        let idx = index();
        let menghai = ["532822".to_owned()];
        assert_eq!(find_in(&idx, "糖厂", Some(&menghai)), [1]);
        assert!(find_in(&idx, "南华", Some(&menghai)).is_empty());
        let hits = idx
            .search(&Request {
                text: "糖厂",
                counties: None,
                county: "",
                class: "key",
                order: Order::Relevance,
                offset: 0,
                limit: 20,
            })
            .expect("search");
        assert_eq!(hits.total, 2, "糖厂 in 0 (key), 1 (general), 2 (key)");
    }

    #[test]
    fn name_order_pages_and_replacement() {
        let idx = index();
        let r = |offset, limit| Request {
            text: "勐",
            counties: None,
            county: "",
            class: "",
            order: Order::Name,
            offset,
            limit,
        };
        let all = idx.search(&r(0, 10)).expect("search");
        // 勐 in names 1, 2, 5 and in the address of 2 (counted once): sorted by the stand-in keys.
        assert_eq!(all.ids.len(), 3);
        let mut sorted = all.ids.clone();
        sorted.sort_by_key(|i| ENTITIES[(i.as_u128() - 1) as usize].0);
        assert_eq!(all.ids, sorted);
        assert_eq!(all.total, 3);
        let page2 = idx.search(&r(1, 1)).expect("search");
        assert_eq!((page2.total, page2.ids.clone()), (3, vec![all.ids[1]]));
        assert_eq!(idx.search(&r(0, 0)).expect("search").total, 3);
        // Replacing one entity: the old name is no longer found.
        let e = &ENTITIES[0];
        idx.write(
            &[EntityDoc {
                id: id(0),
                county: e.1,
                class: "key",
                name: "景洪市南华制糖公司",
                name_key: "x",
                uscc: e.2,
                address: e.3,
                legal_representative: e.4,
            }],
            false,
            Some("7 y"),
        )
        .expect("write");
        assert!(!find(&idx, "南华糖厂").contains(&0));
        assert_eq!(find(&idx, "制糖"), [0]);
        assert_eq!(idx.stamp().as_deref(), Some("7 y"));
    }

    /// Hits spread over several segments come back in the keys' order, page by page (each
    /// segment's ordinals are its own: the merge is by the keys themselves).
    #[test]
    fn name_order_across_segments_is_the_keys_order() {
        let idx = EntityIndex::in_memory().expect("index");
        // A permutation: every batch holds keys from all over the order.
        let keys: Vec<String> = (0..60).map(|n| format!("k{:03}", (n * 37) % 60)).collect();
        for batch in 0..5 {
            let docs: Vec<EntityDoc<'_>> = (batch * 12..batch * 12 + 12)
                .map(|n| EntityDoc {
                    id: id(n),
                    county: "532822",
                    class: "key",
                    name: "勐海糖厂",
                    name_key: &keys[n],
                    uscc: "",
                    address: "",
                    legal_representative: "",
                })
                .collect();
            idx.write(&docs, false, Some("x")).expect("write");
        }
        assert!(idx.reader.searcher().segment_readers().len() > 1);
        let mut expected: Vec<usize> = (0..60).collect();
        expected.sort_by_key(|&n| keys[n].clone());
        for (offset, limit) in [(0, 60), (0, 7), (13, 20), (55, 10), (60, 5), (3, 0)] {
            let hits = idx
                .search(&Request {
                    text: "糖厂",
                    counties: None,
                    county: "",
                    class: "",
                    order: Order::Name,
                    offset,
                    limit,
                })
                .expect("search");
            assert_eq!(hits.total, 60);
            let want: Vec<Uuid> = expected
                .iter()
                .skip(offset)
                .take(limit)
                .map(|&n| id(n))
                .collect();
            assert_eq!(hits.ids, want, "offset {offset}, limit {limit}");
        }
    }

    #[test]
    fn an_index_on_disk_keeps_its_stamp_and_one_of_another_schema_is_made_anew() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("entities");
        {
            let idx = EntityIndex::open(&path).expect("open");
            assert_eq!(idx.stamp(), None);
            idx.write(&[], true, Some("0 -")).expect("write");
        }
        assert_eq!(
            EntityIndex::open(&path).expect("reopen").stamp().as_deref(),
            Some("0 -")
        );
        // Garbage where the index was: opened anew, empty, no stamp.
        std::fs::remove_dir_all(&path).expect("rm");
        std::fs::create_dir_all(&path).expect("mkdir");
        std::fs::write(path.join("meta.json"), b"{not json").expect("write");
        let idx = EntityIndex::open(&path).expect("made anew");
        assert_eq!(idx.stamp(), None);
        assert!(find(&idx, "糖").is_empty());
    }
}
