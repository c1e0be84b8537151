//! Every portable statement, and `apply`.
//!
//! Rules for this file: `$N` placeholders only; no `now()` or random defaults (every value comes
//! from the event); UUIDs, instants and booleans bound as [`Value`]s; JSON kept as TEXT.

use super::{Exec, ReadFn, Row, SqlBackend, Value, query_one, query_opt};
use crate::{
    Changes, Credential, EntityFilter, EventRecord, FailureCount, Page, Queries, ReplayReport,
    Scope, SecretWrite, Session, SigninRecord, StoreError, Writer,
};
use async_trait::async_trait;
use domain::entity::{Entity, EntityClass, EntityData};
use domain::unit::{Unit, UnitKind};
use domain::user::User;
use domain::{Event, Role, Timestamp};
use uuid::Uuid;

pub(crate) use super::projection::{corrupt, to_json};

// ---------------------------------------------------------------------------------------------
// The log
// ---------------------------------------------------------------------------------------------

const TREE_HASHES: &str =
    "SELECT idx, hash FROM ledger_hashes WHERE idx >= $1 ORDER BY idx LIMIT $2";
pub(crate) const EVENT_HASHES: &str =
    "SELECT seq, event_hash FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2";
const STORED_EVENTS: &str = "SELECT seq, id, schema, at, actor, payload, event_hash FROM events \
     WHERE seq >= $1 ORDER BY seq LIMIT $2";
const SET_LOG_SIZE: &str = "UPDATE log_head SET size = $1 WHERE id = 1";
const LOG_SIZE: &str = "SELECT size FROM log_head WHERE id = 1";

pub async fn log_size(exec: &mut dyn Exec) -> Result<i64, StoreError> {
    query_one(exec, LOG_SIZE, &[]).await?.i64(0)
}

/// Where a write group starts: the log's size, and the last ledger hash stored (none for an
/// empty log), which [`GroupLog`] checks its kept hashes against.
pub struct LogTip {
    pub size: i64,
    last_hash: Option<ledger::Hash>,
}

macro_rules! log_tip_sql {
    () => {
        "SELECT size, (SELECT hash FROM ledger_hashes ORDER BY idx DESC LIMIT 1) \
         FROM log_head WHERE id = 1"
    };
}
const LOG_TIP: &str = log_tip_sql!();
const LOCK_LOG_TIP: &str = concat!(log_tip_sql!(), " FOR UPDATE");

/// The [`LogTip`], with the head row locked for the transaction when `lock` (PostgreSQL, where
/// servers share the log; SQLite's `BEGIN IMMEDIATE` already holds the only write lock).
pub async fn log_tip(exec: &mut dyn Exec, lock: bool) -> Result<LogTip, StoreError> {
    let row = query_one(exec, if lock { LOCK_LOG_TIP } else { LOG_TIP }, &[]).await?;
    let last_hash = match row.0.get(1) {
        Some(Value::Bytes(Some(bytes))) => Some(hash32(bytes.clone())?),
        Some(Value::Null | Value::Bytes(None)) => None,
        other => return Err(corrupt(format!("the last ledger hash reads as {other:?}"))),
    };
    Ok(LogTip {
        size: row.i64(0)?,
        last_hash,
    })
}

pub async fn set_log_size(exec: &mut dyn Exec, size: i64) -> Result<(), StoreError> {
    exec.execute(SET_LOG_SIZE, &[size.into()]).await?;
    Ok(())
}

pub(crate) fn hash32(bytes: Vec<u8>) -> Result<ledger::Hash, StoreError> {
    bytes
        .try_into()
        .map_err(|_| corrupt("a ledger hash is not 32 bytes"))
}

/// The stored hashes at these indexes of the ledger tree.
pub(crate) async fn ledger_hashes(
    exec: &mut dyn Exec,
    indexes: &[u64],
) -> Result<Vec<ledger::Hash>, StoreError> {
    /// A leaf's left siblings and a root's subtrees are at most 63: one statement each.
    const MAX_IN: usize = 64;
    static SQL: [std::sync::OnceLock<String>; MAX_IN] =
        [const { std::sync::OnceLock::new() }; MAX_IN];
    let mut out = Vec::with_capacity(indexes.len());
    for chunk in indexes.chunks(MAX_IN) {
        let sql = SQL[chunk.len() - 1].get_or_init(|| {
            format!(
                "SELECT idx, hash FROM ledger_hashes WHERE idx IN ({})",
                placeholders(1, chunk.len())
            )
        });
        let params: Vec<Value> = chunk.iter().map(|&i| (i as i64).into()).collect();
        let mut found = std::collections::HashMap::with_capacity(chunk.len());
        for row in exec.query(sql, &params).await? {
            found.insert(row.i64(0)?, hash32(row.bytes(1)?)?);
        }
        for &i in chunk {
            out.push(
                found
                    .get(&(i as i64))
                    .copied()
                    .ok_or_else(|| corrupt(format!("ledger hash {i} is missing")))?,
            );
        }
    }
    Ok(out)
}

/// A multi-row `INSERT` of `width` columns, prepared for a few row counts: a run of rows goes in
/// the largest statements that fit (100, 64, 32, …, 1), so any number of rows costs a handful of
/// statements, one round trip each on PostgreSQL, instead of one per row.
pub(super) struct MultiRowInsert {
    head: &'static str,
    width: usize,
    sql: [std::sync::OnceLock<String>; ROW_CHUNKS.len()],
}

/// The row counts a [`MultiRowInsert`] has statements for, largest first.
const ROW_CHUNKS: [usize; 8] = [BATCH, 64, 32, 16, 8, 4, 2, 1];

pub(super) const BATCH: usize = 100;

/// `INSERT INTO <table> (<columns>) VALUES (…), …` for `rows` rows of `width` placeholders.
fn multi_row_sql(head: &str, width: usize, rows: usize) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|r| format!("({})", placeholders(r * width + 1, width)))
        .collect();
    format!("{head} VALUES {}", tuples.join(", "))
}

impl MultiRowInsert {
    pub(super) const fn new(head: &'static str, width: usize) -> MultiRowInsert {
        MultiRowInsert {
            head,
            width,
            sql: [const { std::sync::OnceLock::new() }; ROW_CHUNKS.len()],
        }
    }

    /// Inserts `rows` (each `width` values); returns the rows the statements changed.
    pub(super) async fn run(
        &'static self,
        exec: &mut dyn Exec,
        rows: Vec<Vec<Value>>,
    ) -> Result<u64, StoreError> {
        let mut changed = 0;
        let mut rest = rows.len();
        let mut rows = rows.into_iter();
        while rest > 0 {
            let (i, &n) = ROW_CHUNKS
                .iter()
                .enumerate()
                .find(|(_, n)| **n <= rest)
                .ok_or_else(|| corrupt("no statement for a run of rows"))?;
            let sql = self.sql[i].get_or_init(|| multi_row_sql(self.head, self.width, n));
            let params: Vec<Value> = rows.by_ref().take(n).flatten().collect();
            debug_assert_eq!(params.len(), n * self.width);
            changed += exec.execute(sql, &params).await?;
            rest -= n;
        }
        Ok(changed)
    }
}

