-- SQLite dialect of postgres/0009_training_proof.sql.
-- What proves the training: a course held for an item of the year's plan (so plan and practice
-- can be compared), the certificates of one person's attendance, and each person's
-- acknowledgement of the security policy in force (安維計畫 壹拾參、二、3: new staff acknowledge
-- the policy and rules on joining).
ALTER TABLE course ADD COLUMN plan_item_id BLOB REFERENCES training_plan_item (id);

CREATE TABLE attendance_evidence (
    course_id BLOB NOT NULL,
    person_id BLOB NOT NULL,
    evidence_id BLOB NOT NULL REFERENCES evidence (id),
    agency_id BLOB NOT NULL REFERENCES agency (id),
    linked_at TEXT NOT NULL,
    PRIMARY KEY (course_id, person_id, evidence_id),
    FOREIGN KEY (course_id, person_id) REFERENCES attendance (course_id, person_id)
);

-- The version of the policy now in force, as the agency names it (e.g. 「資通安全政策 第3版
-- （115/02/01）」); a published plan version sets it.
ALTER TABLE training_setting ADD COLUMN policy_version TEXT;

CREATE TABLE policy_acknowledgement (
    id BLOB PRIMARY KEY,
    agency_id BLOB NOT NULL REFERENCES agency (id),
    person_id BLOB NOT NULL REFERENCES person (id),
    policy_version TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL,
    -- true when the person confirmed it signed in; false when the 承辦人 recorded a signed form
    by_person BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (person_id, policy_version)
);
