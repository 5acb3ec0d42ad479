-- fhir-purge job repository, MariaDB 10.6+ / MySQL 8+. Idempotent. Times are epoch microseconds (UTC).
CREATE TABLE IF NOT EXISTS `${prefix}job` (
    `job_id`       VARCHAR(64)  NOT NULL PRIMARY KEY,
    `kind`         VARCHAR(32)  NOT NULL,
    `created_at`   BIGINT       NOT NULL,
    `requested_by` VARCHAR(512),
    `parameters`   LONGTEXT     NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `${prefix}task` (
    `task_id`          VARCHAR(128) NOT NULL PRIMARY KEY,
    `job_id`           VARCHAR(64)  NOT NULL,
    `job_created_at`   BIGINT       NOT NULL,
    `ordinal`          INTEGER      NOT NULL,
    `target`           VARCHAR(256) NOT NULL,
    `state`            VARCHAR(16)  NOT NULL,
    `lease_owner`      VARCHAR(128),
    `lease_until`      BIGINT,
    `fence`            BIGINT       NOT NULL,
    `cancel_requested` BOOLEAN      NOT NULL,
    `error_reason`     LONGTEXT,
    `updated_at`       BIGINT       NOT NULL,
    `total_count`      BIGINT,
    `erased_by_type`   LONGTEXT     NOT NULL,
    `page_token`       LONGTEXT,
    `pass`             INTEGER      NOT NULL,
    `pending`          LONGTEXT     NOT NULL,
    `erased_digest`    CHAR(64),
    `kept_count`       BIGINT       NOT NULL,
    `kept`             LONGTEXT     NOT NULL,
    INDEX `${prefix}task_job` (`job_id`, `ordinal`),
    INDEX `${prefix}task_runnable` (`state`, `lease_until`),
    INDEX `${prefix}task_claim` (`state`, `job_created_at`, `job_id`, `ordinal`),
    INDEX `${prefix}task_target` (`target`, `state`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
