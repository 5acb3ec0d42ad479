package com.fhirpurge.jdbc;

import com.fhirpurge.jdbc.JdbcLayout.IndexTable;
import com.fhirpurge.jdbc.JdbcLayout.ReferenceTable;
import com.fhirpurge.jdbc.JdbcLayout.ResourceTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * A vendor's own schema, unlike the reference schema in every name: one table per resource type with JSON content,
 * a history table per type, a link table for references and a token index the adapter must also clear. The adapter
 * reaches it through {@link #LAYOUT} alone.
 */
final class VendorLayout {

    /** The resource types the tests write. */
    static final List<String> TYPES = List.of("Patient", "Observation", "Encounter", "Group", "AuditEvent", "List",
            "Practitioner", "DiagnosticReport");

    static final JdbcLayout LAYOUT = new JdbcLayout(
            new ResourceTable("v_{type_lower}", null, "id", "ver", "is_deleted", "updated_us", "body"),
            new ResourceTable("v_{type_lower}_hist", null, "id", "ver", "is_deleted", "updated_us", "body"),
            new ReferenceTable("v_link", "source_type", "source_id", "sp_name", "ref_type", "ref_id"),
            List.of(new IndexTable("v_token_idx", "res_type", "res_id")));

    private VendorLayout() {
    }

    /** Creates the vendor's tables, as the vendor's own migration would. */
    static void create(DataSource ds, JdbcDialect dialect) throws SQLException {
        String text = switch (dialect.name()) {
            case "postgresql" -> "TEXT";
            case "mariadb" -> "LONGTEXT";
            default -> "CHARACTER LARGE OBJECT";
        };
        String id = dialect.name().equals("postgresql") ? "VARCHAR(128) COLLATE \"C\"" : "VARCHAR(128)";
        String suffix = dialect.name().equals("mariadb") ? " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : "";
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String type : TYPES) {
                String t = "v_" + type.toLowerCase(Locale.ROOT);
                s.execute("CREATE TABLE " + dialect.quote(t) + " (" + col(dialect, "id") + " " + id
                        + " NOT NULL PRIMARY KEY, " + col(dialect, "ver") + " BIGINT NOT NULL, "
                        + col(dialect, "is_deleted") + " BOOLEAN NOT NULL, " + col(dialect, "updated_us")
                        + " BIGINT NOT NULL, " + col(dialect, "body") + " " + text + ")" + suffix);
                s.execute("CREATE TABLE " + dialect.quote(t + "_hist") + " (" + col(dialect, "id") + " " + id
                        + " NOT NULL, " + col(dialect, "ver") + " BIGINT NOT NULL, " + col(dialect, "is_deleted")
                        + " BOOLEAN NOT NULL, " + col(dialect, "updated_us") + " BIGINT NOT NULL, "
                        + col(dialect, "body") + " " + text + ", PRIMARY KEY (" + col(dialect, "id") + ", "
                        + col(dialect, "ver") + "))" + suffix);
            }
            s.execute("CREATE TABLE " + dialect.quote("v_link") + " (" + col(dialect, "source_type")
                    + " VARCHAR(64) NOT NULL, " + col(dialect, "source_id") + " " + id + " NOT NULL, "
                    + col(dialect, "sp_name") + " VARCHAR(100) NOT NULL, " + col(dialect, "ref_type")
                    + " VARCHAR(64) NOT NULL, " + col(dialect, "ref_id") + " " + id + " NOT NULL)" + suffix);
            s.execute("CREATE INDEX " + dialect.quote("v_link_ref") + " ON " + dialect.quote("v_link") + " ("
                    + col(dialect, "ref_id") + ", " + col(dialect, "ref_type") + ")");
            s.execute("CREATE INDEX " + dialect.quote("v_link_src") + " ON " + dialect.quote("v_link") + " ("
                    + col(dialect, "source_id") + ", " + col(dialect, "source_type") + ")");
            s.execute("CREATE TABLE " + dialect.quote("v_token_idx") + " (" + col(dialect, "res_type")
                    + " VARCHAR(64) NOT NULL, " + col(dialect, "res_id") + " " + id + " NOT NULL, "
                    + col(dialect, "token_code") + " VARCHAR(64) NOT NULL)" + suffix);
        }
    }

    private static String col(JdbcDialect dialect, String name) {
        return dialect.quote(name);
    }
}
