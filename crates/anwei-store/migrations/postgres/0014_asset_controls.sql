-- Each system's 附表十 controls and where they stand (not started, in progress, in place, not
-- applicable), by the catalog row's key.
CREATE TABLE asset_control (
    asset_id UUID NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    control_key TEXT NOT NULL,
    agency_id UUID NOT NULL REFERENCES agency (id),
    status TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'in_place', 'not_applicable')),
    note TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (asset_id, control_key)
);
