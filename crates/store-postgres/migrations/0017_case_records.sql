-- Records of the investigation (issue 21): inspection, questioning and sampling records, each
-- the JSON of the form as recorded; never updated (a correction is a new record naming it).
CREATE TABLE case_records (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    record TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_records_case ON case_records (case_id);
