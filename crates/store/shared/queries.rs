// Portable statements, compiled into both backends with `#[path]`. The including module defines
// `Db` (the sqlx database), `DbConn` (its connection) and `Backend` (a struct with `pool`).
//
// Rules for this file: `$N` placeholders only; no `now()` or random defaults (every value comes
// from the event); UUIDs bound as `Uuid`; instants bound as `DateTime<Utc>`; JSON kept as TEXT.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::event::Payload;
use domain::unit::{Unit, UnitKind};
use domain::user::User;
use domain::{Event, Role, Timestamp};
use sqlx::Row;
use store::{
    Changes, Credential, EventRecord, Queries, ReplayReport, Scope, SecretWrite, Session, Snapshot,
    StoreError,
};
use uuid::Uuid;

use super::{Backend, Db, DbConn};

type DbRow = <Db as sqlx::Database>::Row;

fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::database(context, e)
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(corrupt)
}

// ---------------------------------------------------------------------------------------------
// The log
// ---------------------------------------------------------------------------------------------

const INSERT_EVENT: &str =
    "INSERT INTO events (seq, id, schema, at, actor, payload) VALUES ($1, $2, $3, $4, $5, $6)";
const INSERT_EVENT_COUNTY: &str = "INSERT INTO event_counties (seq, county) VALUES ($1, $2)";
const SET_LOG_SIZE: &str = "UPDATE log_head SET size = $1 WHERE id = 1";
const LOG_SIZE: &str = "SELECT size FROM log_head WHERE id = 1";

pub(crate) async fn log_size(conn: &mut DbConn) -> Result<i64, StoreError> {
    sqlx::query(LOG_SIZE)
        .fetch_one(&mut *conn)
        .await
        .and_then(|r| r.try_get::<i64, _>(0))
        .map_err(db("reading the log size"))
}

pub(crate) async fn set_log_size(conn: &mut DbConn, size: i64) -> Result<(), StoreError> {
    sqlx::query(SET_LOG_SIZE)
        .bind(size)
        .execute(&mut *conn)
        .await
        .map_err(db("advancing the log head"))?;
    Ok(())
}

async fn insert_event(conn: &mut DbConn, seq: i64, event: &Event) -> Result<(), StoreError> {
    sqlx::query(INSERT_EVENT)
        .bind(seq)
        .bind(event.id)
        .bind(event.schema())
        .bind(event.at.as_datetime())
        .bind(to_json(&event.actor)?)
        .bind(to_json(&event.payload_json())?)
        .execute(&mut *conn)
        .await
        .map_err(db("appending an event"))?;
    for county in event.payload.counties() {
        sqlx::query(INSERT_EVENT_COUNTY)
            .bind(seq)
            .bind(county)
            .execute(&mut *conn)
            .await
            .map_err(db("recording an event's counties"))?;
    }
    Ok(())
}

/// Appends the events from position `next_seq` on, applies each to the projections, and stores
/// the secrets; returns the positions used. The caller owns the transaction and the log head.
pub(crate) async fn append(
    conn: &mut DbConn,
    next_seq: i64,
    changes: &Changes,
) -> Result<Vec<i64>, StoreError> {
    let mut seqs = Vec::with_capacity(changes.events.len());
    for (i, event) in changes.events.iter().enumerate() {
        let seq = next_seq + i as i64;
        insert_event(conn, seq, event).await?;
        apply(conn, event).await?;
        seqs.push(seq);
    }
    for secret in &changes.secrets {
        write_secret(conn, secret).await?;
    }
    Ok(seqs)
}

fn event_from_row(row: &DbRow) -> Result<EventRecord, StoreError> {
    let seq: i64 = row.try_get("seq").map_err(db("reading an event"))?;
    let at: DateTime<Utc> = row.try_get("at").map_err(db("reading an event"))?;
    let event = Event::from_parts(
        row.try_get("id").map_err(db("reading an event"))?,
        Timestamp::new(at),
        row.try_get::<&str, _>("actor")
            .map_err(db("reading an event"))?,
        row.try_get::<&str, _>("schema")
            .map_err(db("reading an event"))?,
        row.try_get::<&str, _>("payload")
            .map_err(db("reading an event"))?,
    )
    .map_err(|e| corrupt(format!("event at {seq}: {e}")))?;
    let counties = event.payload.counties();
    Ok(EventRecord {
        seq,
        event,
        counties,
    })
}

