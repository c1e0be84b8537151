-- Not a projection (no event holds what it holds, so replay cannot rebuild it; like
-- credentials). Personal data sealed under <data-dir>/sealed.key (XChaCha20-Poly1305): events
-- name a record by `reference`, the hex SHA-256 of salt ‖ record_id, never by its content.
-- Erasure deletes the row, salt and all; the events that named it stay.
CREATE TABLE sealed_records (
    reference TEXT PRIMARY KEY,
    record_id UUID NOT NULL UNIQUE,
    salt BYTEA NOT NULL,
    kind TEXT NOT NULL,
    county_code TEXT NOT NULL,
    -- The first 8 bytes of SHA-256 of the key, hex: a record sealed under another key is named
    -- at start-up instead of failing to open at a view.
    key_id TEXT NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sealed_records_key ON sealed_records (key_id);

-- Who saw or erased which sealed record, and why (projection of sealed.viewed/v1 and
-- sealed.erased/v1): the record's own audit trail, which outlives its erasure.
CREATE TABLE sealed_access (
    event_id UUID PRIMARY KEY,
    reference TEXT NOT NULL,
    county_code TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    statement TEXT NOT NULL
);
CREATE INDEX sealed_access_reference ON sealed_access (reference, at);
CREATE TRIGGER sealed_access_append_only BEFORE UPDATE ON sealed_access
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
