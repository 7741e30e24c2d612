-- 危害國家資通安全產品 (資通安全管理法 §11). `restricted_product` holds the entries an
-- administrator imported from the published register (the catalog's own entries live in
-- catalog/restricted-products.toml and are not copied here). `restricted_finding` records what an
-- agency did about an asset whose name matched an entry: shown not to be the product
-- (mismatch), or used as a project with the 資通安全長's approval and the 主管機關's approval
-- reference (exception: 專案使用並列冊管理).
CREATE TABLE restricted_product (
    key TEXT PRIMARY KEY,
    vendor TEXT NOT NULL,
    product TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT '',
    listed_on DATE,
    source TEXT NOT NULL DEFAULT '',
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE restricted_finding (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    asset_id UUID NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    product_key TEXT NOT NULL,
    resolution TEXT NOT NULL CHECK (resolution IN ('mismatch', 'exception')),
    reason TEXT NOT NULL,
    authority_ref TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    approved_by TEXT,
    approved_at TIMESTAMPTZ,
    UNIQUE (asset_id, product_key)
);

CREATE INDEX restricted_finding_agency ON restricted_finding (agency_id);
