-- INV-5: what happened to each order, in order, never changed nor removed. Each event
-- carries the SHA-256 of the one before it in its order (empty for the first) and its
-- own, computed over its fields and that previous hash: `ecrin verify` recomputes them.
CREATE TABLE order_events (
    order_id TEXT NOT NULL REFERENCES orders (id),
    seq INTEGER NOT NULL CHECK (seq > 0),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_sha256 TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);
CREATE TRIGGER order_events_never_change BEFORE UPDATE ON order_events
BEGIN
    SELECT RAISE(ABORT, 'order events are append-only');
END;
CREATE TRIGGER order_events_never_go BEFORE DELETE ON order_events
BEGIN
    SELECT RAISE(ABORT, 'order events are append-only');
END;
