-- PostgreSQL takes order numbers from a sequence from here on; SQLite's one writer keeps
-- the counter row of `meta`, which no other transaction waits on.
SELECT 1;
