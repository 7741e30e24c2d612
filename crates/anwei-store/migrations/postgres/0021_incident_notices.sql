-- Every notification act of an incident as its own dated event, with who recorded it: the first
-- notification (§6 I), each re-notification after a level change (§6 II), each review by the
-- supervisor (§7 I) and each passing on of a review to the 主管機關 (§7 II). None overwrites
-- another; the clocks read them. Incidents notified or reviewed before keep those acts here too.
CREATE TABLE incident_notice (
    id UUID PRIMARY KEY,
    incident_id UUID NOT NULL REFERENCES incident (id),
    agency_id UUID NOT NULL REFERENCES agency (id),
    kind TEXT NOT NULL CHECK (kind IN ('notification', 'renotification', 'review', 'pass_on')),
    at TIMESTAMPTZ NOT NULL,
    -- the platform's ticket, or the review's note
    note TEXT,
    -- the incident level notified or reviewed, when recorded
    level INTEGER,
    actor_label TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX incident_notice_incident ON incident_notice (incident_id, at);

INSERT INTO incident_notice (id, incident_id, agency_id, kind, at, note, level, actor_label, created_at)
SELECT gen_random_uuid(), id, agency_id, 'notification', notified_at, external_ticket, NULL, 'migration', notified_at
FROM incident WHERE notified_at IS NOT NULL;

INSERT INTO incident_notice (id, incident_id, agency_id, kind, at, note, level, actor_label, created_at)
SELECT gen_random_uuid(), id, agency_id, 'review', reviewed_at, review_note, NULL, COALESCE(reviewed_by, 'migration'), reviewed_at
FROM incident WHERE reviewed_at IS NOT NULL;
