package com.fhirpurge.core.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's main job must keep working: it runs the demo and checks its own verdict and output. */
class PurgeDemoTest {

    @Test
    void theDemoPurgesTheSeedPatientsAndPassesItsOwnCheck() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        boolean ok = PurgeDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(ok).as(out).isTrue();
        assertThat(out).contains("202 Accepted  Content-Location: [base]/Patient-bulk-purge/")
                .contains("\"valueId\": \"8a1915e6-32a6-4a33-9a10-78921cbf0f2e\"")
                .contains("\"valueCode\": \"completed\"")
                .contains("Check: residue 0, purged 770, kept patients' resources 300 of 300, shared resources 5 of 5: OK");
    }
}
