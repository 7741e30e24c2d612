-- SQLite dialect of postgres/0026_audit_finding.sql.
CREATE TABLE audit_finding (
    id BLOB PRIMARY KEY,
    audit_id BLOB NOT NULL REFERENCES audit (id),
    agency_id BLOB NOT NULL REFERENCES agency (id),
    number INTEGER NOT NULL,
    item TEXT,
    class TEXT NOT NULL CHECK (class IN ('deficiency', 'to_improve', 'suggestion')),
    aspect TEXT NOT NULL CHECK (aspect IN ('strategy', 'management', 'technical')),
    description TEXT NOT NULL,
    cause TEXT NOT NULL,
    similar_faults TEXT NOT NULL,
    corrective TEXT NOT NULL,
    owner_id BLOB REFERENCES app_user (id),
    due_on TEXT,
    task_id BLOB REFERENCES task (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    review_note TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (agency_id, number)
);
CREATE INDEX audit_finding_audit ON audit_finding (audit_id);
