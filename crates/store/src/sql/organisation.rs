//! The organisation: units and users (their projections; credentials are not projections).

use super::projection::{Projection, to_json};
use super::{Exec, Value};
use crate::StoreError;
use domain::Event;
use domain::event::Payload;

/// Parents before children: users refer to units.
pub(super) const TABLES: &[Projection] = &[
    crate::projection!("units", order_by "id"),
    crate::projection!("users", order_by "id"),
];

const INSERT_UNIT: &str = "INSERT INTO units (id, code, kind, name_zh, name_en, parent_id, \
     division_code, demo, version, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)";
const RENAME_UNIT: &str = "UPDATE units SET name_zh = $2, name_en = $3, version = version + 1, \
     updated_at = $4 WHERE id = $1";
const INSERT_USER: &str = "INSERT INTO users (id, username, display_name, unit_id, roles, \
     counties, demo, version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)";
const SET_ACCESS: &str =
    "UPDATE users SET roles = $2, counties = $3, version = version + 1 WHERE id = $1";
const SET_DISABLED: &str = "UPDATE users SET disabled = $2, version = version + 1 WHERE id = $1";
const EDIT_USER: &str =
    "UPDATE users SET display_name = $2, unit_id = $3, version = version + 1 WHERE id = $1";
const TOUCH_USER: &str = "UPDATE users SET version = version + 1 WHERE id = $1";
const CERTIFY_USER: &str = "UPDATE users SET certificate = $2, version = version + 1 WHERE id = $1";
const QUALIFY_REVIEWER: &str =
    "UPDATE users SET legal_qualification = $2, version = version + 1 WHERE id = $1";

/// Applies a unit or user event; `None` for events of other kinds.
pub(super) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    let at: Value = event.at.into();
    Ok(Some(match &event.payload {
        Payload::UnitCreated(p) => {
            exec.execute(
                INSERT_UNIT,
                &[
                    p.id.into(),
                    p.code.as_str().into(),
                    p.kind.as_str().into(),
                    p.name_zh.as_str().into(),
                    p.name_en.as_str().into(),
                    p.parent_id.into(),
                    p.division_code.as_str().into(),
                    p.demo.into(),
                    at,
                ],
            )
            .await?
        }
        Payload::UnitRenamed(p) => {
            exec.execute(
                RENAME_UNIT,
                &[
                    p.id.into(),
                    p.name_zh.as_str().into(),
                    p.name_en.as_str().into(),
                    at,
                ],
            )
            .await?
        }
        Payload::UserCreated(p) => {
            exec.execute(
                INSERT_USER,
                &[
                    p.id.into(),
                    p.username.as_str().into(),
                    p.display_name.as_str().into(),
                    p.unit_id.into(),
                    to_json(&p.roles)?.into(),
                    p.counties.as_ref().map(to_json).transpose()?.into(),
                    p.demo.into(),
                    at,
                ],
            )
            .await?
        }
        Payload::ReviewerQualified(p) => {
            exec.execute(
                QUALIFY_REVIEWER,
                &[p.user_id.into(), to_json(&p.qualification)?.into()],
            )
            .await?
        }
        Payload::OfficerCertified(p) => {
            exec.execute(
                CERTIFY_USER,
                &[p.user_id.into(), to_json(&p.certificate)?.into()],
            )
            .await?
        }
        Payload::UserAccessChanged(p) => {
            exec.execute(
                SET_ACCESS,
                &[
                    p.user_id.into(),
                    to_json(&p.roles)?.into(),
                    p.counties.as_ref().map(to_json).transpose()?.into(),
                ],
            )
            .await?
        }
        Payload::UserDisabled(p) => {
            exec.execute(SET_DISABLED, &[p.user_id.into(), p.disabled.into()])
                .await?
        }
        Payload::UserEdited(p) => {
            exec.execute(
                EDIT_USER,
                &[
                    p.user_id.into(),
                    p.display_name.as_str().into(),
                    p.unit_id.into(),
                ],
            )
            .await?
        }
        Payload::CredentialReset(p) => exec.execute(TOUCH_USER, &[p.user_id.into()]).await?,
        _ => return Ok(None),
    }))
}