static LEDGER_HASH_ROWS: MultiRowInsert =
    MultiRowInsert::new("INSERT INTO ledger_hashes (idx, hash)", 2);
static EVENT_ROWS: MultiRowInsert = MultiRowInsert::new(
    "INSERT INTO events (seq, id, schema, at, actor, payload, event_hash)",
    7,
);
static EVENT_COUNTY_ROWS: MultiRowInsert =
    MultiRowInsert::new("INSERT INTO event_counties (seq, county)", 2);

/// The log rows of a write group (ledger hashes, events, their counties), kept until the group
/// ends and then sent together, and the ledger hashes that the next leaves will need.
///
/// Sent per command, the rows cost three or more statements a command; per group, a few
/// multi-row statements for all of its commands ([`MultiRowInsert`]). The hashes on the right
/// edge of the tree are kept from one committed group to the next while the log's size shows
/// that no other server appended meanwhile, so a command reads no ledger row at all.
///
/// The writer brackets each command: [`GroupLog::mark`] before it and [`GroupLog::roll_back`]
/// when its savepoint is rolled back; [`GroupLog::begin`] after locking the log head,
/// [`GroupLog::flush`] before the log size is set, and [`GroupLog::committed`] or
/// [`GroupLog::forget`] after the commit. A decision that reads the log itself (a case's
/// events, [`TxReader`]) has the rows flushed first, inside its command's savepoint.
#[derive(Default)]
pub struct GroupLog {
    hashes: Vec<(i64, ledger::Hash)>,
    events: Vec<[Value; 7]>,
    counties: Vec<(i64, String)>,
    /// How many of `hashes`, `events` and `counties` are in the database already.
    sent: [usize; 3],
    /// Ledger hashes by index: those computed in this group (not all in the table yet) and
    /// those read or kept for the next leaves' left siblings.
    fresh: std::collections::HashMap<u64, ledger::Hash>,
    /// The log size and last stored hash `fresh` was kept for when the last group committed:
    /// the size alone could come round again after the log lost its end (a database restored
    /// to an earlier point while this server ran) and others appended as many events.
    kept_for: Option<(i64, Option<ledger::Hash>)>,
    /// The last stored hash when this group began.
    begun_with: Option<ledger::Hash>,
}

/// Where a [`GroupLog`] stood before a command.
pub struct GroupMark {
    len: [usize; 3],
    sent: [usize; 3],
}

impl GroupLog {
    fn lens(&self) -> [usize; 3] {
        [self.hashes.len(), self.events.len(), self.counties.len()]
    }

    /// Starts a group where the log stands (read under the head's lock): the kept hashes stay
    /// only if the log still ends as it did when they were kept.
    pub fn begin(&mut self, tip: &LogTip) {
        self.hashes.clear();
        self.events.clear();
        self.counties.clear();
        self.sent = [0; 3];
        if self.kept_for != Some((tip.size, tip.last_hash)) {
            self.fresh.clear();
        }
        self.kept_for = None;
        self.begun_with = tip.last_hash;
    }

    pub fn mark(&self) -> GroupMark {
        GroupMark {
            len: self.lens(),
            sent: self.sent,
        }
    }

    /// Forgets what the command since `mark` added, as its savepoint's rollback did in the
    /// database (rows flushed inside it are unsent again).
    pub fn roll_back(&mut self, mark: GroupMark) {
        for (index, _) in &self.hashes[mark.len[0]..] {
            self.fresh.remove(&(*index as u64));
        }
        self.hashes.truncate(mark.len[0]);
        self.events.truncate(mark.len[1]);
        self.counties.truncate(mark.len[2]);
        self.sent = mark.sent;
    }

    /// Sends the rows not sent yet: hashes, events, then the counties that refer to the events.
    pub async fn flush(&mut self, exec: &mut dyn Exec) -> Result<(), StoreError> {
        let hashes = self.hashes[self.sent[0]..]
            .iter()
            .map(|(i, h)| vec![(*i).into(), (&h[..]).into()])
            .collect();
        LEDGER_HASH_ROWS.run(exec, hashes).await?;
        let events = self.events[self.sent[1]..]
            .iter()
            .map(|row| row.to_vec())
            .collect();
        EVENT_ROWS.run(exec, events).await?;
        let counties = self.counties[self.sent[2]..]
            .iter()
            .map(|(seq, c)| vec![(*seq).into(), c.as_str().into()])
            .collect();
        EVENT_COUNTY_ROWS.run(exec, counties).await?;
        self.sent = self.lens();
        Ok(())
    }

    /// The group committed with the log at `size`: keeps the hashes the next leaves can need
    /// (the roots of the tree's perfect subtrees), nothing else.
    pub fn committed(&mut self, size: i64) {
        let keep = ledger::root_indexes(size as u64);
        self.fresh.retain(|index, _| keep.contains(index));
        // The hashes are pushed in index order: the group's last is the log's last.
        let last_hash = self.hashes.last().map(|(_, h)| *h).or(self.begun_with);
        self.hashes.clear();
        self.events.clear();
        self.counties.clear();
        self.sent = [0; 3];
        self.kept_for = Some((size, last_hash));
    }

    /// The group failed (or its commit's outcome is unknown): nothing is kept.
    pub fn forget(&mut self) {
        *self = GroupLog::default();
    }

