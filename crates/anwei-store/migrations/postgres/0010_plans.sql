-- 資通安全維護計畫 versions. The plan is data (PlanContent as JSON); a version moves from draft
-- to submitted, approved by the 資通安全長, and published, when it is numbered and frozen and its
-- generated documents are kept with their SHA-256. At most one version per agency is open
-- (not yet published) at a time.
CREATE TABLE plan_version (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    number INTEGER,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'published')),
    content TEXT NOT NULL,
    based_on UUID REFERENCES plan_version (id),
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    submitted_by TEXT,
    submitted_at TIMESTAMPTZ,
    approved_by TEXT,
    approved_at TIMESTAMPTZ,
    published_at TIMESTAMPTZ,
    UNIQUE (agency_id, number),
    CHECK ((status = 'published') = (number IS NOT NULL))
);
CREATE UNIQUE INDEX plan_version_one_open ON plan_version (agency_id) WHERE status <> 'published';

CREATE TABLE plan_file (
    plan_version_id UUID NOT NULL REFERENCES plan_version (id),
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    PRIMARY KEY (plan_version_id, format)
);
