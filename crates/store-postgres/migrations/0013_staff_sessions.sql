-- PRV-8: the back-office pages use page sessions too; a session is a customer's or a
-- member of staff's, never both.
ALTER TABLE web_sessions ADD COLUMN staff_id TEXT REFERENCES staff (id);
