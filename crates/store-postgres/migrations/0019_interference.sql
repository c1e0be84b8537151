-- Records of interference in cases (issue 21): never updated or deleted; `month` is YYYY-MM of
-- `at` in China Standard Time, for the monthly list.
CREATE TABLE interference_records (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    county_code TEXT NOT NULL,
    month TEXT NOT NULL,
    record TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX interference_month ON interference_records (month, county_code);
