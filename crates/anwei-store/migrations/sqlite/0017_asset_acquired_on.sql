-- SQLite dialect of postgres/0017_asset_acquired_on.sql.
-- 取得日期: when an asset was acquired, as inventories record it (imports accept ISO, 民國 and
-- Excel serial dates); it tells which equipment has outlived its support.
ALTER TABLE asset ADD COLUMN acquired_on TEXT;
