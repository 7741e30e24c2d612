-- SQLite dialect of postgres/0001_foundation.sql: BLOB for UUID, TEXT for instants and dates.
-- Agencies (機關), their accounts, sessions, API tokens and the hash-chained audit log.

CREATE TABLE agency (
    id BLOB PRIMARY KEY,
    parent_id BLOB REFERENCES agency (id),
    -- /root-id/…/own-id/ : subtree checks are one prefix comparison
    path TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('school', 'bureau', 'other')),
    level TEXT CHECK (level IN ('A', 'B', 'C', 'D', 'E')),
    level_approved_on TEXT,
    level_basis TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX agency_parent ON agency (parent_id);

-- Systems run for an agency by its supervisor (向上集中 / 由上級兼辦或代管).
CREATE TABLE hosted_system (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    hosted_by_agency_id BLOB NOT NULL REFERENCES agency (id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (agency_id, name)
);

CREATE TABLE app_user (
    id BLOB PRIMARY KEY,
    -- NULL only for system administrators, who belong to no agency
    agency_id BLOB REFERENCES agency (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL CHECK (role IN ('ciso', 'officer', 'custodian', 'staff', 'auditor', 'admin')),
    password_hash TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled_at TEXT,
    totp_secret TEXT,
    totp_last_step INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((role = 'admin') = (agency_id IS NULL))
);
CREATE INDEX app_user_agency ON app_user (agency_id);

CREATE TABLE password_history (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES app_user (id),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, created_at);

CREATE TABLE session (
    -- SHA-256 of the cookie's secret; the secret itself is never stored
    id_digest TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES app_user (id),
    -- password_change | totp_enrol | totp_verify | full
    stage TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    pending_totp_secret TEXT,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    client_addr TEXT,
    user_agent TEXT
);
CREATE INDEX session_by_user ON session (user_id);

CREATE TABLE api_token (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES app_user (id),
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    -- the first characters, so a person can tell tokens apart
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_token_user ON api_token (user_id);

CREATE TABLE audit_chain_head (
    chain TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);

CREATE TABLE audit_event (
    id BLOB PRIMARY KEY,
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    actor_user_id BLOB,
    actor_label TEXT NOT NULL,
    agency_id BLOB,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    -- JSON text exactly as hashed (not JSONB, which would reorder keys)
    before_json TEXT,
    after_json TEXT,
    client_addr TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX audit_event_agency_time ON audit_event (agency_id, occurred_at);
CREATE INDEX audit_event_actor ON audit_event (actor_user_id);
