-- The RFC 6238 TOTP secret (base32) of a user who signs in with a second factor. A secret:
-- never in an event, never logged.
ALTER TABLE credentials ADD COLUMN totp_secret TEXT;
