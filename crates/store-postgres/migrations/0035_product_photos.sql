-- A product's photographs, in their order, with their alternative text per language.
-- The files are kept under the media folder by the SHA-256 of the cleaned image, resized
-- once at upload to each width of `widths`, in WebP and JPEG.
CREATE TABLE product_photos (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    position BIGINT NOT NULL,
    hash TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    -- The widths made, ascending, comma-separated.
    widths TEXT NOT NULL,
    -- The name of the file sent, for the catalogue's export.
    file_name TEXT NOT NULL,
    alt_fr TEXT NOT NULL,
    alt_en TEXT NOT NULL,
    alt_it TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX product_photos_product ON product_photos (product_id, position);
