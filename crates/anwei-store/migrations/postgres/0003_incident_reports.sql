-- 調查、處理及改善報告: one per incident. The sections the law requires are catalog data, so the
-- contents are kept as a JSON object of section key → text (TEXT, as hashed into the audit log).
CREATE TABLE incident_report (
    incident_id UUID PRIMARY KEY REFERENCES incident (id),
    agency_id UUID NOT NULL REFERENCES agency (id),
    contents TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);
