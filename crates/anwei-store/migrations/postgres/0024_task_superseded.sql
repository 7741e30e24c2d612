-- A level change (or a duty's new frequency) supersedes the open tasks the agency no longer owes:
-- they leave the task list but stay in its history here, with when and by whose change, so a
-- supervisor reading the year sees what was owed before and why it no longer is.
CREATE TABLE task_superseded (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    obligation_key TEXT NOT NULL,
    period_key TEXT NOT NULL,
    starts_on DATE NOT NULL,
    due_on DATE NOT NULL,
    superseded_at TIMESTAMPTZ NOT NULL,
    superseded_by TEXT NOT NULL
);
CREATE INDEX task_superseded_agency ON task_superseded (agency_id, due_on);