const EVENTS_AFTER: &str = "SELECT e.seq, e.id, e.schema, e.at, e.actor, e.payload FROM events e \
     WHERE e.seq >= $1 AND ($2 = '' \
        OR NOT EXISTS (SELECT 1 FROM event_counties c WHERE c.seq = e.seq) \
        OR EXISTS (SELECT 1 FROM event_counties c WHERE c.seq = e.seq AND $2 LIKE '%,' || c.county || ',%')) \
     ORDER BY e.seq LIMIT $3";

pub(crate) async fn events_from(
    conn: &mut DbConn,
    scope: &Scope,
    from_seq: i64,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    let rows = sqlx::query(EVENTS_AFTER)
        .bind(from_seq)
        .bind(scope.pattern())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(db("reading events"))?;
    rows.iter().map(event_from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// Projections: apply is a pure function of the event
// ---------------------------------------------------------------------------------------------

const INSERT_UNIT: &str = "INSERT INTO units (id, code, kind, name_zh, name_en, parent_id, \
     division_code, demo, version, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)";
const RENAME_UNIT: &str = "UPDATE units SET name_zh = $2, name_en = $3, version = version + 1, \
     updated_at = $4 WHERE id = $1";
const INSERT_USER: &str = "INSERT INTO users (id, username, display_name, unit_id, roles, \
     counties, demo, version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)";

pub(crate) async fn apply(conn: &mut DbConn, event: &Event) -> Result<(), StoreError> {
    let at = event.at.as_datetime();
    let affected = match &event.payload {
        Payload::UnitCreated(p) => sqlx::query(INSERT_UNIT)
            .bind(p.id)
            .bind(&p.code)
            .bind(p.kind.as_str())
            .bind(&p.name_zh)
            .bind(&p.name_en)
            .bind(p.parent_id)
            .bind(&p.division_code)
            .bind(p.demo)
            .bind(at)
            .execute(&mut *conn)
            .await
            .map_err(db("applying unit.created"))?,
        Payload::UnitRenamed(p) => sqlx::query(RENAME_UNIT)
            .bind(p.id)
            .bind(&p.name_zh)
            .bind(&p.name_en)
            .bind(at)
            .execute(&mut *conn)
            .await
            .map_err(db("applying unit.renamed"))?,
        Payload::UserCreated(p) => sqlx::query(INSERT_USER)
            .bind(p.id)
            .bind(&p.username)
            .bind(&p.display_name)
            .bind(p.unit_id)
            .bind(to_json(&p.roles)?)
            .bind(p.counties.as_ref().map(to_json).transpose()?)
            .bind(p.demo)
            .bind(at)
            .execute(&mut *conn)
            .await
            .map_err(db("applying user.created"))?,
    };
    if affected.rows_affected() != 1 {
        return Err(corrupt(format!(
            "event {} ({}) changed {} rows, expected 1",
            event.id,
            event.schema(),
            affected.rows_affected()
        )));
    }
    Ok(())
}

/// Empties every projection table (inside a transaction the caller rolls back).
pub(crate) async fn clear_projections(conn: &mut DbConn) -> Result<(), StoreError> {
    // Children before parents; `store::PROJECTION_TABLES` lists the same tables.
    for sql in ["DELETE FROM users", "DELETE FROM units"] {
        sqlx::query(sql)
            .execute(&mut *conn)
            .await
            .map_err(db("clearing projections"))?;
    }
    Ok(())
}

/// Rebuilds the projections from the events on this connection and compares them with what was
/// there. The caller runs this in a transaction and rolls it back.
pub(crate) async fn replay(conn: &mut DbConn) -> Result<ReplayReport, StoreError> {
    const BATCH: i64 = 10_000;
    let live = snapshot(conn).await?;
    clear_projections(conn).await?;
    let mut next = 0;
    loop {
        let batch = events_from(conn, &Scope::all(), next, BATCH).await?;
        for record in &batch {
            if record.seq != next {
                return Err(corrupt(format!(
                    "the log has a gap: expected position {next}, found {}",
                    record.seq
                )));
            }
            apply(conn, &record.event).await?;
            next += 1;
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    let size = log_size(conn).await?;
    if size != next {
        return Err(corrupt(format!(
            "the log head says {size} events, the table holds {next}"
        )));
    }
    let replayed = snapshot(conn).await?;
    Ok(ReplayReport {
        events: next,
        differences: store::diff_snapshots(&live, &replayed),
    })
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

const UNIT_COLUMNS: &str =
    "id, code, kind, name_zh, name_en, parent_id, division_code, demo, version";

fn unit_from_row(row: &DbRow) -> Result<Unit, StoreError> {
    let kind: &str = row.try_get("kind").map_err(db("reading a unit"))?;
    Ok(Unit {
        id: row.try_get("id").map_err(db("reading a unit"))?,
        code: row.try_get("code").map_err(db("reading a unit"))?,
        kind: UnitKind::parse(kind).ok_or_else(|| corrupt(format!("unknown unit kind {kind}")))?,
        name_zh: row.try_get("name_zh").map_err(db("reading a unit"))?,
        name_en: row.try_get("name_en").map_err(db("reading a unit"))?,
        parent_id: row.try_get("parent_id").map_err(db("reading a unit"))?,
        division_code: row.try_get("division_code").map_err(db("reading a unit"))?,
        demo: row.try_get("demo").map_err(db("reading a unit"))?,
        version: row.try_get("version").map_err(db("reading a unit"))?,
    })
}

fn user_from_row(row: &DbRow) -> Result<User, StoreError> {
    let roles: &str = row.try_get("roles").map_err(db("reading a user"))?;
    let roles: Vec<Role> = serde_json::from_str(roles).map_err(corrupt)?;
    let counties: Option<&str> = row.try_get("counties").map_err(db("reading a user"))?;
    let counties = counties
        .map(serde_json::from_str::<Vec<String>>)
        .transpose()
        .map_err(corrupt)?;
    Ok(User {
        id: row.try_get("id").map_err(db("reading a user"))?,
        username: row.try_get("username").map_err(db("reading a user"))?,
        display_name: row.try_get("display_name").map_err(db("reading a user"))?,
        unit_id: row.try_get("unit_id").map_err(db("reading a user"))?,
        roles,
        counties,
        demo: row.try_get("demo").map_err(db("reading a user"))?,
        version: row.try_get("version").map_err(db("reading a user"))?,
    })
}

const UNIT_BY_ID: &str = "SELECT id, code, kind, name_zh, name_en, parent_id, division_code, demo, \
     version FROM units WHERE id = $1";
const UNIT_BY_CODE: &str = "SELECT id, code, kind, name_zh, name_en, parent_id, division_code, \
     demo, version FROM units WHERE code = $1";
const ALL_UNITS: &str = "SELECT id, code, kind, name_zh, name_en, parent_id, division_code, demo, \
     version FROM units ORDER BY id";
const USER_BY_ID: &str = "SELECT id, username, display_name, unit_id, roles, counties, demo, \
     version FROM users WHERE id = $1";
const USER_BY_USERNAME: &str = "SELECT id, username, display_name, unit_id, roles, counties, demo, \
     version FROM users WHERE username = $1";
const ALL_USERS: &str = "SELECT id, username, display_name, unit_id, roles, counties, demo, \
     version FROM users ORDER BY id";
const USER_COUNT: &str = "SELECT COUNT(*) FROM users";
const REAL_ROWS: &str = "SELECT (SELECT COUNT(*) FROM units WHERE demo = $1) \
     + (SELECT COUNT(*) FROM users WHERE demo = $1)";

pub(crate) async fn unit_by_id(conn: &mut DbConn, id: Uuid) -> Result<Option<Unit>, StoreError> {
    debug_assert!(UNIT_BY_ID.contains(UNIT_COLUMNS));
    sqlx::query(UNIT_BY_ID)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db("reading a unit"))?
        .as_ref()
        .map(unit_from_row)
        .transpose()
}

pub(crate) async fn unit_by_code(
    conn: &mut DbConn,
    code: &str,
) -> Result<Option<Unit>, StoreError> {
    sqlx::query(UNIT_BY_CODE)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db("reading a unit"))?
        .as_ref()
        .map(unit_from_row)
        .transpose()
}

pub(crate) async fn user_by_username(
    conn: &mut DbConn,
    username: &str,
) -> Result<Option<User>, StoreError> {
    sqlx::query(USER_BY_USERNAME)
        .bind(username)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db("reading a user"))?
        .as_ref()
        .map(user_from_row)
        .transpose()
}

pub(crate) async fn user_count(conn: &mut DbConn) -> Result<i64, StoreError> {
    sqlx::query(USER_COUNT)
        .fetch_one(&mut *conn)
        .await
        .and_then(|r| r.try_get::<i64, _>(0))
        .map_err(db("counting users"))
}

pub(crate) async fn snapshot(conn: &mut DbConn) -> Result<Snapshot, StoreError> {
    let units = sqlx::query(ALL_UNITS)
        .fetch_all(&mut *conn)
        .await
        .map_err(db("reading units"))?
        .iter()
        .map(unit_from_row)
        .collect::<Result<_, _>>()?;
    let users = sqlx::query(ALL_USERS)
        .fetch_all(&mut *conn)
        .await
        .map_err(db("reading users"))?
        .iter()
        .map(user_from_row)
        .collect::<Result<_, _>>()?;
    Ok(Snapshot { units, users })
}

// ---------------------------------------------------------------------------------------------
// Secrets and sessions (not projections)
// ---------------------------------------------------------------------------------------------

const UPSERT_CREDENTIAL: &str = "INSERT INTO credentials (user_id, password_hash, must_change, \
     updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
     password_hash = excluded.password_hash, must_change = excluded.must_change, \
     updated_at = excluded.updated_at";
const CREDENTIAL: &str =
    "SELECT user_id, password_hash, must_change FROM credentials WHERE user_id = $1";

async fn write_secret(conn: &mut DbConn, secret: &SecretWrite) -> Result<(), StoreError> {
    match secret {
        SecretWrite::Password {
            user_id,
            hash,
            must_change,
            at,
        } => {
            sqlx::query(UPSERT_CREDENTIAL)
                .bind(user_id)
                .bind(hash)
                .bind(must_change)
                .bind(at.as_datetime())
                .execute(&mut *conn)
                .await
                .map_err(db("storing a credential"))?;
        }
    }
    Ok(())
}

const INSERT_SESSION: &str = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, \
     last_seen_at, revoked) VALUES ($1, $2, $3, $4, $5, $6)";
const SESSION: &str = "SELECT token_hash, user_id, created_at, expires_at, last_seen_at, revoked \
     FROM sessions WHERE token_hash = $1";
const TOUCH_SESSION: &str = "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1";
const REVOKE_SESSION: &str = "UPDATE sessions SET revoked = $2 WHERE token_hash = $1";

fn session_from_row(row: &DbRow) -> Result<Session, StoreError> {
    let hash: Vec<u8> = row.try_get("token_hash").map_err(db("reading a session"))?;
    let ts = |col: &str| -> Result<Timestamp, StoreError> {
        row.try_get::<DateTime<Utc>, _>(col)
            .map(Timestamp::new)
            .map_err(db("reading a session"))
    };
    Ok(Session {
        token_hash: hash
            .try_into()
            .map_err(|_| corrupt("a session token hash is not 32 bytes"))?,
        user_id: row.try_get("user_id").map_err(db("reading a session"))?,
        created_at: ts("created_at")?,
        expires_at: ts("expires_at")?,
        last_seen_at: ts("last_seen_at")?,
        revoked: row.try_get("revoked").map_err(db("reading a session"))?,
    })
}

// ---------------------------------------------------------------------------------------------
// Reads inside a write, and reads through the pool
// ---------------------------------------------------------------------------------------------

/// The [`store::Reader`] a decision sees: the write transaction's own connection.
pub(crate) struct TxReader<'c> {
    pub(crate) conn: &'c mut DbConn,
}

