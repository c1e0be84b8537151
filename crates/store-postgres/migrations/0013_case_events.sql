-- Which ledger entries concern a clue or a case (projection), for the case's timeline: the
-- entries themselves stay in the log.
CREATE TABLE case_events (
    subject_id UUID NOT NULL,
    event_id UUID NOT NULL,
    PRIMARY KEY (subject_id, event_id)
);
