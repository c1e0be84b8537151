//! Command handlers and scoped queries of the case procedure: each loads its state in the write
//! transaction and decides through `App::command` (see `crate::command`).

use crate::{App, AppError};
use domain::case::clue::{
    CloseClue, Clue, ClueData, REGISTRATION_DAYS, SubmitClue, SubmitClueState,
};
use domain::case::document::DocumentKind;
use domain::case::interference::{InterferenceState, RecordInterference};
use domain::case::party::{IdentifyParty, IdentifyPartyState, Party};
use domain::case::preservation::{
    Action as PreservedAction, ApprovalState as PreservationApprovalState,
    DecidePreservationApproval, DecidePreserved, DecidePreservedState, Item as PreservedItem,
    Preserve, PreserveState,
};
use domain::case::record::{
    AddRecord, AddRecordState, AddRecordWithEvidence, AddRecordWithEvidenceState, Record,
    RecordContent,
};
use domain::case::recusal::{
    DecideRecusal, DecideRecusalState, RecusalBy, RequestRecusal, RequestRecusalState,
};
use domain::case::registration::{
    ApproveRegistrationState, Case, CaseFacts, Decide, NumberPattern, ProposeCancellation,
    ProposeCase, ProposeCaseState,
};
use domain::case::review::{RecordReview, SubmitReport, SubmitReportState};
use domain::case::team::{AssignOfficers, AssignState, Team};
use domain::case::triage::{
    DecideExtension, ExtendRegistration, ExtendState, MergeClue, MergeState, Transfer,
    TransferClue, TransferState,
};
use domain::permission::{Capability, require};
use domain::sealed::SealedKind;
use domain::unit::UnitKind;
use domain::{Actor, Refusal};
use store::{CaseFilter, ClueFilter, Committed, Page};
use uuid::Uuid;

pub mod archive;
pub mod decision;
pub mod documents;
mod legal_review;
mod performance;
mod proceedings;
mod publicity;
pub use publicity::{PublicContent, PublicDecision, PublicWithdrawal};
mod tasks;
pub use tasks::{CaseWarning, DueItem, DueKind, Task};

/// The party as an officer states it; a natural person's ID number, address and phone are
/// sealed before the command, and only their reference and masked forms reach the event.
#[derive(Clone, Debug)]
pub enum PartyInput {
    Entity(Uuid),
    Person {
        name: String,
        id_type: domain::case::party::IdType,
        id_number: String,
        address: String,
        phone: String,
    },
    Organisation {
        name: String,
        uscc: Option<String>,
    },
    Unidentified,
}

