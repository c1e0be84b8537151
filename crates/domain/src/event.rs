//! Events: the only way state changes, and the leaves of the ledger.
//!
//! Envelope: `{schema, id, at, actor, payload}`; no floats, integers within ±2^53. IDs, numbers
//! and timestamps come inside the event, so applying it is a pure function of it.

use crate::actor::ActorRef;
pub use crate::admin::{CredentialReset, UserAccessChanged, UserDisabled, UserEdited};
pub use crate::case::archive::{AnnexAdded, CaseArchived};
pub use crate::case::clue::{ClueClosed, ClueSubmitted};
pub use crate::case::decision::CaseDecided;
pub use crate::case::deliberation::DeliberationRecorded;
pub use crate::case::document::{DocumentIssued, DocumentSigned};
pub use crate::case::extension::{CaseExtensionDecided, CaseExtensionRequested};
pub use crate::case::filing::FiledUpward;
pub use crate::case::hearing::{HearingRecorded, HearingRequested, HearingScheduled};
pub use crate::case::interference::InterferenceRecorded;
pub use crate::case::legal_review::{LegalReviewRecorded, LegalReviewSubmitted};
pub use crate::case::notice::AdvanceNoticeIssued;
pub use crate::case::party::PartyIdentified;
pub use crate::case::performance::{
    ArrangementDecided, ArrangementRequested, CaseClosed, PerformanceRecorded,
};
pub use crate::case::preservation::{PreservationApproved, PreservationProposed, PreservedDecided};
pub use crate::case::publicity::{DecisionPublished, PublicationWithdrawn};
pub use crate::case::record::RecordAdded;
pub use crate::case::recusal::{RecusalDecided, RecusalRequested};
pub use crate::case::registration::{
    CancellationDecided, CancellationProposed, CaseProposed, CaseRegistered, RegistrationRejected,
};
pub use crate::case::review::{CaseReviewed, InvestigationReported};
pub use crate::case::service::ServiceRecorded;
pub use crate::case::statement::{StatementAnswered, StatementRecorded, WaiverRecorded};
pub use crate::case::team::OfficersAssigned;
pub use crate::case::tolling::{TollingApproved, TollingEnded, TollingStarted};
pub use crate::case::triage::{ClueMerged, ClueTransferred, ExtensionDecided, ExtensionProposed};
pub use crate::discretion::{BenchmarkApproved, BenchmarkProposed};
pub use crate::entity::{EntityRegistered, EntityUpdated};
pub use crate::evidence::{CustodyTransferred, EvidenceAccessed, EvidenceRegistered};
pub use crate::sealed::{SealedErased, SealedViewed};
use crate::time::Timestamp;
pub use crate::unit::{UnitCreated, UnitRenamed};
pub use crate::user::{OfficerCertified, ReviewerQualified, UserCreated};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What every event payload says about itself. Implemented beside the payload, in its feature
/// module; [`events!`] lists each payload once with its schema name.
pub trait EventPayload {
    /// The county codes this event concerns; empty means prefecture-wide. Derived from the
    /// payload, so the scope of a ledger entry is covered by its hash.
    fn counties(&self) -> Vec<String>;

    /// Administration events (user accounts and their certificates) are ledger entries only the
    /// administrators may read.
    const ADMINISTRATION: bool = false;

    /// Confidential events (records of interference in a case) are ledger entries only who
    /// holds `Capability::InterferenceRead` may read.
    const CONFIDENTIAL: bool = false;
}

/// Marks account events (users, their access, credentials and certificates) as administration
/// events: they concern the whole prefecture (no counties) and only the administrators read them.
macro_rules! administration_events {
    ($($name:ty),* $(,)?) => {
        $(
            impl $crate::event::EventPayload for $name {
                const ADMINISTRATION: bool = true;

                fn counties(&self) -> Vec<String> {
                    Vec::new()
                }
            }
        )*
    };
}
pub(crate) use administration_events;

/// Declares every event type once: `Payload` variant = payload struct, and its schema name.
/// Schema, county scoping and the administration mark all follow from this list and from each
/// payload's [`EventPayload`] implementation.
macro_rules! events {
    ($($name:ident = $schema:literal,)*) => {
        /// Every event schema the platform knows, tagged by its schema name.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "schema", content = "payload")]
        pub enum Payload {
            $(
                #[serde(rename = $schema)]
                $name($name),
            )*
        }

        $(
            impl $name {
                /// The schema name of this payload's events.
                pub const SCHEMA: &'static str = $schema;
            }
        )*

        /// Whether events of this schema are confidential (see [`EventPayload::CONFIDENTIAL`]).
        pub fn confidential_schema(schema: &str) -> bool {
            match schema {
                $($schema => <$name as EventPayload>::CONFIDENTIAL,)*
                _ => false,
            }
        }

        /// Every schema with whether it is an administration event, in declaration order.
        pub const SCHEMAS: &[(&str, bool)] = &[$(($schema, <$name as EventPayload>::ADMINISTRATION),)*];

        impl Payload {
            pub fn schema(&self) -> &'static str {
                match self {
                    $(Payload::$name(_) => $schema,)*
                }
            }

            /// See [`EventPayload::counties`].
            pub fn counties(&self) -> Vec<String> {
                match self {
                    $(Payload::$name(p) => p.counties(),)*
                }
            }

            /// See [`EventPayload::ADMINISTRATION`].
            pub fn is_administration(&self) -> bool {
                match self {
                    $(Payload::$name(_) => <$name as EventPayload>::ADMINISTRATION,)*
                }
            }

            /// See [`EventPayload::CONFIDENTIAL`].
            pub fn is_confidential(&self) -> bool {
                match self {
                    $(Payload::$name(_) => <$name as EventPayload>::CONFIDENTIAL,)*
                }
            }
        }

        $(
            impl From<$name> for Payload {
                fn from(p: $name) -> Payload {
                    Payload::$name(p)
                }
            }
        )*
    };
}

