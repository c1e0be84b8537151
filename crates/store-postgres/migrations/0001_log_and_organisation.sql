-- The log: gap-free positions from 0, append-only.
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (id, size) VALUES (1, 0);

CREATE TABLE events (
    seq BIGINT PRIMARY KEY CHECK (seq >= 0),
    id UUID NOT NULL UNIQUE,
    schema TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL
);

CREATE TABLE event_counties (
    seq BIGINT NOT NULL REFERENCES events (seq),
    county TEXT NOT NULL,
    PRIMARY KEY (seq, county)
);
CREATE INDEX event_counties_county ON event_counties (county, seq);

CREATE FUNCTION ecoenforce_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
CREATE TRIGGER event_counties_append_only BEFORE UPDATE OR DELETE ON event_counties
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();

-- Projections (rebuilt by replay).
CREATE TABLE units (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_id UUID REFERENCES units (id),
    division_code TEXT NOT NULL,
    demo BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    unit_id UUID REFERENCES units (id),
    roles TEXT NOT NULL,
    counties TEXT,
    demo BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Not projections: no foreign keys into projection tables, so replay can rebuild those.
CREATE TABLE credentials (
    user_id UUID PRIMARY KEY,
    password_hash TEXT NOT NULL,
    must_change BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    revoked BOOLEAN NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
