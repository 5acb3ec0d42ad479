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
-- Search index (string, token, date parameters), replaced with every version; no primary key (values repeat), an
-- id-first index for the delete of a resource's rows and one serving each search.
CREATE TABLE IF NOT EXISTS "${prefix}string_idx" (
    "res_id"     VARCHAR(128) NOT NULL,
    "res_type"   VARCHAR(64)  NOT NULL,
    "param"      VARCHAR(100) NOT NULL,
    "normalized" VARCHAR(512) NOT NULL,
    "exact"      VARCHAR(512) NOT NULL
);
CREATE INDEX IF NOT EXISTS "${prefix}string_idx_res" ON "${prefix}string_idx" ("res_id", "res_type");
CREATE INDEX IF NOT EXISTS "${prefix}string_idx_value"
    ON "${prefix}string_idx" ("res_type", "param", "normalized", "res_id");
CREATE TABLE IF NOT EXISTS "${prefix}token_idx" (
    "res_id"   VARCHAR(128) NOT NULL,
    "res_type" VARCHAR(64)  NOT NULL,
    "param"    VARCHAR(100) NOT NULL,
    "system"   VARCHAR(512),
    "code"     VARCHAR(512) NOT NULL
);
CREATE INDEX IF NOT EXISTS "${prefix}token_idx_res" ON "${prefix}token_idx" ("res_id", "res_type");
CREATE INDEX IF NOT EXISTS "${prefix}token_idx_value"
    ON "${prefix}token_idx" ("res_type", "param", "code", "res_id");
CREATE TABLE IF NOT EXISTS "${prefix}date_idx" (
    "res_id"   VARCHAR(128) NOT NULL,
    "res_type" VARCHAR(64)  NOT NULL,
    "param"    VARCHAR(100) NOT NULL,
    "low"      BIGINT       NOT NULL,
    "high"     BIGINT       NOT NULL
);
CREATE INDEX IF NOT EXISTS "${prefix}date_idx_res" ON "${prefix}date_idx" ("res_id", "res_type");
CREATE INDEX IF NOT EXISTS "${prefix}date_idx_value"
    ON "${prefix}date_idx" ("res_type", "param", "low", "high");
