-- SQLite dialect of postgres/0018_account_safeguards.sql.

CREATE TABLE password_reset (
    digest TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES app_user (id),
    requested_by BLOB REFERENCES app_user (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_reset_user ON password_reset (user_id);

ALTER TABLE outbox ADD COLUMN confidential BOOLEAN NOT NULL DEFAULT 0;

ALTER TABLE audit_event ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE audit_checkpoint (
    seq INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    heads_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
