-- The ledger (Merkle log) over the events: each event's hash, and the stored hashes of the tree
-- (every leaf and every complete subtree, RFC 6962), so a proof needs no rereading of events.
ALTER TABLE events ADD COLUMN event_hash BLOB;

CREATE TABLE ledger_hashes (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    hash BLOB NOT NULL
);
CREATE TRIGGER ledger_hashes_no_update BEFORE UPDATE ON ledger_hashes
BEGIN SELECT RAISE(ABORT, 'ledger_hashes is append-only'); END;
CREATE TRIGGER ledger_hashes_no_delete BEFORE DELETE ON ledger_hashes
BEGIN SELECT RAISE(ABORT, 'ledger_hashes is append-only'); END;
