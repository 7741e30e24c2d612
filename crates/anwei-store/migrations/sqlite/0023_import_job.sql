-- SQLite dialect of postgres/0023_import_job.sql.
CREATE TABLE import_job (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    started_by TEXT NOT NULL,
    total INTEGER NOT NULL,
    refused INTEGER NOT NULL,
    written INTEGER NOT NULL DEFAULT 0,
    added INTEGER,
    error_key TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX import_job_agency ON import_job (agency_id, started_at);
