//! The register of regulated entities: scoped queries and the two commands.

use crate::command::committed;
use crate::industry::EmbeddedClasses;
use crate::{App, AppError};
use domain::entity::{
    Entity, EntityData, RegisterEntity, RegisterState, UpdateEntity, UpdateState,
};
use domain::event::Payload;
use domain::permission::Capability;
use domain::{Actor, Refusal};
use store::{EntityFilter, Page, Scope};
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
        let offset = (page - 1) * per_page;
        if !filter.q.trim().is_empty() {
            return self.search_entities(&scope, filter, offset, per_page).await;
        }
        Ok(self
            .store
            .entities(&scope, filter, offset, per_page)
            .await?)
    }

    /// Every entity the actor may see under the filter, in list order, up to `max`: what an
    /// export holds. Without words it walks the list by key (each batch costs the same); with
    /// words, page by page through the search index.
    pub async fn all_entities(
        &self,
        actor: &Actor,
        filter: &EntityFilter,
        max: usize,
    ) -> Result<Vec<Entity>, AppError> {
        const BATCH: i64 = 500;
        let scope = crate::scope(actor, Capability::EntityRead)?;
        let mut out = Vec::new();
        if filter.q.trim().is_empty() {
            let mut after = None;
            while out.len() < max {
                let rows = self
                    .store
                    .entities_after_key(&scope, filter, after.as_ref(), BATCH)
                    .await?;
                let n = rows.len() as i64;
                if let Some((last, key)) = rows.last() {
                    after = Some((key.clone(), last.id));
                }
                out.extend(rows.into_iter().map(|(e, _)| e));
                if n < BATCH {
                    break;
                }
            }
        } else {
            let mut offset = 0;
            while out.len() < max {
                let page = self.search_entities(&scope, filter, offset, BATCH).await?;
                let n = page.items.len() as i64;
                out.extend(page.items);
                offset += n;
                if n < BATCH {
                    break;
                }
            }
        }
        out.truncate(max);
        Ok(out)
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
        // Before the load, which looks the USCC up: PostgreSQL refuses a NUL outright.
        domain::text::check_texts([("uscc", data.uscc.as_str(), false)])?;
        let cmd = RegisterEntity {
            id: Uuid::now_v7(),
            data,
            demo,
        };
        let prefecture_code = self.settings.prefecture_code.clone();
        let counties = self.counties();
        let written = self
            .command(
                actor,
                cmd,
                |r, cmd, _| {
                    Box::pin(async move {
                        Ok(RegisterState {
                            prefecture_code,
                            counties,
                            industries: &EmbeddedClasses,
                            uscc_taken: r.uscc_taken(&cmd.data.uscc).await?,
                        })
                    })
                },
                domain::entity::decide_register,
            )
            .await?;
        committed(&written, "entity.registered", |p| match p {
            Payload::EntityRegistered(e) => Some(Entity {
                id: e.id,
                data: e.data.clone(),
                demo: e.demo,
                version: 1,
            }),
            _ => None,
        })
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
        let cmd = UpdateEntity {
            id,
            data,
            expected_version,
        };
        let prefecture_code = self.settings.prefecture_code.clone();
        let counties = self.counties();
        self.command(
            actor,
            cmd,
            |r, cmd, _| {
                Box::pin(async move {
                    Ok(UpdateState {
                        prefecture_code,
                        counties,
                        industries: &EmbeddedClasses,
                        current: r.entity_by_id(cmd.id).await?,
                    })
                })
            },
            domain::entity::decide_update,
        )
        .await?;
        // The decision kept any new county within the actor's reach, so no scope is needed here.
        self.store
            .entity(&Scope::all(), id)
            .await?
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))
    }
}
