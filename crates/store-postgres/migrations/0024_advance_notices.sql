-- Advance notices of a case (issue 23), as JSON on the case, in the order issued.
ALTER TABLE cases ADD COLUMN notices TEXT NOT NULL DEFAULT '[]';
