//! The register of regulated entities: scoped queries and the two commands.

use crate::industry::EmbeddedClasses;
use crate::{App, AppError, envelop};
use domain::entity::{Entity, EntityData, RegisterState, UpdateState};
use domain::event::Payload;
use domain::permission::Capability;
use domain::{Actor, Refusal};
use store::{Changes, Decide, EntityFilter, Page, Reader, Scope};
use uuid::Uuid;

impl App {
    /// One page of the entities the actor may read (403 for roles that read none).
    pub async fn entities(
        &self,
        actor: &Actor,
        filter: &EntityFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Entity>, AppError> {
        let scope = crate::scope(actor, Capability::EntityRead)?;
        Ok(self
            .store
            .entities(&scope, filter, (page - 1) * per_page, per_page)
            .await?)
    }

    /// One entity; outside the actor's scope it does not exist (404).
    pub async fn entity(&self, actor: &Actor, id: Uuid) -> Result<Entity, AppError> {
        let scope = crate::scope(actor, Capability::EntityRead)?;
        self.store
            .entity(&scope, id)
            .await?
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))
    }

    pub async fn register_entity(
        &self,
        actor: &Actor,
        data: EntityData,
        demo: bool,
    ) -> Result<Entity, AppError> {
        let id = Uuid::now_v7();
        let actor = actor.clone();
        let clock = self.clock.clone();
        let prefecture_code = self.settings.prefecture_code.clone();
        let decide: Decide = Box::new(move |r: &mut dyn Reader| {
            Box::pin(async move {
                let state = RegisterState {
                    prefecture_code: &prefecture_code,
                    industries: &EmbeddedClasses,
                    uscc_taken: r.uscc_taken(&data.uscc).await?,
                };
                let payloads = domain::entity::decide_register(&state, &actor, id, &data, demo)?;
                Ok(Changes {
                    events: envelop(payloads, &actor, clock.now()),
                    secrets: Vec::new(),
                })
            })
        });
        let committed = self.write(decide).await?;
        committed
            .into_iter()
            .find_map(|r| match r.event.payload {
                Payload::EntityRegistered(e) => Some(Entity {
                    id: e.id,
                    data: e.data,
                    demo: e.demo,
                    version: 1,
                }),
                _ => None,
            })
            .ok_or_else(|| AppError::Internal("a registration wrote no event".into()))
    }

    pub async fn update_entity(
        &self,
        actor: &Actor,
        id: Uuid,
        data: EntityData,
        expected_version: i64,
    ) -> Result<Entity, AppError> {
        // Read first with the actor's scope: outside it the entity does not exist.
        self.entity(actor, id).await?;
        let decide_actor = actor.clone();
        let clock = self.clock.clone();
        let prefecture_code = self.settings.prefecture_code.clone();
        let decide: Decide = Box::new(move |r: &mut dyn Reader| {
            Box::pin(async move {
                let state = UpdateState {
                    prefecture_code: &prefecture_code,
                    industries: &EmbeddedClasses,
                    current: r.entity_by_id(id).await?,
                };
                let payloads =
                    domain::entity::decide_update(&state, &decide_actor, &data, expected_version)?;
                Ok(Changes {
                    events: envelop(payloads, &decide_actor, clock.now()),
                    secrets: Vec::new(),
                })
            })
        });
        self.write(decide).await?;
        // The decision kept any new county within the actor's reach, so no scope is needed here.
        self.store
            .entity(&Scope::all(), id)
            .await?
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))
    }
}
