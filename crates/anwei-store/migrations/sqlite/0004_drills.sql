-- SQLite dialect of postgres/0004_drills.sql.
-- 演練 (通報應變及演練辦法 §10): the drills an agency held, with e-mail drill results.
CREATE TABLE incident_drill (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    participants INTEGER NOT NULL,
    opened INTEGER NOT NULL,
    clicked INTEGER NOT NULL,
    notes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX incident_drill_agency ON incident_drill (agency_id, held_on);
