-- What a published plan version says of its agency and its approval (agency name, level, the
-- cover's edition and approval record), frozen at publication as JSON, so that every format of
-- the version — HTML rendered on demand included — reads as published, whatever the agency's
-- records say later. NULL for versions published before.
ALTER TABLE plan_version ADD COLUMN frozen_cover TEXT;
