//! The sealed store: encrypted records of personal data (`sealed_records`, not a projection,
//! written by [`crate::SecretWrite::Sealed`] beside the command's events) and the trail of who
//! saw or erased which (`sealed_access`, the projection of `sealed.viewed/v1` and
//! `sealed.erased/v1`).

use super::queries::corrupt;
use super::{Exec, ReadFn, Row, SqlBackend, Value, query_opt};
use crate::{SealedQueries, SealedRecord, StoreError};
use async_trait::async_trait;
use domain::sealed::SealedKind;
use domain::{Event, Payload};

const INSERT_RECORD: &str = "INSERT INTO sealed_records (reference, record_id, salt, kind, \
     county_code, key_id, nonce, ciphertext, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const RECORD: &str = "SELECT reference, record_id, salt, kind, county_code, key_id, nonce, \
     ciphertext, created_at FROM sealed_records WHERE reference = $1";
const DELETE_RECORD: &str = "DELETE FROM sealed_records WHERE reference = $1";
const OTHER_KEY: &str = "SELECT key_id FROM sealed_records WHERE key_id <> $1 LIMIT 1";
const COUNT: &str = "SELECT COUNT(*) FROM sealed_records";
const INSERT_ACCESS: &str = "INSERT INTO sealed_access (event_id, reference, county_code, at, \
     actor, kind, statement) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(super) const TABLES: &[super::Projection] =
    &[crate::projection!("sealed_access", order_by "event_id")];

/// Applies a sealed-store event; `None` for events of other kinds. The record itself is not
/// touched here: its row is written and deleted by secrets, which replay never sees.
pub(crate) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    let (reference, county, kind, statement) = match &event.payload {
        Payload::SealedViewed(p) => (&p.reference, &p.county_code, "viewed", &p.purpose),
        Payload::SealedErased(p) => (&p.reference, &p.county_code, "erased", &p.reason),
        _ => return Ok(None),
    };
    let values: [Value; 7] = [
        event.id.into(),
        reference.as_str().into(),
        county.as_str().into(),
        event.at.into(),
        event.actor.name.as_str().into(),
        kind.into(),
        statement.as_str().into(),
    ];
    Ok(Some(exec.execute(INSERT_ACCESS, &values).await?))
}

pub(crate) async fn insert(exec: &mut dyn Exec, r: &SealedRecord) -> Result<(), StoreError> {
    exec.execute(
        INSERT_RECORD,
        &[
            r.reference.as_str().into(),
            r.record_id.into(),
            r.salt.as_slice().into(),
            r.kind.as_str().into(),
            r.county_code.as_str().into(),
            r.key_id.as_str().into(),
            r.nonce.as_slice().into(),
            r.ciphertext.as_slice().into(),
            r.created_at.into(),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn erase(exec: &mut dyn Exec, reference: &str) -> Result<(), StoreError> {
    let n = exec.execute(DELETE_RECORD, &[reference.into()]).await?;
    if n != 1 {
        // The decision read the row in this transaction; anything else is a broken store.
        return Err(corrupt(format!(
            "erasing sealed record {reference} deleted {n} rows"
        )));
    }
    Ok(())
}

fn record_from_row(r: &Row) -> Result<SealedRecord, StoreError> {
    let kind = r.text(3)?;
    Ok(SealedRecord {
        reference: r.text(0)?,
        record_id: r.uuid(1)?,
        salt: r.bytes(2)?,
        kind: SealedKind::parse(&kind)
            .ok_or_else(|| corrupt(format!("unknown sealed record kind {kind}")))?,
        county_code: r.text(4)?,
        key_id: r.text(5)?,
        nonce: r.bytes(6)?,
        ciphertext: r.bytes(7)?,
        created_at: r.time(8)?,
    })
}

pub(crate) async fn record(
    exec: &mut dyn Exec,
    reference: &str,
) -> Result<Option<SealedRecord>, StoreError> {
    query_opt(exec, RECORD, &[reference.into()])
        .await?
        .as_ref()
        .map(record_from_row)
        .transpose()
}

#[async_trait]
impl<B: SqlBackend> SealedQueries for B {
    async fn sealed_record(&self, reference: &str) -> Result<Option<SealedRecord>, StoreError> {
        let reference = reference.to_owned();
        run!(self, |e| record(e, &reference).await)
    }

    async fn sealed_key_other_than(&self, key_id: &str) -> Result<Option<String>, StoreError> {
        let key_id = key_id.to_owned();
        run!(self, |e| query_opt(e, OTHER_KEY, &[key_id.into()])
            .await?
            .map(|r| r.text(0))
            .transpose())
    }

    async fn sealed_count(&self) -> Result<i64, StoreError> {
        run!(self, |e| super::query_one(e, COUNT, &[]).await?.i64(0))
    }
}
