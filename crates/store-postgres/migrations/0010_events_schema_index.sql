-- Events by schema in log order: the audit administrator's administration events are found
-- without walking the whole log.
CREATE INDEX events_schema_seq ON events (schema, seq);
