-- Officers' certificates (JSON), projected from officer.certified/v1.
ALTER TABLE users ADD COLUMN certificate TEXT;

-- The register of regulated entities (projection).
CREATE TABLE entities (
    id BLOB PRIMARY KEY,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- The name's UTF-8 bytes: the same order on both backends, whatever the collation.
    name_key BLOB NOT NULL,
    county_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    class TEXT NOT NULL,
    address TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    lat_e6 INTEGER NOT NULL,
    lon_e6 INTEGER NOT NULL,
    outlets TEXT NOT NULL,
    permit TEXT,
    -- Lower-cased name, USCC, address and legal representative, for case-insensitive search.
    search_text TEXT NOT NULL,
    demo BOOLEAN NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX entities_county_order ON entities (county_code, name_key, id);
CREATE INDEX entities_order ON entities (name_key, id);

-- Every sign-in attempt, success or failure, and every unlock (not part of the ledger).
CREATE TABLE signin_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    user_id BLOB,
    ip TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX signin_audit_username ON signin_audit (username, at);
CREATE INDEX signin_audit_ip ON signin_audit (ip, at);
CREATE TRIGGER signin_audit_no_update BEFORE UPDATE ON signin_audit
BEGIN SELECT RAISE(ABORT, 'signin_audit is append-only'); END;
CREATE TRIGGER signin_audit_no_delete BEFORE DELETE ON signin_audit
BEGIN SELECT RAISE(ABORT, 'signin_audit is append-only'); END;
