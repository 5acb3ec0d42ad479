package com.fhirpurge.mongo;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;

/**
 * Runs the wire-protocol test server in a process of its own, so that its in-memory data does not count against
 * the heap of the JVM under test: prints {@code port <n>} once it listens on a random loopback port, and stops
 * when its standard input closes (the test closes it, and the operating system does when the test JVM dies).
 */
final class WireServerMain {

    private WireServerMain() {
    }

    /**
     * Starts the server.
     *
     * @param args ignored
     * @throws IOException when standard input fails
     */
    public static void main(String[] args) throws IOException {
        MongoServer server = new MongoServer(new MemoryBackend());
        InetSocketAddress address = server.bind();
        System.out.println("port " + address.getPort());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // Wait for end of input.
        }
        server.shutdownNow();
    }
}
