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
