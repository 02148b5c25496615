-- PRV-8: every read or change of a customer's personal data by staff.
CREATE TABLE staff_access_log (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    customer_id TEXT NOT NULL,
    action TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX staff_access_log_customer ON staff_access_log (customer_id, at);
