-- SQLite dialect of postgres/0005_obligations.sql.
-- 應辦事項: the agency's level history (what its duties are computed from), the tasks those duties
-- become, evidence for them, and the background machinery that reminds people: a job table and a
-- mail outbox, so that reminders survive restarts and each message is sent once across instances.

-- Every level an agency has held, each with the day it took effect (分級辦法 §3: a change takes
-- effect at once). A re-approval of the same level is a new row: duties counted "within N months
-- of approval" count from it. level NULL = not graded.
CREATE TABLE agency_level (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    level TEXT CHECK (level IN ('A', 'B', 'C', 'D', 'E')),
    effective_on TEXT NOT NULL,
    basis TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX agency_level_agency ON agency_level (agency_id, effective_on);
INSERT INTO agency_level (id, agency_id, level, effective_on, basis, created_by, created_at)
    SELECT randomblob(16), id, level,
           COALESCE(level_approved_on, substr(created_at, 1, 10)),
           level_basis, 'migration', created_at
    FROM agency;

-- Per agency and duty: who does it by default, whether the 資通安全長 approves completions, and
-- the agency's own frequency where its plan says only 「定期」 (NULL = the catalog's).
CREATE TABLE obligation_setting (
    agency_id BLOB NOT NULL REFERENCES agency (id),
    obligation_key TEXT NOT NULL,
    assignee_id BLOB REFERENCES app_user (id),
    requires_approval BOOLEAN NOT NULL,
    recurrence TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (agency_id, obligation_key)
);

CREATE TABLE task (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    obligation_key TEXT NOT NULL,
    -- Period::key(): 2026, 2026-Q1, 2026-H2, 2026-03, 2027..2028, until-2027-03-01
    period_key TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'done', 'na_requested', 'not_applicable')),
    assignee_id BLOB REFERENCES app_user (id),
    -- why not applicable, or what was done
    note TEXT NOT NULL DEFAULT '',
    completed_at TEXT,
    completed_by TEXT,
    decided_at TEXT,
    decided_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (agency_id, obligation_key, period_key)
);
CREATE INDEX task_agency_due ON task (agency_id, due_on);
CREATE INDEX task_open_due ON task (due_on) WHERE status IN ('open', 'submitted', 'na_requested');

-- 佐證資料: a stored file (by SHA-256) or a link.
CREATE TABLE evidence (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'link')),
    file_name TEXT,
    content_type TEXT,
    size_bytes INTEGER,
    sha256 TEXT,
    url TEXT,
    effective_on TEXT NOT NULL,
    expires_on TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((kind = 'file') = (sha256 IS NOT NULL)),
    CHECK ((kind = 'link') = (url IS NOT NULL))
);
CREATE INDEX evidence_agency ON evidence (agency_id, created_at);

CREATE TABLE task_evidence (
    task_id BLOB NOT NULL REFERENCES task (id),
    evidence_id BLOB NOT NULL REFERENCES evidence (id),
    agency_id BLOB NOT NULL REFERENCES agency (id),
    linked_at TEXT NOT NULL,
    PRIMARY KEY (task_id, evidence_id)
);
CREATE INDEX task_evidence_evidence ON task_evidence (evidence_id);

-- Mail to be sent. dedupe_key makes enqueueing idempotent (one reminder per task, kind and
-- recipient); claimed_by/claimed_until let several instances share the queue without sending a
-- message twice.
CREATE TABLE outbox (
    id BLOB PRIMARY KEY,
    agency_id BLOB REFERENCES agency (id),
    dedupe_key TEXT NOT NULL UNIQUE,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by TEXT,
    claimed_until TEXT,
    last_error TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending';

-- Scheduled background work, one row per job; an instance claims a due job by moving its
-- run_at forward in one UPDATE … RETURNING, so only one instance runs it.
CREATE TABLE job (
    name TEXT PRIMARY KEY,
    run_at TEXT NOT NULL,
    claimed_by TEXT,
    last_started_at TEXT,
    last_finished_at TEXT,
    last_error TEXT
);

-- A person's calendar subscription: the URL carries a secret whose SHA-256 is stored here.
CREATE TABLE calendar_feed (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES app_user (id),
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX calendar_feed_user ON calendar_feed (user_id);