#[async_trait]
impl store::Reader for TxReader<'_> {
    async fn unit_by_id(&mut self, id: Uuid) -> Result<Option<Unit>, StoreError> {
        unit_by_id(self.conn, id).await
    }
    async fn unit_by_code(&mut self, code: &str) -> Result<Option<Unit>, StoreError> {
        unit_by_code(self.conn, code).await
    }
    async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError> {
        user_by_username(self.conn, username).await
    }
    async fn user_count(&mut self) -> Result<i64, StoreError> {
        user_count(self.conn).await
    }
}

impl Backend {
    async fn read_conn(&self) -> Result<sqlx::pool::PoolConnection<Db>, StoreError> {
        self.pool
            .acquire()
            .await
            .map_err(db("opening a connection"))
    }
}

#[async_trait]
impl Queries for Backend {
    async fn ping(&self) -> Result<(), StoreError> {
        log_size(&mut *self.read_conn().await?).await.map(|_| ())
    }

    async fn log_size(&self) -> Result<i64, StoreError> {
        log_size(&mut *self.read_conn().await?).await
    }

    async fn events(
        &self,
        scope: &Scope,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError> {
        events_from(&mut *self.read_conn().await?, scope, from_seq, limit).await
    }

    async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        sqlx::query(ALL_UNITS)
            .fetch_all(&mut *self.read_conn().await?)
            .await
            .map_err(db("reading units"))?
            .iter()
            .map(unit_from_row)
            .collect()
    }

