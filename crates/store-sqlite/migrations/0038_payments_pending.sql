-- The payments still waiting for the provider's word, found without reading the others:
-- the sandbox tells the shop again of a charge whose callback an interrupted process
-- never delivered.
CREATE INDEX payments_pending ON payments (created_at) WHERE status = 'pending';
