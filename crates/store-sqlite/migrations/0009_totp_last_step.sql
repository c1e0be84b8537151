-- The last RFC 6238 time step a user's code was accepted for: a code is accepted once (RFC 6238
-- §5.2), so a code seen over a shoulder or on the wire cannot sign in again within its window.
ALTER TABLE credentials ADD COLUMN totp_last_step BIGINT;
