-- INV-5: what happened to each order, in order, never changed nor removed. Each event
-- carries the SHA-256 of the one before it in its order (empty for the first) and its
-- own, computed over its fields and that previous hash: `ecrin verify` recomputes them.
CREATE TABLE order_events (
    order_id TEXT NOT NULL REFERENCES orders (id),
    seq BIGINT NOT NULL CHECK (seq > 0),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_sha256 TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);
CREATE FUNCTION order_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'order events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER order_events_never_change BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION order_events_append_only();
