-- Evidence for an incident's course (通報應變及演練辦法: every step of the response is to be
-- provable): the same evidence rows as for tasks, attached to the incident and, where it belongs
-- to one step of the timeline, to that event.
CREATE TABLE incident_evidence (
    incident_id UUID NOT NULL REFERENCES incident (id),
    evidence_id UUID NOT NULL REFERENCES evidence (id),
    event_id UUID REFERENCES incident_event (id),
    agency_id UUID NOT NULL REFERENCES agency (id),
    linked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, evidence_id)
);
