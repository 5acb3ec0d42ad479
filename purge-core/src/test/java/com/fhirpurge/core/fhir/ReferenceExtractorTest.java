package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.util.FhirTerser;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentParam;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceExtractorTest {

    private static final ReferenceExtractor EXTRACTOR = new ReferenceExtractor(TestFhir.R4,
            List.of("http://x/fhir", "https://fhir.example.org/r4/", "http://x"));

    private static IndexedReference row(IBaseResource source, String param, String target) {
        return new IndexedReference(
                ResourceKey.of(TestFhir.R4.getResourceType(source), source.getIdElement().getIdPart()),
                param, ResourceKey.parse(target));
    }

    private static Observation anObservationWithSubject(String reference) {
        Observation o = new Observation();
        o.setId("o1");
        o.setSubject(new Reference(reference));
        return o;
    }

    @Test
    void observationSubjectAndPerformer() {
        Observation o = anObservationWithSubject("Patient/p1");
        o.addPerformer(new Reference("Patient/p2"));
        o.addPerformer(new Reference("Practitioner/dr1"));

        assertThat(EXTRACTOR.extract(o)).containsExactlyInAnyOrder(
                row(o, "subject", "Patient/p1"),
                row(o, "patient", "Patient/p1"),
                row(o, "performer", "Patient/p2"),
                row(o, "performer", "Practitioner/dr1"));
    }

    @Test
    void resolveFilterKeepsOnlyTheNamedTargetType() {
        Observation o = anObservationWithSubject("Group/g1");

        assertThat(EXTRACTOR.extract(o)).containsExactly(row(o, "subject", "Group/g1"));
    }

    @Test
    void encounterWithAbsoluteVersionedSubject() {
        Encounter e = new Encounter();
        e.setId("Encounter/e1/_history/4");
        e.setSubject(new Reference("https://fhir.example.org/r4/Patient/p1/_history/3"));

        assertThat(EXTRACTOR.extract(e)).containsExactlyInAnyOrder(
                row(e, "subject", "Patient/p1"),
                row(e, "patient", "Patient/p1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Patient/123", "Patient/123/_history/2", "http://x/fhir/Patient/123",
        "http://x/fhir/Patient/123/_history/2"})
    void targetsAreNormalizedToTypeAndId(String reference) {
        assertThat(EXTRACTOR.extract(anObservationWithSubject(reference)))
                .extracting(IndexedReference::target).containsOnly(ResourceKey.of("Patient", "123"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"#p1", "urn:uuid:53fefa32-fcbb-4ff8-8a92-55ee120877b7", "urn:oid:1.2.3.4", "123",
        "Patient/", "Unknown/1", "patient/1", "Patient?identifier=x|1", "Patient/123/_history",
        "https://other-hospital.org/fhir/Patient/123", "http://x/fhirother/Patient/123", "Observation/5/../Patient/123",
        "Patient/123/extra", "Patient//123", "Patient/1_2", "http://x/fhir/Patient/123/../124", "Patient/123?x=1"})
    void unusableTargetsAreSkipped(String reference) {
        assertThat(EXTRACTOR.extract(anObservationWithSubject(reference))).isEmpty();
    }

    @Test
    void containedAndIdentifierOnlyReferencesAreSkipped() {
        Observation o = new Observation();
        o.setId("o1");
        Patient contained = new Patient();
        contained.setId("#c1");
        o.addContained(contained);
        o.setSubject(new Reference("#c1"));
        o.addPerformer(new Reference().setIdentifier(new Identifier().setSystem("urn:x").setValue("42")));
        o.addPerformer(new Reference().setDisplay("Dr. Nobody"));

        assertThat(EXTRACTOR.extract(o)).isEmpty();
    }

    @Test
    void embeddedResourceWithIdIsIndexedAsTheEncoderWritesIt() {
        Observation o = new Observation();
        o.setId("o1");
        Patient p = new Patient();
        p.setId("p9");
        o.getSubject().setResource(p);

        assertThat(EXTRACTOR.extract(o)).contains(row(o, "subject", "Patient/p9"));
        assertThat(TestFhir.R4.newJsonParser().encodeResourceToString(o)).contains("\"reference\":\"Patient/p9\"");
    }

    @Test
    void patientLinkOther() {
        Patient p = new Patient();
        p.setId("p2");
        p.addLink().setOther(new Reference("Patient/p1")).setType(Patient.LinkType.SEEALSO);
        p.addGeneralPractitioner(new Reference("Practitioner/dr1"));

        assertThat(EXTRACTOR.extract(p)).containsExactlyInAnyOrder(
                row(p, "link", "Patient/p1"),
                row(p, "general-practitioner", "Practitioner/dr1"));
    }

    @Test
    void groupMemberEntity() {
        Group g = new Group();
        g.setId("g1");
        g.addMember().setEntity(new Reference("Patient/p1"));
        g.addMember().setEntity(new Reference("Patient/p2"));

        assertThat(EXTRACTOR.extract(g)).containsExactlyInAnyOrder(
                row(g, "member", "Patient/p1"),
                row(g, "member", "Patient/p2"));
    }

    @Test
    void diagnosticReportResultsPointAtObservations() {
        DiagnosticReport d = new DiagnosticReport();
        d.setId("d1");
        d.setSubject(new Reference("Patient/p1"));
        d.addResult(new Reference("Observation/o1"));
        d.addResult(new Reference("Observation/o2"));

        assertThat(EXTRACTOR.extract(d)).contains(
                row(d, "result", "Observation/o1"),
                row(d, "result", "Observation/o2"),
                row(d, "subject", "Patient/p1"),
                row(d, "patient", "Patient/p1"));
    }

    @Test
    void choiceElementCastToReference() {
        MedicationRequest byReference = new MedicationRequest();
        byReference.setId("m1");
        byReference.setMedication(new Reference("Medication/med1"));
        MedicationRequest byCode = new MedicationRequest();
        byCode.setId("m2");
        byCode.setMedication(new CodeableConcept().setText("aspirin"));

        assertThat(EXTRACTOR.extract(byReference)).containsExactly(row(byReference, "medication", "Medication/med1"));
        assertThat(EXTRACTOR.extract(byCode)).isEmpty();
    }

    @Test
    void withoutLocalBasesEveryAbsoluteReferenceIsForeign() {
        ReferenceExtractor strict = new ReferenceExtractor(TestFhir.R4);

        assertThat(strict.extract(anObservationWithSubject("http://x/fhir/Patient/123"))).isEmpty();
        assertThat(strict.extract(anObservationWithSubject("Patient/123"))).extracting(IndexedReference::target)
                .containsOnly(ResourceKey.of("Patient", "123"));
    }

    @Test
    void duplicateRowsAreRemoved() {
        Observation o = anObservationWithSubject("Patient/p1");
        o.addPerformer(new Reference("Patient/p1"));
        o.addPerformer(new Reference("http://x/Patient/p1/_history/9"));

        assertThat(EXTRACTOR.extract(o)).containsExactlyInAnyOrder(
                row(o, "subject", "Patient/p1"),
                row(o, "patient", "Patient/p1"),
                row(o, "performer", "Patient/p1"));
    }

    @Test
    void resourceWithoutIdIsRefused() {
        Observation o = new Observation();
        o.setSubject(new Reference("Patient/p1"));

        assertThatThrownBy(() -> EXTRACTOR.extract(o)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EXTRACTOR.toWrite(o, Instant.EPOCH)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without an id");
    }

    @Test
    void toWriteEncodesIdAndLastUpdatedAndAttachesRows() {
        Observation o = anObservationWithSubject("Patient/p1");
        Instant at = Instant.parse("2024-07-03T14:46:45.107453265Z");

        ResourceWrite write = EXTRACTOR.toWrite(o, at);

        assertThat(write.key()).isEqualTo(ResourceKey.of("Observation", "o1"));
        assertThat(write.lastUpdated()).isEqualTo(Instant.parse("2024-07-03T14:46:45.107Z"));
        assertThat(write.references()).isEqualTo(EXTRACTOR.extract(o));
        assertThat(write.json()).contains("\"lastUpdated\":\"2024-07-03T14:46:45.107Z\"").doesNotContain("\n");
        Observation parsed = TestFhir.R4.newJsonParser().parseResource(Observation.class, write.json());
        assertThat(parsed.getIdElement().getIdPart()).isEqualTo("o1");
        assertThat(parsed.getMeta().getLastUpdated().toInstant()).isEqualTo(write.lastUpdated());
        assertThat(parsed.getSubject().getReference()).isEqualTo("Patient/p1");
    }

    /** Branches skipped at compile time must be ones that cannot hold a Reference in R4. */
    @Test
    void onlyNonReferenceExpressionsAreSkipped() {
        assertThat(EXTRACTOR.skippedExpressions()).isNotEmpty().allSatisfy(e -> assertThat(e).satisfiesAnyOf(
                s -> assertThat(s).contains(".relatedArtifact.where(type="),
                s -> assertThat(s).contains("Bundle.entry[0].resource"),
                s -> assertThat(s).containsPattern(" as (canonical|uri)\\)$")));
    }

    /**
     * For every member type of the Patient compartment (HAPI's 67, Device included), a resource referencing
     * Patient/p1 through the first element path of each compartment parameter yields a row whose parameter is a
     * compartment parameter of that type: the extractor and {@link PatientCompartment} agree. No type is skipped.
     */
    @Test
    void extractorAgreesWithPatientCompartmentForEveryMemberType() {
        CompartmentDefinition compartment = PatientCompartment.r4WithDevice(TestFhir.R4);
        FhirTerser terser = TestFhir.R4.newTerser();
        List<String> checked = new ArrayList<>();
        for (Map.Entry<String, List<CompartmentParam>> member : compartment.members().entrySet()) {
            String type = member.getKey();
            for (CompartmentParam param : member.getValue()) {
                IBaseResource resource = TestFhir.R4.getResourceDefinition(type).newInstance();
                resource.setId("r1");
                IBaseReference reference = (IBaseReference) terser.addElement(resource, param.elementPaths().get(0));
                reference.setReference("Patient/p1");

                List<IndexedReference> rows = EXTRACTOR.extract(resource);

                assertThat(rows).as(type + "." + param.name())
                        .contains(new IndexedReference(ResourceKey.of(type, "r1"), param.name(),
                                ResourceKey.of("Patient", "p1")))
                        .allSatisfy(r -> assertThat(r.source()).isEqualTo(ResourceKey.of(type, "r1")));
                assertThat(terser.isSourceInCompartmentForTarget("Patient", resource,
                        new org.hl7.fhir.r4.model.IdType("Patient/p1"))).as(type + "." + param.name()).isTrue();
                checked.add(type + "." + param.name());
            }
        }
        assertThat(checked).hasSizeGreaterThanOrEqualTo(67);
    }

    @Test
    void parenthesisedCastOfAChoiceElement() {
        org.hl7.fhir.r4.model.Composition c = new org.hl7.fhir.r4.model.Composition();
        c.setId("c1");
        c.addRelatesTo().setTarget(new Reference("Composition/c0"));
        c.addRelatesTo().setTarget(new Identifier().setValue("doc-7"));

        assertThat(EXTRACTOR.extract(c)).containsExactly(row(c, "related-ref", "Composition/c0"));
    }
}
