-- Cookie sessions of the pages: only the SHA-256 of the cookie's value is kept. A session
-- carries the CSRF token of its forms and, once logged in, the customer.
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    customer_id TEXT REFERENCES customers (id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_customer ON web_sessions (customer_id);
