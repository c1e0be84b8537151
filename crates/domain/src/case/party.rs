//! The party (当事人) of a case: a registered entity, a natural person, an organisation not in
//! the register, or not yet identified. A natural person's ID number, address and phone are
//! personal data: they live in the sealed store (`crate::sealed`), and the case holds only the
//! record's reference and masked forms.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A natural person's identity document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    ResidentId,
    Passport,
    Other,
}

/// The party as the case (and its events) keep it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Party {
    Entity {
        entity_id: Uuid,
    },
    Person {
        name: String,
        id_type: IdType,
        /// The sealed record with the ID number, address and phone.
        reference: String,
        id_number_masked: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        phone_masked: String,
    },
    Organisation {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        uscc: Option<String>,
    },
    Unidentified,
}
