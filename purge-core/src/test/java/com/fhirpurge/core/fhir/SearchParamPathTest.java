package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SearchParamPathTest {

    @Test
    void plainPath() {
        assertThat(SearchParamPath.parse("Appointment", " Appointment.participant.actor "))
                .contains(new SearchParamPath("participant.actor", null, null));
    }

    @Test
    void resolveFilter() {
        assertThat(SearchParamPath.parse("AuditEvent", "AuditEvent.agent.who.where(resolve() is Patient)"))
                .contains(new SearchParamPath("agent.who", null, "Patient"));
    }

    @Test
    void castsWithAsAndOfType() {
        assertThat(SearchParamPath.parse("MedicationRequest", "(MedicationRequest.medication as Reference)"))
                .contains(new SearchParamPath("medication", "Reference", null));
        assertThat(SearchParamPath.parse("MedicationRequest", "MedicationRequest.medication.ofType(Reference)"))
                .contains(new SearchParamPath("medication", "Reference", null));
        assertThat(SearchParamPath.parse("ConceptMap", "(ConceptMap.source as canonical)"))
                .contains(new SearchParamPath("source", "canonical", null));
        assertThat(SearchParamPath.parse("Condition", "Condition.onset.as(dateTime)"))
                .contains(new SearchParamPath("onset", "dateTime", null));
    }

    @Test
    void unsupportedFhirPathIsEmpty() {
        assertThat(SearchParamPath.parse("Library", "Library.relatedArtifact.where(type='composed-of').resource"))
                .isEmpty();
        assertThat(SearchParamPath.parse("Bundle", "Bundle.entry[0].resource")).isEmpty();
        assertThat(SearchParamPath.parse("Observation", "Encounter.subject")).isEmpty();
        assertThat(SearchParamPath.parse("Observation", "Observation")).isEmpty();
    }
}
