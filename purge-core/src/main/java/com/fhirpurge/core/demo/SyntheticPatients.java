package com.fhirpurge.core.demo;

import com.fhirpurge.core.fhir.FhirIds;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;

/**
 * Deterministic generator of synthetic R4 patient records, for demos, tests and benchmarks. No real data.
 *
 * <p>A record is the {@code Patient} (id = the patient id) followed by clinical resources whose ids derive from the
 * patient id ({@code <patientId>-<kind>-<n>}, e.g. {@code p1-obs-7}): Encounter, Observation (subject, encounter),
 * Condition, MedicationRequest, Procedure, DiagnosticReport (subject, result to Observations of the same patient),
 * Immunization and AllergyIntolerance. Each is in the patient's compartment through its {@code subject} or
 * {@code patient} reference and in no other patient's compartment; the only other references point at the
 * {@link #sharedResources() shared resources} (Practitioner, Organization, Medication), which are in no patient
 * compartment.
 *
 * <p>The same patient id, count and seed always give the same resources (and the same JSON): dates are fixed
 * strings in UTC, never the clock or the default time zone. Stateless and thread-safe; each iterator is
 * single-threaded.
 */
public final class SyntheticPatients {

    /** Id of the shared Practitioner that patient records reference as performer/recorder. */
    public static final String PRACTITIONER_ID = "demo-practitioner-1";
    /** Id of the shared Organization that patient records reference as managing organization. */
    public static final String ORGANIZATION_ID = "demo-organization-1";
    /** Id prefix of the shared Medications ({@code demo-medication-0} .. {@code -2}). */
    public static final String MEDICATION_ID_PREFIX = "demo-medication-";

    private static final int MAX_ID_LENGTH = 64;
    private static final int REPORT_RESULTS = 3;

    private static final String LOINC = "http://loinc.org";
    private static final String SNOMED = "http://snomed.info/sct";
    private static final String CVX = "http://hl7.org/fhir/sid/cvx";
    private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

    private static final String[][] VITALS = {
        {"8867-4", "Heart rate", "/min", "50", "110"},
        {"8310-5", "Body temperature", "Cel", "36", "39"},
        {"29463-7", "Body weight", "kg", "45", "120"},
        {"8480-6", "Systolic blood pressure", "mm[Hg]", "95", "170"},
        {"2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", "70", "180"},
    };
    private static final String[][] CONDITIONS = {
        {"44054006", "Diabetes mellitus type 2"}, {"38341003", "Hypertensive disorder"},
        {"195967001", "Asthma"}, {"35489007", "Depressive disorder"}, {"40055000", "Chronic sinusitis"},
    };
    private static final String[][] PROCEDURES = {
        {"73761001", "Colonoscopy"}, {"80146002", "Appendectomy"}, {"274031008", "Rectal polypectomy"},
        {"22523008", "Vasectomy"}, {"76164006", "Biopsy of colon"},
    };
    private static final String[][] VACCINES = {
        {"140", "Influenza, seasonal, injectable"}, {"208", "SARS-COV-2 (COVID-19) vaccine, mRNA"},
        {"115", "Tdap"}, {"133", "Pneumococcal conjugate PCV 13"},
    };
    private static final String[][] ALLERGIES = {
        {"91936005", "Allergy to penicillin"}, {"300913006", "Shellfish allergy"},
        {"418689008", "Allergy to grass pollen"}, {"232350006", "House dust mite allergy"},
    };
    private static final String[][] MEDICATIONS = {
        {"860975", "Metformin 500 MG Oral Tablet"}, {"314076", "Lisinopril 10 MG Oral Tablet"},
        {"895994", "Albuterol 0.09 MG/ACTUAT Inhaler"},
    };
    private static final String[] GIVEN = {"Alex", "Sam", "Robin", "Kim", "Jo", "Maria", "Ivan", "Lea"};
    private static final String[] FAMILY = {"Synthetic", "Example", "Testperson", "Muster", "Demo"};

    private SyntheticPatients() {
    }

    /**
     * Builds a whole patient record in memory.
     *
     * @param patientId     the patient id, a valid FHIR id short enough for the derived ids (at most 64 characters
     *                      each)
     * @param resourceCount the number of resources, the Patient included, at least 1
     * @param seed          the seed; the same arguments always give the same resources
     * @return the Patient first, then {@code resourceCount - 1} clinical resources
     * @throws IllegalArgumentException when the id is invalid or too long, or the count is below 1
     */
    public static List<IBaseResource> patientRecord(String patientId, int resourceCount, long seed) {
        List<IBaseResource> out = new ArrayList<>(resourceCount);
        patientRecordIterator(patientId, resourceCount, seed).forEachRemaining(out::add);
        return out;
    }

