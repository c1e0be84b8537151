-- Published decisions (issue 26 point 2): the projection of case.decision_published/v1 and
-- case.publication_withdrawn/v1, what the public page /decisions lists and searches.
CREATE TABLE publications (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    county_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    party TEXT NOT NULL,
    uscc TEXT NOT NULL,
    published_on TEXT NOT NULL,
    withdrawn BOOLEAN NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX publications_published ON publications (published_on, id);
CREATE INDEX publications_case ON publications (case_id);
