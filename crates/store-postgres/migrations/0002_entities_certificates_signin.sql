-- Officers' certificates (JSON), projected from officer.certified/v1.
ALTER TABLE users ADD COLUMN certificate TEXT;

-- The register of regulated entities (projection).
CREATE TABLE entities (
    id UUID PRIMARY KEY,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- The name's UTF-8 bytes: the same order on both backends, whatever the collation.
    name_key BYTEA NOT NULL,
    county_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    class TEXT NOT NULL,
    address TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    lat_e6 BIGINT NOT NULL,
    lon_e6 BIGINT NOT NULL,
    outlets TEXT NOT NULL,
    permit TEXT,
    -- Lower-cased name, USCC, address and legal representative, for case-insensitive search.
    search_text TEXT NOT NULL,
    demo BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX entities_county_order ON entities (county_code, name_key, id);
CREATE INDEX entities_order ON entities (name_key, id);

-- Every sign-in attempt, success or failure, and every unlock (not part of the ledger).
CREATE TABLE signin_audit (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    username TEXT NOT NULL,
    user_id UUID,
    ip TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX signin_audit_username ON signin_audit (username, at);
CREATE INDEX signin_audit_ip ON signin_audit (ip, at);
CREATE TRIGGER signin_audit_append_only BEFORE UPDATE OR DELETE ON signin_audit
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
