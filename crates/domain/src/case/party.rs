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

use super::clue::stale;
use super::registration::{Case, undecided};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::{Actor, Reason, Refusal, RefusalKind};

/// Names the party of a case opened against an unidentified one (before the advance notice).
#[derive(Clone, Debug)]
pub struct IdentifyParty {
    pub case_id: Uuid,
    /// Already sealed: a person's record is written in the same transaction as the event.
    pub party: Party,
    pub expected_version: i64,
}

pub struct IdentifyPartyState {
    pub case: Case,
    /// The named entity's county, when an entity is named: `None` for an unknown id.
    pub entity_county: Option<Option<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyIdentified {
    pub case_id: Uuid,
    pub county_code: String,
    pub party: Party,
}

impl crate::event::EventPayload for PartyIdentified {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

pub fn decide_identify_party(
    state: &IdentifyPartyState,
    actor: &Actor,
    cmd: &IdentifyParty,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    let reach = reach(actor, Capability::CaseRegister)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    let mut texts = Vec::new();
    match &cmd.party {
        Party::Person { name, .. } => texts.push(("party", name.as_str(), false)),
        Party::Organisation { name, uscc } => {
            texts.push(("party", name.as_str(), false));
            texts.push(("party", uscc.as_deref().unwrap_or(""), false));
        }
        _ => {}
    }
    crate::text::check_texts(texts)?;
    let mut invalid = crate::refusal::Reasons::default();
    match &cmd.party {
        Party::Unidentified => invalid.push(Reason::new("case.party_form").field("party")),
        Party::Person { name, .. } | Party::Organisation { name, .. }
            if name.trim().is_empty() || name.chars().count() > 100 =>
        {
            invalid.push(Reason::new("case.party_name").field("party"))
        }
        _ => {}
    }
    match &state.entity_county {
        Some(None) => invalid.push(Reason::new("clue.entity_unknown").field("entity_id")),
        Some(Some(c)) if *c != case.county_code => {
            invalid.push(Reason::new("clue.entity_other_county").field("entity_id"))
        }
        _ => {}
    }
    invalid.into_result(RefusalKind::Invalid)?;
    let mut unmet = crate::refusal::Reasons::default();
    if !undecided(case) {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if !matches!(case.facts.party, None | Some(Party::Unidentified)) {
        unmet.push(Reason::new("case.party_known"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        PartyIdentified {
            case_id: case.id,
            county_code: case.county_code.clone(),
            party: match &cmd.party {
                Party::Person {
                    name,
                    id_type,
                    reference,
                    id_number_masked,
                    phone_masked,
                } => Party::Person {
                    name: name.trim().to_owned(),
                    id_type: *id_type,
                    reference: reference.clone(),
                    id_number_masked: id_number_masked.clone(),
                    phone_masked: phone_masked.clone(),
                },
                Party::Organisation { name, uscc } => Party::Organisation {
                    name: name.trim().to_owned(),
                    uscc: uscc.as_ref().map(|u| u.trim().to_owned()),
                },
                p => p.clone(),
            },
        }
        .into(),
    ])
}
