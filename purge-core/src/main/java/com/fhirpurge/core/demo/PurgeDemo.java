package com.fhirpurge.core.demo;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.fhir.PurgeRequestParser;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.core.fhir.StatusRenderer;
import com.fhirpurge.core.memory.InMemoryJobRepository;
import com.fhirpurge.core.memory.InMemoryResourceStore;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.ResourceWrite;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * A purge run end to end on the in-memory store: loads synthetic patients, receives the {@code $bulk-purge}
 * kick-off body of the specification's own example, purges those three patients while printing progress, prints
 * the final status {@code Parameters}, and checks that nothing of them is left and nothing else is gone. Exits
 * with status 1 if the check fails.
 */
public final class PurgeDemo {

    private static final String KICK_OFF = SeedExamples.BULK_PURGE_KICK_OFF;

    private static final String[] KEPT = {"keep-ana", "keep-ben"};
    private static final int[] SIZES = {400, 250, 120};

    private PurgeDemo() {
    }

    /**
     * Runs the demo.
     *
     * @param args ignored
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        System.exit(run(System.out) ? 0 : 1);
    }

    /**
     * Runs the demo, printing to {@code out}.
     *
     * @param out where to print
     * @return whether the final check passed
     * @throws Exception on any failure
     */
    static boolean run(PrintStream out) throws Exception {
        FhirContext ctx = FhirContext.forR4Cached();
        InMemoryResourceStore store = new InMemoryResourceStore();
        ReferenceExtractor extractor = new ReferenceExtractor(ctx);
        Instant loadedAt = Instant.now();

        List<String> toPurge = new PurgeRequestParser(ctx).parsePatientIds(KICK_OFF, 1000);
        int loaded = load(store, extractor, SyntheticPatients.sharedResources().iterator(), loadedAt);
        for (int i = 0; i < toPurge.size(); i++) {
            loaded += load(store, extractor, SyntheticPatients.patientRecordIterator(toPurge.get(i), SIZES[i], i),
                    loadedAt);
        }
        for (String kept : KEPT) {
            loaded += load(store, extractor, SyntheticPatients.patientRecordIterator(kept, 150, 7), loadedAt);
        }
        out.printf("Loaded %d resources: %d patients to purge, %d to keep, shared practitioners and medications%n",
                loaded, toPurge.size(), KEPT.length);
        PurgeConfig config = PurgeConfig.builder().batchSize(50).workers(2).throttlePerSecond(800).build();
        long keptBefore = countKept(store, config);
        int sharedBefore = store.size() - (int) (keptBefore + countMembers(store, config, toPurge));

        out.println("POST [base]/Patient/$bulk-purge  Prefer: respond-async");
        out.println(KICK_OFF.strip());
        try (PurgeService purge = PurgeService.builder(PurgeStorage.of(store, store, new InMemoryJobRepository()))
                .config(config).build().start()) {
            String jobId = purge.submitPatientPurge(new PurgeRequest(toPurge, "demo"));
            out.println("202 Accepted  Content-Location: [base]/Patient-bulk-purge/" + jobId);
            PurgeJobStatus status = purge.status(jobId);
            while (!status.isFinished()) {
                out.println("  " + progressLine(status));
                Thread.sleep(250);
                status = purge.status(jobId);
            }
            out.println("  " + progressLine(status));
            out.println("GET [base]/Patient-bulk-purge/" + jobId + "  -> 200 OK");
            String json = new StatusRenderer(ctx).render(status.patients());
            out.println(ctx.newJsonParser().setPrettyPrint(true).encodeResourceToString(
                    ctx.newJsonParser().parseResource(json)));

            long residue = countMembers(store, config, toPurge);
            long keptAfter = countKept(store, config);
            int sharedAfter = store.size() - (int) keptAfter;
            boolean ok = residue == 0 && keptAfter == keptBefore && sharedAfter == sharedBefore
                    && status.purgedResourcesCount() == SIZES[0] + SIZES[1] + SIZES[2];
            out.printf("Check: residue %d, purged %d, kept patients' resources %d of %d, shared resources %d of %d:"
                    + " %s%n", residue, status.purgedResourcesCount(), keptAfter, keptBefore, sharedAfter,
                    sharedBefore, ok ? "OK" : "FAILED");
            return ok;
        }
    }

    private static int load(InMemoryResourceStore store, ReferenceExtractor extractor,
                            Iterator<IBaseResource> resources, Instant at) {
        int n = 0;
        List<ResourceWrite> chunk = new ArrayList<>();
        while (resources.hasNext()) {
            chunk.add(extractor.toWrite(resources.next(), at));
            if (chunk.size() == 500) {
                store.write(chunk);
                n += chunk.size();
                chunk.clear();
            }
        }
        store.write(chunk);
        return n + chunk.size();
    }

    private static long countKept(InMemoryResourceStore store, PurgeConfig config) {
        return countMembers(store, config, List.of(KEPT));
    }

    private static long countMembers(InMemoryResourceStore store, PurgeConfig config, List<String> patientIds) {
        long n = 0;
        for (String id : patientIds) {
            n += store.countMembers(new CompartmentScope(config.compartment(), id));
        }
        return n;
    }

    private static String progressLine(PurgeJobStatus status) {
        return status.state().code() + ": " + status.patients().stream()
                .map(PurgeDemo::patientLine).collect(Collectors.joining(", "));
    }

    private static String patientLine(PatientStatus p) {
        String total = p.totalResourcesCount() == null ? "?" : Long.toString(p.totalResourcesCount());
        return p.patientId().substring(0, 8) + " " + p.state().code() + " " + p.purgedResourcesCount() + "/" + total;
    }

}
