-- fhir-purge reference schema, MariaDB 10.6+ / MySQL 8.0.13+. Idempotent. ${prefix} is the table prefix.
-- utf8mb4_bin: FHIR ids are case-sensitive and compared exactly. InnoDB clusters rows by the natural primary key,
-- so a batch delete removes contiguous rows. Secondary indexes are declared inline (MySQL has no
-- CREATE INDEX IF NOT EXISTS).
CREATE TABLE IF NOT EXISTS `${prefix}resource` (
    `res_type`     VARCHAR(64)  NOT NULL,
    `res_id`       VARCHAR(128) NOT NULL,
    `version`      BIGINT       NOT NULL,
    `deleted`      BOOLEAN      NOT NULL,
    `last_updated` BIGINT       NOT NULL,
    `content`      LONGTEXT,
    PRIMARY KEY (`res_id`, `res_type`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `${prefix}resource_history` (
    `res_type`     VARCHAR(64)  NOT NULL,
    `res_id`       VARCHAR(128) NOT NULL,
    `version`      BIGINT       NOT NULL,
    `deleted`      BOOLEAN      NOT NULL,
    `last_updated` BIGINT       NOT NULL,
    `content`      LONGTEXT,
    PRIMARY KEY (`res_id`, `res_type`, `version`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `${prefix}reference` (
    `src_type`    VARCHAR(64)  NOT NULL,
    `src_id`      VARCHAR(128) NOT NULL,
    `param`       VARCHAR(100) NOT NULL,
    `target_type` VARCHAR(64)  NOT NULL,
    `target_id`   VARCHAR(128) NOT NULL,
    PRIMARY KEY (`src_id`, `src_type`, `param`, `target_type`, `target_id`),
    INDEX `${prefix}reference_target` (`target_id`, `target_type`, `src_type`, `src_id`, `param`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Search index (string, token, date parameters), replaced with every version. Values repeat, so the primary key is
-- the resource plus `seq`, a number the database fills in (UUID_SHORT(): unique as long as each server's server_id
-- is its own and a server makes fewer than 16 million a second on average between restarts). InnoDB clusters a
-- table by its primary key, so a resource's rows sit together and a hard delete reads and removes them in one range,
-- with one secondary index (the search's) to maintain; the secondary index also holds res_id, so most searches
-- read no row.
-- Measured on MariaDB 10.11 (300,000 token rows of 100,000 resources written in random order, 150,000 deleted in
-- batches of 500): 2.04-2.66 s against 3.36-4.05 s for a table without a primary key and an index on the resource.
-- String and code columns stay at 512 characters so the search index fits InnoDB's 3072-byte key limit in utf8mb4.
CREATE TABLE IF NOT EXISTS `${prefix}string_idx` (
    `res_id`     VARCHAR(128) NOT NULL,
    `res_type`   VARCHAR(64)  NOT NULL,
    `seq`        BIGINT UNSIGNED NOT NULL DEFAULT (UUID_SHORT()),
    `param`      VARCHAR(100) NOT NULL,
    `normalized` VARCHAR(512) NOT NULL,
    `exact`      VARCHAR(512) NOT NULL,
    PRIMARY KEY (`res_id`, `res_type`, `seq`),
    INDEX `${prefix}string_idx_value` (`res_type`, `param`, `normalized`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `${prefix}token_idx` (
    `res_id`   VARCHAR(128) NOT NULL,
    `res_type` VARCHAR(64)  NOT NULL,
    `seq`      BIGINT UNSIGNED NOT NULL DEFAULT (UUID_SHORT()),
    `param`    VARCHAR(100) NOT NULL,
    `system`   VARCHAR(512),
    `code`     VARCHAR(512) NOT NULL,
    PRIMARY KEY (`res_id`, `res_type`, `seq`),
    INDEX `${prefix}token_idx_value` (`res_type`, `param`, `code`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `${prefix}date_idx` (
    `res_id`   VARCHAR(128) NOT NULL,
    `res_type` VARCHAR(64)  NOT NULL,
    `seq`      BIGINT UNSIGNED NOT NULL DEFAULT (UUID_SHORT()),
    `param`    VARCHAR(100) NOT NULL,
    `low`      BIGINT       NOT NULL,
    `high`     BIGINT       NOT NULL,
    PRIMARY KEY (`res_id`, `res_type`, `seq`),
    INDEX `${prefix}date_idx_value` (`res_type`, `param`, `low`, `high`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
