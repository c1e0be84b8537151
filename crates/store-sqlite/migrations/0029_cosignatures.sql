-- Witness cosignatures (C2SP tlog-cosignature) of signed checkpoints: the signature line each
-- witness answered for a checkpoint, as received and verified. Not projections: the signer's
-- own append-only record, like checkpoints.
CREATE TABLE cosignatures (
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints (id),
    -- Hex of the witness's 4-byte key ID, and its name.
    witness_key_id TEXT NOT NULL,
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    -- The cosignature's own time (POSIX seconds), and when the platform received it.
    cosigned_at BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (checkpoint_id, witness_key_id)
);
CREATE INDEX cosignatures_witness ON cosignatures (witness_key_id, checkpoint_id);
CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures is append-only'); END;
CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures is append-only'); END;

-- Statements the ledger's keys signed about the log itself (`ledger declare-loss`: a range of
-- published entries lost, and the origin the log continues under). Append-only.
CREATE TABLE ledger_statements (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    statement TEXT NOT NULL,
    made_at TEXT NOT NULL
);
CREATE TRIGGER ledger_statements_no_update BEFORE UPDATE ON ledger_statements
BEGIN SELECT RAISE(ABORT, 'ledger_statements is append-only'); END;
CREATE TRIGGER ledger_statements_no_delete BEFORE DELETE ON ledger_statements
BEGIN SELECT RAISE(ABORT, 'ledger_statements is append-only'); END;
