-- Cases with a preservation of evidence in effect and not yet decided (issue 21: the deadline
-- lists show its 7-working-day decision due or its lapse). Existing rows are filled from the
-- JSON list: taken effect, no decision, not rejected.
ALTER TABLE cases ADD COLUMN preservation_open BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE cases SET preservation_open = EXISTS (
    SELECT 1 FROM jsonb_array_elements(preservations::jsonb) p
    WHERE p ? 'effective_at' AND NOT p ? 'decision'
      AND COALESCE((p -> 'approval' ->> 'approved')::boolean, TRUE)
);
CREATE INDEX cases_preservation_open ON cases (preservation_open) WHERE preservation_open;
