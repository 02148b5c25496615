-- DLV-7, WAR-1, WAR-2, WAR-3: claims on an order: damage or a missing piece reported
-- after receipt, a defect under the warranty of conformity. Each is answered by the date
-- it is due (15 days) with the house's decision: repair, replace, refund or refused.
CREATE TABLE claims (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    -- The line claimed on, when one is named.
    line_no BIGINT,
    kind TEXT NOT NULL CHECK (kind IN ('damaged_on_delivery', 'missing_item', 'warranty')),
    description TEXT NOT NULL,
    -- WAR-1 (milano): the day the defect was found.
    discovered_on TEXT,
    created_at BIGINT NOT NULL,
    answer_due TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'repair', 'replace', 'refund', 'refused')),
    decided_at BIGINT,
    decided_by TEXT,
    decision_reason TEXT,
    refund_id TEXT REFERENCES refunds (id)
);
CREATE INDEX claims_order ON claims (order_id, created_at);
CREATE INDEX claims_status ON claims (status);

-- The claim's photos, as the shop keeps them: decoded and encoded again (no metadata:
-- no EXIF, no GPS position), in base64.
CREATE TABLE claim_photos (
    id TEXT PRIMARY KEY,
    claim_id TEXT NOT NULL REFERENCES claims (id),
    position BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX claim_photos_claim ON claim_photos (claim_id, position);