    /**
     * Streams the same resources as {@link #patientRecord} one at a time, holding only a few ids between steps, so
     * records of hundreds of thousands of resources fit in bounded memory.
     *
     * @param patientId     the patient id (see {@link #patientRecord})
     * @param resourceCount the number of resources, the Patient included, at least 1
     * @param seed          the seed
     * @return a single-use iterator
     * @throws IllegalArgumentException when the id is invalid or too long, or the count is below 1
     */
    public static Iterator<IBaseResource> patientRecordIterator(String patientId, int resourceCount, long seed) {
        if (!FhirIds.isValid(patientId)) {
            throw new IllegalArgumentException("Not a FHIR id: '" + patientId + "'");
        }
        if (resourceCount < 1) {
            throw new IllegalArgumentException("resourceCount must be at least 1, was " + resourceCount);
        }
        String longest = derivedId(patientId, "medreq", resourceCount - 1);
        if (longest.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("Patient id '" + patientId + "' is too long for " + resourceCount
                    + " derived ids of at most " + MAX_ID_LENGTH + " characters");
        }
        return new RecordIterator(patientId, resourceCount, seed);
    }

    /**
     * Resources outside every patient compartment that generated records reference: one Practitioner, one
     * Organization and three Medications, with the fixed ids of this class's constants. Useful as a control set that
     * a patient purge must leave alone.
     *
     * @return new instances on every call
     */
    public static List<IBaseResource> sharedResources() {
        List<IBaseResource> out = new ArrayList<>();
        Practitioner practitioner = new Practitioner();
        practitioner.setId(PRACTITIONER_ID);
        practitioner.addName(new HumanName().setFamily("Careful").addGiven("Casey").addPrefix("Dr."));
        out.add(practitioner);
        Organization organization = new Organization();
        organization.setId(ORGANIZATION_ID);
        organization.setName("Synthetic General Hospital");
        out.add(organization);
        for (int i = 0; i < MEDICATIONS.length; i++) {
            Medication medication = new Medication();
            medication.setId(MEDICATION_ID_PREFIX + i);
            medication.setCode(concept(RXNORM, MEDICATIONS[i]));
            out.add(medication);
        }
        return out;
    }

    private static String derivedId(String patientId, String kind, int n) {
        return patientId + "-" + kind + "-" + n;
    }

    private static CodeableConcept concept(String system, String[] codeAndDisplay) {
        return new CodeableConcept(new Coding(system, codeAndDisplay[0], codeAndDisplay[1]))
                .setText(codeAndDisplay[1]);
    }

    /** Generates resource {@code n} from the random stream and the few ids earlier resources left behind. */
    private static final class RecordIterator implements Iterator<IBaseResource> {

        private final String patientId;
        private final Reference patient;
        private final int count;
        private final SplittableRandom random;
        private final Deque<String> recentObservations = new ArrayDeque<>();
        private String lastEncounter;
        private int next;

        RecordIterator(String patientId, int count, long seed) {
            this.patientId = patientId;
            this.patient = new Reference("Patient/" + patientId);
            this.count = count;
            this.random = new SplittableRandom(seed * 31 + patientId.hashCode());
        }

        @Override
        public boolean hasNext() {
            return next < count;
        }

        @Override
        public IBaseResource next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int n = next++;
            if (n == 0) {
                return patient();
            }
            if (lastEncounter == null) {
                return encounter(n);
            }
            int roll = random.nextInt(100);
            if (roll < 35) {
                return observation(n);
            } else if (roll < 45) {
                return encounter(n);
            } else if (roll < 55) {
                return condition(n);
            } else if (roll < 65) {
                return medicationRequest(n);
            } else if (roll < 73) {
                return procedure(n);
            } else if (roll < 83) {
                return diagnosticReport(n);
            } else if (roll < 91) {
                return immunization(n);
            }
            return allergy(n);
        }

        private Patient patient() {
            Patient p = new Patient();
            p.setId(patientId);
            p.addIdentifier().setSystem("urn:oid:2.16.840.1.113883.3.9999").setValue("MRN-" + patientId);
            p.addName(new HumanName().setFamily(pick(FAMILY)).addGiven(pick(GIVEN)));
            p.setGender(random.nextBoolean() ? AdministrativeGender.FEMALE : AdministrativeGender.MALE);
            p.setBirthDateElement(new DateType(String.format(Locale.ROOT, "%04d-%02d-%02d",
                    1930 + random.nextInt(80), 1 + random.nextInt(12), 1 + random.nextInt(28))));
            p.setManagingOrganization(new Reference("Organization/" + ORGANIZATION_ID));
            p.addGeneralPractitioner(new Reference("Practitioner/" + PRACTITIONER_ID));
            return p;
        }

        private Encounter encounter(int n) {
            Encounter e = new Encounter();
            e.setId(derivedId(patientId, "enc", n));
            e.setStatus(Encounter.EncounterStatus.FINISHED);
            e.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
            e.setSubject(patient.copy());
            e.addParticipant().setIndividual(practitioner());
            String day = date();
            e.getPeriod().setStartElement(new DateTimeType(day + "T09:00:00Z"))
                    .setEndElement(new DateTimeType(day + "T09:30:00Z"));
            e.setServiceProvider(new Reference("Organization/" + ORGANIZATION_ID));
            lastEncounter = e.getIdElement().getIdPart();
            return e;
        }

