-- A case with a request for recusal waiting for a head's decision (the approvals list).
ALTER TABLE cases ADD COLUMN recusal_waiting BOOLEAN NOT NULL DEFAULT FALSE;
