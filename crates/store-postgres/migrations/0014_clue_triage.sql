-- Triage of a clue (issue 20): the case it was merged into, its transfer to another authority
-- (JSON: to, reason, letter_on), and an extension of the time to decide waiting for a head.
ALTER TABLE clues ADD COLUMN merged_into UUID;
ALTER TABLE clues ADD COLUMN transfer TEXT;
ALTER TABLE clues ADD COLUMN extension_by TEXT;
ALTER TABLE clues ADD COLUMN extension_reason TEXT;
CREATE INDEX clues_awaiting_extension ON clues (county_code) WHERE extension_by IS NOT NULL;
-- The case list's filters: handling unit, proposing officer, registration date (overdue).
CREATE INDEX cases_handling_unit ON cases (handling_unit_id);
CREATE INDEX cases_proposed_by ON cases (proposed_by);
CREATE INDEX cases_registered_on ON cases (registered_on);
