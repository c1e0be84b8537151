-- The ledger (Merkle log) over the events: each event's hash, and the stored hashes of the tree
-- (every leaf and every complete subtree, RFC 6962), so a proof needs no rereading of events.
ALTER TABLE events ADD COLUMN event_hash BYTEA;

CREATE TABLE ledger_hashes (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    hash BYTEA NOT NULL
);
CREATE TRIGGER ledger_hashes_append_only BEFORE UPDATE OR DELETE ON ledger_hashes
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
