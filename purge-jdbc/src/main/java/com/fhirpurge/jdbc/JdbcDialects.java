package com.fhirpurge.jdbc;

import com.fhirpurge.spi.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;

/** Detects the dialect of a database once, from its metadata. */
public final class JdbcDialects {

    private JdbcDialects() {
    }

    /**
     * Detects the dialect from {@code DatabaseMetaData.getDatabaseProductName()}.
     *
     * @param dataSource the database
     * @return PostgreSQL, MariaDB/MySQL or H2
     * @throws StoreException when the database cannot be reached or is none of these (pass a dialect explicitly)
     */
    public static JdbcDialect detect(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            String product = c.getMetaData().getDatabaseProductName();
            return forProductName(product);
        } catch (SQLException e) {
            throw new StoreException("Could not read the database product name", e, true, e.getSQLState());
        }
    }

    /**
     * The dialect for a product name.
     *
     * @param product the product name, e.g. {@code PostgreSQL}
     * @return the dialect
     * @throws StoreException when the product is not supported
     */
    public static JdbcDialect forProductName(String product) {
        String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (p.contains("postgresql")) {
            return new PostgresDialect();
        }
        if (p.contains("mariadb")) {
            return new MariaDbDialect();
        }
        if (p.contains("mysql")) {
            return new MySqlDialect();
        }
        if (p.equals("h2")) {
            return new H2Dialect();
        }
        throw new StoreException("No dialect for database '" + product + "'; pass one explicitly", null, false);
    }
}
