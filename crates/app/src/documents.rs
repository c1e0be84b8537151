//! Enforcement documents (执法文书): the engine, made once on first use with the configured font
//! directories, and the blank forms officers print before a field visit.

use crate::{App, AppError};
use domain::permission::{Capability, require};
use domain::unit::UnitKind;
use domain::{Actor, Reason, Refusal, RefusalKind};
use std::sync::Arc;

/// A rendered document.
pub struct Pdf {
    pub bytes: Vec<u8>,
    /// Characters no font had (drawn as boxes), to be warned of.
    pub missing: Vec<char>,
}

impl App {
    /// The engine: the fonts of `documents.font_dirs` and the system's Noto CJK, read once.
    pub fn document_engine(&self) -> Result<Arc<::documents::Engine>, AppError> {
        if let Some(e) = self.documents.get() {
            return Ok(e.clone());
        }
        let engine = ::documents::Engine::new(&self.settings.font_dirs)
            .map_err(|e| AppError::Internal(format!("loading the document fonts: {e}")))?;
        Ok(self.documents.get_or_init(|| Arc::new(engine)).clone())
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
        let bureau = self
            .units()
            .await?
            .into_iter()
            .find(|u| u.kind == UnitKind::PrefectureBureau);
        let data = serde_json::json!({
            "organ": bureau.as_ref().map(|u| u.name_zh.clone()).unwrap_or_default(),
            "demo": bureau.is_some_and(|u| u.demo),
        });
        self.render_document(kind, data).await
    }
}