/// What a command wrote, for the answer (`{"events": [{"seq", "schema"}]}`).
pub type Written = Vec<(i64, &'static str)>;

fn written(c: &Committed) -> Written {
    c.iter().map(|r| (r.seq, r.event.schema())).collect()
}

/// The overdue list reads at most this many chunks of candidates (a prefecture has far fewer
/// open cases past 90 days).
const OVERDUE_PAGES: i64 = 50;
const OVERDUE_CHUNK: i64 = 200;

impl App {
    /// Reports a clue; a complaint's complainant (a JSON object of text fields) is sealed whole
    /// in the same transaction, and the clue keeps only the record's reference.
    pub async fn submit_clue(
        &self,
        actor: &Actor,
        mut data: ClueData,
        complainant: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Result<(Clue, Written), AppError> {
        require(actor, Capability::ClueSubmit)?;
        let mut sealed = Vec::new();
        if let Some(c) = complainant {
            // Checked before sealing: the sealed store never holds what the rules refuse.
            domain::text::check_texts(
                c.values()
                    .map(|v| ("complainant", v.as_str().unwrap_or(""), false)),
            )?;
            let named = c
                .get("name")
                .and_then(|v| v.as_str())
                .is_some_and(|n| !n.trim().is_empty() && n.chars().count() <= 100);
            if !named
                || c.values()
                    .any(|v| v.as_str().is_none_or(|s| s.chars().count() > 200))
            {
                return Err(AppError::Refused(Refusal::one(
                    domain::RefusalKind::Invalid,
                    domain::Reason::new("clue.complainant_form").field("complainant"),
                )));
            }
            self.check_county("county_code", &data.county_code)?;
            let (reference, write) = self.seal(
                SealedKind::Complainant,
                &data.county_code,
                &serde_json::Value::Object(c),
            )?;
            data.complainant = Some(reference);
            sealed.push(write);
        }
        let cmd = SubmitClue {
            id: Uuid::now_v7(),
            data,
        };
        let counties = self.counties();
        let prefecture_code = self.settings.prefecture_code.clone();
        let id = cmd.id;
        let committed = self
            .command_with_secrets(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        let entity_county = match cmd.data.entity_id {
                            Some(id) => Some(r.entity_by_id(id).await?.map(|e| e.data.county_code)),
                            None => None,
                        };
                        let mut evidence_counties = Vec::new();
                        // At most 50 are accepted; the decision refuses more without reading them.
                        for id in cmd.data.evidence_ids.iter().take(51) {
                            evidence_counties
                                .push(r.evidence_by_id(*id).await?.map(|e| e.county_code));
                        }
                        Ok(SubmitClueState {
                            prefecture_code,
                            counties,
                            entity_county,
                            evidence_counties,
                            today: now.today,
                        })
                    })
                },
                domain::case::clue::decide_submit_clue,
                move |_, _| sealed,
            )
            .await?;
        Ok((self.clue(actor, id).await?, written(&committed)))
    }

    /// One clue within the actor's reach (404 otherwise).
    pub async fn clue(&self, actor: &Actor, id: Uuid) -> Result<Clue, AppError> {
        let scope = crate::scope(actor, Capability::ClueRead)?;
        self.store
            .clue(
                &scope,
                domain::case::clue::only_own_clues(actor).unwrap_or_default(),
                id,
            )
            .await?
            // The query filters by the same rule; checked again, as a second lock.
            .filter(|c| domain::case::clue::sees_clue(actor, c))
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))
    }

    /// A page of clues, the oldest first.
    pub async fn clues(
        &self,
        actor: &Actor,
        mut filter: ClueFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Clue>, AppError> {
        let scope = crate::scope(actor, Capability::ClueRead)?;
        filter.submitted_by = domain::case::clue::only_own_clues(actor)
            .unwrap_or_default()
            .to_owned();
        Ok(self
            .store
            .clues(&scope, &filter, per_page, (page - 1) * per_page)
            .await?)
    }

    /// The day registration must be decided by, and whether it has passed.
    pub fn registration_due(&self, clue: &Clue) -> (chrono::NaiveDate, bool) {
        let due = clue.registration_due(&self.calendar(), REGISTRATION_DAYS, REGISTRATION_DAYS);
        (due, self.today() > due)
    }

    pub async fn close_clue(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        reason: String,
    ) -> Result<(Clue, Written), AppError> {
        require(actor, Capability::CaseRegister)?;
        let cmd = CloseClue {
            id,
            reason,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| Box::pin(async move { clue_or_missing(r, cmd.id).await }),
                domain::case::clue::decide_close_clue,
            )
            .await?;
        Ok((self.clue(actor, id).await?, written(&committed)))
    }

    /// Proposes a case from a clue (`register` on the clue): pending a head's approval.
    pub async fn propose_case(
        &self,
        actor: &Actor,
        clue_id: Uuid,
        expected_version: i64,
        mut facts: CaseFacts,
        party: Option<PartyInput>,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseRegister)?;
        let mut sealed = Vec::new();
        if let Some(party) = party {
            // The county of the clue, within the proposer's reach (404 otherwise).
            let county = self.clue(actor, clue_id).await?.data.county_code;
            let (party, write) = self.seal_party(&county, party)?;
            if let Party::Entity { entity_id } = &party {
                facts.entity_id = Some(*entity_id);
            }
            facts.party = Some(party);
            sealed.extend(write);
        }
        let cmd = ProposeCase {
            case_id: Uuid::now_v7(),
            clue_id,
            facts,
            expected_version,
        };
        let case_id = cmd.case_id;
        let enforced_laws = self.settings.enforced_laws.clone();
        let unit_id = match actor {
            Actor::User(u) => u.unit_id,
            Actor::System => None,
        };
        let committed = self
            .command_with_secrets(
                actor,
                cmd,
                move |r, cmd, _| {
                    Box::pin(async move {
                        let clue = clue_or_missing(r, cmd.clue_id).await?;
                        // The case is handled by the proposer's unit: a brigade, or the
                        // detachment.
                        let handling_unit_id = match unit_id {
                            Some(id) => r.unit_by_id(id).await?.and_then(|u| {
                                matches!(u.kind, UnitKind::Brigade | UnitKind::Detachment)
                                    .then_some(u.id)
                            }),
                            None => None,
                        };
                        let entity_county = match cmd.facts.entity_id {
                            Some(id) => Some(r.entity_by_id(id).await?.map(|e| e.data.county_code)),
                            None => None,
                        };
                        Ok(ProposeCaseState {
                            clue,
                            handling_unit_id,
                            entity_county,
                            enforced_laws,
                        })
                    })
                },
                domain::case::registration::decide_propose_case,
                move |_, _| sealed,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// The party as the case keeps it: a natural person's ID number, address and phone are
    /// sealed (the record takes the case's county, whose reach decides who opens it) and only
    /// the reference and masked forms remain.
    fn seal_party(
        &self,
        county_code: &str,
        party: PartyInput,
    ) -> Result<(Party, Option<store::SecretWrite>), AppError> {
        Ok(match party {
            PartyInput::Unidentified => (Party::Unidentified, None),
            PartyInput::Entity(entity_id) => (Party::Entity { entity_id }, None),
            PartyInput::Organisation { name, uscc } => (Party::Organisation { name, uscc }, None),
            PartyInput::Person {
                name,
                id_type,
                id_number,
                address,
                phone,
            } => {
                // Checked before sealing: the sealed store never holds what the rules refuse.
                domain::text::check_texts([
                    ("party", id_number.as_str(), false),
                    ("party", address.as_str(), false),
                    ("party", phone.as_str(), false),
                ])?;
                if id_number.trim().is_empty() || id_number.chars().count() > 40 {
                    return Err(AppError::Refused(Refusal::one(
                        domain::RefusalKind::Invalid,
                        domain::Reason::new("case.party_id_number").field("party"),
                    )));
                }
                let (reference, write) = self.seal(
                    SealedKind::Party,
                    county_code,
                    &serde_json::json!({
                        "name": name, "id_type": id_type, "id_number": id_number.trim(),
                        "address": address.trim(), "phone": phone.trim(),
                    }),
                )?;
                (
                    Party::Person {
                        name,
                        id_type,
                        reference,
                        id_number_masked: domain::sealed::mask_id_number(id_number.trim()),
                        phone_masked: if phone.trim().is_empty() {
                            String::new()
                        } else {
                            domain::sealed::mask_phone(phone.trim())
                        },
                    },
                    Some(write),
                )
            }
        })
    }

    /// A head approves or rejects a proposed registration; an approval takes the case number.
    pub async fn decide_registration(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        approve: bool,
        text: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        // The approval form, filled before the transaction and numbered and rendered in it.
        let form = if approve {
            let case = self.case(actor, case_id).await?;
            let data = self
                .document_data(actor, &case, DocumentKind::RegistrationApproval, None)
                .await?;
            let prepare = self
                .prepare_render(&case, DocumentKind::RegistrationApproval)
                .await?;
            let approver = self
                .people()
                .await?
                .get(actor.name())
                .map(|p| p.display_name.clone())
                .unwrap_or_else(|| actor.name().to_owned());
            data.map(|d| (d, prepare, approver))
        } else {
            None
        };
        let cmd = Decide {
            case_id,
            approve,
            text,
            expected_version,
        };
        let settings = self.settings.clone();
        let deciding = actor.clone();
        let committed = self
            .command_with_secrets(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let detachment = match case.handling_unit_id {
                            Some(id) => r
                                .unit_by_id(id)
                                .await?
                                .is_some_and(|u| u.kind == UnitKind::Detachment),
                            None => true,
                        };
                        let (pattern, branch) = if detachment {
                            (settings.case_number_detachment.clone(), String::new())
                        } else {
                            (
                                settings.case_number_brigade.clone(),
                                case.county_code.clone(),
                            )
                        };
                        let county = settings
                            .county_short_names
                            .get(&case.county_code)
                            .cloned()
                            .unwrap_or_else(|| case.county_code.clone());
                        use chrono::Datelike;
                        // One counter per (organ, branch or none, kind, year): the organ is the
                        // prefecture's bureau for every case.
                        let counter_key = format!(
                            "{}|{}|立|{}",
                            settings.prefecture_code,
                            branch,
                            now.today.year()
                        );
                        let last_number = r.case_counter(&counter_key).await?;
                        let pattern = NumberPattern { pattern, county };
                        let mut state = ApproveRegistrationState {
                            case,
                            today: now.today,
                            pattern,
                            counter_key,
                            last_number,
                            document: None,
                        };
                        // Rendered only for an approval the decision accepts.
                        let accepted = domain::case::registration::decide_registration(
                            &state, &deciding, cmd,
                        )
                        .is_ok();
                        state.document = match form.filter(|_| accepted) {
                            Some((mut data, prepare, approver)) => {
                                let number = domain::case::registration::case_number(
                                    &state.pattern,
                                    now.today.year(),
                                    last_number + 1,
                                );
                                data["approval"] = serde_json::json!({
                                    "text": if cmd.text.trim().is_empty() { "同意立案。" } else { cmd.text.trim() },
                                    "by": approver,
                                    "date": documents::zh_date(now.today),
                                });
                                Some(prepare.render_numbered(
                                    data,
                                    Some(domain::case::document::Numbered {
                                        number,
                                        counter: None,
                                    }),
                                    now,
                                )?)
                            }
                            None => None,
                        };
                        Ok(state)
                    })
                },
                domain::case::registration::decide_registration,
                |state, _| documents::file_write(state.document.as_ref()),
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    pub async fn propose_cancellation(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        reason: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseRegister)?;
        let cmd = ProposeCancellation {
            case_id,
            reason,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| Box::pin(async move { case_or_missing(r, cmd.case_id).await }),
                domain::case::registration::decide_propose_cancellation,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    pub async fn decide_cancellation(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        approve: bool,
        text: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let cmd = Decide {
            case_id,
            approve,
            text,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| Box::pin(async move { case_or_missing(r, cmd.case_id).await }),
                domain::case::registration::decide_cancellation,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Attaches an open clue to an open case of the same party.
    pub async fn merge_clue(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        case_id: Uuid,
    ) -> Result<(Clue, Written), AppError> {
        require(actor, Capability::CaseRegister)?;
        let cmd = MergeClue {
            id,
            case_id,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| {
                    Box::pin(async move {
                        Ok(MergeState {
                            clue: clue_or_missing(r, cmd.id).await?,
                            case: r.case_by_id(cmd.case_id).await?,
                        })
                    })
                },
                domain::case::triage::decide_merge_clue,
            )
            .await?;
        Ok((self.clue(actor, id).await?, written(&committed)))
    }

    /// Hands an open clue to another competent authority.
    pub async fn transfer_clue(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        transfer: Transfer,
    ) -> Result<(Clue, Written), AppError> {
        require(actor, Capability::CaseRegister)?;
        let cmd = TransferClue {
            id,
            transfer,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        Ok(TransferState {
                            clue: clue_or_missing(r, cmd.id).await?,
                            today: now.today,
                        })
                    })
                },
                domain::case::triage::decide_transfer_clue,
            )
            .await?;
        Ok((self.clue(actor, id).await?, written(&committed)))
    }

    /// Asks for another 15 days to decide (an officer proposes; a head's own request is
    /// approved in the same event).
    pub async fn extend_registration(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        reason: String,
    ) -> Result<(Clue, Written), AppError> {
        if !domain::permission::allows(actor, Capability::CaseApprove) {
            require(actor, Capability::CaseRegister)?;
        }
        let cmd = ExtendRegistration {
            id,
            reason,
            expected_version,
        };
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        Ok(ExtendState {
                            clue: clue_or_missing(r, cmd.id).await?,
                            calendar: (*calendar).clone(),
                            today: now.today,
                            days: REGISTRATION_DAYS,
                            extension: REGISTRATION_DAYS,
                        })
                    })
                },
                domain::case::triage::decide_extend_registration,
            )
            .await?;
        Ok((self.clue(actor, id).await?, written(&committed)))
    }

    /// A head approves or rejects a proposed extension.
    pub async fn decide_extension(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        approve: bool,
        text: String,
    ) -> Result<(Clue, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let cmd = DecideExtension {
            id,
            approve,
            text,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| Box::pin(async move { clue_or_missing(r, cmd.id).await }),
                domain::case::triage::decide_extension,
            )
            .await?;
        Ok((self.clue(actor, id).await?, written(&committed)))
    }

    /// Names the party of a case opened against an unidentified one.
    pub async fn identify_party(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        party: PartyInput,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseRegister)?;
        let county = self.case(actor, case_id).await?.county_code;
        let (party, write) = self.seal_party(&county, party)?;
        let cmd = IdentifyParty {
            case_id,
            party,
            expected_version,
        };
        let committed = self
            .command_with_secrets(
                actor,
                cmd,
                |r, cmd, _| {
                    Box::pin(async move {
                        let entity_county = match &cmd.party {
                            Party::Entity { entity_id } => Some(
                                r.entity_by_id(*entity_id)
                                    .await?
                                    .map(|e| e.data.county_code),
                            ),
                            _ => None,
                        };
                        Ok(IdentifyPartyState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            entity_county,
                        })
                    })
                },
                domain::case::party::decide_identify_party,
                move |_, _| write.into_iter().collect(),
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Assigns the case's investigators (at least two certified officers of the handling unit
    /// or the detachment; assistants named, never counted).
    pub async fn assign_officers(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        team: Team,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseAssign)?;
        domain::case::team::check_team_texts(&team)?;
        let cmd = AssignOfficers {
            case_id,
            team,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let mut people = Vec::new();
                        let mut detachment_units = Vec::new();
                        // The decision refuses more than 20 of each without reading them.
                        let named = cmd
                            .team
                            .officers
                            .iter()
                            .take(21)
                            .chain(cmd.team.assistants.iter().take(21));
                        for name in named {
                            let user = r.user_by_username(name).await?;
                            if let Some(unit) = user.as_ref().and_then(|u| u.unit_id)
                                && !detachment_units.contains(&unit)
                                && r.unit_by_id(unit)
                                    .await?
                                    .is_some_and(|u| u.kind == UnitKind::Detachment)
                            {
                                detachment_units.push(unit);
                            }
                            people.push((name.clone(), user));
                        }
                        Ok(AssignState {
                            case,
                            people,
                            detachment_units,
                            today: now.today,
                        })
                    })
                },
                domain::case::team::decide_assign_officers,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Records a request for recusal (by the party or the officer); the investigation goes on.
    pub async fn request_recusal(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        officer: String,
        grounds: String,
        by: RecusalBy,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        domain::text::check_texts([("officer", officer.as_str(), false)])?;
        let cmd = RequestRecusal {
            case_id,
            officer,
            grounds,
            by,
            expected_version,
        };
        let host_recusal_days = self.settings.host_recusal_days;
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(RequestRecusalState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            officer: r.user_by_username(&cmd.officer).await?,
                            host_recusal_days,
                            calendar: (*calendar).clone(),
                            today: now.today,
                        })
                    })
                },
                domain::case::recusal::decide_request_recusal,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A head decides a recusal (the main head a deputy's; the heads together the main head's).
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_recusal(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        officer: String,
        granted: bool,
        reasons: String,
        collective: bool,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        domain::text::check_texts([("officer", officer.as_str(), false)])?;
        let cmd = DecideRecusal {
            case_id,
            officer,
            granted,
            reasons,
            collective,
            expected_version,
        };
        let main_head = self.settings.main_head.clone();
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| {
                    Box::pin(async move {
                        Ok(DecideRecusalState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            officer: r.user_by_username(&cmd.officer).await?,
                            main_head,
                        })
                    })
                },
                domain::case::recusal::decide_recusal,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Adds a record of the investigation; the person questioned (a JSON object of text
    /// fields: name, ID, phone, address, relation to the party) is sealed whole, and the record
    /// keeps the name, the reference and the masked ID.
    pub async fn add_record(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        record: Record,
        questioned: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Result<(Case, Written), AppError> {
        self.add_record_and_evidence(actor, case_id, expected_version, record, questioned, None)
            .await
    }

    /// Adds a record with a file taken on the spot (a photo), sent together from the record
    /// form: the file is registered as evidence of the case (`fields` state it, as an upload
    /// does) and linked from the record, in one transaction — both are written, or neither
    /// is and the bytes are given back.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_record_with_evidence<S>(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        mut record: Record,
        questioned: Option<serde_json::Map<String, serde_json::Value>>,
        fields: &crate::evidence::EvidenceFields,
        body: S,
        ip: &str,
    ) -> Result<(Case, Written), AppError>
    where
        S: futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Unpin + Send,
    {
        require(actor, Capability::EnforcementAct)?;
        // The record's own text is checked before any byte is stored.
        domain::text::check_texts(domain::case::record::record_texts(&record))?;
        let crate::evidence::Prepared { cmd, pin } =
            self.prepare_evidence(actor, fields, body, ip).await?;
        let sha256 = cmd.blob.sha256.clone();
        record.evidence_ids.push(cmd.id);
        let result = self
            .add_record_and_evidence(
                actor,
                case_id,
                expected_version,
                record,
                questioned,
                Some(cmd),
            )
            .await;
        if result.is_err() {
            self.discard_blob(pin, &sha256).await;
        } else {
            drop(pin);
        }
        result
    }

    async fn add_record_and_evidence(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        mut record: Record,
        questioned: Option<serde_json::Map<String, serde_json::Value>>,
        evidence: Option<domain::evidence::RegisterEvidence>,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        domain::text::check_texts(domain::case::record::record_texts(&record))?;
        let mut sealed = Vec::new();
        if let (RecordContent::Questioning { person, .. }, Some(q)) =
            (&mut record.content, questioned)
        {
            domain::text::check_texts(
                q.values()
                    .map(|v| ("person", v.as_str().unwrap_or(""), false)),
            )?;
            if q.values()
                .any(|v| v.as_str().is_none_or(|s| s.chars().count() > 200))
            {
                return Err(AppError::Refused(Refusal::one(
                    domain::RefusalKind::Invalid,
                    domain::Reason::new("record.person_form").field("person"),
                )));
            }
            let county = self.case(actor, case_id).await?.county_code;
            person.id_number_masked = q
                .get("id_number")
                .and_then(|v| v.as_str())
                .filter(|n| !n.trim().is_empty())
                .map(|n| domain::sealed::mask_id_number(n.trim()))
                .unwrap_or_default();
            let (reference, write) =
                self.seal(SealedKind::Party, &county, &serde_json::Value::Object(q))?;
            person.reference = reference;
            sealed.push(write);
        }
        record.id = Uuid::now_v7();
        let cmd = AddRecordWithEvidence {
            evidence,
            record: AddRecord {
                case_id,
                record,
                expected_version,
            },
        };
        let committed = self
            .command_with_secrets(
                actor,
                cmd,
                |r, both, now| {
                    Box::pin(async move {
                        let evidence = match &both.evidence {
                            Some(e) => {
                                Some(crate::evidence::register_state(r, &e.data, now.at).await?)
                            }
                            None => None,
                        };
                        let new_evidence = both.evidence.as_ref().map(|e| e.id);
                        let cmd = &both.record;
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let mut people = Vec::new();
                        for name in cmd.record.officers.iter().take(20) {
                            people.push((name.clone(), r.user_by_username(name).await?));
                        }
                        let mut evidence_subjects = Vec::new();
                        for id in cmd.record.evidence_ids.iter().take(101) {
                            // The file sent with the record is written with it: of this case.
                            if Some(*id) == new_evidence {
                                evidence_subjects.push(Some(cmd.case_id));
                                continue;
                            }
                            evidence_subjects
                                .push(r.evidence_by_id(*id).await?.map(|e| e.data.subject_id));
                        }
                        let corrected_kind = match cmd.record.corrects {
                            Some(id) => r.record_kind(cmd.case_id, id).await?,
                            None => None,
                        };
                        Ok(AddRecordWithEvidenceState {
                            evidence,
                            record: AddRecordState {
                                case,
                                people,
                                evidence_subjects,
                                corrected_kind,
                                now: now.at,
                            },
                        })
                    })
                },
                domain::case::record::decide_add_record_with_evidence,
                move |_, _| sealed,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A case's records, in the order recorded (404 outside the reader's reach).
    pub async fn case_records(
        &self,
        actor: &Actor,
        case_id: Uuid,
    ) -> Result<Vec<store::RecordEntry>, AppError> {
        let case = self.case(actor, case_id).await?;
        Ok(self.store.case_records(case.id).await?)
    }

    /// An officer of the case reports the end of the investigation; the case goes to review.
    pub async fn submit_report(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: SubmitReport,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = SubmitReport {
            case_id,
            expected_version,
            ..cmd
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let mut evidence_subjects = Vec::new();
                        for id in cmd.evidence_ids.iter().take(201) {
                            evidence_subjects
                                .push(r.evidence_by_id(*id).await?.map(|e| e.data.subject_id));
                        }
                        Ok(SubmitReportState {
                            case,
                            evidence_subjects,
                        })
                    })
                },
                domain::case::review::decide_submit_report,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// An officer of the case issues the advance notice (after a review that agreed): the
    /// penalties, facts, reasons and legal basis, and whether they give a hearing right.
    pub async fn issue_advance_notice(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: domain::case::notice::IssueAdvanceNotice,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = domain::case::notice::IssueAdvanceNotice {
            case_id,
            id: Uuid::now_v7(),
            expected_version,
            ..cmd
        };
        let rules = self.settings.hearing;
        let statement_days = self.settings.statement_days;
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(domain::case::notice::IssueAdvanceNoticeState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            rules,
                            statement_days,
                            today: now.today,
                        })
                    })
                },
                domain::case::notice::decide_issue_advance_notice,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// The detachment leader or a legal reviewer who did not investigate reviews the case.
    pub async fn record_review(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: RecordReview,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseReview)?;
        let cmd = RecordReview {
            case_id,
            expected_version,
            ..cmd
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| Box::pin(async move { case_or_missing(r, cmd.case_id).await }),
                domain::case::review::decide_record_review,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Records an attempt to intervene in a case (any officer in whose reach the case lies):
    /// the record's id and what was written.
    pub async fn record_interference(
        &self,
        actor: &Actor,
        case_id: Uuid,
        who: String,
        when: domain::Timestamp,
        how: String,
        what_was_asked: String,
    ) -> Result<(Uuid, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = RecordInterference {
            id: Uuid::now_v7(),
            case_id,
            who,
            when,
            how,
            what_was_asked,
        };
        let id = cmd.id;
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        Ok(InterferenceState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            now: now.at,
                        })
                    })
                },
                domain::case::interference::decide_record_interference,
            )
            .await?;
        Ok((id, written(&committed)))
    }

    /// The records of interference of a month (`YYYY-MM`), for who may read them.
    pub async fn interference(
        &self,
        actor: &Actor,
        month: &str,
    ) -> Result<Vec<domain::case::interference::InterferenceRecorded>, AppError> {
        let scope = crate::scope(actor, Capability::InterferenceRead)?;
        Ok(self.store.interference(&scope, month).await?)
    }

    /// The numbers of the cases these records concern, for their readers (who may not read the
    /// cases themselves: the audit administrator): read within the same reach as the records.
    pub async fn interference_case_numbers(
        &self,
        actor: &Actor,
        records: &[domain::case::interference::InterferenceRecorded],
    ) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
        let scope = crate::scope(actor, Capability::InterferenceRead)?;
        let mut out = std::collections::HashMap::new();
        for r in records {
            if out.contains_key(&r.case_id) {
                continue;
            }
            if let Some(number) = self
                .store
                .case(&scope, r.case_id)
                .await?
                .and_then(|c| c.number)
            {
                out.insert(r.case_id, number);
            }
        }
        Ok(out)
    }

    /// Proposes a preservation of evidence (two officers of the case); in an emergency it
    /// takes effect at once and waits for a head's approval afterwards.
    pub async fn preserve_evidence(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        items: Vec<PreservedItem>,
        officers: Vec<String>,
        emergency: bool,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        domain::text::check_texts(officers.iter().map(|o| ("officers", o.as_str(), false)))?;
        let cmd = Preserve {
            case_id,
            preservation_id: Uuid::now_v7(),
            items,
            officers,
            emergency,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let mut people = Vec::new();
                        for name in cmd.officers.iter().take(20) {
                            people.push((name.clone(), r.user_by_username(name).await?));
                        }
                        Ok(PreserveState {
                            case,
                            people,
                            now: now.at,
                        })
                    })
                },
                domain::case::preservation::decide_preserve,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// A head approves or rejects a preservation.
    pub async fn decide_preservation_approval(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        preservation_id: Option<Uuid>,
        approve: bool,
        text: String,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::CaseApprove)?;
        let cmd = DecidePreservationApproval {
            case_id,
            preservation_id,
            approve,
            text,
            expected_version,
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        Ok(PreservationApprovalState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            now: now.at,
                        })
                    })
                },
                domain::case::preservation::decide_preservation_approval,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Decides what becomes of preserved items (within 7 working days of taking effect).
    pub async fn decide_preserved(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        preservation_id: Option<Uuid>,
        action: PreservedAction,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = DecidePreserved {
            case_id,
            preservation_id,
            action,
            expected_version,
        };
        let calendar = self.calendar();
        let approval_hours = self.settings.preservation_approval_hours;
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(DecidePreservedState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            calendar: (*calendar).clone(),
                            now: now.at,
                            approval_hours,
                        })
                    })
                },
                domain::case::preservation::decide_preserved,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// Where a preservation stands now (pending, in effect, decided, lapsed; approval overdue).
    pub fn preservation_standing(
        &self,
        p: &domain::case::preservation::Preservation,
    ) -> domain::case::preservation::Standing {
        p.standing(
            &self.calendar(),
            self.clock.now(),
            self.settings.preservation_approval_hours,
        )
    }

    /// One case within the actor's reach (404 otherwise).
    pub async fn case(&self, actor: &Actor, id: Uuid) -> Result<Case, AppError> {
        let scope = crate::scope(actor, Capability::CaseRead)?;
        self.store
            .case(&scope, id)
            .await?
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))
    }

    /// The cases under a filter, as the store finds them.
    pub async fn cases(
        &self,
        actor: &Actor,
        filter: CaseFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Case>, AppError> {
        let scope = crate::scope(actor, Capability::CaseRead)?;
        Ok(self
            .store
            .cases(&scope, &filter, per_page, (page - 1) * per_page)
            .await?)
    }

    /// Up to `limit` cases of the filter after `after`, by id (see [`store::CaseQueries::cases_after`]).
    pub async fn cases_after(
        &self,
        actor: &Actor,
        filter: &CaseFilter,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Case>, AppError> {
        let scope = crate::scope(actor, Capability::CaseRead)?;
        Ok(self.store.cases_after(&scope, filter, after, limit).await?)
    }

    /// The cases a list shows: under the "overdue" filter (`registered_by` set to
    /// [`App::overdue_registered_by`]) only those whose deadline has truly passed.
    pub async fn listed_cases(
        &self,
        actor: &Actor,
        filter: CaseFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Case>, AppError> {
        let scope = crate::scope(actor, Capability::CaseRead)?;
        if filter.registered_by.is_none() {
            return Ok(self
                .store
                .cases(&scope, &filter, per_page, (page - 1) * per_page)
                .await?);
        }
        // Overdue: the store finds the cases registered early enough to be overdue by 90 days;
        // extensions and tolled periods move each one's deadline, so each is evaluated here and
        // the page is cut from those whose deadline has truly passed.
        let (calendar, today) = (self.calendar(), self.today());
        let mut overdue = Vec::new();
        for chunk in 0..OVERDUE_PAGES {
            let p = self
                .store
                .cases(&scope, &filter, OVERDUE_CHUNK, chunk * OVERDUE_CHUNK)
                .await?;
            let n = p.items.len() as i64;
            overdue.extend(p.items.into_iter().filter(|c| {
                c.deadline(&calendar, today)
                    .is_some_and(|(_, d)| d.due < today)
            }));
            if n < OVERDUE_CHUNK {
                break;
            }
        }
        let total = overdue.len() as i64;
        let items = overdue
            .into_iter()
            .skip(((page - 1) * per_page).max(0) as usize)
            .take(per_page.max(0) as usize)
            .collect();
        Ok(Page { items, total })
    }

    /// The open cases a clue may join (the page's merge list): of the clue's county, pending
    /// registration or registered, and of the clue's entity when it names one — what
    /// `decide_merge_clue` accepts, so a choice from the list is not refused for its case.
    pub async fn merge_candidates(
        &self,
        actor: &Actor,
        clue: &Clue,
    ) -> Result<Vec<Case>, AppError> {
        let mut out = Vec::new();
        for stage in [
            domain::case::registration::CaseStage::Registered,
            domain::case::registration::CaseStage::PendingRegistration,
        ] {
            let filter = CaseFilter {
                stage: stage.as_str().to_owned(),
                county: clue.data.county_code.clone(),
                ..Default::default()
            };
            let mut page = 1;
            loop {
                let p = self.cases(actor, filter.clone(), page, 200).await?;
                let n = p.items.len();
                out.extend(p.items.into_iter().filter(|c| {
                    domain::case::registration::open(c)
                        && clue
                            .data
                            .entity_id
                            .is_none_or(|e| c.facts.entity_id == Some(e))
                }));
                if n < 200 || page >= 10 {
                    break;
                }
                page += 1;
            }
        }
        Ok(out)
    }

    /// The officers who propose cases within the reader's reach (the case list's officer
    /// filter): login name and display name, by name.
    pub async fn case_officers(&self, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
        let reach = domain::permission::reach(actor, Capability::CaseRead)?;
        let mut out: Vec<(String, String)> = self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| {
                domain::permission::roles_allow(&u.roles, Capability::CaseRegister)
                    && match (&reach, &u.counties) {
                        (None, _) => true,
                        (Some(_), None) => true,
                        (Some(mine), Some(theirs)) => theirs.iter().any(|c| mine.contains(c)),
                    }
            })
            .map(|u| (u.username, u.display_name))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The ledger entries of a case and of the clue it came from (404 outside the actor's
    /// reach; every entry concerns the case's county, so a reader of the case sees them all).
    pub async fn case_timeline(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<store::TimelineEntry>, AppError> {
        let case = self.case(actor, id).await?;
        let confidential_ok = domain::permission::allows(actor, Capability::InterferenceRead);
        Ok(self
            .store
            .case_timeline(case.id, case.clue_id)
            .await?
            .into_iter()
            // Records of interference are not the case officers' to read.
            .filter(|t| confidential_ok || !domain::event::confidential_schema(&t.schema))
            .collect())
    }

    /// What waits for the signed-in head's approval: registrations and cancellations of cases,
    /// extensions of the time to decide on clues.
    pub async fn approvals(&self, actor: &Actor) -> Result<(Vec<Case>, Vec<Clue>), AppError> {
        let scope = crate::scope(actor, Capability::CaseApprove)?;
        Ok((
            self.store.awaiting_approval(&scope).await?,
            self.store.extensions_awaiting_approval(&scope).await?,
        ))
    }

    /// The last registration day whose case deadline has passed today, for the "overdue"
    /// filter: every case registered on or before it is overdue and none after.
    pub fn overdue_registered_by(&self) -> chrono::NaiveDate {
        let today = self.today();
        tasks::last_registration_due_by(&self.calendar(), today, today.pred_opt().unwrap_or(today))
    }

    /// The assigned officers whose certificate ends before the case falls due (flagged on the
    /// workspace: they can no longer act once it has).
    pub async fn certificates_expiring(&self, case: &Case) -> Result<Vec<String>, AppError> {
        let (Some(team), Some((_, due))) = (&case.team, self.case_deadline(case)) else {
            return Ok(Vec::new());
        };
        let users = self.store.users_named(&team.officers).await?;
        Ok(team
            .officers
            .iter()
            .filter(|o| {
                users
                    .iter()
                    .find(|u| &u.username == *o)
                    .and_then(|u| u.certificate.as_ref())
                    .is_none_or(|c| c.valid_until < due.due)
            })
            .cloned()
            .collect())
    }

    /// The case deadline, evaluated now: its rule and the day it falls due.
    pub fn case_deadline(
        &self,
        case: &Case,
    ) -> Option<(domain::calendar::DeadlineRule, domain::calendar::Deadline)> {
        case.deadline(&self.calendar(), self.today())
    }
}

async fn clue_or_missing(r: &mut dyn store::Reader, id: Uuid) -> Result<Clue, store::StoreError> {
    r.clue_by_id(id).await?.ok_or(store::StoreError::NotFound)
}

async fn case_or_missing(r: &mut dyn store::Reader, id: Uuid) -> Result<Case, store::StoreError> {
    r.case_by_id(id).await?.ok_or(store::StoreError::NotFound)
}
