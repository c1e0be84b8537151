//! Enforcement documents (执法文书): the engine, made once on first use with the configured font
//! directories, and the blank forms officers print before a field visit.

use crate::{App, AppError};
use domain::permission::{Capability, require};
use domain::{Actor, Reason, Refusal, RefusalKind};
use std::sync::Arc;

/// A rendered document.
pub struct Pdf {
    pub bytes: Vec<u8>,
    /// Characters no font had (drawn as boxes), to be warned of.
    pub missing: Vec<char>,
}

/// Engines by font directories, shared by every `App` of the process: the fonts (some 90 MB
/// of Noto CJK) are read once, however many applications a process runs (the test suite runs
/// hundreds).
fn shared_engine(font_dirs: &[std::path::PathBuf]) -> Result<Arc<::documents::Engine>, AppError> {
    static ENGINES: std::sync::Mutex<Vec<(Vec<std::path::PathBuf>, Arc<::documents::Engine>)>> =
        std::sync::Mutex::new(Vec::new());
    let mut engines = ENGINES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, e)) = engines
        .iter()
        .find(|(dirs, _)| dirs.as_slice() == font_dirs)
    {
        return Ok(e.clone());
    }
    let engine = Arc::new(
        ::documents::Engine::new(font_dirs)
            .map_err(|e| AppError::Internal(format!("loading the document fonts: {e}")))?,
    );
    engines.push((font_dirs.to_vec(), engine.clone()));
    Ok(engine)
}

impl App {
    /// The engine: the fonts of `documents.font_dirs` and the system's Noto CJK, read once.
    pub fn document_engine(&self) -> Result<Arc<::documents::Engine>, AppError> {
        if let Some(e) = self.documents.get() {
            return Ok(e.clone());
        }
        let engine = shared_engine(&self.settings.font_dirs)?;
        Ok(self.documents.get_or_init(|| engine).clone())
    }

    /// Renders off the async workers (a long record takes some milliseconds), and logs what no
    /// font could draw.
    pub async fn render_document(
        &self,
        kind: &str,
        data: serde_json::Value,
    ) -> Result<Pdf, AppError> {
        let engine = self.document_engine()?;
        let _permit = self
            .rendering
            .acquire()
            .await
            .map_err(|e| AppError::Internal(format!("rendering {kind}: {e}")))?;
        let kind_owned = kind.to_owned();
        let rendered = tokio::task::spawn_blocking(move || engine.render(&kind_owned, &data))
            .await
            .map_err(|e| AppError::Internal(format!("rendering {kind}: {e}")))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if !rendered.missing.is_empty() {
            tracing::warn!(
                kind,
                missing = %rendered.missing.iter().collect::<String>(),
                "a document has characters no font can draw"
            );
        }
        Ok(Pdf {
            bytes: rendered.pdf,
            missing: rendered.missing,
        })
    }

    /// A blank form of `kind`, headed with the bureau's name (and marked demo when the
    /// organisation is demo data), for any reader of cases.
    pub async fn blank_form(&self, actor: &Actor, kind: &str) -> Result<Pdf, AppError> {
        require(actor, Capability::CaseRead)?;
        if !::documents::Engine::kinds().any(|k| k == kind) {
            return Err(AppError::Refused(Refusal::one(
                RefusalKind::NotFound,
                Reason::new("document.unknown_kind").arg("kind", kind),
            )));
        }
        let (organ, demo) = crate::case::documents::organ_of(&self.units().await?);
        let data = serde_json::json!({"organ": organ, "demo": demo, "kind": kind});
        self.render_document(kind, data).await
    }
}
