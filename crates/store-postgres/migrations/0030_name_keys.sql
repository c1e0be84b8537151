-- Entity names sort in pinyin order (domain::collation::name_key) instead of by their UTF-8
-- bytes. SQL cannot compute the new keys: this empties them, and opening the database fills every
-- empty key before the server starts (no name is empty, so no real key is).
UPDATE entities SET name_key = '\x'::bytea;
