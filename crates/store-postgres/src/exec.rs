//! [`store::sql::Exec`] on a sqlx PostgreSQL connection.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Column, PgConnection, Postgres, Row as _, TypeInfo};
use store::StoreError;
use store::sql::{Exec, Row, Value};
use uuid::Uuid;

pub(crate) struct PgExec<'c> {
    pub(crate) conn: &'c mut PgConnection,
}

fn err(sql: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::Database {
        context: "running a statement",
        message: format!("{e} (in: {})", sql.chars().take(80).collect::<String>()),
    }
}

fn bind<'q>(
    mut q: Query<'q, Postgres, PgArguments>,
    params: &'q [Value],
) -> Query<'q, Postgres, PgArguments> {
    for p in params {
        q = match p {
            // Only SQLite results carry an untyped NULL; as a parameter, text is the best guess.
            Value::Null => q.bind(None::<String>),
            Value::I64(v) => q.bind(*v),
            Value::Text(v) => q.bind(v.as_deref()),
            Value::Bytes(v) => q.bind(v.as_deref()),
            Value::Bool(v) => q.bind(*v),
            Value::Uuid(v) => q.bind(*v),
            Value::Time(v) => q.bind(v.map(|t| t.as_datetime())),
        };
    }
    q
}

fn decode(row: &PgRow) -> Result<Row, sqlx::Error> {
    let mut values = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let v = match col.type_info().name() {
            "INT8" => Value::I64(row.try_get(i)?),
            "INT4" => Value::I64(row.try_get::<Option<i32>, _>(i)?.map(i64::from)),
            "INT2" => Value::I64(row.try_get::<Option<i16>, _>(i)?.map(i64::from)),
            "TEXT" | "VARCHAR" | "NAME" | "BPCHAR" => Value::Text(row.try_get(i)?),
            "BYTEA" => Value::Bytes(row.try_get(i)?),
            "BOOL" => Value::Bool(row.try_get(i)?),
            "UUID" => Value::Uuid(row.try_get::<Option<Uuid>, _>(i)?),
            "TIMESTAMPTZ" => Value::Time(
                row.try_get::<Option<DateTime<Utc>>, _>(i)?
                    .map(domain::Timestamp::new),
            ),
            other => {
                return Err(sqlx::Error::ColumnDecode {
                    index: col.name().to_owned(),
                    source: format!("column type {other} is not used by ecoenforce").into(),
                });
            }
        };
        values.push(v);
    }
    Ok(Row(values))
}

#[async_trait]
impl Exec for PgExec<'_> {
    async fn execute(&mut self, sql: &'static str, params: &[Value]) -> Result<u64, StoreError> {
        Ok(bind(sqlx::query(sql), params)
            .execute(&mut *self.conn)
            .await
            .map_err(err(sql))?
            .rows_affected())
    }

    async fn query(&mut self, sql: &'static str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        bind(sqlx::query(sql), params)
            .fetch_all(&mut *self.conn)
            .await
            .map_err(err(sql))?
            .iter()
            .map(decode)
            .collect::<Result<_, _>>()
            .map_err(err(sql))
    }
}
