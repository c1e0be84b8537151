//! Commands and queries on the organisation's units.

use crate::command::committed;
use crate::{App, AppError};
use domain::event::Payload;
use domain::unit::{CreateUnit, CreateUnitState, RenameUnit, RenameUnitState, Unit, UnitKind};
use domain::{Actor, Refusal};
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
        // Before the load, which looks the code up: PostgreSQL refuses a NUL outright.
        domain::text::check_texts([
            ("code", input.code.as_str(), false),
            ("name_zh", &input.name_zh, false),
            ("name_en", &input.name_en, false),
            ("division_code", &input.division_code, false),
        ])?;
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
        let prefecture_code = self.settings.prefecture_code.clone();
        let counties = self.counties();
        let written = self
            .command(
                actor,
                cmd,
                |r, cmd, _| {
                    Box::pin(async move {
                        let code_taken = r.unit_by_code(&cmd.code).await?.is_some();
                        let parent = match cmd.parent_id {
                            Some(p) => r.unit_by_id(p).await?,
                            None => None,
                        };
                        Ok(CreateUnitState {
                            prefecture_code,
                            counties,
                            code_taken,
                            parent,
                        })
                    })
                },
                domain::unit::decide_create,
            )
            .await?;
        committed(&written, "unit.created", |p| match p {
            Payload::UnitCreated(e) if e.id == id => Some(Unit::created(e)),
            _ => None,
        })
    }

    pub async fn rename_unit(&self, actor: &Actor, cmd: RenameUnit) -> Result<Unit, AppError> {
        let id = cmd.id;
        self.command(
            actor,
            cmd,
            |r, cmd, _| {
                Box::pin(async move {
                    Ok(RenameUnitState {
                        unit: r.unit_by_id(cmd.id).await?,
                    })
                })
            },
            domain::unit::decide_rename,
        )
        .await?;
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
