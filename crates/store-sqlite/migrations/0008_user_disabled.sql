-- Accounts the system administrator disabled (projection of user.disabled/v1).
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
