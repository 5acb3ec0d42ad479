package com.fhirpurge.mongo;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.testkit.EngineClusterSuite;
import com.fhirpurge.spi.ResourceWriter;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The engine cluster suite on one MongoDB server (the wire server, or {@code PURGE_MONGO_URI}): each node gets its
 * own client, and the snapshot is every document of every resource collection, current and history. Subclasses
 * name the layout.
 */
abstract class MongoEngineTest extends EngineClusterSuite {

    private static final String JOBS_PREFIX = "fp_";

    private TestMongo mongo;

    /** The layout to run on. */
    abstract MongoLayout layout();

    @BeforeEach
    void createDatabase() {
        mongo = TestMongo.create("engine");
        MongoClient setup = mongo.newClient();
        new MongoResourceStore(setup, mongo.databaseName(), layout()).ensureIndexes(PATIENT_COMPARTMENT);
        new MongoJobRepository(mongo.database(setup), JOBS_PREFIX).ensureIndexes();
    }

    @AfterEach
    void dropDatabase() {
        if (mongo != null) {
            mongo.close();
        }
    }

    @Override
    protected PurgeStorage newNodeStorage() {
        MongoClient client = mongo.newClient();
        MongoResourceStore store = new MongoResourceStore(client, mongo.databaseName(), layout());
        return PurgeStorage.of(store, store, new MongoJobRepository(mongo.database(client), JOBS_PREFIX));
    }

    @Override
    protected ResourceWriter newWriter() {
        return new MongoResourceStore(mongo.newClient(), mongo.databaseName(), layout());
    }

    @Override
    protected List<String> snapshot() {
        List<String> docs = new ArrayList<>();
        MongoDatabase db = mongo.database(mongo.newClient());
        for (String collection : db.listCollectionNames()) {
            if (collection.startsWith(JOBS_PREFIX) || collection.startsWith("system.")) {
                continue;
            }
            for (Document d : db.getCollection(collection).find()) {
                docs.add(collection + "|" + d.toJson());
            }
        }
        docs.sort(null);
        return docs;
    }
}
