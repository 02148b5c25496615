-- Work due later (a bank transfer's deadline, and later every legal deadline), written in
-- the transaction of the change that calls for it, one per kind and subject. A process
-- claims a due job for a lease; the job's effects and its completion commit together, so
-- a job is done once, and one whose process died mid-way goes to another after the lease.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    done_at INTEGER,
    last_error TEXT,
    UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs (due_at) WHERE done_at IS NULL;

