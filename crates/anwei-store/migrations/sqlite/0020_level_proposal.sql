-- SQLite dialect of postgres/0020_level_proposal.sql.
CREATE TABLE level_proposal (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    level TEXT NOT NULL CHECK (level IN ('A', 'B', 'C', 'D', 'E')),
    reason TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decision TEXT CHECK (decision IN ('approved', 'rejected')),
    decided_by TEXT,
    decided_at TEXT,
    letter_no TEXT,
    letter_date TEXT,
    decision_note TEXT
);
CREATE INDEX level_proposal_agency ON level_proposal (agency_id, proposed_at);
