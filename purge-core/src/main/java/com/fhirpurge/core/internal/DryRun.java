package com.fhirpurge.core.internal;

import com.fhirpurge.core.DryRunReport;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A patient purge without the erase: pages through the compartment as a purge would, counting per type, and asks a
 * {@link CompartmentInspector} which members are shared and which references point in from outside. Memory stays
 * bounded: a page, the listed items, and the inspector's cache.
 */
public final class DryRun {

    private final ResourceFinder finder;
    private final ResourceReader reader;
    private final CompartmentDefinition compartment;
    private final ReferenceExtractor extractor;
    private final int batchSize;

    /**
     * Creates a dry run.
     *
     * @param finder        finds members and referrers
     * @param reader        reads members and referrers for their references
     * @param compartment   the compartment a purge erases
     * @param extractor     reads references as the host indexes them (with its local bases)
     * @param batchSize     the page size
     */
    public DryRun(ResourceFinder finder, ResourceReader reader, CompartmentDefinition compartment,
                  ReferenceExtractor extractor, int batchSize) {
        this.finder = finder;
        this.reader = reader;
        this.compartment = compartment;
        this.extractor = extractor;
        this.batchSize = batchSize;
    }

    /**
     * Runs the dry run of one patient.
     *
     * @param patientId the patient
     * @return the patient's report
     */
    public DryRunReport.Patient of(String patientId) {
        CompartmentScope scope = new CompartmentScope(compartment, patientId);
        CompartmentInspector inspector = new CompartmentInspector(finder, reader, compartment, extractor, patientId,
                batchSize);
        Map<String, Long> counts = new TreeMap<>();
        List<DryRunReport.Shared> shared = new ArrayList<>();
        long sharedCount = 0;
        List<IndexedReference> outside = new ArrayList<>();
        long outsideCount = 0;
        String token = null;
        do {
            ResourcePage page = finder.findMembers(scope, token, batchSize);
            for (ResourceKey k : page.items()) {
                counts.merge(k.type(), 1L, Long::sum);
                List<String> others = inspector.otherOwners(k);
                if (!others.isEmpty()) {
                    sharedCount++;
                    if (shared.size() < DryRunReport.LISTED) {
                        shared.add(new DryRunReport.Shared(k, others));
                    }
                }
            }
            for (IndexedReference r : inspector.outsideReferences(page.items())) {
                outsideCount++;
                if (outside.size() < DryRunReport.LISTED) {
                    outside.add(r);
                }
            }
            token = page.nextPageToken();
        } while (token != null);
        return new DryRunReport.Patient(patientId, counts, sharedCount, shared, outsideCount, outside);
    }
}