    /// Adds the event at `seq` to the ledger tree: its leaf and every subtree it completes.
    async fn append_leaf(
        &mut self,
        exec: &mut dyn Exec,
        seq: i64,
        event_hash: &ledger::Hash,
    ) -> Result<(), StoreError> {
        let n = seq as u64;
        let wanted = ledger::left_siblings(n);
        let missing: Vec<u64> = wanted
            .iter()
            .copied()
            .filter(|i| !self.fresh.contains_key(i))
            .collect();
        if !missing.is_empty() {
            let stored = ledger_hashes(exec, &missing).await?;
            self.fresh.extend(missing.into_iter().zip(stored));
        }
        let left = wanted
            .iter()
            .map(|i| {
                self.fresh
                    .get(i)
                    .copied()
                    .ok_or_else(|| corrupt(format!("ledger hash {i} is missing")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let new =
            ledger::hashes_for_leaf::<ledger::Sha256Hasher>(ledger::leaf_hash(event_hash), &left);
        let first = ledger::stored_hash_count(n);
        for (i, h) in new.into_iter().enumerate() {
            let index = first + i as u64;
            self.fresh.insert(index, h);
            self.hashes.push((index as i64, h));
        }
        Ok(())
    }

    async fn add_event(
        &mut self,
        exec: &mut dyn Exec,
        seq: i64,
        event: &Event,
    ) -> Result<(), StoreError> {
        let event_hash = crate::event_hash(event);
        self.append_leaf(exec, seq, &event_hash).await?;
        self.events.push([
            seq.into(),
            event.id.into(),
            event.schema().into(),
            event.at.into(),
            to_json(&event.actor)?.into(),
            to_json(&event.payload_json())?.into(),
            (&event_hash[..]).into(),
        ]);
        for county in event.payload.counties() {
            self.counties.push((seq, county));
        }
        Ok(())
    }
}

/// The root of the ledger tree of `size` events.
pub(crate) async fn ledger_root(
    exec: &mut dyn Exec,
    size: i64,
) -> Result<ledger::Hash, StoreError> {
    let hashes = ledger_hashes(exec, &ledger::root_indexes(size as u64)).await?;
    Ok(ledger::root_from::<ledger::Sha256Hasher>(&hashes))
}

/// Appends the events from position `next_seq` on: their log rows to the group's `log` (sent
/// when the group ends), each applied to the projections, and the secrets stored; returns the
/// events with their positions. The caller owns the transaction and the log head.
pub async fn append(
    exec: &mut dyn Exec,
    log: &mut GroupLog,
    next_seq: i64,
    changes: Changes,
) -> Result<Vec<EventRecord>, StoreError> {
    let mut records = Vec::with_capacity(changes.events.len());
    // A run of registrations is inserted together, before the next event of another kind is
    // applied, so every event still sees the projections as of the events before it.
    let mut registrations = Vec::new();
    for (i, event) in changes.events.into_iter().enumerate() {
        let seq = next_seq + i as i64;
        log.add_event(exec, seq, &event).await?;
        match super::entity::registration_row(&event)? {
            Some(row) => registrations.push(row),
            None => {
                super::entity::insert_registrations(exec, std::mem::take(&mut registrations))
                    .await?;
                super::projection::apply(exec, &event).await?;
            }
        }
        let counties = event.payload.counties();
        records.push(EventRecord {
            seq,
            event,
            counties,
        });
    }
    super::entity::insert_registrations(exec, registrations).await?;
    for secret in &changes.secrets {
        write_secret(exec, secret).await?;
    }
    Ok(records)
}

const EVENT_COLUMNS: &str = "e.seq, e.id, e.schema, e.at, e.actor, e.payload";
const EVENTS_FROM: &str = "SELECT e.seq, e.id, e.schema, e.at, e.actor, e.payload FROM events e \
     WHERE e.seq >= $1 AND ($2 = '' \
        OR NOT EXISTS (SELECT 1 FROM event_counties c WHERE c.seq = e.seq) \
        OR EXISTS (SELECT 1 FROM event_counties c WHERE c.seq = e.seq \
                   AND $2 LIKE '%,' || c.county || ',%')) \
     ORDER BY e.seq LIMIT $3";

fn event_from_row(row: &Row) -> Result<EventRecord, StoreError> {
    let seq = row.i64(0)?;
    let event = Event::from_parts(
        row.uuid(1)?,
        row.time(3)?,
        &row.text(4)?,
        &row.text(2)?,
        &row.text(5)?,
    )
    .map_err(|e| corrupt(format!("event at {seq}: {e}")))?;
    let counties = event.payload.counties();
    Ok(EventRecord {
        seq,
        event,
        counties,
    })
}

pub async fn events_from(
    exec: &mut dyn Exec,
    scope: &Scope,
    from_seq: i64,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    debug_assert!(EVENTS_FROM.contains(EVENT_COLUMNS));
    exec.query(
        EVENTS_FROM,
        &[from_seq.into(), scope.pattern().into(), limit.into()],
    )
    .await?
    .iter()
    .map(event_from_row)
    .collect()
}

/// Administration events from `from_seq` on, found through the `(schema, seq)` index instead of
/// a walk of the whole log.
fn administration_events_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT {EVENT_COLUMNS} FROM events e WHERE e.seq >= $1 AND e.schema IN ({}) \
             ORDER BY e.seq LIMIT $2",
            placeholders(3, domain::event::administration_schemas().len())
        )
    })
}

