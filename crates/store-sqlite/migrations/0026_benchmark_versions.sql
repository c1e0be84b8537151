-- Discretion benchmark versions proposed and approved (issue 24): the table as JSON, who proposed
-- it, and once approved who approved it from which day. A projection of the ledger's events.
CREATE TABLE benchmark_versions (
    version TEXT PRIMARY KEY,
    benchmark TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    approved_by TEXT,
    effective_on TEXT
);
