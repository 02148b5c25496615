-- The catalogue: collections, materials, stones, products, variants, prices, search.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('catalogue_version', 1);

CREATE TABLE collections (
    slug TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name_fr TEXT NOT NULL, name_en TEXT NOT NULL, name_it TEXT NOT NULL,
    description_fr TEXT NOT NULL, description_en TEXT NOT NULL, description_it TEXT NOT NULL
);

CREATE TABLE materials (
    slug TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name_fr TEXT NOT NULL, name_en TEXT NOT NULL, name_it TEXT NOT NULL,
    description_fr TEXT NOT NULL, description_en TEXT NOT NULL, description_it TEXT NOT NULL
);

CREATE TABLE stones (
    slug TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name_fr TEXT NOT NULL, name_en TEXT NOT NULL, name_it TEXT NOT NULL,
    description_fr TEXT NOT NULL, description_en TEXT NOT NULL, description_it TEXT NOT NULL
);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    collection TEXT NOT NULL REFERENCES collections (slug),
    category TEXT NOT NULL CHECK (category IN ('in_stock', 'made_to_order', 'custom_made')),
    lead_time_days INTEGER,
    personalisable INTEGER NOT NULL,
    name_fr TEXT NOT NULL, name_en TEXT NOT NULL, name_it TEXT NOT NULL,
    description_fr TEXT NOT NULL, description_en TEXT NOT NULL, description_it TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    -- Kept by the triggers on variants, so catalogue queries filter on plain columns.
    price_from INTEGER NOT NULL DEFAULT 0,
    stock_units INTEGER NOT NULL DEFAULT 0,
    metal TEXT,
    stone TEXT,
    CONSTRAINT products_slug_key UNIQUE (slug),
    CONSTRAINT products_position_key UNIQUE (position)
);
CREATE INDEX products_collection ON products (collection);

CREATE TABLE variants (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    position INTEGER NOT NULL,
    metal TEXT NOT NULL REFERENCES materials (slug),
    stone TEXT REFERENCES stones (slug),
    size TEXT,
    price INTEGER NOT NULL CHECK (price >= 0),
    list_price INTEGER CHECK (list_price >= 0),
    on_hand INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    weight_grams INTEGER NOT NULL CHECK (weight_grams > 0)
);
CREATE INDEX variants_product ON variants (product_id, position);
CREATE INDEX variants_metal ON variants (metal, product_id);
CREATE INDEX variants_stone ON variants (stone, product_id);

CREATE TRIGGER variants_keep_product_on_insert AFTER INSERT ON variants
BEGIN
    UPDATE products SET
        price_from = (SELECT MIN(price) FROM variants WHERE product_id = NEW.product_id),
        stock_units = (SELECT SUM(on_hand) FROM variants WHERE product_id = NEW.product_id),
        metal = (SELECT metal FROM variants WHERE product_id = NEW.product_id ORDER BY position LIMIT 1),
        stone = (SELECT stone FROM variants WHERE product_id = NEW.product_id ORDER BY position LIMIT 1)
    WHERE id = NEW.product_id;
END;
CREATE TRIGGER variants_keep_product_on_update AFTER UPDATE OF price, on_hand ON variants
BEGIN
    UPDATE products SET
        price_from = (SELECT MIN(price) FROM variants WHERE product_id = NEW.product_id),
        stock_units = (SELECT SUM(on_hand) FROM variants WHERE product_id = NEW.product_id)
    WHERE id = NEW.product_id;
END;

-- CAT-7: every price a variant carried, kept to show the 30-day lowest beside a reduction.
CREATE TABLE price_history (
    sku TEXT NOT NULL REFERENCES variants (sku),
    price INTEGER NOT NULL CHECK (price >= 0),
    from_ms INTEGER NOT NULL,
    PRIMARY KEY (sku, from_ms)
);

-- CAT-5: the search document of each product, folded (lower case, no accents).
CREATE VIRTUAL TABLE product_search USING fts5 (
    product_id UNINDEXED,
    document,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- GTS-1, CHK-8: published versions of the terms of sale, never changed once published.
CREATE TABLE terms_versions (
    version TEXT PRIMARY KEY,
    effective_from_ms INTEGER NOT NULL,
    published_at_ms INTEGER NOT NULL,
    body_fr TEXT NOT NULL,
    body_en TEXT NOT NULL,
    body_it TEXT NOT NULL
);
CREATE TRIGGER terms_versions_are_immutable BEFORE UPDATE ON terms_versions
BEGIN
    SELECT RAISE(ABORT, 'terms versions are never changed once published');
END;
