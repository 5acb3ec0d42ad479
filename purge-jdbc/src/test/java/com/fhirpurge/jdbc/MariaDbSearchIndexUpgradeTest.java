package com.fhirpurge.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.spi.Footprint;
import com.fhirpurge.spi.IndexEntry.DateEntry;
import com.fhirpurge.spi.IndexEntry.StringEntry;
import com.fhirpurge.spi.IndexEntry.TokenEntry;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MariaDB search index tables of the earlier layout (no primary key, an index on the resource): the store works on
 * them as they are, and the README's {@code ALTER TABLE} gives each existing row a {@code seq} of its own and the
 * primary key, after which the store still finds and erases exactly what it should.
 */
class MariaDbSearchIndexUpgradeTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final List<String> TABLES = List.of("fp_string_idx", "fp_token_idx", "fp_date_idx");

    /** The search index tables as the reference schema created them before they had a primary key. */
    private static final List<String> EARLIER_DDL = List.of("""
            CREATE TABLE fp_string_idx (res_id VARCHAR(128) NOT NULL, res_type VARCHAR(64) NOT NULL,
                param VARCHAR(100) NOT NULL, normalized VARCHAR(512) NOT NULL, exact VARCHAR(512) NOT NULL,
                INDEX fp_string_idx_res (res_id, res_type), INDEX fp_string_idx_value (res_type, param, normalized))
                ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin""", """
            CREATE TABLE fp_token_idx (res_id VARCHAR(128) NOT NULL, res_type VARCHAR(64) NOT NULL,
                param VARCHAR(100) NOT NULL, `system` VARCHAR(512), code VARCHAR(512) NOT NULL,
                INDEX fp_token_idx_res (res_id, res_type), INDEX fp_token_idx_value (res_type, param, code))
                ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin""", """
            CREATE TABLE fp_date_idx (res_id VARCHAR(128) NOT NULL, res_type VARCHAR(64) NOT NULL,
                param VARCHAR(100) NOT NULL, low BIGINT NOT NULL, high BIGINT NOT NULL,
                INDEX fp_date_idx_res (res_id, res_type), INDEX fp_date_idx_value (res_type, param, low, high))
                ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin""");

    private TestDatabase.Instance instance;

    @AfterEach
    void drop() {
        if (instance != null) {
            instance.close();
        }
    }

    /** The README's statement for one table. */
    private static String upgrade(String table) {
        return "ALTER TABLE " + table + " ADD COLUMN seq BIGINT UNSIGNED NOT NULL DEFAULT (UUID_SHORT())"
                + " AFTER res_type, DROP INDEX " + table + "_res, ADD PRIMARY KEY (res_id, res_type, seq)";
    }

    private static ResourceWrite patient(String id) {
        return new ResourceWrite(ResourceKey.of("Patient", id), "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\"}",
                T0, List.of(), List.of(new StringEntry("name", "smith", "Smith"), new StringEntry("name", "ann", "Ann"),
                new TokenEntry("gender", null, "female"), new TokenEntry("identifier", "urn:mrn", "1"),
                new DateEntry("birthdate", Instant.MIN, Instant.MAX)));
    }

    @Test
    void theStoreWorksOnTheEarlierTablesAndAfterTheUpgrade() throws SQLException {
        instance = TestDatabase.MARIADB.create("upgrade");
        DataSource ds = instance.newPool(2);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String ddl : EARLIER_DDL) {
                s.execute(ddl);
            }
        }
        JdbcSchema.createReferenceSchema(ds, instance.dialect(), "fp_");
        JdbcResourceStore store = new JdbcResourceStore(ds, JdbcLayout.referenceSchema("fp_"), instance.dialect());
        List<ResourceWrite> writes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            writes.add(patient("p" + i));
        }
        store.write(writes);
        assertThat(primaryKey(ds, "fp_token_idx")).as("the schema call leaves an existing table alone").isEmpty();
        ResourceKey first = ResourceKey.of("Patient", "p0");
        assertThat(store.hardDelete(List.of(first))).containsExactly(first);

        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String table : TABLES) {
                s.execute(upgrade(table));
            }
        }

        for (String table : TABLES) {
            assertThat(primaryKey(ds, table)).as(table).containsExactly("res_id", "res_type", "seq");
            assertThat(count(ds, "SELECT COUNT(DISTINCT seq) FROM " + table)).as(table)
                    .isEqualTo(count(ds, "SELECT COUNT(*) FROM " + table));
        }
        assertThat(count(ds, "SELECT COUNT(*) FROM fp_token_idx")).isEqualTo(49 * 2);
        ResourceKey second = ResourceKey.of("Patient", "p1");
        store.write(List.of(patient("p50")));
        assertThat(store.hardDelete(List.of(second))).containsExactly(second);
        assertThat(store.footprint(second)).isEqualTo(Footprint.NONE);
        assertThat(store.footprint(ResourceKey.of("Patient", "p2"))).isEqualTo(new Footprint(1, 0, 5));
        assertThat(store.footprint(ResourceKey.of("Patient", "p50"))).isEqualTo(new Footprint(1, 0, 5));
        assertThat(count(ds, "SELECT COUNT(*) FROM fp_token_idx")).isEqualTo(49 * 2);
    }

    private static List<String> primaryKey(DataSource ds, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW KEYS FROM " + table + " WHERE Key_name = 'PRIMARY'")) {
            while (rs.next()) {
                columns.add(rs.getString("Column_name"));
            }
        }
        return columns;
    }

    private static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
