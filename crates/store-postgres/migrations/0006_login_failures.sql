-- Failed logins per account address, so the limit holds across every process.
CREATE TABLE login_failures (
    email_key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (email_key, at);
