package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.util.FhirTerser;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentParam;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.Test;

class PatientCompartmentTest {

    private static final CompartmentDefinition SPEC = PatientCompartment.r4Spec(TestFhir.R4);
    private static final CompartmentDefinition WITH_DEVICE = PatientCompartment.r4WithDevice(TestFhir.R4);

    @Test
    void specHas66MemberTypesAndHapiVariant67() {
        assertThat(SPEC.code()).isEqualTo("Patient");
        assertThat(WITH_DEVICE.code()).isEqualTo("Patient");
        assertThat(SPEC.members()).hasSize(66);
        assertThat(WITH_DEVICE.members()).hasSize(67);
    }

    @Test
    void deviceIsOnlyInTheHapiVariant() {
        assertThat(SPEC.members()).doesNotContainKey("Device");
        assertThat(WITH_DEVICE.paramsOf("Device")).containsExactly(new CompartmentParam("patient", List.of("patient")));
        Map<String, List<CompartmentParam>> withoutDevice = new TreeMap<>(WITH_DEVICE.members());
        withoutDevice.remove("Device");
        assertThat(SPEC.members()).isEqualTo(withoutDevice);
    }

    @Test
    void observationJoinsThroughSubjectAndPerformer() {
        assertThat(SPEC.paramsOf("Observation")).contains(
                new CompartmentParam("subject", List.of("subject")),
                new CompartmentParam("performer", List.of("performer")));
        assertThat(SPEC.isMemberParam("Observation", "subject")).isTrue();
        assertThat(SPEC.isMemberParam("Observation", "encounter")).isFalse();
    }

    @Test
    void resolveFilterAndTypePrefixAreStrippedFromUnions() {
        assertThat(SPEC.paramsOf("AuditEvent"))
                .containsExactly(new CompartmentParam("patient", List.of("agent.who", "entity.what")));
        assertThat(SPEC.paramsOf("Condition")).contains(new CompartmentParam("patient", List.of("subject")));
    }

    @Test
    void nestedPaths() {
        assertThat(SPEC.paramsOf("Appointment")).contains(new CompartmentParam("actor", List.of("participant.actor")));
        assertThat(SPEC.paramsOf("Group")).containsExactly(new CompartmentParam("member", List.of("member.entity")));
        assertThat(SPEC.paramsOf("Patient")).containsExactly(new CompartmentParam("link", List.of("link.other")));
    }

    @Test
    void nonMemberTypesAreAbsent() {
        for (CompartmentDefinition def : List.of(SPEC, WITH_DEVICE)) {
            assertThat(def.members()).doesNotContainKeys(
                    "Practitioner", "PractitionerRole", "Organization", "Medication", "Task", "Location", "Bundle",
                    "Parameters");
        }
    }

    @Test
    void paramNamesAreUniquePerTypeAndPathsArePlain() {
        WITH_DEVICE.members().forEach((type, params) -> {
            assertThat(params).as(type).extracting(CompartmentParam::name).doesNotHaveDuplicates();
            for (CompartmentParam p : params) {
                assertThat(p.elementPaths()).as(type + "." + p.name()).isNotEmpty().doesNotHaveDuplicates()
                        .allSatisfy(path -> assertThat(path).matches("[a-z][A-Za-z0-9]*(\\.[a-z][A-Za-z0-9]*)*"));
            }
        });
    }

    /** Every element path must address a Reference in HAPI's model, else stores querying raw JSON would miss rows. */
    @Test
    void everyElementPathAddressesAReference() {
        FhirTerser terser = TestFhir.R4.newTerser();
        WITH_DEVICE.members().forEach((type, params) -> {
            for (CompartmentParam p : params) {
                for (String path : p.elementPaths()) {
                    IBaseResource resource = TestFhir.R4.getResourceDefinition(type).newInstance();
                    IBase element = terser.addElement(resource, path);
                    assertThat(element).as(type + "." + path).isInstanceOf(IBaseReference.class);
                }
            }
        });
    }

    @Test
    void theSubjectOnlyVariantKeepsRecordsAboutThePatientAndDropsParticipation() {
        CompartmentDefinition d = PatientCompartment.r4SubjectOnly(TestFhir.R4);

        assertThat(d.members()).doesNotContainKeys("Patient", "Person", "Provenance", "AuditEvent", "Group", "Device");
        assertThat(d.paramsOf("Observation")).extracting(CompartmentParam::name).containsExactly("subject");
        assertThat(d.paramsOf("Coverage")).extracting(CompartmentParam::name).containsExactly("beneficiary");
        assertThat(d.paramsOf("ResearchSubject")).extracting(CompartmentParam::name).containsExactly("individual");
        assertThat(d.paramsOf("EnrollmentRequest")).extracting(CompartmentParam::name).containsExactly("subject");
        assertThat(d.paramsOf("AllergyIntolerance")).extracting(CompartmentParam::name).containsExactly("patient");
        assertThat(d.paramsOf("Communication")).extracting(CompartmentParam::name).doesNotContain("sender",
                "recipient");
        assertThat(d.members().keySet()).isSubsetOf(PatientCompartment.r4Spec(TestFhir.R4).members().keySet());
    }
}
