-- SQLite dialect of postgres/0021_incident_notices.sql.
CREATE TABLE incident_notice (
    id BLOB PRIMARY KEY,
    incident_id BLOB NOT NULL REFERENCES incident (id),
    agency_id BLOB NOT NULL REFERENCES agency (id),
    kind TEXT NOT NULL CHECK (kind IN ('notification', 'renotification', 'review', 'pass_on')),
    at TEXT NOT NULL,
    note TEXT,
    level INTEGER,
    actor_label TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX incident_notice_incident ON incident_notice (incident_id, at);

INSERT INTO incident_notice (id, incident_id, agency_id, kind, at, note, level, actor_label, created_at)
SELECT randomblob(16), id, agency_id, 'notification', notified_at, external_ticket, NULL, 'migration', notified_at
FROM incident WHERE notified_at IS NOT NULL;

INSERT INTO incident_notice (id, incident_id, agency_id, kind, at, note, level, actor_label, created_at)
SELECT randomblob(16), id, agency_id, 'review', reviewed_at, review_note, NULL, COALESCE(reviewed_by, 'migration'), reviewed_at
FROM incident WHERE reviewed_at IS NOT NULL;
