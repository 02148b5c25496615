-- CAT-1 … CAT-7 written by the house: publication windows, per-variant rules, scheduled
-- prices, the stock journal and the low-stock threshold.

-- CAT-3: `listed` is the house's choice (published or not); `published` stays the
-- product's state on the shop's clock, kept by the use cases and by the jobs that fall due
-- on `published_from` and `published_until`, so every catalogue query filters on it alone.
ALTER TABLE products ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE products ADD COLUMN published_from BIGINT;
ALTER TABLE products ADD COLUMN published_until BIGINT;
ALTER TABLE products ADD COLUMN engraving_max_chars BIGINT;
ALTER TABLE products ADD COLUMN updated_at BIGINT;

-- A variant's own lead time and engraving, over its product's.
ALTER TABLE variants ADD COLUMN lead_time_days BIGINT;
ALTER TABLE variants ADD COLUMN engraving_max_chars BIGINT;
ALTER TABLE variants ADD COLUMN personalisable BOOLEAN;
-- Units at or under which the piece is listed as running low.
ALTER TABLE variants ADD COLUMN low_stock_threshold BIGINT NOT NULL DEFAULT 1;

-- A product's first variant gives its metal and stone to the catalogue's filters.
DROP TRIGGER variants_keep_product_on_update ON variants;
CREATE TRIGGER variants_keep_product_on_update AFTER UPDATE OF price, on_hand, metal, stone, position ON variants
    FOR EACH ROW EXECUTE FUNCTION variants_keep_product();

-- CAT-4: a promotional price from `starts_at` to `ends_at`. Its two prices are written in
-- `price_history` ahead of time; the variant's price follows that history when each falls
-- due.
CREATE TABLE promotions (
    id TEXT PRIMARY KEY,
    sku TEXT NOT NULL REFERENCES variants (sku),
    price BIGINT NOT NULL CHECK (price >= 0),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT
);
CREATE INDEX promotions_sku ON promotions (sku, starts_at);

-- Every unit that moved, and who or what moved it.
CREATE TABLE stock_movements (
    -- In the order the units moved.
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku TEXT NOT NULL REFERENCES variants (sku),
    delta BIGINT NOT NULL,
    on_hand BIGINT NOT NULL,
    reason TEXT NOT NULL,
    -- The order's id, the staff member's, or the import's file name.
    reference TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX stock_movements_sku ON stock_movements (sku, id);