events! {
    UnitCreated = "unit.created/v1",
    UnitRenamed = "unit.renamed/v1",
    UserCreated = "user.created/v1",
    OfficerCertified = "officer.certified/v1",
    EntityRegistered = "entity.registered/v1",
    EntityUpdated = "entity.updated/v1",
    UserAccessChanged = "user.access_changed/v1",
    UserDisabled = "user.disabled/v1",
    UserEdited = "user.edited/v1",
    CredentialReset = "user.credential_reset/v1",
    EvidenceRegistered = "evidence.registered/v1",
    EvidenceAccessed = "evidence.accessed/v1",
    CustodyTransferred = "evidence.custody_transferred/v1",
    ClueSubmitted = "clue.submitted/v1",
    ClueClosed = "clue.closed/v1",
    CaseProposed = "case.proposed/v1",
    CaseRegistered = "case.registered/v1",
    RegistrationRejected = "case.registration_rejected/v1",
    CancellationProposed = "case.cancellation_proposed/v1",
    CancellationDecided = "case.cancellation_decided/v1",
    SealedViewed = "sealed.viewed/v1",
    SealedErased = "sealed.erased/v1",
    ClueMerged = "clue.merged/v1",
    ClueTransferred = "clue.transferred/v1",
    ExtensionProposed = "clue.extension_proposed/v1",
    ExtensionDecided = "clue.extension_decided/v1",
    PartyIdentified = "case.party_identified/v1",
    OfficersAssigned = "case.officers_assigned/v1",
    RecusalRequested = "case.recusal_requested/v1",
    RecusalDecided = "case.recusal_decided/v1",
    RecordAdded = "case.record_added/v1",
    InvestigationReported = "case.investigation_reported/v1",
    CaseReviewed = "case.reviewed/v1",
    InterferenceRecorded = "case.interference_recorded/v1",
    PreservationProposed = "case.preservation_proposed/v1",
    PreservationApproved = "case.preservation_approved/v1",
    PreservedDecided = "case.preserved_decided/v1",
    DocumentIssued = "document.issued/v1",
    DocumentSigned = "document.signed/v1",
    AdvanceNoticeIssued = "case.advance_notice_issued/v1",
    ServiceRecorded = "case.service_recorded/v1",
    StatementRecorded = "case.statement_recorded/v1",
    StatementAnswered = "case.statement_answered/v1",
    WaiverRecorded = "case.waiver_recorded/v1",
    HearingRequested = "case.hearing_requested/v1",
    HearingScheduled = "case.hearing_scheduled/v1",
    HearingRecorded = "case.hearing_recorded/v1",
    TollingStarted = "case.tolling_started/v1",
    TollingApproved = "case.tolling_approved/v1",
    TollingEnded = "case.tolling_ended/v1",
    BenchmarkProposed = "discretion.version_proposed/v1",
    BenchmarkApproved = "discretion.version_approved/v1",
    ReviewerQualified = "reviewer.qualified/v1",
    LegalReviewSubmitted = "case.legal_review_submitted/v1",
    LegalReviewRecorded = "case.legal_review_recorded/v1",
    DeliberationRecorded = "case.deliberation_recorded/v1",
    CaseExtensionRequested = "case.extension_requested/v1",
    CaseExtensionDecided = "case.extension_decided/v1",
    CaseDecided = "case.decided/v1",
    PerformanceRecorded = "case.performance_recorded/v1",
    ArrangementRequested = "case.arrangement_requested/v1",
    ArrangementDecided = "case.arrangement_decided/v1",
    CaseClosed = "case.closed/v1",
    CaseArchived = "case.archived/v1",
    AnnexAdded = "case.annex_added/v1",
    DecisionPublished = "case.decision_published/v1",
    PublicationWithdrawn = "case.publication_withdrawn/v1",
    FiledUpward = "case.filed_upward/v1",
}

/// The schemas of administration events, from [`SCHEMAS`].
pub fn administration_schemas() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        SCHEMAS
            .iter()
            .filter(|(_, admin)| *admin)
            .map(|(s, _)| *s)
            .collect()
    })
}

