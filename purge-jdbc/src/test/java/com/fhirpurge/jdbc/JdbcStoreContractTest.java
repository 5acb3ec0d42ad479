package com.fhirpurge.jdbc;

import com.fhirpurge.spi.contract.FaultInjector;
import com.fhirpurge.spi.contract.ResourceStoreContract;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The resource-store contract on one database and layout; subclasses only name them. Each test gets its own
 * schema (or database) and drops it afterwards.
 */
abstract class JdbcStoreContractTest extends ResourceStoreContract {

    private TestDatabase.Instance instance;
    private FaultyDataSource faulty;

    /** The database to run on. */
    abstract TestDatabase database();

    /** Whether to run on the vendor's table-per-type layout instead of the reference schema. */
    abstract boolean vendorLayout();

    @Override
    protected Store createStore() {
        instance = database().create(vendorLayout() ? "vendor" : "ref");
        faulty = new FaultyDataSource(instance.newPool(4));
        JdbcDialect dialect = instance.dialect();
        JdbcLayout layout;
        if (vendorLayout()) {
            try {
                VendorLayout.create(faulty, dialect);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            layout = VendorLayout.LAYOUT;
        } else {
            JdbcSchema.createReferenceSchema(faulty, dialect, "fp_");
            layout = JdbcLayout.referenceSchema("fp_");
        }
        JdbcResourceStore store = new JdbcResourceStore(faulty, layout, dialect);
        return new Store(store, store, store, store);
    }

    @Override
    protected void cleanup() {
        if (instance != null) {
            instance.close();
        }
    }

    @Override
    protected Optional<FaultInjector> faultInjector() {
        return Optional.of(new FaultInjector() {
            @Override
            public void failNextEraseMidway() {
                // Where one statement erases a batch, its commit fails after it ran; elsewhere the third statement.
                faulty.failExecution(instance.dialect().supportsDeleteInCte() && !vendorLayout() ? 2 : 3);
            }

            @Override
            public boolean atomicBatches() {
                return true;
            }
        });
    }
}
