-- An inventory import runs in the background of the instance that received it. Its progress and
-- outcome are kept here rather than in that process's memory, so that behind a load balancer
-- the next request, served by any instance, follows it; a restart leaves the job unfinished (its
-- transaction was rolled back, so nothing is half-written) and the page says so.
CREATE TABLE import_job (
    id UUID PRIMARY KEY,
    agency_id UUID NOT NULL REFERENCES agency (id),
    started_by TEXT NOT NULL,
    total BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    written BIGINT NOT NULL DEFAULT 0,
    added BIGINT,
    error_key TEXT,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX import_job_agency ON import_job (agency_id, started_at);
