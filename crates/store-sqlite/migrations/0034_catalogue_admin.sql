-- CAT-1 … CAT-7 written by the house: publication windows, per-variant rules, scheduled
-- prices, the stock journal and the low-stock threshold.

-- CAT-3: `listed` is the house's choice (published or not); `published` stays the
-- product's state on the shop's clock, kept by the use cases and by the jobs that fall due
-- on `published_from` and `published_until`, so every catalogue query filters on it alone.
ALTER TABLE products ADD COLUMN listed INTEGER NOT NULL DEFAULT 1;
ALTER TABLE products ADD COLUMN published_from INTEGER;
ALTER TABLE products ADD COLUMN published_until INTEGER;
ALTER TABLE products ADD COLUMN engraving_max_chars INTEGER;
ALTER TABLE products ADD COLUMN updated_at INTEGER;

-- A variant's own lead time and engraving, over its product's.
ALTER TABLE variants ADD COLUMN lead_time_days INTEGER;
ALTER TABLE variants ADD COLUMN engraving_max_chars INTEGER;
ALTER TABLE variants ADD COLUMN personalisable INTEGER;
-- Units at or under which the piece is listed as running low.
ALTER TABLE variants ADD COLUMN low_stock_threshold INTEGER NOT NULL DEFAULT 1;

-- A product's first variant gives its metal and stone to the catalogue's filters.
DROP TRIGGER variants_keep_product_on_update;
CREATE TRIGGER variants_keep_product_on_update AFTER UPDATE OF price, on_hand, metal, stone, position ON variants
BEGIN
    UPDATE products SET
        price_from = (SELECT MIN(price) FROM variants WHERE product_id = NEW.product_id),
        stock_units = (SELECT SUM(on_hand) FROM variants WHERE product_id = NEW.product_id),
        metal = (SELECT metal FROM variants WHERE product_id = NEW.product_id ORDER BY position LIMIT 1),
        stone = (SELECT stone FROM variants WHERE product_id = NEW.product_id ORDER BY position LIMIT 1)
    WHERE id = NEW.product_id;
END;

-- CAT-4: a promotional price from `starts_at` to `ends_at`. Its two prices are written in
-- `price_history` ahead of time; the variant's price follows that history when each falls
-- due.
CREATE TABLE promotions (
    id TEXT PRIMARY KEY,
    sku TEXT NOT NULL REFERENCES variants (sku),
    price INTEGER NOT NULL CHECK (price >= 0),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    cancelled_at INTEGER
);
CREATE INDEX promotions_sku ON promotions (sku, starts_at);

-- Every unit that moved, and who or what moved it.
CREATE TABLE stock_movements (
    -- In the order the units moved.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sku TEXT NOT NULL REFERENCES variants (sku),
    delta INTEGER NOT NULL,
    on_hand INTEGER NOT NULL,
    reason TEXT NOT NULL,
    -- The order's id, the staff member's, or the import's file name.
    reference TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX stock_movements_sku ON stock_movements (sku, id);
