-- SQLite dialect of postgres/0025_audit.sql.
CREATE TABLE audit (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    auditor_agency_id BLOB NOT NULL REFERENCES agency (id),
    kind TEXT NOT NULL CHECK (kind IN ('internal', 'supervisor', 'external')),
    year INTEGER NOT NULL,
    checklist_id TEXT NOT NULL,
    basis TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    focus TEXT NOT NULL,
    team TEXT NOT NULL,
    confidentiality TEXT NOT NULL,
    method TEXT NOT NULL,
    assistance TEXT NOT NULL,
    previous_results TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX audit_agency ON audit (agency_id, year);
CREATE INDEX audit_auditor ON audit (auditor_agency_id, year);

CREATE TABLE audit_answer (
    audit_id BLOB NOT NULL REFERENCES audit (id),
    item TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('conforming', 'partial', 'nonconforming', 'not_applicable')),
    proposed TEXT NOT NULL CHECK (proposed IN ('conforming', 'partial', 'nonconforming', 'not_applicable')),
    note TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (audit_id, item)
);
