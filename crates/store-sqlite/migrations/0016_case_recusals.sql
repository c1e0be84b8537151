-- Requests for recusal on a case and their decisions (issue 21), as a JSON list.
ALTER TABLE cases ADD COLUMN recusals TEXT NOT NULL DEFAULT '[]';