    async fn unit(&self, id: Uuid) -> Result<Option<Unit>, StoreError> {
        unit_by_id(&mut *self.read_conn().await?, id).await
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        sqlx::query(USER_BY_ID)
            .bind(id)
            .fetch_optional(&mut *self.read_conn().await?)
            .await
            .map_err(db("reading a user"))?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn user_with_credential(
        &self,
        username: &str,
    ) -> Result<Option<(User, Option<Credential>)>, StoreError> {
        let mut conn = self.read_conn().await?;
        let Some(user) = user_by_username(&mut conn, username).await? else {
            return Ok(None);
        };
        let credential = sqlx::query(CREDENTIAL)
            .bind(user.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("reading a credential"))?
            .map(|row| -> Result<Credential, sqlx::Error> {
                Ok(Credential {
                    user_id: row.try_get("user_id")?,
                    password_hash: row.try_get("password_hash")?,
                    must_change: row.try_get("must_change")?,
                })
            })
            .transpose()
            .map_err(db("reading a credential"))?;
        Ok(Some((user, credential)))
    }

    async fn has_real_data(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query(REAL_ROWS)
            .bind(false)
            .fetch_one(&mut *self.read_conn().await?)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(db("looking for real data"))?;
        Ok(n > 0)
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        snapshot(&mut *self.read_conn().await?).await
    }

    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        sqlx::query(INSERT_SESSION)
            .bind(&s.token_hash[..])
            .bind(s.user_id)
            .bind(s.created_at.as_datetime())
            .bind(s.expires_at.as_datetime())
            .bind(s.last_seen_at.as_datetime())
            .bind(s.revoked)
            .execute(&mut *self.read_conn().await?)
            .await
            .map_err(db("creating a session"))?;
        Ok(())
    }

    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        sqlx::query(SESSION)
            .bind(&token_hash[..])
            .fetch_optional(&mut *self.read_conn().await?)
            .await
            .map_err(db("reading a session"))?
            .as_ref()
            .map(session_from_row)
            .transpose()
    }

    async fn touch_session(&self, token_hash: &[u8; 32], at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(TOUCH_SESSION)
            .bind(&token_hash[..])
            .bind(at.as_datetime())
            .execute(&mut *self.read_conn().await?)
            .await
            .map_err(db("touching a session"))?;
        Ok(())
    }

    async fn revoke_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        sqlx::query(REVOKE_SESSION)
            .bind(&token_hash[..])
            .bind(true)
            .execute(&mut *self.read_conn().await?)
            .await
            .map_err(db("revoking a session"))?;
        Ok(())
    }
}
