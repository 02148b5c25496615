-- ACC-5, PRV-1: a customer's addresses, one of them the default delivery address.
-- After an erasure (PRV-2) only city, postcode and country are kept, for VAT.
CREATE TABLE addresses (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    label TEXT NOT NULL DEFAULT '',
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    company TEXT NOT NULL DEFAULT '',
    line1 TEXT NOT NULL,
    line2 TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL,
    city TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX addresses_customer ON addresses (customer_id, created_at);
