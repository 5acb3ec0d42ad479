package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.spi.IndexEntry;
import com.fhirpurge.spi.IndexEntry.DateEntry;
import com.fhirpurge.spi.IndexEntry.StringEntry;
import com.fhirpurge.spi.IndexEntry.TokenEntry;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

class SearchIndexExtractorTest {

    private static final ReferenceExtractor EXTRACTOR = new ReferenceExtractor(TestFhir.R4);

    private static final String LOINC = "http://loinc.org";
    private static final String SNOMED = "http://snomed.info/sct";

    private static List<IndexEntry> of(List<IndexEntry> entries, String param) {
        return entries.stream().filter(e -> e.paramName().equals(param)).toList();
    }

    private static StringEntry str(String param, String normalized, String exact) {
        return new StringEntry(param, normalized, exact);
    }

    private static DateEntry date(String param, String low, String high) {
        return new DateEntry(param, Instant.parse(low), Instant.parse(high));
    }

    private static Patient aPatient() {
        Patient p = new Patient();
        p.setId("p1");
        p.addName(new HumanName().setFamily("Müller").addGiven("Anna").addGiven("Maria").addPrefix("Dr.")
                .setText("Dr. Anna Maria Müller"));
        p.addAddress(new Address().addLine("Hauptstraße 1").setCity("Zürich").setPostalCode("8001")
                .setCountry("CH"));
        p.setBirthDateElement(new DateType("1980-02-29"));
        p.setGender(AdministrativeGender.FEMALE);
        p.addIdentifier(new Identifier().setSystem("urn:oid:1.2.3").setValue("MRN-7"));
        p.addTelecom(new ContactPoint().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue("+41 44 000"));
        p.setActive(true);
        return p;
    }

    @Test
    void patientStringParameters() {
        List<IndexEntry> entries = EXTRACTOR.extractSearchIndex(aPatient());

        assertThat(of(entries, "family")).containsExactly(str("family", "muller", "Müller"));
        assertThat(of(entries, "given")).containsExactly(str("given", "anna", "Anna"), str("given", "maria", "Maria"));
        assertThat(of(entries, "name")).containsExactlyInAnyOrder(
                str("name", "muller", "Müller"),
                str("name", "anna", "Anna"),
                str("name", "maria", "Maria"),
                str("name", "dr.", "Dr."),
                str("name", "dr. anna maria muller", "Dr. Anna Maria Müller"));
        assertThat(of(entries, "address-city")).containsExactly(str("address-city", "zurich", "Zürich"));
        assertThat(of(entries, "address-postalcode")).containsExactly(str("address-postalcode", "8001", "8001"));
        assertThat(of(entries, "address")).containsExactlyInAnyOrder(
                str("address", "hauptstraße 1", "Hauptstraße 1"),
                str("address", "zurich", "Zürich"),
                str("address", "8001", "8001"),
                str("address", "ch", "CH"));
    }

    @Test
    void normalizationKeepsTheExactValue() {
        Patient p = new Patient();
        p.setId("p2");
        p.addName().setFamily("Müller");

        assertThat(of(EXTRACTOR.extractSearchIndex(p), "family")).singleElement()
                .isEqualTo(str("family", "muller", "Müller"))
                .satisfies(e -> assertThat(((StringEntry) e).exact()).isEqualTo("Müller"));
    }

    @Test
    void patientTokenParameters() {
        List<IndexEntry> entries = EXTRACTOR.extractSearchIndex(aPatient());

        assertThat(of(entries, "gender")).containsExactly(
                new TokenEntry("gender", "http://hl7.org/fhir/administrative-gender", "female"));
        assertThat(of(entries, "identifier")).containsExactly(new TokenEntry("identifier", "urn:oid:1.2.3", "MRN-7"));
        assertThat(of(entries, "telecom")).containsExactly(new TokenEntry("telecom", null, "+41 44 000"));
        assertThat(of(entries, "active")).containsExactly(new TokenEntry("active", null, "true"));
    }

    @Test
    void birthDateFullAndYearOnly() {
        assertThat(of(EXTRACTOR.extractSearchIndex(aPatient()), "birthdate")).containsExactly(
                date("birthdate", "1980-02-29T00:00:00Z", "1980-03-01T00:00:00Z"));

        Patient p = new Patient();
        p.setId("p3");
        p.setBirthDateElement(new DateType("1975"));
        assertThat(of(EXTRACTOR.extractSearchIndex(p), "birthdate")).containsExactly(
                date("birthdate", "1975-01-01T00:00:00Z", "1976-01-01T00:00:00Z"));
    }

    private static Observation anObservation() {
        Observation o = new Observation();
        o.setId("o1");
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setCode(new CodeableConcept()
                .addCoding(new Coding(LOINC, "8867-4", "Heart rate"))
                .addCoding(new Coding(SNOMED, "364075005", null))
                .addCoding(new Coding(null, "hr", null))
                .addCoding(new Coding(LOINC, "", null)));
        o.setSubject(new Reference("Patient/p1"));
        return o;
    }

