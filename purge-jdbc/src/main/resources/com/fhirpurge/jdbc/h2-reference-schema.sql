-- fhir-purge reference schema, H2 2.x. Idempotent. ${prefix} is the table prefix.
CREATE TABLE IF NOT EXISTS "${prefix}resource" (
    "res_type"     VARCHAR(64)  NOT NULL,
    "res_id"       VARCHAR(128) NOT NULL,
    "version"      BIGINT       NOT NULL,
    "deleted"      BOOLEAN      NOT NULL,
    "last_updated" BIGINT       NOT NULL,
    "content"      CHARACTER LARGE OBJECT,
    PRIMARY KEY ("res_id", "res_type")
);
CREATE TABLE IF NOT EXISTS "${prefix}resource_history" (
    "res_type"     VARCHAR(64)  NOT NULL,
    "res_id"       VARCHAR(128) NOT NULL,
    "version"      BIGINT       NOT NULL,
    "deleted"      BOOLEAN      NOT NULL,
    "last_updated" BIGINT       NOT NULL,
    "content"      CHARACTER LARGE OBJECT,
    PRIMARY KEY ("res_id", "res_type", "version")
);
CREATE TABLE IF NOT EXISTS "${prefix}reference" (
    "src_type"    VARCHAR(64)  NOT NULL,
    "src_id"      VARCHAR(128) NOT NULL,
    "param"       VARCHAR(100) NOT NULL,
    "target_type" VARCHAR(64)  NOT NULL,
    "target_id"   VARCHAR(128) NOT NULL,
    PRIMARY KEY ("src_id", "src_type", "param", "target_type", "target_id")
);
CREATE INDEX IF NOT EXISTS "${prefix}reference_target"
    ON "${prefix}reference" ("target_id", "target_type", "src_type", "src_id", "param");
