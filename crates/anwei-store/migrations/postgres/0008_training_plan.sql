-- 年度資通安全認知宣導及教育訓練計畫 (安維計畫 壹拾參、二、1): drafted at the start of the year by
-- audience (management, business units, IT), with the courses planned for each.
CREATE TABLE training_plan_item (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    year INTEGER NOT NULL,
    audience TEXT NOT NULL CHECK (audience IN ('management', 'business', 'it')),
    title TEXT NOT NULL,
    planned_month INTEGER NOT NULL CHECK (planned_month BETWEEN 1 AND 12),
    hours INTEGER NOT NULL CHECK (hours > 0),
    kind TEXT NOT NULL CHECK (kind IN ('general', 'professional')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_plan_item_agency ON training_plan_item (agency_id, year);
