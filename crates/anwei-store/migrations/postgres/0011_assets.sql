-- 資訊及資通系統盤點 (安維計畫 柒) with each asset's 防護需求分級 ratings (附表九: 1 普, 2 中,
-- 3 高 per dimension). Names are unique within an agency: inventories and imports refer to
-- assets by name. A custodian with an account is linked to it, so they can update their own.
CREATE TABLE asset (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('system', 'hardware', 'software', 'data', 'service', 'people', 'environment')),
    custodian TEXT NOT NULL,
    custodian_user_id UUID REFERENCES app_user (id),
    owner_unit TEXT NOT NULL,
    location TEXT NOT NULL,
    supports_core_business BOOLEAN NOT NULL,
    centralised BOOLEAN NOT NULL,
    hosted_by TEXT NOT NULL,
    confidentiality INTEGER CHECK (confidentiality BETWEEN 1 AND 3),
    integrity INTEGER CHECK (integrity BETWEEN 1 AND 3),
    availability INTEGER CHECK (availability BETWEEN 1 AND 3),
    legality INTEGER CHECK (legality BETWEEN 1 AND 3),
    status TEXT NOT NULL CHECK (status IN ('in_use', 'returned', 'disposed')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (agency_id, name)
);
CREATE INDEX asset_custodian ON asset (custodian_user_id);
