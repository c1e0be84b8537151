-- Signed checkpoints of the ledger tree (C2SP tlog-checkpoint notes) and every key that signed
-- them. Not projections: the signer's own append-only record, never rebuilt by replay.
CREATE TABLE ledger_keys (
    key_id TEXT PRIMARY KEY,
    vkey TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE checkpoints (
    id BIGSERIAL PRIMARY KEY,
    size BIGINT NOT NULL CHECK (size >= 0),
    root BYTEA NOT NULL,
    key_id TEXT NOT NULL REFERENCES ledger_keys (key_id),
    note TEXT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX checkpoints_size ON checkpoints (size);
CREATE INDEX checkpoints_key ON checkpoints (key_id);
CREATE TRIGGER ledger_keys_append_only BEFORE UPDATE OR DELETE ON ledger_keys
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
