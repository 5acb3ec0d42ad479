package com.fhirpurge.jdbc;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.testkit.EngineClusterSuite;
import com.fhirpurge.spi.ResourceWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The engine cluster suite on the reference schema of one database: each node gets its own connection pool, and
 * the snapshot is every row of the resource, history and reference tables.
 */
abstract class JdbcEngineTest extends EngineClusterSuite {

    private static final List<String> TABLES = List.of("fp_resource", "fp_resource_history", "fp_reference");

    private TestDatabase.Instance instance;

    /** The database to run on. */
    abstract TestDatabase database();

    @BeforeEach
    void createSchemas() {
        instance = database().create("engine");
        DataSource setup = instance.newPool(2);
        JdbcSchema.createReferenceSchema(setup, instance.dialect(), "fp_");
        JdbcSchema.createJobSchema(setup, instance.dialect(), "fp_");
    }

    @AfterEach
    void dropSchemas() {
        if (instance != null) {
            instance.close();
        }
    }

    @Override
    protected PurgeStorage newNodeStorage() {
        DataSource pool = instance.newPool(4);
        JdbcResourceStore store = new JdbcResourceStore(pool, JdbcLayout.referenceSchema("fp_"), instance.dialect());
        return PurgeStorage.of(store, store, new JdbcJobRepository(pool, instance.dialect(), "fp_"));
    }

    @Override
    protected ResourceWriter newWriter() {
        return new JdbcResourceStore(instance.newPool(2), JdbcLayout.referenceSchema("fp_"), instance.dialect());
    }

    @Override
    protected List<String> snapshot() {
        List<String> rows = new ArrayList<>();
        try (Connection c = instance.newPool(1).getConnection(); Statement s = c.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + instance.dialect().quote(table))) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder(table);
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.append('|').append(rs.getString(i));
                        }
                        rows.add(row.toString());
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        rows.sort(null);
        return rows;
    }
}
