-- SQLite dialect of postgres/0010_plans.sql.
-- 資通安全維護計畫 versions. The plan is data (PlanContent as JSON); a version moves from draft
-- to submitted, approved by the 資通安全長, and published, when it is numbered and frozen and its
-- generated documents are kept with their SHA-256. At most one version per agency is open
-- (not yet published) at a time.
CREATE TABLE plan_version (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    number INTEGER,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'published')),
    content TEXT NOT NULL,
    based_on BLOB REFERENCES plan_version (id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at TEXT,
    approved_by TEXT,
    approved_at TEXT,
    published_at TEXT,
    UNIQUE (agency_id, number),
    CHECK ((status = 'published') = (number IS NOT NULL))
);
CREATE UNIQUE INDEX plan_version_one_open ON plan_version (agency_id) WHERE status <> 'published';

CREATE TABLE plan_file (
    plan_version_id BLOB NOT NULL REFERENCES plan_version (id),
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    PRIMARY KEY (plan_version_id, format)
);
