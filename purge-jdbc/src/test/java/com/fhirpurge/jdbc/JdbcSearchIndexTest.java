package com.fhirpurge.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.spi.Footprint;
import com.fhirpurge.spi.IndexEntry.DateEntry;
import com.fhirpurge.spi.IndexEntry.StringEntry;
import com.fhirpurge.spi.IndexEntry.TokenEntry;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.SearchSupport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The search index rows' life cycle on the reference schema: replaced with each version, gone after a hard delete,
 * while another resource's identical rows stay. Subclasses only name the database.
 */
abstract class JdbcSearchIndexTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ResourceKey KEY = ResourceKey.of("Patient", "p1");
    private static final ResourceKey OTHER = ResourceKey.of("Patient", "p2");

    private TestDatabase.Instance instance;

    /** The database to run on. */
    abstract TestDatabase database();

    @AfterEach
    void drop() {
        if (instance != null) {
            instance.close();
        }
    }

    private DataSource referenceSchema() {
        instance = database().create("searchidx");
        DataSource ds = instance.newPool(2);
        JdbcSchema.createReferenceSchema(ds, instance.dialect(), "fp_");
        return ds;
    }

    private static ResourceWrite version(Instant at, String name) {
        return version(KEY, at, name);
    }

    private static ResourceWrite version(ResourceKey key, Instant at, String name) {
        return new ResourceWrite(key, "{\"resourceType\":\"Patient\",\"id\":\"" + key.id() + "\"}", at, List.of(),
                List.of(new StringEntry("name", name.toLowerCase(java.util.Locale.ROOT), name),
                        new StringEntry("name", name.toLowerCase(java.util.Locale.ROOT), name),
                        new TokenEntry("gender", null, "male"),
                        new TokenEntry("identifier", "urn:mrn", name),
                        new DateEntry("birthdate", Instant.MIN, Instant.MAX)));
    }

    private long rows(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + q(table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aNewVersionReplacesTheRowsAndAHardDeleteLeavesNone() throws SQLException {
        DataSource ds = referenceSchema();
        JdbcResourceStore store = new JdbcResourceStore(ds, JdbcLayout.referenceSchema("fp_"), instance.dialect());

        store.write(List.of(version(T0, "Smith")));
        store.write(List.of(version(T0.plusSeconds(1), "Jones")));

        assertThat(store.support()).isEqualTo(SearchSupport.full());
        assertThat(store.footprint(KEY)).as("duplicates collapse, the old version's rows are gone")
                .isEqualTo(new Footprint(1, 1, 4));
        assertThat(rows(ds, "fp_string_idx")).isEqualTo(1);
        assertThat(rows(ds, "fp_date_idx")).isEqualTo(1);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + q("exact") + ", " + q("normalized") + " FROM "
                     + q("fp_string_idx"))) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("Jones");
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + q("low") + ", " + q("high") + " FROM " + q("fp_date_idx"))) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(Long.MIN_VALUE);
            assertThat(rs.getLong(2)).isEqualTo(Long.MAX_VALUE);
        }

        store.write(List.of(version(OTHER, T0, "Jones")));
        assertThat(store.hardDelete(List.of(KEY))).containsExactly(KEY);

        assertThat(store.footprint(KEY)).isEqualTo(Footprint.NONE);
        assertThat(store.footprint(OTHER)).as("the other resource's identical rows stay")
                .isEqualTo(new Footprint(1, 0, 4));
        assertThat(rows(ds, "fp_string_idx")).isEqualTo(1);
        assertThat(rows(ds, "fp_token_idx")).isEqualTo(2);
        assertThat(rows(ds, "fp_date_idx")).isEqualTo(1);

        assertThat(store.hardDelete(List.of(OTHER))).containsExactly(OTHER);
        for (String table : List.of("fp_string_idx", "fp_token_idx", "fp_date_idx")) {
            assertThat(rows(ds, table)).as(table).isZero();
        }
    }

    private String q(String identifier) {
        return instance.dialect().quote(identifier);
    }

    @Test
    void aLayoutWithoutSearchTablesDeclaresNoSupportAndRefusesToSearch() {
        DataSource ds = referenceSchema();
        JdbcLayout ref = JdbcLayout.referenceSchema("fp_");
        JdbcLayout noSearch = new JdbcLayout(ref.current(), ref.history(), ref.references(), List.of());
        JdbcResourceStore store = new JdbcResourceStore(ds, noSearch, instance.dialect());

        assertThat(store.support().parameterTypes()).isEmpty();
        assertThat(store.support().chains()).isFalse();
        assertThatThrownBy(() -> store.count(new SearchCriteria("Patient", List.of()), T0))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("search");
    }

    @Test
    void likeWildcardsAreEscaped() {
        assertThat(JdbcResourceStore.escapeLike("a%b_c!d")).isEqualTo("a!%b!_c!!d");
    }

    @Test
    void valuesTooWideForTheIndexAreNotIndexedAndTheWriteSucceeds() throws SQLException {
        DataSource ds = referenceSchema();
        JdbcResourceStore store = new JdbcResourceStore(ds, JdbcLayout.referenceSchema("fp_"), instance.dialect());
        String wide = "w".repeat(600);

        store.write(List.of(new ResourceWrite(KEY, "{\"resourceType\":\"Patient\",\"id\":\"p1\"}", Instant.EPOCH,
                List.of(), List.of(new StringEntry("name", wide, wide), new StringEntry("name", "short", "short"),
                        new TokenEntry("identifier", wide, "1"), new TokenEntry("identifier", null, "2")))));

        assertThat(rows(ds, "fp_string_idx")).isEqualTo(1);
        assertThat(rows(ds, "fp_token_idx")).isEqualTo(1);
        assertThat(store.read(KEY)).isPresent();
    }
}