/// A 6-digit division code names a county when it does not end in `00` (GB/T 2260).
pub fn county_of(division_code: &str) -> Vec<String> {
    if crate::unit::is_county_code(division_code) {
        vec![division_code.to_owned()]
    } else {
        Vec::new()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: Uuid,
    pub at: Timestamp,
    pub actor: ActorRef,
    pub payload: Payload,
}

#[derive(Debug, thiserror::Error)]
pub enum EventDecodeError {
    #[error("event {id}: unknown schema or bad payload for {schema}: {source}")]
    Payload {
        id: Uuid,
        schema: String,
        source: serde_json::Error,
    },
    #[error("event {id}: bad actor: {source}")]
    Actor { id: Uuid, source: serde_json::Error },
}

impl Event {
    pub fn schema(&self) -> &'static str {
        self.payload.schema()
    }

    /// The payload alone, as stored in the events table.
    pub fn payload_json(&self) -> serde_json::Value {
        match serde_json::to_value(&self.payload) {
            Ok(serde_json::Value::Object(mut m)) => {
                m.remove("payload").unwrap_or(serde_json::Value::Null)
            }
            // Payload is an enum of plain structs; serialising it cannot fail or give a non-object.
            _ => serde_json::Value::Null,
        }
    }

    /// The full envelope `{schema, id, at, actor, payload}`.
    pub fn envelope(&self) -> serde_json::Value {
        serde_json::json!({
            "schema": self.schema(),
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "payload": self.payload_json(),
        })
    }

    /// Rebuilds an event from its stored parts, refusing unknown schemas and malformed payloads.
    pub fn from_parts(
        id: Uuid,
        at: Timestamp,
        actor_json: &str,
        schema: &str,
        payload_json: &str,
    ) -> Result<Event, EventDecodeError> {
        let actor: ActorRef = serde_json::from_str(actor_json)
            .map_err(|source| EventDecodeError::Actor { id, source })?;
        let payload = serde_json::from_str::<serde_json::Value>(payload_json)
            .and_then(|p| {
                serde_json::from_value::<Payload>(
                    serde_json::json!({"schema": schema, "payload": p}),
                )
            })
            .map_err(|source| EventDecodeError::Payload {
                id,
                schema: schema.to_owned(),
                source,
            })?;
        Ok(Event {
            id,
            at,
            actor,
            payload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Actor;
    use crate::unit::UnitKind;

    fn sample() -> Event {
        Event {
            id: Uuid::parse_str("0193a0b0-0000-7000-8000-000000000001").unwrap(),
            at: Timestamp::parse("2026-11-25T00:00:00Z").unwrap(),
            actor: Actor::System.to_ref(),
            payload: Payload::UnitCreated(UnitCreated {
                id: Uuid::parse_str("0193a0b0-0000-7000-8000-000000000002").unwrap(),
                code: "jinghong-brigade".into(),
                kind: UnitKind::Brigade,
                name_zh: "景洪市生态环境保护综合行政执法大队".into(),
                name_en: "Jinghong brigade".into(),
                parent_id: None,
                division_code: "532801".into(),
                demo: true,
            }),
        }
    }

    #[test]
    fn envelope_has_exactly_the_five_fields() {
        let e = sample().envelope();
        let keys: Vec<_> = e.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["actor", "at", "id", "payload", "schema"]);
        assert_eq!(e["schema"], "unit.created/v1");
        assert_eq!(e["at"], "2026-11-25T00:00:00.000000Z");
        assert_eq!(e["payload"]["division_code"], "532801");
    }

    #[test]
    fn stored_parts_round_trip() {
        let e = sample();
        let back = Event::from_parts(
            e.id,
            e.at,
            &serde_json::to_string(&e.actor).unwrap(),
            e.schema(),
            &e.payload_json().to_string(),
        )
        .unwrap();
        assert_eq!(back, e);
        assert_eq!(back.payload.counties(), vec!["532801".to_string()]);
    }

    #[test]
    fn schemas_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for (schema, _) in SCHEMAS {
            assert!(seen.insert(*schema), "{schema} declared twice");
            let (name, version) = schema.split_once("/v").expect("name/vN");
            assert!(version.parse::<u32>().is_ok(), "{schema}: version");
            let (noun, verb) = name.split_once('.').expect("noun.verb");
            for part in [noun, verb] {
                assert!(
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{schema}: lower-case words"
                );
            }
        }
        assert_eq!(
            administration_schemas(),
            [
                "user.created/v1",
                "officer.certified/v1",
                "user.access_changed/v1",
                "user.disabled/v1",
                "user.edited/v1",
                "user.credential_reset/v1",
                "reviewer.qualified/v1",
            ]
        );
    }

    #[test]
    fn unknown_schema_and_bad_payload_are_refused() {
        let e = sample();
        let actor = serde_json::to_string(&e.actor).unwrap();
        assert!(Event::from_parts(e.id, e.at, &actor, "unit.exploded/v1", "{}").is_err());
        assert!(Event::from_parts(e.id, e.at, &actor, "unit.created/v1", "{\"id\":1}").is_err());
        assert!(Event::from_parts(e.id, e.at, "{}", "unit.created/v1", "{}").is_err());
    }
}
