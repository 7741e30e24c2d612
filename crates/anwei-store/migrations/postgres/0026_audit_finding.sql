-- 稽核發現 (seed 壹拾伍.二.(二)): what an audit found, its cause, the check for the same fault
-- elsewhere, the corrective measures (a task of the duty audit-corrective-action, whose period is
-- `finding-<number>`) and the review of their effectiveness that closes the finding.
CREATE TABLE audit_finding (
    id UUID PRIMARY KEY,
    audit_id UUID NOT NULL REFERENCES audit (id),
    agency_id UUID NOT NULL REFERENCES agency (id),
    -- numbered within the agency: 1, 2, 3 …
    number INTEGER NOT NULL,
    item TEXT,
    class TEXT NOT NULL CHECK (class IN ('deficiency', 'to_improve', 'suggestion')),
    aspect TEXT NOT NULL CHECK (aspect IN ('strategy', 'management', 'technical')),
    description TEXT NOT NULL,
    cause TEXT NOT NULL,
    similar_faults TEXT NOT NULL,
    corrective TEXT NOT NULL,
    owner_id UUID REFERENCES app_user (id),
    due_on DATE,
    task_id UUID REFERENCES task (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    review_note TEXT,
    reviewed_by TEXT,
    reviewed_at TIMESTAMPTZ,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (agency_id, number)
);
CREATE INDEX audit_finding_audit ON audit_finding (audit_id);
