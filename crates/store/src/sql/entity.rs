//! The register of regulated entities: applying its events.

use super::projection::{Projection, to_json};
use super::{Exec, Value};
use crate::StoreError;
use domain::Event;
use domain::entity::EntityData;
use domain::event::Payload;

pub(super) const TABLES: &[Projection] = &[crate::projection!("entities", order_by "id")];

const INSERT_ENTITY: &str = "INSERT INTO entities (id, uscc, name, name_key, county_code, \
     industry_code, class, address, legal_representative, lat_e6, lon_e6, outlets, permit, \
     search_text, demo, version, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $16)";
const UPDATE_ENTITY: &str = "UPDATE entities SET uscc = $2, name = $3, name_key = $4, \
     county_code = $5, industry_code = $6, class = $7, address = $8, legal_representative = $9, \
     lat_e6 = $10, lon_e6 = $11, outlets = $12, permit = $13, search_text = $14, \
     version = version + 1, updated_at = $15 WHERE id = $1";

/// The columns an entity's data fills, in statement order after `id` ($2..$14).
fn entity_values(d: &EntityData) -> Result<Vec<Value>, StoreError> {
    let search = [
        d.name.as_str(),
        d.uscc.as_str(),
        d.address.as_str(),
        d.legal_representative.as_str(),
    ]
    .join("\n")
    .to_lowercase();
    Ok(vec![
        d.uscc.as_str().into(),
        d.name.as_str().into(),
        Value::Bytes(Some(domain::collation::name_key(&d.name).into_bytes())),
        d.county_code.as_str().into(),
        d.industry_code.as_str().into(),
        d.class.as_str().into(),
        d.address.as_str().into(),
        d.legal_representative.as_str().into(),
        d.lat_e6.into(),
        d.lon_e6.into(),
        to_json(&d.outlets)?.into(),
        d.permit.as_ref().map(to_json).transpose()?.into(),
        search.into(),
    ])
}

/// Applies an entity event; `None` for events of other kinds.
pub(super) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    let at: Value = event.at.into();
    Ok(Some(match &event.payload {
        Payload::EntityRegistered(p) => {
            let mut values = vec![p.id.into()];
            values.extend(entity_values(&p.data)?);
            values.push(p.demo.into());
            values.push(at);
            exec.execute(INSERT_ENTITY, &values).await?
        }
        Payload::EntityUpdated(p) => {
            let mut values = vec![p.id.into()];
            values.extend(entity_values(&p.data)?);
            values.push(at);
            exec.execute(UPDATE_ENTITY, &values).await?
        }
        _ => return Ok(None),
    }))
}
