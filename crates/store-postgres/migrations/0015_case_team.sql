-- A case's investigators (issue 21): the team as JSON on the case, and one row per person for
-- the "officer" filter and "my tasks".
ALTER TABLE cases ADD COLUMN team TEXT;
CREATE TABLE case_officers (
    case_id UUID NOT NULL REFERENCES cases (id),
    username TEXT NOT NULL,
    -- lead, officer or assistant
    role TEXT NOT NULL,
    PRIMARY KEY (case_id, username)
);
CREATE INDEX case_officers_username ON case_officers (username);