pub async fn administration_events(
    exec: &mut dyn Exec,
    from_seq: i64,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    let mut params: Vec<Value> = vec![from_seq.into(), limit.into()];
    params.extend(
        domain::event::administration_schemas()
            .iter()
            .map(|s| Value::from(*s)),
    );
    exec.query(administration_events_sql(), &params)
        .await?
        .iter()
        .map(event_from_row)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

const UNIT_BY_ID: &str = "SELECT id, code, kind, name_zh, name_en, parent_id, division_code, demo, \
     version FROM units WHERE id = $1";
const UNIT_BY_CODE: &str = "SELECT id, code, kind, name_zh, name_en, parent_id, division_code, \
     demo, version FROM units WHERE code = $1";
const ALL_UNITS: &str = "SELECT id, code, kind, name_zh, name_en, parent_id, division_code, demo, \
     version FROM units ORDER BY id";
const USER_BY_ID: &str = "SELECT id, username, display_name, unit_id, roles, counties, demo, \
     version, certificate, disabled, legal_qualification FROM users WHERE id = $1";
const USER_BY_USERNAME: &str = "SELECT id, username, display_name, unit_id, roles, counties, demo, \
     version, certificate, disabled, legal_qualification FROM users WHERE username = $1";
const ENTITY_COLUMNS: &str = "id, uscc, name, county_code, industry_code, class, address, \
     legal_representative, lat_e6, lon_e6, outlets, permit, demo, version";
const ENTITY_BY_ID: &str = "SELECT id, uscc, name, county_code, industry_code, class, address, \
     legal_representative, lat_e6, lon_e6, outlets, permit, demo, version FROM entities \
     WHERE id = $1";
const ENTITY_IN_SCOPE: &str = "SELECT id, uscc, name, county_code, industry_code, class, address, \
     legal_representative, lat_e6, lon_e6, outlets, permit, demo, version FROM entities \
     WHERE id = $1 AND ($2 = '' OR $2 LIKE '%,' || county_code || ',%')";
const USCC_TAKEN: &str = "SELECT COUNT(*) FROM entities WHERE uscc = $1";
const ENTITY_PAGE: &str = "SELECT id, uscc, name, county_code, industry_code, class, address, \
     legal_representative, lat_e6, lon_e6, outlets, permit, demo, version FROM entities \
     WHERE ($1 = '' OR $1 LIKE '%,' || county_code || ',%') \
       AND ($2 = '' OR county_code = $2) AND ($3 = '' OR class = $3) \
       AND ($4 = '' OR search_text LIKE $4 ESCAPE '\\') \
     ORDER BY name_key, id LIMIT $5 OFFSET $6";
const ENTITY_COUNT: &str = "SELECT COUNT(*) FROM entities \
     WHERE ($1 = '' OR $1 LIKE '%,' || county_code || ',%') \
       AND ($2 = '' OR county_code = $2) AND ($3 = '' OR class = $3) \
       AND ($4 = '' OR search_text LIKE $4 ESCAPE '\\')";
/// [`ENTITY_PAGE`] walked by key: the rows after ($6, $7) in `(name_key, id)` order when $5 is
/// 1, from the first otherwise; with the name key as the last column, to go on from.
const ENTITY_KEYSET: &str = "SELECT id, uscc, name, county_code, industry_code, class, \
     address, legal_representative, lat_e6, lon_e6, outlets, permit, demo, version, name_key \
     FROM entities \
     WHERE ($1 = '' OR $1 LIKE '%,' || county_code || ',%') \
       AND ($2 = '' OR county_code = $2) AND ($3 = '' OR class = $3) \
       AND ($4 = '' OR search_text LIKE $4 ESCAPE '\\') \
       AND ($5 = 0 OR name_key > $6 OR (name_key = $6 AND id > $7)) \
     ORDER BY name_key, id LIMIT $8";
const REAL_ROWS: &str = "SELECT (SELECT COUNT(*) FROM units WHERE demo = $1) \
     + (SELECT COUNT(*) FROM users WHERE demo = $1)";

fn unit_from_row(row: &Row) -> Result<Unit, StoreError> {
    let kind = row.text(2)?;
    Ok(Unit {
        id: row.uuid(0)?,
        code: row.text(1)?,
        kind: UnitKind::parse(&kind).ok_or_else(|| corrupt(format!("unknown unit kind {kind}")))?,
        name_zh: row.text(3)?,
        name_en: row.text(4)?,
        parent_id: row.opt_uuid(5)?,
        division_code: row.text(6)?,
        demo: row.bool(7)?,
        version: row.i64(8)?,
    })
}

fn user_from_row(row: &Row) -> Result<User, StoreError> {
    let roles: Vec<Role> = serde_json::from_str(&row.text(4)?).map_err(corrupt)?;
    let counties = row
        .opt_text(5)?
        .map(|c| serde_json::from_str::<Vec<String>>(&c))
        .transpose()
        .map_err(corrupt)?;
    Ok(User {
        id: row.uuid(0)?,
        username: row.text(1)?,
        display_name: row.text(2)?,
        unit_id: row.opt_uuid(3)?,
        roles,
        counties,
        demo: row.bool(6)?,
        version: row.i64(7)?,
        certificate: row
            .opt_text(8)?
            .map(|c| serde_json::from_str(&c))
            .transpose()
            .map_err(corrupt)?,
        disabled: row.bool(9)?,
        legal_qualification: row
            .opt_text(10)?
            .map(|c| serde_json::from_str(&c))
            .transpose()
            .map_err(corrupt)?,
    })
}

fn entity_from_row(row: &Row) -> Result<Entity, StoreError> {
    let class = row.text(5)?;
    Ok(Entity {
        id: row.uuid(0)?,
        data: EntityData {
            uscc: row.text(1)?,
            name: row.text(2)?,
            county_code: row.text(3)?,
            industry_code: row.text(4)?,
            class: EntityClass::parse(&class)
                .ok_or_else(|| corrupt(format!("unknown entity class {class}")))?,
            address: row.text(6)?,
            legal_representative: row.text(7)?,
            lat_e6: row.i64(8)?,
            lon_e6: row.i64(9)?,
            outlets: serde_json::from_str(&row.text(10)?).map_err(corrupt)?,
            permit: row
                .opt_text(11)?
                .map(|p| serde_json::from_str(&p))
                .transpose()
                .map_err(corrupt)?,
        },
        demo: row.bool(12)?,
        version: row.i64(13)?,
    })
}

async fn entity_by_id(exec: &mut dyn Exec, id: Uuid) -> Result<Option<Entity>, StoreError> {
    debug_assert!(ENTITY_BY_ID.contains(ENTITY_COLUMNS));
    query_opt(exec, ENTITY_BY_ID, &[id.into()])
        .await?
        .as_ref()
        .map(entity_from_row)
        .transpose()
}

/// The events that change an entity's row, which the search index follows.
const ENTITY_CHANGES: &str = "SELECT seq, id, schema, at, actor, payload FROM events \
     WHERE seq >= $1 AND seq < $2 AND schema IN ('entity.registered/v1', 'entity.updated/v1') \
     ORDER BY seq";
const ENTITIES_AFTER: &str = "SELECT id, uscc, name, county_code, industry_code, class, address, \
     legal_representative, lat_e6, lon_e6, outlets, permit, demo, version FROM entities \
     WHERE id > $1 ORDER BY id LIMIT $2";
/// How many ids a statement of `entities_by_ids` asks for: a few fixed sizes, so that a page of
/// twenty binds twenty-odd values and not a hundred, with four statement texts to prepare. A
/// shorter list is padded with the nil UUID (never an entity's).
const ID_CHUNKS: [usize; 4] = [10, 25, 50, 100];

fn entities_by_ids_sql(size: usize) -> &'static str {
    static SQL: [std::sync::OnceLock<String>; ID_CHUNKS.len()] =
        [const { std::sync::OnceLock::new() }; ID_CHUNKS.len()];
    let i = id_chunk_index(size);
    SQL[i].get_or_init(|| {
        format!(
            "SELECT {ENTITY_COLUMNS} FROM entities WHERE id IN ({}) \
             AND ($1 = '' OR $1 LIKE '%,' || county_code || ',%')",
            placeholders(2, ID_CHUNKS[i])
        )
    })
}

fn id_chunk_index(size: usize) -> usize {
    ID_CHUNKS
        .iter()
        .position(|&n| n == size)
        .unwrap_or(ID_CHUNKS.len() - 1)
}

/// [`entities_by_ids_sql`] with the log's size as a last column, from the same snapshot: the
/// log head joined with the entities, so that a list of no entity still gives one row (its
/// entity columns NULL) with the size. One statement, one round trip on PostgreSQL.
fn entities_by_ids_with_log_size_sql(size: usize) -> &'static str {
    static SQL: [std::sync::OnceLock<String>; ID_CHUNKS.len()] =
        [const { std::sync::OnceLock::new() }; ID_CHUNKS.len()];
    let i = id_chunk_index(size);
    SQL[i].get_or_init(|| {
        let columns: Vec<String> = ENTITY_COLUMNS
            .split(',')
            .map(|c| format!("e.{}", c.trim()))
            .collect();
        format!(
            "SELECT {}, h.size FROM log_head h LEFT JOIN entities e ON e.id IN ({}) \
             AND ($1 = '' OR $1 LIKE '%,' || e.county_code || ',%') WHERE h.id = 1",
            columns.join(", "),
            placeholders(2, ID_CHUNKS[i])
        )
    })
}

/// The statement's parameters for `chunk`: the scope's pattern, the ids, and nil UUIDs (never
/// an entity's) up to the statement's size, which it returns too.
fn id_chunk_params(pattern: &str, chunk: &[Uuid]) -> (usize, Vec<Value>) {
    let largest = ID_CHUNKS[ID_CHUNKS.len() - 1];
    let size = ID_CHUNKS
        .iter()
        .copied()
        .find(|&n| n >= chunk.len())
        .unwrap_or(largest);
    let mut params: Vec<Value> = Vec::with_capacity(size + 1);
    params.push(pattern.into());
    params.extend(chunk.iter().map(|&id| Value::from(id)));
    params.resize(size + 1, Uuid::nil().into());
    (size, params)
}

