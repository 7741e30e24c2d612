-- Safeguards found missing by a security review (issue 22).

-- A password reset is completed by the person, never set by whoever asked for it: a one-time
-- link, stored as the SHA-256 of its secret, valid until it expires or is used.
CREATE TABLE password_reset (
    digest TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES app_user (id),
    requested_by UUID REFERENCES app_user (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX password_reset_user ON password_reset (user_id);

-- A message whose body is a secret (a reset link) is sent but never shown on the outbox page.
ALTER TABLE outbox ADD COLUMN confidential BOOLEAN NOT NULL DEFAULT FALSE;

-- Version 2 of an event's hash covers every column, the event's id and this version included;
-- events written before keep version 1.
ALTER TABLE audit_event ADD COLUMN hash_version SMALLINT NOT NULL DEFAULT 1;

-- Checkpoints anchor the audit chains outside themselves: each records every chain's head
-- (sequence and hash) and is itself chained, and is also written to a file an operator copies
-- off the machine, so a chain erased or cut short no longer verifies.
CREATE TABLE audit_checkpoint (
    seq BIGINT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    -- JSON array of {"chain","seq","hash"}, sorted by chain, exactly as hashed
    heads_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
