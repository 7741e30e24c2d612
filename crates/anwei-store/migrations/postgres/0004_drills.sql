-- 演練 (通報應變及演練辦法 §10): the drills an agency held, with e-mail drill results.
CREATE TABLE incident_drill (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    kind TEXT NOT NULL,
    held_on DATE NOT NULL,
    participants INTEGER NOT NULL,
    opened INTEGER NOT NULL,
    clicked INTEGER NOT NULL,
    notes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX incident_drill_agency ON incident_drill (agency_id, held_on);
