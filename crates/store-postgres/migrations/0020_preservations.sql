-- Preservations of evidence (issue 21), as a JSON list on the case; `preservation_waiting` marks
-- a case with one waiting for a head's approval (the approvals list).
ALTER TABLE cases ADD COLUMN preservations TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN preservation_waiting BOOLEAN NOT NULL DEFAULT FALSE;
