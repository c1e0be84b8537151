-- Signed checkpoints of the ledger tree (C2SP tlog-checkpoint notes) and every key that signed
-- them. Not projections: the signer's own append-only record, never rebuilt by replay.
CREATE TABLE ledger_keys (
    key_id TEXT PRIMARY KEY,
    vkey TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    size BIGINT NOT NULL CHECK (size >= 0),
    root BLOB NOT NULL,
    key_id TEXT NOT NULL REFERENCES ledger_keys (key_id),
    note TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
CREATE INDEX checkpoints_size ON checkpoints (size);
CREATE INDEX checkpoints_key ON checkpoints (key_id);
CREATE TRIGGER ledger_keys_no_update BEFORE UPDATE ON ledger_keys
BEGIN SELECT RAISE(ABORT, 'ledger_keys is append-only'); END;
CREATE TRIGGER ledger_keys_no_delete BEFORE DELETE ON ledger_keys
BEGIN SELECT RAISE(ABORT, 'ledger_keys is append-only'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints is append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints is append-only'); END;
