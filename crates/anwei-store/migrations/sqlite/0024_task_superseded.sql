-- SQLite dialect of postgres/0024_task_superseded.sql.
CREATE TABLE task_superseded (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    obligation_key TEXT NOT NULL,
    period_key TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    superseded_by TEXT NOT NULL
);
CREATE INDEX task_superseded_agency ON task_superseded (agency_id, due_on);
