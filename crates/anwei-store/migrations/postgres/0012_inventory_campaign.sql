-- The yearly inventory (安維計畫 柒.一: 每年辦理資訊及資通系統資產盤點): the 承辦人 opens the year's
-- round, each custodian confirms the assets in their care (correcting them first where needed),
-- and the 資通安全長 signs it off; the register as it then stood is frozen (its XLSX kept by
-- SHA-256) and proves the year's inventory duty.
CREATE TABLE inventory_round (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    year INTEGER NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMPTZ NOT NULL,
    signed_off_by TEXT,
    signed_off_at TIMESTAMPTZ,
    snapshot_sha256 TEXT,
    UNIQUE (agency_id, year)
);

CREATE TABLE inventory_confirmation (
    round_id UUID NOT NULL REFERENCES inventory_round (id),
    asset_id UUID NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    agency_id UUID NOT NULL REFERENCES agency (id),
    confirmed_by TEXT NOT NULL,
    confirmed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (round_id, asset_id)
);
