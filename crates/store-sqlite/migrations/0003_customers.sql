-- ACC-1 … ACC-8: customer accounts, single-use e-mailed tokens, API tokens.
CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'locked', 'closed')),
    created_at INTEGER NOT NULL,
    activated_at INTEGER,
    CONSTRAINT customers_email_key UNIQUE (email_key)
);

-- Activation and password-reset links: only the SHA-256 of the token is kept.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('activation', 'password_reset')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX account_tokens_customer ON account_tokens (customer_id);

-- Bearer tokens of the API, for customers and staff: hashed, revocable, expiring.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('customer', 'staff')),
    subject_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_subject ON api_tokens (subject_kind, subject_id);

-- PRV-3: every consent given or withdrawn, with the wording shown.
CREATE TABLE consents (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    purpose TEXT NOT NULL,
    granted INTEGER NOT NULL,
    wording TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX consents_customer ON consents (customer_id, purpose, at);

-- E-mails, written in the same transaction as the change that sends them.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at INTEGER,
    -- A delivery in progress: another process leaves it alone until then.
    lease_until INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
