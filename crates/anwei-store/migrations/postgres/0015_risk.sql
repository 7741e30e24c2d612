-- 資通安全風險評估 (安維計畫 捌、一): a year's assessment of an agency, either by the detailed
-- method — with the scales and acceptable-risk threshold the agency chose for that year — or
-- recorded as exempt because every system is run by the supervisor (捌、一、1). The risks keep
-- the asset's name and value as they were assessed, so deleting an asset later leaves the record
-- readable. A 留存 (retained) risk carries the 資通安全長's approval and the date it lapses.
CREATE TABLE risk_assessment (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    year INTEGER NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('detailed', 'exempt')),
    likelihood_levels INTEGER NOT NULL,
    impact_levels INTEGER NOT NULL,
    threshold INTEGER NOT NULL,
    exempt_reason TEXT NOT NULL DEFAULT '',
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMPTZ NOT NULL,
    completed_by TEXT,
    completed_at TIMESTAMPTZ,
    snapshot_sha256 TEXT,
    UNIQUE (agency_id, year)
);

CREATE TABLE risk (
    id UUID PRIMARY KEY,
    assessment_id UUID NOT NULL REFERENCES risk_assessment (id),
    agency_id UUID NOT NULL REFERENCES agency (id),
    seq INTEGER NOT NULL,
    asset_id UUID REFERENCES asset (id) ON DELETE SET NULL,
    asset_name TEXT NOT NULL,
    asset_value INTEGER,
    threat TEXT NOT NULL,
    vulnerability TEXT NOT NULL,
    existing_controls TEXT NOT NULL DEFAULT '',
    likelihood INTEGER NOT NULL,
    impact INTEGER NOT NULL,
    treatment TEXT CHECK (treatment IN ('modify', 'retain', 'avoid', 'share')),
    treatment_plan TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    due_on DATE,
    approved_by TEXT,
    approved_at TIMESTAMPTZ,
    approved_until DATE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (assessment_id, seq)
);

CREATE INDEX risk_agency ON risk (agency_id);
