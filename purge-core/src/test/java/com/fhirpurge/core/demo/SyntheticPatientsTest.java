package com.fhirpurge.core.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.util.FhirTerser;
import com.fhirpurge.core.fhir.PatientCompartment;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.core.fhir.TestFhir;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

class SyntheticPatientsTest {

    private static final FhirTerser TERSER = TestFhir.R4.newTerser();

    private static List<String> json(List<IBaseResource> resources) {
        IParser parser = TestFhir.R4.newJsonParser();
        return resources.stream().map(parser::encodeResourceToString).toList();
    }

    private static String typeOf(IBaseResource r) {
        return TestFhir.R4.getResourceType(r);
    }

    @Test
    void sameSeedGivesSameJsonAndAnotherSeedDiffers() {
        List<String> a = json(SyntheticPatients.patientRecord("p1", 120, 42));
        List<String> b = json(SyntheticPatients.patientRecord("p1", 120, 42));
        List<String> c = json(SyntheticPatients.patientRecord("p1", 120, 43));

        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void recordHasPatientFirstAndUniqueDerivedIds() {
        List<IBaseResource> record = SyntheticPatients.patientRecord("p1", 300, 7);

        assertThat(record).hasSize(300);
        assertThat(record.get(0)).isInstanceOf(Patient.class);
        assertThat(record.get(0).getIdElement().getIdPart()).isEqualTo("p1");
        List<String> ids = record.stream().map(r -> r.getIdElement().getIdPart()).toList();
        assertThat(ids).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).matches("[A-Za-z0-9\\-.]{1,64}"));
        assertThat(ids.subList(1, ids.size())).allSatisfy(id -> assertThat(id).startsWith("p1-"));
        assertThat(record.stream().map(SyntheticPatientsTest::typeOf).distinct()).containsExactlyInAnyOrder(
                "Patient", "Encounter", "Observation", "Condition", "MedicationRequest", "Procedure",
                "DiagnosticReport", "Immunization", "AllergyIntolerance");
    }

    @Test
    void everyResourceIsInItsPatientsCompartmentAndNoOther() {
        List<IBaseResource> record = SyntheticPatients.patientRecord("p1", 300, 11);
        IdType owner = new IdType("Patient/p1");
        IdType other = new IdType("Patient/p2");

        for (IBaseResource r : record.subList(1, record.size())) {
            String what = typeOf(r) + "/" + r.getIdElement().getIdPart();
            assertThat(TERSER.isSourceInCompartmentForTarget("Patient", r, owner)).as(what).isTrue();
            assertThat(TERSER.isSourceInCompartmentForTarget("Patient", r, other)).as(what).isFalse();
        }
        assertThat(TERSER.isSourceInCompartmentForTarget("Patient", record.get(0), other)).isFalse();
    }

    @Test
    void everyResourceJoinsThroughASpecCompartmentParam() {
        CompartmentDefinition compartment = PatientCompartment.r4Spec(TestFhir.R4);
        ReferenceExtractor extractor = new ReferenceExtractor(TestFhir.R4);
        ResourceKey owner = ResourceKey.of("Patient", "p1");

        for (IBaseResource r : SyntheticPatients.patientRecord("p1", 100, 5).subList(1, 100)) {
            String type = typeOf(r);
            assertThat(extractor.extract(r)).as(type).anySatisfy(row -> {
                assertThat(row.target()).isEqualTo(owner);
                assertThat(compartment.isMemberParam(type, row.paramName())).isTrue();
            });
            assertThat(extractor.extract(r)).extracting(IndexedReference::target)
                    .allSatisfy(t -> assertThat(t.type().equals("Patient")).isEqualTo(t.equals(owner)));
        }
    }

    @Test
    void reportResultsAreEarlierObservationsOfTheSamePatient() {
        List<IBaseResource> record = SyntheticPatients.patientRecord("p1", 400, 3);
        Set<String> seenObservations = new HashSet<>();
        int reportsWithResults = 0;
        for (IBaseResource r : record) {
            if (typeOf(r).equals("Observation")) {
                seenObservations.add("Observation/" + r.getIdElement().getIdPart());
            } else if (r instanceof DiagnosticReport d) {
                assertThat(d.getResult()).extracting(Reference::getReference)
                        .allSatisfy(ref -> assertThat(seenObservations).contains(ref));
                reportsWithResults += d.hasResult() ? 1 : 0;
            }
        }
        assertThat(reportsWithResults).isPositive();
    }

    @Test
    void sharedResourcesAreOutsideEveryPatientCompartment() {
        List<IBaseResource> shared = SyntheticPatients.sharedResources();
        CompartmentDefinition compartment = PatientCompartment.r4WithDevice(TestFhir.R4);

        assertThat(shared).extracting(SyntheticPatientsTest::typeOf)
                .contains("Practitioner", "Organization", "Medication")
                .allSatisfy(type -> assertThat(compartment.members()).doesNotContainKey(type));
        for (IBaseResource r : shared) {
            assertThat(TERSER.isSourceInCompartmentForTarget("Patient", r, new IdType("Patient/p1"))).isFalse();
        }
        assertThat(json(shared)).isEqualTo(json(SyntheticPatients.sharedResources()));
    }

    @Test
    void iteratorStreamsLargeRecordsLikeTheList() {
        List<String> list = json(SyntheticPatients.patientRecord("p7", 50, 9));
        Iterator<IBaseResource> it = SyntheticPatients.patientRecordIterator("p7", 50, 9);
        IParser parser = TestFhir.R4.newJsonParser();
        for (String expected : list) {
            assertThat(parser.encodeResourceToString(it.next())).isEqualTo(expected);
        }
        assertThat(it.hasNext()).isFalse();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);

        Iterator<IBaseResource> big = SyntheticPatients.patientRecordIterator("p8", 200_000, 1);
        int count = 0;
        IBaseResource last = null;
        while (big.hasNext()) {
            last = big.next();
            count++;
        }
        assertThat(count).isEqualTo(200_000);
        assertThat(last.getIdElement().getIdPart()).endsWith("-199999");
    }

    @Test
    void invalidArgumentsAreRefused() {
        assertThatThrownBy(() -> SyntheticPatients.patientRecord("a_b", 10, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SyntheticPatients.patientRecord("p1", 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SyntheticPatients.patientRecord("x".repeat(60), 10, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
        assertThat(SyntheticPatients.patientRecord("p1", 1, 1)).singleElement().isInstanceOf(Patient.class);
    }
}
