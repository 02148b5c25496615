-- PRV-8: the merchant's staff, each with one role.
CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'customer_service', 'warehouse', 'accountant')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    CONSTRAINT staff_email_key UNIQUE (email_key)
);
