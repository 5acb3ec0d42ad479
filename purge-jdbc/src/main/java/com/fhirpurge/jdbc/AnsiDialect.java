package com.fhirpurge.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ANSI SQL default every dialect extends: double-quoted identifiers, {@code IN} lists, {@code FETCH FIRST},
 * no {@code SKIP LOCKED}, transient errors by SQL state class. Its DDL is read from the class-path resources
 * {@code com/fhirpurge/jdbc/<name>-reference-schema.sql} and {@code <name>-job-schema.sql}, statements separated by
 * {@code ;} at the end of a line, {@code ${prefix}} replaced by the table prefix.
 */
public class AnsiDialect implements JdbcDialect {

    private final String name;

    /**
     * Creates a dialect whose DDL resources carry {@code name}.
     *
     * @param name the dialect name
     */
    protected AnsiDialect(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean supportsSkipLocked() {
        return false;
    }

    @Override
    public boolean supportsDeleteReturning() {
        return false;
    }

    @Override
    public int maxInListSize() {
        return 1000;
    }

    @Override
    public String quote(String identifier) {
        return '"' + JdbcLayout.requireIdentifier("identifier", identifier) + '"';
    }

    @Override
    public List<String> referenceSchemaDdl(String prefix) {
        return ddl("reference-schema", prefix);
    }

    @Override
    public List<String> jobSchemaDdl(String prefix) {
        return ddl("job-schema", prefix);
    }

    @Override
    public String forUpdateSkipLocked() {
        throw new UnsupportedOperationException(name + " has no SKIP LOCKED");
    }

    @Override
    public String limitClause() {
        return " FETCH FIRST ? ROWS ONLY";
    }

    @Override
    public String inPredicate(String quotedColumn, int count) {
        StringBuilder sb = new StringBuilder(quotedColumn).append(" IN (");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "?" : ",?");
        }
        return sb.append(')').toString();
    }

    @Override
    public int bindIn(Connection connection, PreparedStatement statement, int index, List<String> values)
            throws SQLException {
        int i = index;
        for (String v : values) {
            statement.setString(i++, v);
        }
        return i;
    }

    @Override
    public boolean isTransient(SQLException e) {
        if (e instanceof SQLTransientException) {
            return true;
        }
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("40"));
    }

    /**
     * Loads a DDL resource of this dialect.
     *
     * @param kind   {@code reference-schema} or {@code job-schema}
     * @param prefix the table prefix
     * @return the statements
     */
    protected List<String> ddl(String kind, String prefix) {
        String p = JdbcLayout.requirePrefix(prefix);
        String resource = name + "-" + kind + ".sql";
        try (InputStream in = AnsiDialect.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("No DDL resource " + resource + " for dialect " + name);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> statements = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String line : text.split("\n")) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                    continue;
                }
                current.append(line).append('\n');
                if (trimmed.endsWith(";")) {
                    String stmt = current.toString().strip();
                    statements.add(stmt.substring(0, stmt.length() - 1).replace("${prefix}", p));
                    current.setLength(0);
                }
            }
            return statements;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
