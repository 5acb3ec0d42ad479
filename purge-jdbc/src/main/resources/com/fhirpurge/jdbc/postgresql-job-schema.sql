-- fhir-purge job repository, PostgreSQL. Idempotent, and brings the task table of an earlier release up to date.
-- Times are epoch microseconds (UTC).
CREATE TABLE IF NOT EXISTS "${prefix}job" (
    "job_id"       VARCHAR(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    "kind"         VARCHAR(32)  NOT NULL,
    "created_at"   BIGINT       NOT NULL,
    "requested_by" VARCHAR(512),
    "parameters"   TEXT         NOT NULL
);
CREATE TABLE IF NOT EXISTS "${prefix}task" (
    "task_id"          VARCHAR(128) COLLATE "C" NOT NULL PRIMARY KEY,
    "job_id"           VARCHAR(64)  COLLATE "C" NOT NULL,
    "job_created_at"   BIGINT       NOT NULL,
    "ordinal"          INTEGER      NOT NULL,
    "target"           VARCHAR(256) NOT NULL,
    "state"            VARCHAR(16)  NOT NULL,
    "lease_owner"      VARCHAR(128),
    "lease_until"      BIGINT,
    "fence"            BIGINT       NOT NULL,
    "cancel_requested" BOOLEAN      NOT NULL,
    "error_reason"     TEXT,
    "updated_at"       BIGINT       NOT NULL,
    "total_count"      BIGINT,
    "erased_by_type"   TEXT         NOT NULL,
    "page_token"       TEXT,
    "pass"             INTEGER      NOT NULL,
    "pending"          TEXT         NOT NULL,
    "erased_digest"    CHAR(64),
    "kept_count"       BIGINT       NOT NULL,
    "kept"             TEXT         NOT NULL
);
-- A task row is written three times or more (claim, checkpoints, heartbeats, finish). Room left on its page lets a
-- checkpoint, which changes no indexed column, be a HOT update: a new row version on the same page and no new entry
-- in any of the four indexes. One statement for a new table and for one an earlier release created without it.
ALTER TABLE "${prefix}task" SET (fillfactor = 70);
CREATE INDEX IF NOT EXISTS "${prefix}task_job" ON "${prefix}task" ("job_id", "ordinal");
CREATE INDEX IF NOT EXISTS "${prefix}task_runnable" ON "${prefix}task" ("state", "lease_until");
CREATE INDEX IF NOT EXISTS "${prefix}task_target" ON "${prefix}task" ("target", "state");