    @Test
    void observationCodeStatusAndValueConcept() {
        Observation o = anObservation();
        o.setValue(new CodeableConcept().addCoding(new Coding(SNOMED, "260385009", "Negative")));

        List<IndexEntry> entries = EXTRACTOR.extractSearchIndex(o);

        assertThat(of(entries, "code")).containsExactly(
                new TokenEntry("code", LOINC, "8867-4"),
                new TokenEntry("code", SNOMED, "364075005"),
                new TokenEntry("code", null, "hr"));
        assertThat(of(entries, "status")).containsExactly(
                new TokenEntry("status", "http://hl7.org/fhir/observation-status", "final"));
        assertThat(of(entries, "value-concept")).containsExactly(
                new TokenEntry("value-concept", SNOMED, "260385009"));
    }

    @Test
    void valueConceptIgnoresOtherValueTypes() {
        Observation o = anObservation();
        o.setValue(new StringType("positive"));

        assertThat(of(EXTRACTOR.extractSearchIndex(o), "value-concept")).isEmpty();
        assertThat(of(EXTRACTOR.extractSearchIndex(o), "value-string")).containsExactly(
                str("value-string", "positive", "positive"));
    }

    @Test
    void observationDateFromEffectiveDateTime() {
        Observation o = anObservation();
        o.setEffective(new DateTimeType("2021-03-04T10:11:12+02:00"));

        assertThat(of(EXTRACTOR.extractSearchIndex(o), "date")).containsExactly(
                date("date", "2021-03-04T08:11:12Z", "2021-03-04T08:11:13Z"));
    }

    @Test
    void observationDateFromPeriodWithOpenEnd() {
        Observation o = anObservation();
        o.setEffective(new Period().setStartElement(new DateTimeType("2021-03")));

        assertThat(of(EXTRACTOR.extractSearchIndex(o), "date")).containsExactly(
                new DateEntry("date", Instant.parse("2021-03-01T00:00:00Z"), Instant.MAX));
    }

    @Test
    void observationDateFromClosedPeriod() {
        Observation o = anObservation();
        o.setEffective(new Period().setStartElement(new DateTimeType("2021-03-04T10:00:00Z"))
                .setEndElement(new DateTimeType("2021-03-05")));

        assertThat(of(EXTRACTOR.extractSearchIndex(o), "date")).containsExactly(
                date("date", "2021-03-04T10:00:00Z", "2021-03-06T00:00:00Z"));
    }

    @Test
    void datePrecisions() {
        assertThat(SearchIndexExtractor.range(new DateTimeType("2021-03-04T10:11:12")))
                .containsExactly(Instant.parse("2021-03-04T10:11:12Z"), Instant.parse("2021-03-04T10:11:13Z"));
        assertThat(SearchIndexExtractor.range(new InstantType("2021-03-04T10:11:12.345Z")))
                .containsExactly(Instant.parse("2021-03-04T10:11:12.345Z"), Instant.parse("2021-03-04T10:11:12.346Z"));
        assertThat(SearchIndexExtractor.range(new InstantType("2021-03-04T10:11:12.3-05:00")))
                .containsExactly(Instant.parse("2021-03-04T15:11:12.300Z"), Instant.parse("2021-03-04T15:11:12.301Z"));
        assertThat(SearchIndexExtractor.range(new DateType("2021-12")))
                .containsExactly(Instant.parse("2021-12-01T00:00:00Z"), Instant.parse("2022-01-01T00:00:00Z"));
    }

    @Test
    void duplicatesAreIndexedOnce() {
        Patient p = new Patient();
        p.setId("p4");
        p.addName().setFamily("Smith");
        p.addName().setFamily("Smith");

        assertThat(of(EXTRACTOR.extractSearchIndex(p), "family")).containsExactly(str("family", "smith", "Smith"));
    }

    @Test
    void noEntriesForUnderscoreParameters() {
        Patient p = aPatient();
        p.getMeta().setLastUpdatedElement(new InstantType("2024-01-01T00:00:00Z")).addTag("urn:t", "x", null);

        assertThat(EXTRACTOR.extractSearchIndex(p)).extracting(IndexEntry::paramName)
                .isNotEmpty()
                .noneMatch(name -> name.startsWith("_"));
        assertThat(EXTRACTOR.extractSearchIndex(new Patient())).isEmpty();
    }

    @Test
    void toWriteCarriesReferencesAndSearchIndex() {
        Observation o = anObservation();
        o.setEffective(new DateTimeType("2021-03-04"));

        ResourceWrite write = EXTRACTOR.toWrite(o, Instant.parse("2024-05-06T07:08:09.123456Z"));

        ResourceKey key = ResourceKey.parse("Observation/o1");
        assertThat(write.references()).contains(
                new IndexedReference(key, "subject", ResourceKey.parse("Patient/p1")),
                new IndexedReference(key, "patient", ResourceKey.parse("Patient/p1")));
        assertThat(write.searchIndex()).contains(
                new TokenEntry("code", LOINC, "8867-4"),
                new TokenEntry("status", "http://hl7.org/fhir/observation-status", "final"),
                date("date", "2021-03-04T00:00:00Z", "2021-03-05T00:00:00Z"));
        assertThat(write.searchIndex()).extracting(IndexEntry::paramName)
                .doesNotContain("_id", "_lastUpdated");
        assertThat(write.searchIndex()).isEqualTo(EXTRACTOR.extractSearchIndex(o));
    }

    @Test
    void skippedBranchesAreRecorded() {
        assertThat(EXTRACTOR.skippedSearchIndexExpressions())
                .anyMatch(s -> s.startsWith("Patient.phone: "));
    }
}
