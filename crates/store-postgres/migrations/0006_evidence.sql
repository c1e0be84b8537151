-- Evidence (projection): the officer's statement as JSON, the stored bytes' facts, the holder.
CREATE TABLE evidence (
    id UUID PRIMARY KEY,
    county_code TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id UUID NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    sm3 TEXT NOT NULL,
    size BIGINT NOT NULL,
    mime TEXT NOT NULL,
    file_name TEXT NOT NULL,
    custodian TEXT NOT NULL,
    demo BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX evidence_subject ON evidence (subject_id, created_at);
CREATE INDEX evidence_sha256 ON evidence (sha256);

-- The chain of custody (projection): one row per upload, view, download, export or transfer.
CREATE TABLE evidence_custody (
    event_id UUID PRIMARY KEY,
    evidence_id UUID NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX evidence_custody_evidence ON evidence_custody (evidence_id, at);

-- Not projections. Security-relevant refusals (a device hash that does not match the bytes).
CREATE TABLE security_audit (
    seq BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    username TEXT NOT NULL,
    user_id UUID,
    ip TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);

-- Resumable uploads (tus 1.0) in progress; the bytes are in <data-dir>/uploads/.
CREATE TABLE uploads (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    metadata TEXT NOT NULL,
    length BIGINT NOT NULL,
    received BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    evidence_id UUID
);
CREATE INDEX uploads_expiry ON uploads (expires_at);
CREATE TRIGGER evidence_custody_append_only BEFORE UPDATE ON evidence_custody
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
CREATE TRIGGER security_audit_append_only BEFORE UPDATE OR DELETE ON security_audit
    FOR EACH ROW EXECUTE FUNCTION ecoenforce_append_only();
