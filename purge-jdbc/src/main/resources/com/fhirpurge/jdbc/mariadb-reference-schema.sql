-- fhir-purge reference schema, MariaDB 10.6+ / MySQL 8+. Idempotent. ${prefix} is the table prefix.
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
-- Search index (string, token, date parameters), replaced with every version; no primary key (values repeat), an
-- id-first index for the delete of a resource's rows and one serving each search. String and code columns stay at
-- 512 characters so the search index fits InnoDB's 3072-byte key limit in utf8mb4.
CREATE TABLE IF NOT EXISTS `${prefix}string_idx` (
    `res_id`     VARCHAR(128) NOT NULL,
    `res_type`   VARCHAR(64)  NOT NULL,
    `param`      VARCHAR(100) NOT NULL,
    `normalized` VARCHAR(512) NOT NULL,
    `exact`      VARCHAR(512) NOT NULL,
    INDEX `${prefix}string_idx_res` (`res_id`, `res_type`),
    INDEX `${prefix}string_idx_value` (`res_type`, `param`, `normalized`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `${prefix}token_idx` (
    `res_id`   VARCHAR(128) NOT NULL,
    `res_type` VARCHAR(64)  NOT NULL,
    `param`    VARCHAR(100) NOT NULL,
    `system`   VARCHAR(512),
    `code`     VARCHAR(512) NOT NULL,
    INDEX `${prefix}token_idx_res` (`res_id`, `res_type`),
    INDEX `${prefix}token_idx_value` (`res_type`, `param`, `code`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `${prefix}date_idx` (
    `res_id`   VARCHAR(128) NOT NULL,
    `res_type` VARCHAR(64)  NOT NULL,
    `param`    VARCHAR(100) NOT NULL,
    `low`      BIGINT       NOT NULL,
    `high`     BIGINT       NOT NULL,
    INDEX `${prefix}date_idx_res` (`res_id`, `res_type`),
    INDEX `${prefix}date_idx_value` (`res_type`, `param`, `low`, `high`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
