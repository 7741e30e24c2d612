-- 資訊及資通系統之刪除或汰除 (安維計畫 玖.一.(三)): why an asset was retired, how its data was
-- removed (overwritten, degaussed, physically destroyed, returned to its owner), by whom, when,
-- and the proof (an evidence file or link of the agency).
CREATE TABLE asset_disposal (
    asset_id UUID PRIMARY KEY REFERENCES asset (id) ON DELETE CASCADE,
    agency_id UUID NOT NULL REFERENCES agency (id),
    disposed_on DATE NOT NULL,
    reason TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('overwrite', 'degauss', 'physical_destruction', 'returned', 'no_data')),
    performed_by TEXT NOT NULL,
    evidence_id UUID REFERENCES evidence (id),
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
