-- SQLite dialect of postgres/0002_incidents.sql: BLOB for UUID, TEXT for instants.
-- 資通安全事件: the record (the TACERT notification's fields, the impact answers, the level) and
-- its timeline. Deadlines are not stored: they are computed from these times and the catalog.

CREATE TABLE incident (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    title TEXT NOT NULL,
    reporter_name TEXT NOT NULL,
    reporter_phone TEXT,
    reporter_email TEXT,
    occurred_at TEXT,
    aware_at TEXT NOT NULL,
    category TEXT NOT NULL,
    subtype TEXT NOT NULL,
    description TEXT NOT NULL,
    device_ip TEXT,
    device_url TEXT,
    device_model TEXT,
    device_os TEXT,
    affected_software TEXT,
    -- comma-separated: antivirus, firewall, ips_ids, other
    protection TEXT NOT NULL,
    protection_other TEXT,
    -- the impact answers (NULL: dimension not affected)
    c_scope TEXT,
    c_severity TEXT,
    i_scope TEXT,
    i_severity TEXT,
    a_scope TEXT,
    a_outcome TEXT,
    proposed_level INTEGER NOT NULL CHECK (proposed_level BETWEEN 1 AND 4),
    -- the level first notified; later changes are in incident_level_change
    initial_level INTEGER NOT NULL CHECK (initial_level BETWEEN 1 AND 4),
    level_reason TEXT,
    -- reported | notified | recovered | report_submitted | closed
    status TEXT NOT NULL,
    notified_at TEXT,
    external_ticket TEXT,
    reviewed_at TEXT,
    reviewed_by TEXT,
    review_note TEXT,
    recovered_at TEXT,
    report_submitted_at TEXT,
    closed_at TEXT,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX incident_agency ON incident (agency_id, aware_at);

CREATE TABLE incident_level_change (
    id BLOB PRIMARY KEY,
    incident_id BLOB NOT NULL REFERENCES incident (id),
    agency_id BLOB NOT NULL REFERENCES agency (id),
    changed_at TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX incident_level_change_incident ON incident_level_change (incident_id, changed_at);

-- Every step, note and correction, in order; nothing here is ever changed or deleted.
CREATE TABLE incident_event (
    id BLOB PRIMARY KEY,
    incident_id BLOB NOT NULL REFERENCES incident (id),
    agency_id BLOB NOT NULL REFERENCES agency (id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT,
    actor_label TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX incident_event_incident ON incident_event (incident_id, created_at);
