package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.memory.InMemoryResourceStore;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.SearchCriteria;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * Both examples of the bulk delete specification, from query text to matching resources: parsed and validated,
 * indexed with HAPI at write time, searched on the in-memory store.
 */
class BulkDeleteSearchEndToEndTest {

    private static final Instant WRITTEN = Instant.parse("2026-01-01T00:00:00Z");

    private final InMemoryResourceStore store = new InMemoryResourceStore();
    private final ReferenceExtractor extractor = new ReferenceExtractor(TestFhir.R4);
    private final BulkDeleteRequestParser parser = new BulkDeleteRequestParser(TestFhir.R4, InstantSource.system());

    private static Patient aPatient(String id, String city, String birthDate) {
        Patient p = new Patient();
        p.setId(id);
        p.addAddress(new Address().setCity(city));
        p.setBirthDateElement(new DateType(birthDate));
        return p;
    }

    private static Observation anObservationOf(String id, String patientId) {
        Observation o = new Observation();
        o.setId(id);
        o.setSubject(new Reference("Patient/" + patientId));
        return o;
    }

    private List<String> matching(String type, String param, String value) {
        SearchCriteria criteria = parser.parse(type, Map.of(param, List.of(value))).searches().get(0);
        return store.search(criteria, WRITTEN, null, 100).items().stream().map(ResourceKey::id).toList();
    }

    @Test
    void bothSpecificationExamplesSelectExactlyTheirResources() {
        store.write(List.of(
                extractor.toWrite(aPatient("meadow", "Auf der Wiese", "1987-02-20"), WRITTEN),
                extractor.toWrite(aPatient("berlin", "Berlin", "1987-02-20"), WRITTEN),
                extractor.toWrite(aPatient("wiesloch", "Wiesloch", "1990-01-01"), WRITTEN),
                extractor.toWrite(anObservationOf("o-meadow", "meadow"), WRITTEN),
                extractor.toWrite(anObservationOf("o-wiesloch", "wiesloch"), WRITTEN)));

        assertThat(matching("Patient", "address:contains", "Wiese")).containsExactly("meadow");
        assertThat(matching("Observation", "subject:Patient.birthdate", "1987-02-20")).containsExactly("o-meadow");
        assertThat(matching("Patient", "birthdate", "1987")).containsExactlyInAnyOrder("berlin", "meadow");
        assertThat(matching("Patient", "address-city", "wies")).containsExactly("wiesloch");
    }
}
