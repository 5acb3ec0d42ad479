package com.fhirpurge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The command line: parsing, validation, help, and the exit status of a bad command line. */
class ServerOptionsTest {

    @Test
    void defaults() {
        ServerOptions o = ServerOptions.parse();
        assertThat(o.port()).isEqualTo(8080);
        assertThat(o.baseUrl()).isNull();
        assertThat(o.jdbcUrl()).isNull();
        assertThat(o.dataDir()).isEqualTo(Path.of("data"));
        assertThat(o.mongoUri()).isNull();
        assertThat(o.mongoDatabase()).isEqualTo("fhir");
        assertThat(o.demo()).isFalse();
        assertThat(o.jwtSecret()).isNull();
        assertThat(o.maxBodyBytes()).isEqualTo(ServerOptions.DEFAULT_MAX_BODY_BYTES);
        assertThat(o.maxActiveJobs()).isEqualTo(ServerOptions.DEFAULT_MAX_ACTIVE_JOBS);
    }

    @Test
    void parsesEveryOptionInBothForms() {
        ServerOptions o = ServerOptions.parse("--port", "0", "--base-url=https://fhir.example.org/r4",
                "--jdbc-url", "jdbc:postgresql://db/fhir", "--jdbc-user", "u", "--jdbc-password=p", "--data-dir",
                "/tmp/x", "--demo", "--jwt-secret", TestServer.SECRET, "--max-body-bytes", "2048", "--workers", "4",
                "--batch-size=100", "--max-active-jobs", "3", "--min-poll-interval-ms=250", "--throttle", "40");
        assertThat(o).isEqualTo(new ServerOptions(false, 0, "https://fhir.example.org/r4",
                "jdbc:postgresql://db/fhir", "u", "p", Path.of("/tmp/x"), null, "fhir", true, TestServer.SECRET, 2048,
                4, 100, 3, 250, 40));
        assertThat(ServerOptions.parse("--help").help()).isTrue();
    }

