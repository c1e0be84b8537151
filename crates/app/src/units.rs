//! Commands and queries on the organisation's units.

use crate::{App, AppError, envelop};
use domain::event::Payload;
use domain::unit::{CreateUnit, CreateUnitState, RenameUnit, Unit, UnitKind};
use domain::{Actor, Refusal};
use store::{Changes, Decide, Reader};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct NewUnit {
    pub code: String,
    pub kind: UnitKind,
    pub name_zh: String,
    pub name_en: String,
    pub parent_id: Option<Uuid>,
    pub division_code: String,
    pub demo: bool,
}

impl App {
    pub async fn create_unit(&self, actor: &Actor, input: NewUnit) -> Result<Unit, AppError> {
        let id = Uuid::now_v7();
        let cmd = CreateUnit {
            id,
            code: input.code,
            kind: input.kind,
            name_zh: input.name_zh,
            name_en: input.name_en,
            parent_id: input.parent_id,
            division_code: input.division_code,
            demo: input.demo,
        };
        let actor = actor.clone();
        let clock = self.clock.clone();
        let prefecture_code = self.settings.prefecture_code.clone();
        let decide: Decide = Box::new(move |r: &mut dyn Reader| {
            Box::pin(async move {
                let code_taken = r.unit_by_code(&cmd.code).await?.is_some();
                let parent = match cmd.parent_id {
                    Some(p) => r.unit_by_id(p).await?,
                    None => None,
                };
                let state = CreateUnitState {
                    prefecture_code,
                    code_taken,
                    parent,
                };
                let payloads = domain::unit::decide_create(&state, &actor, &cmd)?;
                Ok(Changes {
                    events: envelop(payloads, &actor, clock.now()),
                    secrets: Vec::new(),
                })
            })
        });
        let committed = self.write(decide).await?;
        committed
            .iter()
            .find_map(|r| match &r.event.payload {
                Payload::UnitCreated(e) if e.id == id => Some(Unit::created(e)),
                _ => None,
            })
            .ok_or_else(|| AppError::Internal("a created unit has no unit.created event".into()))
    }

    pub async fn rename_unit(&self, actor: &Actor, cmd: RenameUnit) -> Result<Unit, AppError> {
        let id = cmd.id;
        let actor = actor.clone();
        let clock = self.clock.clone();
        let decide: Decide = Box::new(move |r: &mut dyn Reader| {
            Box::pin(async move {
                let unit = r.unit_by_id(cmd.id).await?;
                let payloads = domain::unit::decide_rename(unit.as_ref(), &actor, &cmd)?;
                Ok(Changes {
                    events: envelop(payloads, &actor, clock.now()),
                    secrets: Vec::new(),
                })
            })
        });
        self.write(decide).await?;
        self.unit(id).await
    }

    pub async fn units(&self) -> Result<Vec<Unit>, AppError> {
        let mut units = self.store.units().await?;
        units.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(units)
    }

    pub async fn unit(&self, id: Uuid) -> Result<Unit, AppError> {
        self.store
            .unit(id)
            .await?
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))
    }
}