        private Observation observation(int n) {
            String[] vital = VITALS[random.nextInt(VITALS.length)];
            Observation o = new Observation();
            o.setId(derivedId(patientId, "obs", n));
            o.setStatus(Observation.ObservationStatus.FINAL);
            o.setCode(concept(LOINC, vital));
            o.setSubject(patient.copy());
            o.setEncounter(encounterRef());
            o.setEffective(dateTime());
            o.addPerformer(practitioner());
            double low = Double.parseDouble(vital[3]);
            double high = Double.parseDouble(vital[4]);
            BigDecimal value = BigDecimal.valueOf(Math.round((low + random.nextDouble() * (high - low)) * 10), 1);
            o.setValue(new Quantity().setValue(value).setUnit(vital[2]).setSystem("http://unitsofmeasure.org")
                    .setCode(vital[2]));
            remember(o.getIdElement().getIdPart());
            return o;
        }

        private Condition condition(int n) {
            Condition c = new Condition();
            c.setId(derivedId(patientId, "cond", n));
            c.setCode(concept(SNOMED, pick(CONDITIONS)));
            c.setSubject(patient.copy());
            c.setEncounter(encounterRef());
            c.setOnset(dateTime());
            c.setRecorder(practitioner());
            return c;
        }

        private MedicationRequest medicationRequest(int n) {
            MedicationRequest m = new MedicationRequest();
            m.setId(derivedId(patientId, "medreq", n));
            m.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
            m.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
            m.setMedication(new Reference("Medication/" + MEDICATION_ID_PREFIX + random.nextInt(MEDICATIONS.length)));
            m.setSubject(patient.copy());
            m.setEncounter(encounterRef());
            m.setAuthoredOnElement(dateTime());
            m.setRequester(practitioner());
            return m;
        }

        private Procedure procedure(int n) {
            Procedure p = new Procedure();
            p.setId(derivedId(patientId, "proc", n));
            p.setStatus(Procedure.ProcedureStatus.COMPLETED);
            p.setCode(concept(SNOMED, pick(PROCEDURES)));
            p.setSubject(patient.copy());
            p.setEncounter(encounterRef());
            p.setPerformed(dateTime());
            p.addPerformer().setActor(practitioner());
            return p;
        }

        private DiagnosticReport diagnosticReport(int n) {
            DiagnosticReport d = new DiagnosticReport();
            d.setId(derivedId(patientId, "report", n));
            d.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
            d.setCode(concept(LOINC, new String[] {"24323-8", "Comprehensive metabolic panel"}));
            d.setSubject(patient.copy());
            d.setEncounter(encounterRef());
            d.setEffective(dateTime());
            d.addPerformer(new Reference("Organization/" + ORGANIZATION_ID));
            for (String observationId : recentObservations) {
                d.addResult(new Reference("Observation/" + observationId));
            }
            return d;
        }

        private Immunization immunization(int n) {
            Immunization i = new Immunization();
            i.setId(derivedId(patientId, "imm", n));
            i.setStatus(Immunization.ImmunizationStatus.COMPLETED);
            i.setVaccineCode(concept(CVX, pick(VACCINES)));
            i.setPatient(patient.copy());
            i.setEncounter(encounterRef());
            i.setOccurrence(dateTime());
            i.addPerformer().setActor(practitioner());
            return i;
        }

        private AllergyIntolerance allergy(int n) {
            AllergyIntolerance a = new AllergyIntolerance();
            a.setId(derivedId(patientId, "allergy", n));
            a.setCode(concept(SNOMED, pick(ALLERGIES)));
            a.setPatient(patient.copy());
            a.setRecordedDateElement(dateTime());
            a.setRecorder(practitioner());
            return a;
        }

        private void remember(String observationId) {
            recentObservations.addLast(observationId);
            if (recentObservations.size() > REPORT_RESULTS) {
                recentObservations.removeFirst();
            }
        }

        private Reference encounterRef() {
            return new Reference("Encounter/" + lastEncounter);
        }

        private static Reference practitioner() {
            return new Reference("Practitioner/" + PRACTITIONER_ID);
        }

        private String[] pick(String[][] table) {
            return table[random.nextInt(table.length)];
        }

        private String pick(String[] table) {
            return table[random.nextInt(table.length)];
        }

        private String date() {
            return String.format(Locale.ROOT, "%04d-%02d-%02d", 2015 + random.nextInt(10), 1 + random.nextInt(12),
                    1 + random.nextInt(28));
        }

        private DateTimeType dateTime() {
            return new DateTimeType(String.format(Locale.ROOT, "%sT%02d:%02d:00Z", date(), 7 + random.nextInt(12),
                    random.nextInt(60)));
        }
    }
}
