-- Witness cosignatures (C2SP tlog-cosignature) of signed checkpoints: the signature line each
-- witness answered for a checkpoint, as received and verified. Not projections: the signer's
-- own append-only record, like checkpoints.
CREATE TABLE cosignatures (
    checkpoint_id BIGINT NOT NULL REFERENCES checkpoints (id),
    -- Hex of the witness's 4-byte key ID, and its name.
    witness_key_id TEXT NOT NULL,
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    -- The cosignature's own time (POSIX seconds), and when the platform received it.
    cosigned_at BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (checkpoint_id, witness_key_id)
);
CREATE INDEX cosignatures_witness ON cosignatures (witness_key_id, checkpoint_id);
CREATE TRIGGER cosignatures_append_only BEFORE UPDATE OR DELETE ON cosignatures
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();

-- Statements the ledger's keys signed about the log itself (`ledger declare-loss`: a range of
-- published entries lost, and the origin the log continues under). Append-only.
CREATE TABLE ledger_statements (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    statement TEXT NOT NULL,
    made_at TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER ledger_statements_append_only BEFORE UPDATE OR DELETE ON ledger_statements
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
