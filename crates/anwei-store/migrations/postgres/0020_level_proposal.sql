-- A school does not set its own responsibility level: it proposes a change with its reason, and
-- its supervisor (or an administrator) decides, approving with the approval letter's number and
-- date (分級辦法 §3–§4: 由主管機關或上級機關核定). Only an approval changes the level.
CREATE TABLE level_proposal (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    level TEXT NOT NULL CHECK (level IN ('A', 'B', 'C', 'D', 'E')),
    reason TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TIMESTAMPTZ NOT NULL,
    decision TEXT CHECK (decision IN ('approved', 'rejected')),
    decided_by TEXT,
    decided_at TIMESTAMPTZ,
    letter_no TEXT,
    letter_date DATE,
    decision_note TEXT
);
CREATE INDEX level_proposal_agency ON level_proposal (agency_id, proposed_at);
