-- fhir-purge job repository, H2 2.x. Idempotent. Times are epoch microseconds (UTC).
CREATE TABLE IF NOT EXISTS "${prefix}job" (
    "job_id"       VARCHAR(64)  NOT NULL PRIMARY KEY,
    "kind"         VARCHAR(32)  NOT NULL,
    "created_at"   BIGINT       NOT NULL,
    "requested_by" VARCHAR(512),
    "parameters"   CHARACTER LARGE OBJECT NOT NULL
);
CREATE TABLE IF NOT EXISTS "${prefix}task" (
    "task_id"          VARCHAR(128) NOT NULL PRIMARY KEY,
    "job_id"           VARCHAR(64)  NOT NULL,
    "job_created_at"   BIGINT       NOT NULL,
    "ordinal"          INTEGER      NOT NULL,
    "target"           VARCHAR(256) NOT NULL,
    "state"            VARCHAR(16)  NOT NULL,
    "lease_owner"      VARCHAR(128),
    "lease_until"      BIGINT,
    "fence"            BIGINT       NOT NULL,
    "cancel_requested" BOOLEAN      NOT NULL,
    "error_reason"     CHARACTER LARGE OBJECT,
    "updated_at"       BIGINT       NOT NULL,
    "total_count"      BIGINT,
    "erased_by_type"   CHARACTER LARGE OBJECT NOT NULL,
    "page_token"       CHARACTER LARGE OBJECT,
    "pass"             INTEGER      NOT NULL,
    "pending"          CHARACTER LARGE OBJECT NOT NULL,
    "erased_digest"    CHAR(64),
    "kept_count"       BIGINT       NOT NULL,
    "kept"             CHARACTER LARGE OBJECT NOT NULL
);
CREATE INDEX IF NOT EXISTS "${prefix}task_job" ON "${prefix}task" ("job_id", "ordinal");
CREATE INDEX IF NOT EXISTS "${prefix}task_runnable" ON "${prefix}task" ("state", "lease_until");
CREATE INDEX IF NOT EXISTS "${prefix}task_target" ON "${prefix}task" ("target", "state");
