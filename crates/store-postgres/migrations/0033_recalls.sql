-- WAR-4: a piece recalled by the house (one reference, or every reference of a product),
-- and each buyer's units it concerns: the buyer was e-mailed and may send them back at the
-- house's cost.
CREATE TABLE recalls (
    id TEXT PRIMARY KEY,
    sku TEXT,
    product_slug TEXT,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    CHECK (sku IS NOT NULL OR product_slug IS NOT NULL)
);
CREATE TABLE recall_notices (
    recall_id TEXT NOT NULL REFERENCES recalls (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_no BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (recall_id, order_id, line_no)
);
CREATE INDEX recall_notices_order ON recall_notices (order_id);
