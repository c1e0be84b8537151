-- The log: gap-free positions from 0, append-only.
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (id, size) VALUES (1, 0);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY CHECK (seq >= 0),
    id BLOB NOT NULL UNIQUE,
    schema TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL
);

CREATE TABLE event_counties (
    seq INTEGER NOT NULL REFERENCES events (seq),
    county TEXT NOT NULL,
    PRIMARY KEY (seq, county)
);
CREATE INDEX event_counties_county ON event_counties (county, seq);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER event_counties_no_update BEFORE UPDATE ON event_counties
BEGIN SELECT RAISE(ABORT, 'event_counties is append-only'); END;
CREATE TRIGGER event_counties_no_delete BEFORE DELETE ON event_counties
BEGIN SELECT RAISE(ABORT, 'event_counties is append-only'); END;

-- Projections (rebuilt by replay).
CREATE TABLE units (
    id BLOB PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_id BLOB REFERENCES units (id),
    division_code TEXT NOT NULL,
    demo BOOLEAN NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    unit_id BLOB REFERENCES units (id),
    roles TEXT NOT NULL,
    counties TEXT,
    demo BOOLEAN NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- Not projections: no foreign keys into projection tables, so replay can rebuild those.
CREATE TABLE credentials (
    user_id BLOB PRIMARY KEY,
    password_hash TEXT NOT NULL,
    must_change BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    revoked BOOLEAN NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