/// Those of `ids` that exist within the scope of `pattern` ([`Scope::pattern`]).
async fn entities_by_ids(
    e: &mut dyn Exec,
    pattern: &str,
    ids: &[Uuid],
) -> Result<Vec<Entity>, StoreError> {
    let largest = ID_CHUNKS[ID_CHUNKS.len() - 1];
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(largest) {
        let (size, params) = id_chunk_params(pattern, chunk);
        for row in e.query(entities_by_ids_sql(size), &params).await? {
            found.push(entity_from_row(&row)?);
        }
    }
    Ok(found)
}

/// [`entities_by_ids`] and the log's size, the size from the same snapshot as the first
/// hundred rows (a page of results is at most 200; the rest are read after, so at least as new).
async fn entities_by_ids_with_log_size(
    e: &mut dyn Exec,
    pattern: &str,
    ids: &[Uuid],
) -> Result<(Vec<Entity>, i64), StoreError> {
    let largest = ID_CHUNKS[ID_CHUNKS.len() - 1];
    let (first, rest) = ids.split_at(ids.len().min(largest));
    let (size, params) = id_chunk_params(pattern, first);
    let mut found = Vec::with_capacity(ids.len());
    let mut log_size = None;
    for row in e
        .query(entities_by_ids_with_log_size_sql(size), &params)
        .await?
    {
        // The size is the last column, after the entity's.
        log_size = Some(row.i64(row.0.len().saturating_sub(1))?);
        if row.opt_uuid(0)?.is_some() {
            found.push(entity_from_row(&row)?);
        }
    }
    let log_size = log_size.ok_or_else(|| corrupt("the log head is missing"))?;
    found.extend(entities_by_ids(e, pattern, rest).await?);
    Ok((found, log_size))
}

/// USCCs asked per statement; a shorter last chunk is padded with '' (never a USCC), so there is
/// one statement text to prepare and cache.
const USCC_CHUNK: usize = 100;

fn registered_usccs_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT uscc FROM entities WHERE uscc IN ({})",
            placeholders(1, USCC_CHUNK)
        )
    })
}

async fn credential_of(e: &mut dyn Exec, user_id: Uuid) -> Result<Option<Credential>, StoreError> {
    query_opt(e, CREDENTIAL, &[user_id.into()])
        .await?
        .map(|row| -> Result<Credential, StoreError> {
            Ok(Credential {
                totp_secret: row.opt_text(3)?,
                user_id: row.uuid(0)?,
                password_hash: row.text(1)?,
                must_change: row.bool(2)?,
            })
        })
        .transpose()
}

/// `$first, $first+1, …`: `n` numbered placeholders, for statements built once with a fixed
/// number of values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which of `usccs` are registered.
async fn registered_usccs(
    exec: &mut dyn Exec,
    usccs: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut found = std::collections::HashSet::new();
    for chunk in usccs.chunks(USCC_CHUNK) {
        let mut params: Vec<Value> = chunk.iter().map(|u| u.as_str().into()).collect();
        params.resize(USCC_CHUNK, "".into());
        for row in exec.query(registered_usccs_sql(), &params).await? {
            found.insert(row.text(0)?);
        }
    }
    found.remove("");
    Ok(found)
}

/// A LIKE pattern that matches `q` literally anywhere, lower-cased like `search_text`.
fn contains_pattern(q: &str) -> String {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return String::new();
    }
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

async fn unit_by_id(exec: &mut dyn Exec, id: Uuid) -> Result<Option<Unit>, StoreError> {
    query_opt(exec, UNIT_BY_ID, &[id.into()])
        .await?
        .as_ref()
        .map(unit_from_row)
        .transpose()
}

async fn unit_by_code(exec: &mut dyn Exec, code: &str) -> Result<Option<Unit>, StoreError> {
    query_opt(exec, UNIT_BY_CODE, &[code.into()])
        .await?
        .as_ref()
        .map(unit_from_row)
        .transpose()
}

