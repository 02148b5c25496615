-- The summary holds the choices it answered: the request is not kept twice.
ALTER TABLE checkouts DROP COLUMN request;