    @Test
    void refusesBadCommandLines() {
        assertThatThrownBy(() -> ServerOptions.parse("--bogus")).isInstanceOf(ServerOptions.UsageException.class)
                .hasMessageContaining("--bogus");
        assertThatThrownBy(() -> ServerOptions.parse("--port")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> ServerOptions.parse("--port", "x")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> ServerOptions.parse("--port", "70000")).hasMessageContaining("between");
        assertThatThrownBy(() -> ServerOptions.parse("--demo=yes")).hasMessageContaining("takes no value");
        assertThatThrownBy(() -> ServerOptions.parse("--max-body-bytes", "10")).hasMessageContaining("1024");
        assertThatThrownBy(() -> ServerOptions.parse("--throttle", "-1")).hasMessageContaining("between 0");
        assertThatThrownBy(() -> ServerOptions.parse("--jwt-secret", "short")).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> ServerOptions.parse("--base-url", "ftp://x")).hasMessageContaining("http");
        assertThatThrownBy(() -> ServerOptions.parse("--jdbc-user", "u")).hasMessageContaining("--jdbc-url");
    }

    @Test
    void parsesTheMongoOptionsInBothForms() {
        ServerOptions o = ServerOptions.parse("--mongo-uri", "mongodb://127.0.0.1:27017", "--mongo-database=records",
                "--demo");
        assertThat(o.mongoUri()).isEqualTo("mongodb://127.0.0.1:27017");
        assertThat(o.mongoDatabase()).isEqualTo("records");
        assertThat(o.jdbcUrl()).isNull();
        assertThat(o.demo()).isTrue();
        ServerOptions inline = ServerOptions.parse("--mongo-uri=mongodb://u:p@db1:27017,db2:27017/?replicaSet=rs0");
        assertThat(inline.mongoUri()).isEqualTo("mongodb://u:p@db1:27017,db2:27017/?replicaSet=rs0");
        assertThat(inline.mongoDatabase()).as("the default database").isEqualTo("fhir");
        assertThat(launch("--mongo-uri", "mongodb://localhost", "--port", "0").options()).isNotNull();
    }

    @Test
    void refusesBadMongoCommandLinesWithStatus2() {
        assertThatThrownBy(() -> ServerOptions.parse("--mongo-uri", "mongodb://localhost", "--jdbc-url",
                "jdbc:h2:mem:x")).isInstanceOf(ServerOptions.UsageException.class)
                .hasMessageContaining("--mongo-uri").hasMessageContaining("--jdbc-url");
        assertThatThrownBy(() -> ServerOptions.parse("--jdbc-url=jdbc:h2:mem:x", "--mongo-uri=mongodb://localhost"))
                .isInstanceOf(ServerOptions.UsageException.class);
        assertThatThrownBy(() -> ServerOptions.parse("--mongo-database", "fhir"))
                .isInstanceOf(ServerOptions.UsageException.class).hasMessageContaining("needs --mongo-uri");
        assertThatThrownBy(() -> ServerOptions.parse("--mongo-uri", "http://localhost:27017"))
                .isInstanceOf(ServerOptions.UsageException.class).hasMessageContaining("connection string");
        assertThatThrownBy(() -> ServerOptions.parse("--mongo-uri", "mongodb://user:secret@")).hasMessageNotContaining(
                "secret");
        for (String bad : new String[] {"", "a.b", "a/b", "a b", "a$b", "x".repeat(64)}) {
            assertThatThrownBy(() -> ServerOptions.parse("--mongo-uri", "mongodb://localhost", "--mongo-database",
                    bad)).as(bad).isInstanceOf(ServerOptions.UsageException.class)
                    .hasMessageContaining("--mongo-database");
        }
        assertThatThrownBy(() -> ServerOptions.parse("--mongo-uri")).hasMessageContaining("needs a value");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PurgeServer.Launch both = PurgeServer.launch(new String[] {"--mongo-uri", "mongodb://localhost",
            "--jdbc-url", "jdbc:h2:mem:x"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.options()).isNull();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--mongo-uri and --jdbc-url").contains("Usage:");
        assertThat(launch("--mongo-database", "fhir").exitCode()).isEqualTo(2);
    }

    @Test
    void helpDescribesTheMongoOptions() {
        String usage = ServerOptions.usage();
        assertThat(usage).containsPattern("  --mongo-uri URI +\\S.*MongoDB").containsPattern(
                "  --mongo-database NAME +\\S.*default fhir").doesNotContain("not available");
    }

    @Test
    void helpListsEveryOption() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PurgeServer.Launch launch = PurgeServer.launch(new String[] {"--help"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        assertThat(launch.options()).isNull();
        assertThat(launch.exitCode()).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(ServerOptions.optionNames()).contains("--port", "--base-url", "--jdbc-url", "--jdbc-user",
                "--jdbc-password", "--data-dir", "--mongo-uri", "--mongo-database", "--demo", "--jwt-secret",
                "--max-body-bytes", "--help");
        for (String name : ServerOptions.optionNames()) {
            assertThat(help).contains("  " + name + " ");
        }
    }

    @Test
    void anUnknownOptionExitsWithStatus2AndPrintsTheUsageOnStderr() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PurgeServer.Launch launch = PurgeServer.launch(new String[] {"--port", "1", "--nope"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(launch.exitCode()).isEqualTo(2);
        assertThat(launch.options()).isNull();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Unknown option '--nope'").contains("Usage:")
                .contains("--jwt-secret");
    }

    @Test
    void aGoodCommandLineStarts() {
        PurgeServer.Launch launch = launch("--port", "0");
        assertThat(launch.options()).isNotNull();
        assertThat(launch.exitCode()).isZero();
    }

    private static PurgeServer.Launch launch(String... args) {
        return PurgeServer.launch(args, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()));
    }
}
