-- The accountant's documents of a period (invoices, credit notes) read by issue date.
CREATE INDEX invoices_issued ON invoices (issued_at);
CREATE INDEX credit_notes_issued ON credit_notes (issued_at);
