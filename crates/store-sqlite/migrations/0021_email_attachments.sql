-- INV-1: what an e-mail carries attached (the terms in force, the withdrawal form), named
-- here as a JSON list and laid out when the e-mail is sent, so the outbox row stays small.
ALTER TABLE outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
