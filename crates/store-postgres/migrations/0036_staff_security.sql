-- PRV-8: the staff's second factor (RFC 6238), recovery codes, invitations, and the
-- security log of staff logins and changes of role.
-- The secret of the authenticator app, base32; enabled once a first code was given.
ALTER TABLE staff ADD COLUMN totp_secret TEXT;
ALTER TABLE staff ADD COLUMN totp_enabled_at BIGINT;
-- The last time step accepted: a code is accepted once (RFC 6238, 5.2).
ALTER TABLE staff ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
-- A page session whose password was right and which waits for the second factor.
ALTER TABLE web_sessions ADD COLUMN pending_staff_id TEXT REFERENCES staff (id);

CREATE TABLE staff_recovery_codes (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (staff_id, code_hash)
);

-- An invitation (or a reset) e-mailed to a member of staff: single use, by its SHA-256.
CREATE TABLE staff_invitations (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE staff_security_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    -- Whose account: the member of staff who logged in, or whose role changed.
    staff_id TEXT NOT NULL REFERENCES staff (id),
    -- Who did it: the same member for a login, an admin for a change.
    actor_id TEXT REFERENCES staff (id),
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX staff_security_log_at ON staff_security_log (at);
