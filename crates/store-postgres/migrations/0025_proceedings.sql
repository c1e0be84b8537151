-- Proceedings of a case after the advance notice (issue 23): services, statements, waivers,
-- hearings and tolled periods, as JSON on the case (domain::case::proceedings).
ALTER TABLE cases ADD COLUMN proceedings TEXT NOT NULL DEFAULT '{}';
