-- SQLite dialect of postgres/0019_plan_frozen_cover.sql.
ALTER TABLE plan_version ADD COLUMN frozen_cover TEXT;
