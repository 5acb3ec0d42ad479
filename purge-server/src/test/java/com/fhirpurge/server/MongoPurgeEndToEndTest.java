package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.SEED_KICK_OFF;
import static com.fhirpurge.server.TestServer.SEED_PATIENTS;
import static com.fhirpurge.server.TestServer.part;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.spi.ResourceKey;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real server with {@code --mongo-uri --demo} on an in-process MongoDB wire-protocol server
 * ({@code mongo-java-server}, in-memory backend, random loopback port), over real HTTP with auth off: the
 * specification's {@code $bulk-purge} kick-off purges the three demo patients it names, the kept ones stay.
 */
class MongoPurgeEndToEndTest {

    private static final String DATABASE = "fhir_e2e";
    private static final Pattern DEMO_LINE = Pattern.compile("Demo patient (\\S+): (\\d+) resources");

    static MongoServer mongo;
    static String mongoUri;
    static MongoClient client;
    static TestServer server;

    @BeforeAll
    static void start() {
        mongo = new MongoServer(new MemoryBackend());
        mongo.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        InetSocketAddress address = mongo.getLocalAddress();
        mongoUri = "mongodb://" + address.getAddress().getHostAddress() + ":" + address.getPort();
        client = MongoClients.create(mongoUri);
        server = TestServer.startOnMongo(mongoUri, DATABASE, "--demo");
    }

    @AfterAll
    static void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (client != null) {
                client.close();
            }
            mongo.shutdownNow();
        }
    }

    /** The demo patients the server printed, with their resource counts. */
    private static Map<String, Integer> demoPatients() {
        Map<String, Integer> sizes = new TreeMap<>();
        Matcher m = DEMO_LINE.matcher(server.output);
        while (m.find()) {
            sizes.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return sizes;
    }

    @Test
    void startsOnMongoWithTheDemoPatientsAndTheIndexes() {
        assertThat(server.output).contains("Listening on " + server.base() + "\n");
        assertThat(server.base()).matches("http://127\\.0\\.0\\.1:\\d+/fhir");
        assertThat(server.server.storage()).isInstanceOf(MongoServerStorage.class);
        assertThat(server.server.storage().describe()).contains("MongoDB").contains(DATABASE)
                .contains(":" + mongo.getLocalAddress().getPort());
        assertThat(demoPatients().keySet()).containsAll(SEED_PATIENTS).contains(PurgeServer.DEMO_KEEP);

        MongoDatabase db = client.getDatabase(DATABASE);
        assertThat(db.getCollection("Patient").countDocuments(Filters.in("_id", PurgeServer.DEMO_KEEP)))
                .isEqualTo(PurgeServer.DEMO_KEEP.length);
        List<String> taskIndexes = new ArrayList<>();
        db.getCollection(MongoServerStorage.PREFIX + "tasks").listIndexes()
                .forEach(i -> taskIndexes.add(i.get("key", Document.class).keySet().toString()));
        assertThat(taskIndexes).as("ensureIndexes ran at start").contains("[state, jobCreatedAt, jobId, ordinal]");
        List<String> observationIndexes = new ArrayList<>();
        db.getCollection("Observation").listIndexes()
                .forEach(i -> observationIndexes.add(i.get("key", Document.class).keySet().toString()));
        assertThat(observationIndexes).contains("[subject.reference, _id]");
    }

    @Test
    void purgesTheSeedPatientsOverHttpAndKeepsTheOthers() throws Exception {
        Map<String, Integer> sizes = demoPatients();
        for (String id : SEED_PATIENTS) {
            assertThat(server.send("GET", "Patient/" + id, null).statusCode()).as(id).isEqualTo(200);
        }

        String statusUrl = server.bulkPurgeAccepted(SEED_KICK_OFF);
        Parameters status = server.pollUntilDone(statusUrl);
        assertThat(status.getParameter()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            ParametersParameterComponent result = status.getParameter().get(i);
            String id = SEED_PATIENTS.get(i);
            assertThat(part(result, "patientId")).isEqualTo(id);
            assertThat(part(result, "status")).as(id).isEqualTo("completed");
            assertThat(part(result, "purgedResourcesCount")).as(id).isEqualTo(String.valueOf(sizes.get(id)));
        }

        MongoDatabase db = client.getDatabase(DATABASE);
        for (String id : SEED_PATIENTS) {
            HttpResponse<String> read = server.send("GET", "Patient/" + id, null);
            assertThat(read.statusCode()).as(id).isEqualTo(404);
            assertThat(server.send("GET", "Patient/" + id + "/_history", null).statusCode()).as(id).isEqualTo(404);
            assertThat(server.server.storage().reader().footprint(ResourceKey.of("Patient", id)).isEmpty()).as(id)
                    .isTrue();
            assertThat(db.getCollection("Observation").countDocuments(Filters.eq("subject.reference",
                    "Patient/" + id))).as(id).isZero();
        }
        for (String id : PurgeServer.DEMO_KEEP) {
            HttpResponse<String> read = server.send("GET", "Patient/" + id, null);
            assertThat(read.statusCode()).as(id).isEqualTo(200);
            assertThat(read.body()).contains("\"id\":\"" + id + "\"");
        }
        assertThat(db.getCollection("Observation").countDocuments(Filters.eq("subject.reference",
                "Patient/" + PurgeServer.DEMO_KEEP[0]))).isPositive();

        HttpResponse<String> cancelFinished = server.send("DELETE", statusUrl, null);
        assertThat(cancelFinished.statusCode()).isEqualTo(409);
    }

    @Test
    void closingTheServerClosesItsClientAndAStartFailureLeavesNothingOpen() throws Exception {
        TestServer second = TestServer.startOnMongo(mongoUri, DATABASE + "_second");
        assertThat(second.output).doesNotContain("Demo patient");
        assertThat(second.send("GET", "Patient/" + PurgeServer.DEMO_KEEP[0], null).statusCode()).isEqualTo(404);
        ServerStorage storage = second.server.storage();
        second.close();
        assertThatThrownBy(() -> storage.reader().read(ResourceKey.of("Patient", "x")))
                .isInstanceOf(IllegalStateException.class);

        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ServerOptions unreachable = ServerOptions.parse("--port", "0", "--mongo-uri", "mongodb://127.0.0.1:"
                + closedPort + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300");
        assertThatThrownBy(() -> PurgeServer.start(unreachable, new java.io.PrintStream(
                java.io.OutputStream.nullOutputStream()))).isInstanceOf(RuntimeException.class);
    }
}
