//! The fonts documents are set in: those of the configured directories, then those of the
//! system's Noto CJK package (Debian's `fonts-noto-cjk`, which `.ci/run` installs), whose
//! Noto Serif CJK SC ends every template's font list. No font file is kept in the repository.

use crate::DocumentError;
use std::path::{Path, PathBuf};
use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// Where the system's CJK fonts are, read after the configured directories when present.
const SYSTEM_DIRS: [&str; 1] = ["/usr/share/fonts/opentype/noto"];

/// The family every template falls back to.
#[cfg(test)]
pub const FALLBACK_FAMILY: &str = "Noto Serif CJK SC";

/// Font directories are read this deep (a font package's tree, not a whole disk).
const MAX_DEPTH: usize = 4;

pub struct FontSet {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
}

impl FontSet {
    /// The faces of `dirs` (TrueType, OpenType and their collections), then the system's CJK
    /// fonts when installed.
    pub fn load(dirs: &[PathBuf]) -> Result<FontSet, DocumentError> {
        let mut fonts = Vec::new();
        let system = SYSTEM_DIRS
            .iter()
            .map(PathBuf::from)
            .filter(|d| d.is_dir() && !dirs.contains(d));
        for dir in dirs.iter().cloned().chain(system) {
            let dir = &dir;
            let mut files = Vec::new();
            collect(dir, 0, &mut files).map_err(|e| DocumentError::FontDir {
                dir: dir.clone(),
                message: e.to_string(),
            })?;
            files.sort();
            for file in files {
                let bytes = std::fs::read(&file).map_err(|e| DocumentError::FontDir {
                    dir: file.clone(),
                    message: e.to_string(),
                })?;
                fonts.extend(Font::iter(Bytes::new(bytes)));
            }
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(FontSet { fonts, book })
    }

    pub fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    pub fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    /// The families there are, each once, in the order found.
    pub fn families(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in &self.fonts {
            if !out.contains(&f.info().family) {
                out.push(f.info().family.clone());
            }
        }
        out
    }

    /// Whether some face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.fonts
            .iter()
            .any(|f| f.info().coverage.contains(u32::from(c)))
    }
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if depth < MAX_DEPTH {
                collect(&path, depth + 1, out)?;
            }
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        }) {
            out.push(path);
        }
    }
    Ok(())
}
