//! Events: the only way state changes, and the leaves of the ledger.
//!
//! Envelope: `{schema, id, at, actor, payload}`; no floats, integers within ±2^53. IDs, numbers
//! and timestamps come inside the event, so applying it is a pure function of it.

use crate::actor::ActorRef;
use crate::admin::{CredentialReset, UserAccessChanged, UserDisabled, UserEdited};
use crate::entity::{EntityRegistered, EntityUpdated};
use crate::evidence::{CustodyTransferred, EvidenceAccessed, EvidenceRegistered};
use crate::time::Timestamp;
use crate::unit::{UnitCreated, UnitRenamed};
use crate::user::{OfficerCertified, UserCreated};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Every event schema the platform knows, tagged by its schema name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "schema", content = "payload")]
pub enum Payload {
    #[serde(rename = "unit.created/v1")]
    UnitCreated(UnitCreated),
    #[serde(rename = "unit.renamed/v1")]
    UnitRenamed(UnitRenamed),
    #[serde(rename = "user.created/v1")]
    UserCreated(UserCreated),
    #[serde(rename = "officer.certified/v1")]
    OfficerCertified(OfficerCertified),
    #[serde(rename = "entity.registered/v1")]
    EntityRegistered(EntityRegistered),
    #[serde(rename = "entity.updated/v1")]
    EntityUpdated(EntityUpdated),
    #[serde(rename = "user.access_changed/v1")]
    UserAccessChanged(UserAccessChanged),
    #[serde(rename = "user.disabled/v1")]
    UserDisabled(UserDisabled),
    #[serde(rename = "user.edited/v1")]
    UserEdited(UserEdited),
    #[serde(rename = "user.credential_reset/v1")]
    CredentialReset(CredentialReset),
    #[serde(rename = "evidence.registered/v1")]
    EvidenceRegistered(EvidenceRegistered),
    #[serde(rename = "evidence.accessed/v1")]
    EvidenceAccessed(EvidenceAccessed),
    #[serde(rename = "evidence.custody_transferred/v1")]
    CustodyTransferred(CustodyTransferred),
}

/// The schemas of administration events (user accounts and their certificates).
pub const ADMINISTRATION_SCHEMAS: [&str; 6] = [
    "user.created/v1",
    "officer.certified/v1",
    "user.access_changed/v1",
    "user.disabled/v1",
    "user.edited/v1",
    "user.credential_reset/v1",
];

impl Payload {
    pub fn schema(&self) -> &'static str {
        match self {
            Payload::UnitCreated(_) => "unit.created/v1",
            Payload::UnitRenamed(_) => "unit.renamed/v1",
            Payload::UserCreated(_) => "user.created/v1",
            Payload::OfficerCertified(_) => "officer.certified/v1",
            Payload::EntityRegistered(_) => "entity.registered/v1",
            Payload::EntityUpdated(_) => "entity.updated/v1",
            Payload::UserAccessChanged(_) => "user.access_changed/v1",
            Payload::UserDisabled(_) => "user.disabled/v1",
            Payload::UserEdited(_) => "user.edited/v1",
            Payload::CredentialReset(_) => "user.credential_reset/v1",
            Payload::EvidenceRegistered(_) => "evidence.registered/v1",
            Payload::EvidenceAccessed(_) => "evidence.accessed/v1",
            Payload::CustodyTransferred(_) => "evidence.custody_transferred/v1",
        }
    }

    /// Administration events (user accounts and their certificates): ledger entries only the
    /// administrators may read.
    pub fn is_administration(&self) -> bool {
        ADMINISTRATION_SCHEMAS.contains(&self.schema())
    }

    /// The county codes this event concerns; empty means prefecture-wide. Derived from the payload,
    /// so the scope of a ledger entry is covered by its hash.
    pub fn counties(&self) -> Vec<String> {
        match self {
            Payload::UnitCreated(p) => county_of(&p.division_code),
            Payload::UnitRenamed(p) => county_of(&p.division_code),
            // Administration events concern the whole prefecture.
            Payload::UserCreated(_)
            | Payload::OfficerCertified(_)
            | Payload::UserAccessChanged(_)
            | Payload::UserDisabled(_)
            | Payload::UserEdited(_)
            | Payload::CredentialReset(_) => Vec::new(),
            Payload::EntityRegistered(p) => vec![p.data.county_code.clone()],
            Payload::EntityUpdated(p) => {
                let mut c = vec![p.previous_county_code.clone()];
                if p.data.county_code != p.previous_county_code {
                    c.push(p.data.county_code.clone());
                }
                c
            }
            Payload::EvidenceRegistered(p) => vec![p.county_code.clone()],
            Payload::EvidenceAccessed(p) => vec![p.county_code.clone()],
            Payload::CustodyTransferred(p) => vec![p.county_code.clone()],
        }
    }
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
    fn unknown_schema_and_bad_payload_are_refused() {
        let e = sample();
        let actor = serde_json::to_string(&e.actor).unwrap();
        assert!(Event::from_parts(e.id, e.at, &actor, "unit.exploded/v1", "{}").is_err());
        assert!(Event::from_parts(e.id, e.at, &actor, "unit.created/v1", "{\"id\":1}").is_err());
        assert!(Event::from_parts(e.id, e.at, "{}", "unit.created/v1", "{}").is_err());
    }
}
