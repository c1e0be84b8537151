//! Documents issued in cases: the projection of `document.issued/v1` and `document.signed/v1`
//! (`documents`, part of the case feature) and the issued PDFs (`document_files`, written by
//! [`crate::SecretWrite::DocumentFile`] beside the issuing event, never rebuilt by replay).

use super::projection::{corrupt, to_json};
use super::{Exec, ReadFn, Row, SqlBackend, Value, query_opt};
use crate::{DocumentQueries, StoreError};
use async_trait::async_trait;
use domain::case::document::{Document, DocumentIssued, SignatureEntry};
use domain::{Event, Payload};
use uuid::Uuid;

const INSERT: &str = "INSERT INTO documents (id, case_id, county_code, kind, issued, \
     verify_code, event_id, signatures, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, '[]', $8)";
const SIGNATURES: &str = "SELECT signatures FROM documents WHERE id = $1";
const SET_SIGNATURES: &str = "UPDATE documents SET signatures = $2 WHERE id = $1";
const INSERT_FILE: &str = "INSERT INTO document_files (document_id, pdf) VALUES ($1, $2)";
const FILE: &str = "SELECT pdf FROM document_files WHERE document_id = $1";
/// `$2`: the scope pattern.
const OF_CASE: &str = "SELECT issued, signatures FROM documents WHERE case_id = $1 \
     AND ($2 = '' OR $2 LIKE '%,' || county_code || ',%') ORDER BY issued_at, id";
const OF_KIND: &str = "SELECT issued, signatures FROM documents WHERE case_id = $1 AND kind = $2 \
     ORDER BY issued_at, id";
const BY_ID: &str = "SELECT issued, signatures FROM documents WHERE id = $1";
const BY_CODE: &str = "SELECT issued, signatures, event_id FROM documents WHERE verify_code = $1";

pub(super) const TABLE: super::Projection = crate::projection!("documents", order_by "id");

/// Applies a document event; `None` for events of other kinds.
pub(super) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    Ok(Some(match &event.payload {
        Payload::DocumentIssued(p) => {
            if let (Some(key), Some(serial)) = (&p.counter_key, p.serial) {
                super::case::take_serial(exec, key, serial).await?;
            }
            exec.execute(
                INSERT,
                &[
                    p.document_id.into(),
                    p.case_id.into(),
                    p.county_code.as_str().into(),
                    p.kind.as_str().into(),
                    to_json(p)?.into(),
                    p.verify_code.as_str().into(),
                    event.id.into(),
                    event.at.into(),
                ],
            )
            .await?
        }
        Payload::DocumentSigned(p) => {
            let row = query_opt(exec, SIGNATURES, &[p.document_id.into()])
                .await?
                .ok_or_else(|| {
                    corrupt(format!("document.signed: no document {}", p.document_id))
                })?;
            let mut list: Vec<SignatureEntry> =
                serde_json::from_str(&row.text(0)?).map_err(corrupt)?;
            list.push(p.entry.clone());
            exec.execute(
                SET_SIGNATURES,
                &[p.document_id.into(), to_json(&list)?.into()],
            )
            .await?
        }
        _ => return Ok(None),
    }))
}

pub(crate) async fn insert_file(
    exec: &mut dyn Exec,
    document_id: Uuid,
    pdf: &[u8],
) -> Result<(), StoreError> {
    exec.execute(INSERT_FILE, &[document_id.into(), pdf.into()])
        .await?;
    Ok(())
}

fn document_from_row(r: &Row) -> Result<Document, StoreError> {
    let issued: DocumentIssued = serde_json::from_str(&r.text(0)?).map_err(corrupt)?;
    let signatures: Vec<SignatureEntry> = serde_json::from_str(&r.text(1)?).map_err(corrupt)?;
    Ok(Document { issued, signatures })
}

pub(crate) async fn document_by_id(
    exec: &mut dyn Exec,
    id: Uuid,
) -> Result<Option<Document>, StoreError> {
    query_opt(exec, BY_ID, &[id.into()])
        .await?
        .as_ref()
        .map(document_from_row)
        .transpose()
}

pub(crate) async fn documents_of_kind(
    exec: &mut dyn Exec,
    case_id: Uuid,
    kind: domain::case::document::DocumentKind,
) -> Result<Vec<Document>, StoreError> {
    exec.query(OF_KIND, &[case_id.into(), kind.as_str().into()])
        .await?
        .iter()
        .map(document_from_row)
        .collect()
}

#[async_trait]
impl<B: SqlBackend> DocumentQueries for B {
    async fn case_documents(
        &self,
        scope: &crate::Scope,
        case_id: Uuid,
    ) -> Result<Vec<Document>, StoreError> {
        let values: Vec<Value> = vec![case_id.into(), scope.pattern().into()];
        run!(self, |e| e
            .query(OF_CASE, &values)
            .await?
            .iter()
            .map(document_from_row)
            .collect::<Result<Vec<_>, _>>())
    }

    async fn document(&self, id: Uuid) -> Result<Option<Document>, StoreError> {
        run!(self, |e| document_by_id(e, id).await)
    }

    async fn document_pdf(&self, id: Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        run!(self, |e| match query_opt(e, FILE, &[id.into()]).await? {
            Some(r) => Ok(Some(r.bytes(0)?)),
            None => Ok(None),
        })
    }

    async fn document_by_code(&self, code: &str) -> Result<Option<(Document, Uuid)>, StoreError> {
        let values: Vec<Value> = vec![code.into()];
        run!(self, |e| match query_opt(e, BY_CODE, &values).await? {
            Some(r) => Ok(Some((document_from_row(&r)?, r.uuid(2)?))),
            None => Ok(None),
        })
    }
}
