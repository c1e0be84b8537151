-- Enforcement documents issued in cases (issue 22): the projection of document.issued/v1 and
-- document.signed/v1, and the issued PDFs themselves.
CREATE TABLE documents (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    county_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    issued TEXT NOT NULL,
    verify_code TEXT NOT NULL UNIQUE,
    -- The issuing event, for its inclusion proof.
    event_id UUID NOT NULL,
    signatures TEXT NOT NULL DEFAULT '[]',
    issued_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX documents_case ON documents (case_id, issued_at);

-- Not a projection: the bytes of each issued PDF, written in the issuing transaction beside its
-- event (which holds their SHA-256); replay cannot rebuild them, so they are never deleted.
CREATE TABLE document_files (
    document_id UUID PRIMARY KEY,
    pdf BYTEA NOT NULL
);
