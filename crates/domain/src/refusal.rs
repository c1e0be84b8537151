//! Why a command was refused: every unmet condition at once, each with its legal source.

use serde::Serialize;
use std::collections::BTreeMap;

/// How the edge should answer a refusal (ARCHITECTURE.md's status-code table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// A field is invalid: 422.
    Invalid,
    /// The role lacks the permission: 403.
    Forbidden,
    /// The row is outside the actor's scope or does not exist: 404.
    NotFound,
    /// The row changed since the caller read it: 412.
    Stale,
    /// A duplicate, or a legal condition not met: 409.
    Conflict,
}

/// A law and article, in both languages, for a reason that enforces a rule of law.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LegalSource {
    pub zh_cn: &'static str,
    pub en: &'static str,
}

/// One unmet condition. `code` is a Fluent message id in `locales/`; `args` fill its placeables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub field: Option<String>,
    pub code: &'static str,
    pub args: BTreeMap<String, String>,
    pub legal_source: Option<LegalSource>,
}

impl Reason {
    pub fn new(code: &'static str) -> Self {
        Reason {
            field: None,
            code,
            args: BTreeMap::new(),
            legal_source: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn arg(mut self, name: &str, value: impl ToString) -> Self {
        self.args.insert(name.to_owned(), value.to_string());
        self
    }

    pub fn source(mut self, source: LegalSource) -> Self {
        self.legal_source = Some(source);
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("refused ({kind:?}): {}", reasons.iter().map(|r| r.code).collect::<Vec<_>>().join(", "))]
pub struct Refusal {
    pub kind: RefusalKind,
    pub reasons: Vec<Reason>,
}

impl Refusal {
    pub fn new(kind: RefusalKind, reasons: Vec<Reason>) -> Self {
        Refusal { kind, reasons }
    }

    pub fn one(kind: RefusalKind, reason: Reason) -> Self {
        Refusal {
            kind,
            reasons: vec![reason],
        }
    }

    pub fn not_found() -> Self {
        Refusal::one(RefusalKind::NotFound, Reason::new("request.not_found"))
    }

    pub fn forbidden() -> Self {
        Refusal::one(RefusalKind::Forbidden, Reason::new("auth.forbidden"))
    }
}

/// Collects reasons of one kind and turns them into a refusal if there are any.
#[derive(Default)]
pub struct Reasons(Vec<Reason>);

impl Reasons {
    pub fn push(&mut self, reason: Reason) {
        self.0.push(reason);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<Reason> {
        self.0
    }

    pub fn into_result(self, kind: RefusalKind) -> Result<(), Refusal> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Refusal::new(kind, self.0))
        }
    }
}
