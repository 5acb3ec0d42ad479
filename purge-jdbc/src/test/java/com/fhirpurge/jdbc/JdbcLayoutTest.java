package com.fhirpurge.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.jdbc.JdbcLayout.IndexTable;
import com.fhirpurge.jdbc.JdbcLayout.ReferenceTable;
import com.fhirpurge.jdbc.JdbcLayout.ResourceTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A layout is validated when it is built, so no name from it can change the SQL. */
class JdbcLayoutTest {

    private static ResourceTable table(String pattern, String typeColumn, String idColumn) {
        return new ResourceTable(pattern, typeColumn, idColumn, "ver", "deleted", "updated", "body");
    }

    @Test
    void hostileOrMalformedNamesAreRefusedAtConstruction() {
        for (String bad : List.of("res; DROP TABLE x", "res\"", "res`", "1res", "", "a b", "res--", "x".repeat(64),
                "r\u00e9s")) {
            assertThatThrownBy(() -> table(bad, "t", "id")).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> table("res", bad, "id")).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new ReferenceTable("ref", "st", "si", bad, "tt", "ti")).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new IndexTable("idx", "t", bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> JdbcLayout.referenceSchema("fp;")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sharedTablesNeedATypeColumnAndPerTypeTablesMustNotHaveOne() {
        assertThatThrownBy(() -> table("res", null, "id")).hasMessageContaining("type column");
        assertThatThrownBy(() -> table("res_{type}", "t", "id")).hasMessageContaining("type column");
        assertThatThrownBy(() -> new JdbcLayout(table("res_{type}", null, "id"), table("hist", "t", "id"),
                new ReferenceTable("ref", "st", "si", "p", "tt", "ti"), List.of()))
                .hasMessageContaining("both");
    }

    @Test
    void perTypeTableNamesComeFromValidatedResourceTypes() {
        ResourceTable perType = table("v_{type_lower}_x", null, "id");

        assertThat(perType.tableFor("Observation")).isEqualTo("v_observation_x");
        assertThat(table("{type}", null, "id").tableFor("Patient")).isEqualTo("Patient");
        assertThatThrownBy(() -> perType.tableFor("Observation; DROP")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> perType.tableFor("observation")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dialectsQuoteOnlyValidIdentifiersAndAreDetectedByProductName() {
        assertThat(new PostgresDialect().quote("fp_resource")).isEqualTo("\"fp_resource\"");
        assertThat(new MariaDbDialect().quote("fp_resource")).isEqualTo("`fp_resource`");
        assertThatThrownBy(() -> new H2Dialect().quote("a\"b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(JdbcDialects.forProductName("PostgreSQL")).isInstanceOf(PostgresDialect.class);
        assertThat(JdbcDialects.forProductName("MariaDB")).isInstanceOf(MariaDbDialect.class);
        assertThat(JdbcDialects.forProductName("MySQL")).isInstanceOf(MySqlDialect.class);
        assertThat(JdbcDialects.forProductName("H2")).isInstanceOf(H2Dialect.class);
        assertThatThrownBy(() -> JdbcDialects.forProductName("Oracle")).hasMessageContaining("Oracle");
    }

    @Test
    void theShippedDdlIsSplitIntoPrefixedStatements() {
        for (JdbcDialect d : List.of(new PostgresDialect(), new MariaDbDialect(), new H2Dialect())) {
            List<String> ddl = d.referenceSchemaDdl("acme_");
            assertThat(ddl).isNotEmpty().allSatisfy(s -> assertThat(s).doesNotContain("${prefix}").doesNotEndWith(";"));
            assertThat(String.join("\n", ddl)).contains("acme_resource").contains("acme_reference");
            assertThat(String.join("\n", d.jobSchemaDdl("acme_"))).contains("acme_task").contains("acme_job");
        }
    }
}
