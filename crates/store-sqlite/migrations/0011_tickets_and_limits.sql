-- PRV-9: the contact form's questions, answered by customer service.
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    customer_id TEXT REFERENCES customers (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    answer TEXT,
    answered_by TEXT REFERENCES staff (id),
    answered_at INTEGER
);
CREATE INDEX tickets_open ON tickets (answered_at, created_at);

-- Limits per account or address that every process must see (share, contact).
CREATE TABLE rate_events (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX rate_events_key ON rate_events (key, at);

-- PRV-4: a message to a friend is deleted once sent: the friend's address is not kept.
ALTER TABLE outbox ADD COLUMN forget_after_send INTEGER NOT NULL DEFAULT 0;
