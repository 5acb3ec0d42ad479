package com.fhirpurge.mongo;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.spi.contract.FaultInjector;
import com.fhirpurge.spi.contract.ResourceStoreContract;
import com.fhirpurge.spi.ResourceKey;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The resource-store contract on one layout; subclasses only name it. Each test gets its own database, dropped
 * afterwards. The store gets a client that can inject a fault, so the atomicity test runs too: atomic on a replica
 * set (transactions), ordered and retryable on the wire server and on a standalone server.
 */
abstract class MongoStoreContractTest extends ResourceStoreContract {

    private TestMongo mongo;
    private FaultyMongo faulty;
    private MongoResourceStore store;

    /** The layout to run on. */
    abstract MongoLayout layout();

    @Override
    protected Store createStore() {
        mongo = TestMongo.create("store");
        faulty = new FaultyMongo(mongo.newClient());
        store = new MongoResourceStore(faulty.client(), mongo.databaseName(), layout());
        store.ensureIndexes(PATIENT_COMPARTMENT);
        return new Store(store, store, store, store);
    }

    @Test
    void aResourceLeftWithHistoryAloneIsReportedAndItsHistoryErased() {
        store.write(List.of(anObservationOf("o1", "p1").build(), anObservationOf("o1", "p1").build(),
                anObservationOf("o2", "p1").build()));
        String current = layout().collectionPattern().replace("{type}", "Observation");
        String history = layout().historyCollectionPattern().replace("{type}", "Observation");
        MongoDatabase db = mongo.database(mongo.newClient());
        db.getCollection(current).deleteOne(Filters.eq("_id", "o1")); // as a crash between the two deletes would

        assertThat(store.hardDelete(List.of(ResourceKey.of("Observation", "o1"), ResourceKey.of("Observation",
                "o2"), ResourceKey.of("Observation", "o3")))).containsExactly(ResourceKey.of("Observation", "o1"),
                ResourceKey.of("Observation", "o2"));
        assertThat(db.getCollection(history).countDocuments()).isZero();
        assertThat(db.getCollection(current).countDocuments()).isZero();
    }

    @Override
    protected void cleanup() {
        if (mongo != null) {
            mongo.close();
        }
    }

    @Override
    protected Optional<FaultInjector> faultInjector() {
        return Optional.of(new FaultInjector() {
            @Override
            public void failNextEraseMidway() {
                faulty.failAfter(1);
            }

            @Override
            public boolean atomicBatches() {
                return store.usesTransactions();
            }
        });
    }
}
