-- The investigation report and the case review (issue 21), as JSON on the case.
ALTER TABLE cases ADD COLUMN report TEXT;
ALTER TABLE cases ADD COLUMN review TEXT;
