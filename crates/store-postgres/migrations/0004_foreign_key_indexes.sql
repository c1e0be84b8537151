-- Deleting or replaying units checks these foreign keys; without an index each check scans the
-- table (found by the 1,000,000-event ledger verify bench).
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX users_unit ON users (unit_id);
