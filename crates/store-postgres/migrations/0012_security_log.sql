-- PRV-5: who tried the sensitive forms (login, sign-up, reset, share, contact), from
-- where, with what answer; kept security_log_retention_days, then purged (PRV-7). Only
-- daily counts leave the system.
CREATE TABLE security_events (
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    status BIGINT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    referrer TEXT NOT NULL
);
CREATE INDEX security_events_at ON security_events (at);