async fn user_by_username(exec: &mut dyn Exec, username: &str) -> Result<Option<User>, StoreError> {
    query_opt(exec, USER_BY_USERNAME, &[username.into()])
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Secrets and sessions (not projections)
// ---------------------------------------------------------------------------------------------

const UPSERT_CREDENTIAL: &str = "INSERT INTO credentials (user_id, password_hash, must_change, \
     updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
     password_hash = excluded.password_hash, must_change = excluded.must_change, \
     updated_at = excluded.updated_at";
const CREDENTIAL: &str = "SELECT user_id, password_hash, must_change, totp_secret \
     FROM credentials WHERE user_id = $1";
const SET_TOTP: &str = "UPDATE credentials SET totp_secret = $2, totp_last_step = NULL, updated_at = $3 \
     WHERE user_id = $1";
/// Takes a time step for the user's code only if no later or equal step was taken: atomic, so
/// two sign-ins racing with one code cannot both succeed.
const CLAIM_TOTP_STEP: &str = "UPDATE credentials SET totp_last_step = $2 \
     WHERE user_id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)";

async fn write_secret(exec: &mut dyn Exec, secret: &SecretWrite) -> Result<(), StoreError> {
    match secret {
        SecretWrite::Password {
            user_id,
            hash,
            must_change,
            at,
        } => {
            exec.execute(
                UPSERT_CREDENTIAL,
                &[
                    (*user_id).into(),
                    hash.as_str().into(),
                    (*must_change).into(),
                    (*at).into(),
                ],
            )
            .await?;
        }
        SecretWrite::Totp {
            user_id,
            secret,
            at,
        } => {
            exec.execute(
                SET_TOTP,
                &[(*user_id).into(), secret.clone().into(), (*at).into()],
            )
            .await?;
        }
        SecretWrite::EndSessions { user_id, keep } => {
            // No token hash is empty, so an empty `keep` spares none.
            let keep: &[u8] = keep.as_ref().map_or(&[], |k| &k[..]);
            exec.execute(END_SESSIONS, &[(*user_id).into(), keep.into(), true.into()])
                .await?;
        }
        SecretWrite::Sealed(record) => super::sealed::insert(exec, record).await?,
        SecretWrite::EraseSealed { reference } => super::sealed::erase(exec, reference).await?,
        SecretWrite::DocumentFile { document_id, pdf } => {
            super::document::insert_file(exec, *document_id, pdf).await?
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
/// Revoked, not deleted: a revoked row stays revoked whatever becomes of the account later
/// (enabling it again revives nothing), as a signed-out one does.
const END_SESSIONS: &str = "UPDATE sessions SET revoked = $3 \
     WHERE user_id = $1 AND token_hash <> $2";

fn session_from_row(row: &Row) -> Result<Session, StoreError> {
    Ok(Session {
        token_hash: row
            .bytes(0)?
            .try_into()
            .map_err(|_| corrupt("a session token hash is not 32 bytes"))?,
        user_id: row.uuid(1)?,
        created_at: row.time(2)?,
        expires_at: row.time(3)?,
        last_seen_at: row.time(4)?,
        revoked: row.bool(5)?,
    })
}

// ---------------------------------------------------------------------------------------------
// Reads inside a write, and reads through the backend
// ---------------------------------------------------------------------------------------------

/// The [`crate::Reader`] a decision sees: the write transaction's own connection.
pub struct TxReader<'c> {
    pub exec: &'c mut dyn Exec,
    /// The group's log rows not sent yet: flushed before a read of the log.
    pub log: &'c mut GroupLog,
}

#[async_trait]
impl crate::Reader for TxReader<'_> {
    async fn unit_by_id(&mut self, id: Uuid) -> Result<Option<Unit>, StoreError> {
        unit_by_id(self.exec, id).await
    }
    async fn unit_by_code(&mut self, code: &str) -> Result<Option<Unit>, StoreError> {
        unit_by_code(self.exec, code).await
    }
    async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError> {
        user_by_username(self.exec, username).await
    }
    async fn user_by_id(&mut self, id: Uuid) -> Result<Option<User>, StoreError> {
        query_opt(self.exec, USER_BY_ID, &[id.into()])
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }
    async fn entity_by_id(&mut self, id: Uuid) -> Result<Option<Entity>, StoreError> {
        entity_by_id(self.exec, id).await
    }
    async fn uscc_taken(&mut self, uscc: &str) -> Result<bool, StoreError> {
        Ok(query_one(self.exec, USCC_TAKEN, &[uscc.into()])
            .await?
            .i64(0)?
            > 0)
    }
    async fn registered_usccs(
        &mut self,
        usccs: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        registered_usccs(self.exec, usccs).await
    }
    async fn evidence_by_id(
        &mut self,
        id: Uuid,
    ) -> Result<Option<domain::evidence::Evidence>, StoreError> {
        super::evidence::evidence_by_id(self.exec, id).await
    }
    async fn clue_by_id(
        &mut self,
        id: Uuid,
    ) -> Result<Option<domain::case::clue::Clue>, StoreError> {
        super::case::clue_by_id(self.exec, id).await
    }
    async fn case_by_id(
        &mut self,
        id: Uuid,
    ) -> Result<Option<domain::case::registration::Case>, StoreError> {
        super::case::case_by_id(self.exec, id).await
    }
    async fn case_counter(&mut self, key: &str) -> Result<i64, StoreError> {
        super::case::counter(self.exec, key).await
    }
    async fn record_kind(
        &mut self,
        case_id: Uuid,
        record_id: Uuid,
    ) -> Result<Option<domain::case::record::RecordKind>, StoreError> {
        super::case::record_kind(self.exec, case_id, record_id).await
    }
    async fn case_ledger(
        &mut self,
        case_id: Uuid,
        clue_id: Uuid,
    ) -> Result<Vec<(i64, ledger::Hash)>, StoreError> {
        // The group's earlier commands may have appended to this case.
        self.log.flush(self.exec).await?;
        super::case::case_ledger(self.exec, case_id, clue_id).await
    }
    async fn record_officers(&mut self, case_id: Uuid) -> Result<Vec<String>, StoreError> {
        super::case::record_officers(self.exec, case_id).await
    }
    async fn sealed_record(
        &mut self,
        reference: &str,
    ) -> Result<Option<crate::SealedRecord>, StoreError> {
        super::sealed::record(self.exec, reference).await
    }
    async fn documents_of_kind(
        &mut self,
        case_id: Uuid,
        kind: domain::case::document::DocumentKind,
    ) -> Result<Vec<domain::case::document::Document>, StoreError> {
        super::document::documents_of_kind(self.exec, case_id, kind).await
    }
    async fn benchmark_versions(
        &mut self,
    ) -> Result<Vec<domain::discretion::StoredBenchmark>, StoreError> {
        super::discretion::all(self.exec).await
    }
    async fn benchmark_version(
        &mut self,
        version: &str,
    ) -> Result<Option<domain::discretion::StoredBenchmark>, StoreError> {
        super::discretion::one(self.exec, version).await
    }
    async fn document_by_id(
        &mut self,
        id: Uuid,
    ) -> Result<Option<domain::case::document::Document>, StoreError> {
        super::document::document_by_id(self.exec, id).await
    }
}

const INSERT_SIGNIN: &str = "INSERT INTO signin_audit (at, username, user_id, ip, outcome) \
     VALUES ($1, $2, $3, $4, $5)";
const USERNAME_FAILURES: &str = "SELECT COUNT(*), MIN(at) FROM signin_audit \
     WHERE username = $1 AND outcome = 'failure' AND at >= $2 \
       AND seq > COALESCE((SELECT MAX(seq) FROM signin_audit \
                           WHERE username = $1 AND outcome = 'unlock'), 0)";
const IP_FAILURES: &str = "SELECT COUNT(*), MIN(at) FROM signin_audit \
     WHERE ip = $1 AND outcome = 'failure' AND at >= $2";

const ENTITY_COUNTS: &str = "SELECT county_code, class, COUNT(*) FROM entities \
     WHERE ($1 = '' OR $1 LIKE '%,' || county_code || ',%') \
     GROUP BY county_code, class ORDER BY county_code, class";
const USERS_BY_NAME: &str = "SELECT id, username, display_name, unit_id, roles, counties, demo, \
     version, certificate, disabled, legal_qualification FROM users ORDER BY username";
const SESSIONS_OF: &str = "SELECT token_hash, user_id, created_at, expires_at, last_seen_at, \
     revoked FROM sessions WHERE user_id = $1 ORDER BY created_at DESC";
const SIGNINS_OF: &str = "SELECT at, username, user_id, ip, outcome FROM signin_audit \
     WHERE username = $1 ORDER BY seq DESC LIMIT $2";
const RECENT_SIGNINS: &str = "SELECT at, username, user_id, ip, outcome FROM signin_audit \
     ORDER BY seq DESC LIMIT $1";

fn signin_from_row(r: &Row) -> Result<SigninRecord, StoreError> {
    let outcome = r.text(4)?;
    Ok(SigninRecord {
        at: r.time(0)?,
        username: r.text(1)?,
        user_id: r.opt_uuid(2)?,
        ip: r.text(3)?,
        outcome: crate::SigninOutcome::parse(&outcome)
            .ok_or_else(|| corrupt(format!("unknown sign-in outcome {outcome}")))?,
    })
}

fn failure_count(row: &Row) -> Result<FailureCount, StoreError> {
    let count = row.i64(0)?;
    Ok(FailureCount {
        count,
        oldest: if count > 0 { Some(row.time(1)?) } else { None },
    })
}

#[async_trait]
impl<B: SqlBackend> Queries for B {
    async fn ping(&self) -> Result<(), StoreError> {
        run!(self, |e| log_size(e).await.map(|_| ()))
    }
    async fn stored_benchmarks(
        &self,
    ) -> Result<Vec<domain::discretion::StoredBenchmark>, StoreError> {
        run!(self, |e| super::discretion::all(e).await)
    }

    async fn log_size(&self) -> Result<i64, StoreError> {
        run!(self, |e| log_size(e).await)
    }

    async fn events(
        &self,
        scope: &Scope,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let scope = scope.clone();
        run!(self, |e| events_from(e, &scope, from_seq, limit).await)
    }

    async fn administration_events(
        &self,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError> {
        run!(self, |e| administration_events(e, from_seq, limit).await)
    }

    async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        run!(self, |e| e
            .query(ALL_UNITS, &[])
            .await?
            .iter()
            .map(unit_from_row)
            .collect())
    }

    async fn unit(&self, id: Uuid) -> Result<Option<Unit>, StoreError> {
        run!(self, |e| unit_by_id(e, id).await)
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        run!(self, |e| query_opt(e, USER_BY_ID, &[id.into()])
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose())
    }

    async fn user_with_credential(
        &self,
        username: &str,
    ) -> Result<Option<(User, Option<Credential>)>, StoreError> {
        let username = username.to_owned();
        run!(self, |e| {
            let Some(user) = user_by_username(e, &username).await? else {
                return Ok(None);
            };
            let credential = credential_of(e, user.id).await?;
            Ok(Some((user, credential)))
        })
    }

    async fn session_holder(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<(Session, Option<(User, Option<Credential>)>)>, StoreError> {
        let hash = *token_hash;
        run_short!(self, |e| {
            let Some(session) = query_opt(e, SESSION, &[(&hash[..]).into()])
                .await?
                .as_ref()
                .map(session_from_row)
                .transpose()?
            else {
                return Ok(None);
            };
            let Some(user) = query_opt(e, USER_BY_ID, &[session.user_id.into()])
                .await?
                .as_ref()
                .map(user_from_row)
                .transpose()?
            else {
                return Ok(Some((session, None)));
            };
            let credential = credential_of(e, user.id).await?;
            Ok(Some((session, Some((user, credential)))))
        })
    }

    async fn has_real_data(&self) -> Result<bool, StoreError> {
        run!(self, |e| Ok(query_one(e, REAL_ROWS, &[false.into()])
            .await?
            .i64(0)?
            > 0))
    }

    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let s = s.clone();
        run!(self, |e| e
            .execute(
                INSERT_SESSION,
                &[
                    (&s.token_hash[..]).into(),
                    s.user_id.into(),
                    s.created_at.into(),
                    s.expires_at.into(),
                    s.last_seen_at.into(),
                    s.revoked.into(),
                ],
            )
            .await
            .map(|_| ()))
    }

    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let hash = *token_hash;
        run!(self, |e| query_opt(e, SESSION, &[(&hash[..]).into()])
            .await?
            .as_ref()
            .map(session_from_row)
            .transpose())
    }

    async fn touch_session(&self, token_hash: &[u8; 32], at: Timestamp) -> Result<(), StoreError> {
        let hash = *token_hash;
        run!(self, |e| e
            .execute(TOUCH_SESSION, &[(&hash[..]).into(), at.into()])
            .await
            .map(|_| ()))
    }

    async fn claim_totp_step(&self, user_id: Uuid, step: i64) -> Result<bool, StoreError> {
        run!(self, |e| e
            .execute(CLAIM_TOTP_STEP, &[user_id.into(), step.into()])
            .await
            .map(|n| n == 1))
    }

    async fn revoke_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        let hash = *token_hash;
        run!(self, |e| e
            .execute(REVOKE_SESSION, &[(&hash[..]).into(), true.into()])
            .await
            .map(|_| ()))
    }

    async fn entities(
        &self,
        scope: &Scope,
        filter: &EntityFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Entity>, StoreError> {
        let params: Vec<Value> = vec![
            scope.pattern().into(),
            filter.county.as_str().into(),
            filter.class.as_str().into(),
            contains_pattern(&filter.q).into(),
        ];
        run!(self, |e| {
            let total = query_one(e, ENTITY_COUNT, &params).await?.i64(0)?;
            let mut page_params = params.clone();
            page_params.push(limit.into());
            page_params.push(offset.into());
            let items = e
                .query(ENTITY_PAGE, &page_params)
                .await?
                .iter()
                .map(entity_from_row)
                .collect::<Result<_, _>>()?;
            Ok(Page { items, total })
        })
    }

    async fn entities_after_key(
        &self,
        scope: &Scope,
        filter: &EntityFilter,
        after: Option<&(Vec<u8>, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Entity, Vec<u8>)>, StoreError> {
        let (from, key, id) = match after {
            Some((key, id)) => (1i64, key.clone(), *id),
            None => (0, Vec::new(), Uuid::nil()),
        };
        let params: Vec<Value> = vec![
            scope.pattern().into(),
            filter.county.as_str().into(),
            filter.class.as_str().into(),
            contains_pattern(&filter.q).into(),
            from.into(),
            Value::Bytes(Some(key)),
            id.into(),
            limit.into(),
        ];
        run!(self, |e| {
            e.query(ENTITY_KEYSET, &params)
                .await?
                .iter()
                .map(|row| Ok((entity_from_row(row)?, row.bytes(14)?)))
                .collect()
        })
    }

    async fn entity_changes(&self, from_seq: i64, to_seq: i64) -> Result<Vec<Uuid>, StoreError> {
        run!(self, |e| {
            let rows = e
                .query(ENTITY_CHANGES, &[from_seq.into(), to_seq.into()])
                .await?;
            let mut ids = Vec::with_capacity(rows.len());
            for row in &rows {
                match event_from_row(row)?.event.payload {
                    domain::event::Payload::EntityRegistered(p) => ids.push(p.id),
                    domain::event::Payload::EntityUpdated(p) => ids.push(p.id),
                    _ => {}
                }
            }
            Ok(ids)
        })
    }

    async fn entities_after(&self, after: Uuid, limit: i64) -> Result<Vec<Entity>, StoreError> {
        run!(self, |e| e
            .query(ENTITIES_AFTER, &[after.into(), limit.into()])
            .await?
            .iter()
            .map(entity_from_row)
            .collect())
    }

    async fn entities_by_ids(
        &self,
        scope: &Scope,
        ids: &[Uuid],
    ) -> Result<Vec<Entity>, StoreError> {
        let pattern = scope.pattern();
        let ids = ids.to_vec();
        run!(self, |e| entities_by_ids(e, &pattern, &ids).await)
    }

    async fn entities_by_ids_with_log_size(
        &self,
        scope: &Scope,
        ids: &[Uuid],
    ) -> Result<(Vec<Entity>, i64), StoreError> {
        let pattern = scope.pattern();
        let ids = ids.to_vec();
        run_short!(self, |e| entities_by_ids_with_log_size(e, &pattern, &ids)
            .await)
    }

    async fn entity(&self, scope: &Scope, id: Uuid) -> Result<Option<Entity>, StoreError> {
        let pattern = scope.pattern();
        run!(self, |e| query_opt(
            e,
            ENTITY_IN_SCOPE,
            &[id.into(), pattern.into()]
        )
        .await?
        .as_ref()
        .map(entity_from_row)
        .transpose())
    }

    async fn registered_usccs(
        &self,
        usccs: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let usccs = usccs.to_vec();
        run!(self, |e| registered_usccs(e, &usccs).await)
    }

    async fn record_signin(&self, r: &SigninRecord) -> Result<(), StoreError> {
        let values: Vec<Value> = vec![
            r.at.into(),
            r.username.as_str().into(),
            r.user_id.into(),
            r.ip.as_str().into(),
            r.outcome.as_str().into(),
        ];
        run!(self, |e| e
            .execute(INSERT_SIGNIN, &values)
            .await
            .map(|_| ()))
    }

    async fn username_failures(
        &self,
        username: &str,
        since: Timestamp,
    ) -> Result<FailureCount, StoreError> {
        let values: Vec<Value> = vec![username.into(), since.into()];
        run!(self, |e| failure_count(
            &query_one(e, USERNAME_FAILURES, &values).await?
        ))
    }

    async fn ip_failures(&self, ip: &str, since: Timestamp) -> Result<FailureCount, StoreError> {
        let values: Vec<Value> = vec![ip.into(), since.into()];
        run!(self, |e| failure_count(
            &query_one(e, IP_FAILURES, &values).await?
        ))
    }

    async fn tree_head(&self) -> Result<(i64, ledger::Hash), StoreError> {
        run!(self, |e| {
            let size = log_size(e).await?;
            Ok((size, ledger_root(e, size).await?))
        })
    }

    async fn event_hashes(
        &self,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<(i64, ledger::Hash)>, StoreError> {
        run!(self, |e| e
            .query(EVENT_HASHES, &[from_seq.into(), limit.into()])
            .await?
            .iter()
            .map(|r| Ok((r.i64(0)?, hash32(r.bytes(1)?)?)))
            .collect())
    }

    async fn stored_events(
        &self,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<crate::StoredEvent>, StoreError> {
        run!(self, |e| e
            .query(STORED_EVENTS, &[from_seq.into(), limit.into()])
            .await?
            .into_iter()
            .map(|mut r| {
                Ok(crate::StoredEvent {
                    seq: r.i64(0)?,
                    id: r.uuid(1)?,
                    schema: r.take_text(2)?,
                    at: r.time(3)?,
                    actor: r.take_text(4)?,
                    payload: r.take_text(5)?,
                    hash: hash32(r.bytes(6)?)?,
                })
            })
            .collect())
    }

    async fn tree_hashes(
        &self,
        from: i64,
        limit: i64,
    ) -> Result<Vec<(i64, ledger::Hash)>, StoreError> {
        run!(self, |e| e
            .query(TREE_HASHES, &[from.into(), limit.into()])
            .await?
            .iter()
            .map(|r| Ok((r.i64(0)?, hash32(r.bytes(1)?)?)))
            .collect())
    }

    async fn inclusion_proof(&self, seq: i64, size: i64) -> Result<Vec<ledger::Hash>, StoreError> {
        run!(self, |e| super::ledger::inclusion(
            e,
            seq as u64,
            size as u64
        )
        .await)
    }

    async fn entity_counts(&self, scope: &Scope) -> Result<Vec<(String, String, i64)>, StoreError> {
        let pattern = scope.pattern();
        run!(self, |e| e
            .query(ENTITY_COUNTS, &[pattern.into()])
            .await?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?, r.i64(2)?)))
            .collect())
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        run!(self, |e| e
            .query(USERS_BY_NAME, &[])
            .await?
            .iter()
            .map(user_from_row)
            .collect())
    }

    async fn users_named(&self, usernames: &[String]) -> Result<Vec<User>, StoreError> {
        let usernames = usernames.to_vec();
        run!(self, |e| {
            let mut out = Vec::new();
            for name in &usernames {
                if let Some(u) = user_by_username(e, name).await? {
                    out.push(u);
                }
            }
            Ok(out)
        })
    }

    async fn sessions_of(&self, user_id: Uuid) -> Result<Vec<Session>, StoreError> {
        run!(self, |e| e
            .query(SESSIONS_OF, &[user_id.into()])
            .await?
            .iter()
            .map(session_from_row)
            .collect())
    }

    async fn signins_of(
        &self,
        username: &str,
        limit: i64,
    ) -> Result<Vec<SigninRecord>, StoreError> {
        let values: Vec<Value> = vec![username.into(), limit.into()];
        run!(self, |e| e
            .query(SIGNINS_OF, &values)
            .await?
            .iter()
            .map(signin_from_row)
            .collect())
    }

    async fn recent_signins(&self, limit: i64) -> Result<Vec<SigninRecord>, StoreError> {
        run!(self, |e| e
            .query(RECENT_SIGNINS, &[limit.into()])
            .await?
            .iter()
            .map(signin_from_row)
            .collect())
    }
}

#[async_trait]
impl<B: SqlBackend> Writer for B {
    fn backend(&self) -> crate::Backend {
        self.kind()
    }

    async fn write(&self, decide: crate::Decide) -> Result<crate::Committed, crate::WriteError> {
        SqlBackend::write(self, decide).await
    }

    fn queued(&self) -> usize {
        SqlBackend::queued(self)
    }

    async fn replay_check(&self) -> Result<ReplayReport, StoreError> {
        SqlBackend::replay_check(self).await
    }

    async fn signer_lock(&self) -> Result<Option<crate::SignerLock>, StoreError> {
        SqlBackend::signer_lock(self).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tip(size: i64, last: u8) -> LogTip {
        LogTip {
            size,
            last_hash: Some([last; 32]),
        }
    }

    #[test]
    fn the_page_with_the_log_size_reads_the_entity_columns_then_the_size() {
        let sql = entities_by_ids_with_log_size_sql(10);
        assert!(sql.starts_with("SELECT e.id, e.uscc,"));
        assert!(sql.contains("e.version, h.size FROM log_head"));
        assert_eq!(LOCK_LOG_TIP, format!("{LOG_TIP} FOR UPDATE"));
    }

    /// The kept right edge of the tree is used again only where the log still ends as it did:
    /// the same size with another last hash (the log lost its end and others appended as many
    /// events) starts from the database.
    #[test]
    fn the_kept_edge_needs_the_same_size_and_the_same_last_hash() {
        let mut log = GroupLog::default();
        log.begin(&tip(6, 1));
        // The roots of a tree of 6 leaves are stored at indexes 6 ([0, 4)) and 9 ([4, 6)).
        log.fresh.insert(6, [6; 32]);
        log.fresh.insert(9, [9; 32]);
        log.fresh.insert(7, [7; 32]);
        log.committed(6);
        assert_eq!(log.fresh.len(), 2, "only the roots are kept");

        log.begin(&tip(6, 1));
        assert_eq!(log.fresh.len(), 2, "the log ends as it did");
        log.committed(6);

        log.begin(&tip(6, 2));
        assert!(log.fresh.is_empty(), "same size, another last hash");
        log.committed(6);
        log.fresh.insert(6, [6; 32]);
        log.committed(6);
        log.begin(&tip(7, 2));
        assert!(log.fresh.is_empty(), "another size");
    }
}
