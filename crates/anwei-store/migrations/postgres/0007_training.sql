-- 資通安全教育訓練: the people who owe hours (staff and external users of the agency's systems),
-- the courses held or attended, and who attended with the hours credited. Hours are tenths.
CREATE TABLE person (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    name TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('general', 'it_staff', 'security_staff')),
    email TEXT,
    external BOOLEAN NOT NULL,
    joined_on DATE,
    left_on DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    -- imports match attendance to people by name within the agency
    UNIQUE (agency_id, name)
);

CREATE TABLE course (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    hours INTEGER NOT NULL CHECK (hours > 0),
    kind TEXT NOT NULL CHECK (kind IN ('general', 'professional')),
    provider TEXT NOT NULL,
    online BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX course_agency ON course (agency_id, held_on);

CREATE TABLE attendance (
    course_id UUID NOT NULL REFERENCES course (id),
    person_id UUID NOT NULL REFERENCES person (id),
    agency_id UUID NOT NULL REFERENCES agency (id),
    hours INTEGER NOT NULL CHECK (hours > 0),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (course_id, person_id)
);
CREATE INDEX attendance_person ON attendance (person_id);

-- How the agency counts hours owed by people who joined or left during the year.
CREATE TABLE training_setting (
    agency_id UUID PRIMARY KEY REFERENCES agency (id),
    proration TEXT NOT NULL CHECK (proration IN ('full', 'pro_rata')),
    updated_at TIMESTAMPTZ NOT NULL
);
