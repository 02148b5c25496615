-- BSK-1 … BSK-5: a customer's basket and its lines. `version` makes every change a
-- compare-and-set, so two requests never overwrite each other's lines.
CREATE TABLE baskets (
    id TEXT PRIMARY KEY,
    customer_id TEXT REFERENCES customers (id),
    version INTEGER NOT NULL,
    last_added_at INTEGER,
    updated_at INTEGER NOT NULL,
    CONSTRAINT baskets_customer_key UNIQUE (customer_id)
);

CREATE TABLE basket_lines (
    id TEXT PRIMARY KEY,
    basket_id TEXT NOT NULL REFERENCES baskets (id),
    position INTEGER NOT NULL,
    sku TEXT NOT NULL REFERENCES variants (sku),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    personalisation TEXT
);
CREATE INDEX basket_lines_basket ON basket_lines (basket_id, position);
