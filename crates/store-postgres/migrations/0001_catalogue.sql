-- The catalogue: collections, materials, stones, products, variants, prices, search.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('catalogue_version', 1);

CREATE TABLE collections (
    slug TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    name_fr TEXT NOT NULL, name_en TEXT NOT NULL, name_it TEXT NOT NULL,
    description_fr TEXT NOT NULL, description_en TEXT NOT NULL, description_it TEXT NOT NULL
);

CREATE TABLE materials (
    slug TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    name_fr TEXT NOT NULL, name_en TEXT NOT NULL, name_it TEXT NOT NULL,
    description_fr TEXT NOT NULL, description_en TEXT NOT NULL, description_it TEXT NOT NULL
);

CREATE TABLE stones (
    slug TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    name_fr TEXT NOT NULL, name_en TEXT NOT NULL, name_it TEXT NOT NULL,
    description_fr TEXT NOT NULL, description_en TEXT NOT NULL, description_it TEXT NOT NULL
);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    collection TEXT NOT NULL REFERENCES collections (slug),
    category TEXT NOT NULL CHECK (category IN ('in_stock', 'made_to_order', 'custom_made')),
    lead_time_days BIGINT,
    personalisable BOOLEAN NOT NULL,
    name_fr TEXT NOT NULL, name_en TEXT NOT NULL, name_it TEXT NOT NULL,
    description_fr TEXT NOT NULL, description_en TEXT NOT NULL, description_it TEXT NOT NULL,
    published BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    -- Kept by the triggers on variants, so catalogue queries filter on plain columns.
    price_from BIGINT NOT NULL DEFAULT 0,
    stock_units BIGINT NOT NULL DEFAULT 0,
    metal TEXT,
    stone TEXT,
    CONSTRAINT products_slug_key UNIQUE (slug),
    CONSTRAINT products_position_key UNIQUE (position)
);
CREATE INDEX products_collection ON products (collection);

CREATE TABLE variants (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    position BIGINT NOT NULL,
    metal TEXT NOT NULL REFERENCES materials (slug),
    stone TEXT REFERENCES stones (slug),
    size TEXT,
    price BIGINT NOT NULL CHECK (price >= 0),
    list_price BIGINT CHECK (list_price >= 0),
    on_hand BIGINT NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    weight_grams BIGINT NOT NULL CHECK (weight_grams > 0)
);
CREATE INDEX variants_product ON variants (product_id, position);
CREATE INDEX variants_metal ON variants (metal, product_id);
CREATE INDEX variants_stone ON variants (stone, product_id);

CREATE FUNCTION variants_keep_product() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET
        price_from = (SELECT MIN(price) FROM variants WHERE product_id = NEW.product_id),
        stock_units = (SELECT SUM(on_hand) FROM variants WHERE product_id = NEW.product_id),
        metal = (SELECT metal FROM variants WHERE product_id = NEW.product_id ORDER BY position LIMIT 1),
        stone = (SELECT stone FROM variants WHERE product_id = NEW.product_id ORDER BY position LIMIT 1)
    WHERE id = NEW.product_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER variants_keep_product_on_insert AFTER INSERT ON variants
    FOR EACH ROW EXECUTE FUNCTION variants_keep_product();
CREATE TRIGGER variants_keep_product_on_update AFTER UPDATE OF price, on_hand ON variants
    FOR EACH ROW EXECUTE FUNCTION variants_keep_product();

-- CAT-7: every price a variant carried, kept to show the 30-day lowest beside a reduction.
CREATE TABLE price_history (
    sku TEXT NOT NULL REFERENCES variants (sku),
    price BIGINT NOT NULL CHECK (price >= 0),
    from_ms BIGINT NOT NULL,
    PRIMARY KEY (sku, from_ms)
);

-- CAT-5: the search document of each product, folded (lower case, no accents).
CREATE TABLE product_search (
    product_id TEXT PRIMARY KEY REFERENCES products (id),
    document TSVECTOR NOT NULL
);
CREATE INDEX product_search_document ON product_search USING GIN (document);

-- GTS-1, CHK-8: published versions of the terms of sale, never changed once published.
CREATE TABLE terms_versions (
    version TEXT PRIMARY KEY,
    effective_from_ms BIGINT NOT NULL,
    published_at_ms BIGINT NOT NULL,
    body_fr TEXT NOT NULL,
    body_en TEXT NOT NULL,
    body_it TEXT NOT NULL
);
CREATE FUNCTION terms_versions_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'terms versions are never changed once published';
END;
$$;
CREATE TRIGGER terms_versions_are_immutable BEFORE UPDATE ON terms_versions
    FOR EACH ROW EXECUTE FUNCTION terms_versions_are_immutable();
