//! The register of regulated entities: applying its events.

use super::projection::{Projection, to_json};
use super::queries::MultiRowInsert;
use super::{Exec, Value};
use crate::StoreError;
use domain::Event;
use domain::entity::EntityData;
use domain::event::Payload;

pub(super) const TABLES: &[Projection] = &[crate::projection!("entities", order_by "id")];

/// A registration's row: [`registration_row`]'s values, in this order.
const INSERT_ENTITIES: &str = "INSERT INTO entities (id, uscc, name, name_key, county_code, \
     industry_code, class, address, legal_representative, lat_e6, lon_e6, outlets, permit, \
     search_text, demo, version, created_at, updated_at)";
const ENTITY_WIDTH: usize = 18;
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

/// The row a registration inserts; `None` for other events.
pub(super) fn registration_row(event: &Event) -> Result<Option<Vec<Value>>, StoreError> {
    let Payload::EntityRegistered(p) = &event.payload else {
        return Ok(None);
    };
    let at: Value = event.at.into();
    let mut values = vec![p.id.into()];
    values.extend(entity_values(&p.data)?);
    values.extend([p.demo.into(), 1i64.into(), at.clone(), at]);
    Ok(Some(values))
}

/// Inserts registrations' rows ([`registration_row`]) together: an import's thousands go in
/// statements of a hundred rows, one round trip each on PostgreSQL instead of one per row.
pub(super) async fn insert_registrations(
    exec: &mut dyn Exec,
    rows: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    let expected = rows.len() as u64;
    static ROWS: MultiRowInsert = MultiRowInsert::new(INSERT_ENTITIES, ENTITY_WIDTH);
    let inserted = ROWS.run(exec, rows).await?;
    if inserted != expected {
        return Err(super::projection::corrupt(format!(
            "{expected} registrations inserted {inserted} rows"
        )));
    }
    Ok(())
}

/// Applies an entity event; `None` for events of other kinds.
pub(super) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    if let Some(row) = registration_row(event)? {
        insert_registrations(exec, vec![row]).await?;
        return Ok(Some(1));
    }
    let at: Value = event.at.into();
    Ok(Some(match &event.payload {
        Payload::EntityUpdated(p) => {
            let mut values = vec![p.id.into()];
            values.extend(entity_values(&p.data)?);
            values.push(at);
            exec.execute(UPDATE_ENTITY, &values).await?
        }
        _ => return Ok(None),
    }))
}
