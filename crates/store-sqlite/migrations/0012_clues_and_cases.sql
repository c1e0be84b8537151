-- Clues (projection): what may become a case; the statement as JSON (issue 20).
CREATE TABLE clues (
    id BLOB PRIMARY KEY,
    county_code TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    -- YYYY-MM-DD (a date as the law counts it, not an instant).
    received_on TEXT NOT NULL,
    data TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    extended BOOLEAN NOT NULL,
    closed_reason TEXT,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX clues_county_status ON clues (county_code, status, received_on);
CREATE INDEX clues_submitter ON clues (submitted_by);

-- Cases (projection): from the proposal to registration or cancellation.
CREATE TABLE cases (
    id BLOB PRIMARY KEY,
    clue_id BLOB NOT NULL REFERENCES clues (id),
    county_code TEXT NOT NULL,
    handling_unit_id BLOB,
    stage TEXT NOT NULL,
    facts TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    number TEXT UNIQUE,
    registered_on TEXT,
    cancellation_by TEXT,
    cancellation_reason TEXT,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX cases_county_stage ON cases (county_code, stage);
CREATE INDEX cases_clue ON cases (clue_id);

-- Case number counters (projection): the last serial of each (organ, branch, kind, year); the
-- registration event carries the serial it takes, so replay rebuilds them.
CREATE TABLE case_counters (
    counter_key TEXT PRIMARY KEY,
    last_serial BIGINT NOT NULL
);
