-- 稽核 (seed 壹拾伍.二): an audit of one agency — its own internal audit, its supervisor's, or an
-- external one — with the plan the seed asks for (依據及目的, 期間, 重點領域, 稽核小組, 保密義務,
-- 稽核方式, 受稽單位協助事項, the previous audit's results) and the checklist it answers.
CREATE TABLE audit (
    id UUID PRIMARY KEY,
    -- the audited agency
    agency_id UUID NOT NULL REFERENCES agency (id),
    -- the agency whose people audit (the same for an internal audit)
    auditor_agency_id UUID NOT NULL REFERENCES agency (id),
    kind TEXT NOT NULL CHECK (kind IN ('internal', 'supervisor', 'external')),
    year INTEGER NOT NULL,
    checklist_id TEXT NOT NULL,
    basis TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    focus TEXT NOT NULL,
    team TEXT NOT NULL,
    confidentiality TEXT NOT NULL,
    method TEXT NOT NULL,
    assistance TEXT NOT NULL,
    previous_results TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_agency ON audit (agency_id, year);
CREATE INDEX audit_auditor ON audit (auditor_agency_id, year);

-- A person's answer to one checklist item, beside what Anwei proposed when they answered.
CREATE TABLE audit_answer (
    audit_id UUID NOT NULL REFERENCES audit (id),
    item TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('conforming', 'partial', 'nonconforming', 'not_applicable')),
    proposed TEXT NOT NULL CHECK (proposed IN ('conforming', 'partial', 'nonconforming', 'not_applicable')),
    note TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (audit_id, item)
);
