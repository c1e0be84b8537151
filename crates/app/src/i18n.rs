//! Messages in zh-CN and en from the Fluent files in `locales/`, shared by web and cli.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

static_loader! {
    static LOCALES = {
        locales: "../../locales",
        fallback_language: "zh-CN",
        // Without this Fluent wraps every argument in invisible U+2068/U+2069 marks.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    ZhCn,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::ZhCn => langid!("zh-CN"),
            Lang::En => langid!("en"),
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// The Fluent id of a reason code: dots are not allowed in Fluent ids, so they become hyphens.
pub fn fluent_id(code: &str) -> String {
    code.replace('.', "-")
}

/// The text of `code` in `lang` with its arguments; the code itself if no text exists, so a
/// missing translation shows up instead of vanishing (a test keeps that from happening).
///
/// An argument written `ui:<id>,<id>…` is a list of the page's own words (`ui-<id>`), rendered
/// in `lang` and joined: rules name what they found by code, each language says it in words.
pub fn message(lang: Lang, code: &str, args: &BTreeMap<String, String>) -> String {
    let words = |v: &str| -> Option<String> {
        let ids = v.strip_prefix("ui:")?;
        let sep = if lang == Lang::En { ", " } else { "、" };
        Some(
            ids.split(',')
                .map(|id| message(lang, &format!("ui.{id}"), &BTreeMap::new()))
                .collect::<Vec<_>>()
                .join(sep),
        )
    };
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(k, v)| {
            let v = words(v).unwrap_or_else(|| v.clone());
            (Cow::Owned(k.clone()), FluentValue::from(v))
        })
        .collect();
    LOCALES
        .try_lookup_with_args(&lang.id(), &fluent_id(code), &args)
        .unwrap_or_else(|| code.to_owned())
}

/// Whether a message exists in exactly this language (no fallback).
pub fn has_message(lang: Lang, code: &str) -> bool {
    // A message with placeables reports missing arguments as an error; it still exists.
    // (fluent-templates does not export its error type, so the variant is told by its text.)
    match LOCALES.lookup_single_language::<&str>(&lang.id(), &fluent_id(code), None) {
        Ok(_) => true,
        Err(e) => e.to_string().starts_with("Fluent errors"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn ftl_ids(lang: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../locales/{lang}"));
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(path).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                if let Some((id, _)) = line.split_once(" =")
                    && !id.starts_with([' ', '#', '.'])
                {
                    ids.push(id.to_owned());
                }
            }
        }
        ids.sort();
        ids
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let zh = ftl_ids("zh-CN");
        let en = ftl_ids("en");
        assert!(zh.len() > 20, "too few messages found: {zh:?}");
        let only_zh: Vec<_> = zh.iter().filter(|id| !en.contains(id)).collect();
        let only_en: Vec<_> = en.iter().filter(|id| !zh.contains(id)).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "zh-CN only: {only_zh:?}; en only: {only_en:?}"
        );
    }

    /// Every reason code written in the source has a text in both languages.
    #[test]
    fn every_code_in_the_source_has_both_texts() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let pattern = regex::Regex::new(
            r#"(?:Reason::new|Problem::new|Unauthenticated|both|refuse|message\(\s*lang\s*,|code\s*[:=])\s*\(?\s*"([a-z_]+\.[a-z_]+)""#,
        )
        .unwrap();
        let mut codes = std::collections::BTreeSet::new();
        let mut stack = vec![root.join("crates")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for c in pattern.captures_iter(&text) {
                        codes.insert(c[1].to_owned());
                    }
                }
            }
        }
        assert!(
            codes.contains("unit.code_taken"),
            "scan found too little: {codes:?}"
        );
        let missing: Vec<_> = codes
            .iter()
            .flat_map(|c| Lang::ALL.map(|l| (l, c)))
            .filter(|(l, c)| !has_message(*l, c))
            .collect();
        assert!(missing.is_empty(), "codes without a text: {missing:?}");
    }

    #[test]
    fn arguments_are_filled_without_isolation_marks() {
        let mut args = BTreeMap::new();
        args.insert("code".to_owned(), "x-1".to_owned());
        let zh = message(Lang::ZhCn, "unit.code_taken", &args);
        assert_eq!(zh, "单位代码“x-1”已被使用。");
        let en = message(Lang::En, "unit.code_taken", &args);
        assert_eq!(en, "The unit code \"x-1\" is already in use.");
    }
}
