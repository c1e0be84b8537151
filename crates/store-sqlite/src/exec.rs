//! [`store::sql::Exec`] on a rusqlite connection.

use async_trait::async_trait;
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, Statement};
use store::StoreError;
use store::sql::{Exec, Row, RowDigest, Value};

pub(crate) struct SqliteExec<'c> {
    pub(crate) conn: &'c mut Connection,
}

/// Placeholder names: the shared SQL uses `$1`, `$2`, …, which SQLite treats as named parameters.
const NAMES: [&str; 24] = [
    "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
    "$16", "$17", "$18", "$19", "$20", "$21", "$22", "$23", "$24",
];

struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::I64(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Bool(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Uuid(Some(u)) => {
                ToSqlOutput::Owned(rusqlite::types::Value::Blob(u.as_bytes().to_vec()))
            }
            Value::Time(Some(t)) => {
                ToSqlOutput::Owned(rusqlite::types::Value::Text(t.to_rfc3339()))
            }
            Value::Null
            | Value::I64(None)
            | Value::Text(None)
            | Value::Bytes(None)
            | Value::Bool(None)
            | Value::Uuid(None)
            | Value::Time(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

fn err(sql: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::Database {
        context: "running a statement",
        message: format!("{e} (in: {})", sql.chars().take(80).collect::<String>()),
    }
}

fn bind(stmt: &mut Statement<'_>, params: &[Value]) -> rusqlite::Result<()> {
    for (i, value) in params.iter().enumerate() {
        // Statements with more parameters than the table (an import's IN list) name the rest.
        let index = match NAMES.get(i) {
            Some(name) => stmt.parameter_index(name)?,
            None => stmt.parameter_index(&format!("${}", i + 1))?,
        };
        if let Some(index) = index {
            stmt.raw_bind_parameter(index, Param(value))?;
        }
    }
    Ok(())
}

fn column(v: ValueRef<'_>) -> rusqlite::Result<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::I64(Some(i)),
        ValueRef::Text(t) => Value::Text(Some(
            std::str::from_utf8(t)
                .map_err(|e| rusqlite::Error::Utf8Error(0, e))?
                .to_owned(),
        )),
        ValueRef::Blob(b) => Value::Bytes(Some(b.to_vec())),
        ValueRef::Real(_) => {
            return Err(rusqlite::Error::InvalidColumnType(
                0,
                "real".into(),
                rusqlite::types::Type::Real,
            ));
        }
    })
}

pub(crate) fn execute(
    conn: &Connection,
    sql: &'static str,
    params: &[Value],
) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(err(sql))?;
    bind(&mut stmt, params).map_err(err(sql))?;
    Ok(stmt.raw_execute().map_err(err(sql))? as u64)
}

pub(crate) fn query(
    conn: &Connection,
    sql: &'static str,
    params: &[Value],
) -> Result<Vec<Row>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(err(sql))?;
    bind(&mut stmt, params).map_err(err(sql))?;
    let n = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(err(sql))? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(column(row.get_ref(i).map_err(err(sql))?).map_err(err(sql))?);
        }
        out.push(Row(values));
    }
    Ok(out)
}

#[async_trait]
impl Exec for SqliteExec<'_> {
    async fn execute(&mut self, sql: &'static str, params: &[Value]) -> Result<u64, StoreError> {
        execute(self.conn, sql, params)
    }

    async fn query(&mut self, sql: &'static str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        query(self.conn, sql, params)
    }

    /// Streams the rows into the digest: a replay check of a million rows keeps none of them.
    async fn digest(&mut self, sql: &'static str) -> Result<(u64, [u8; 32]), StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err(sql))?;
        let n = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut digest = RowDigest::default();
        while let Some(row) = rows.next().map_err(err(sql))? {
            for i in 0..n {
                match row.get_ref(i).map_err(err(sql))? {
                    ValueRef::Null => digest.null(),
                    ValueRef::Integer(v) => digest.i64(v),
                    ValueRef::Text(t) => digest.text(t),
                    ValueRef::Blob(b) => digest.blob(b),
                    // As `query` does: no projection column holds a float.
                    ValueRef::Real(_) => {
                        return Err(err(sql)(rusqlite::Error::InvalidColumnType(
                            i,
                            "real".into(),
                            rusqlite::types::Type::Real,
                        )));
                    }
                }
            }
            digest.end_row();
        }
        Ok(digest.finish())
    }
}
