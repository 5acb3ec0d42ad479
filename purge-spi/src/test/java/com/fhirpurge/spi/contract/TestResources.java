package com.fhirpurge.spi.contract;

import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentParam;
import com.fhirpurge.spi.IndexEntry;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-data builders for the contract suite. Resources are written as real FHIR JSON whose references sit at the
 * element paths of {@link #PATIENT_COMPARTMENT}, so stores that query raw JSON and stores that use the reference
 * index rows see the same data.
 */
public final class TestResources {

    /** A small Patient compartment: enough types and multi-parameter members to test the membership rules. */
    public static final CompartmentDefinition PATIENT_COMPARTMENT = CompartmentDefinition.of("Patient", Map.of(
            "Patient", List.of(new CompartmentParam("link", List.of("link.other"))),
            "Observation", List.of(
                    new CompartmentParam("subject", List.of("subject")),
                    new CompartmentParam("performer", List.of("performer"))),
            "Encounter", List.of(new CompartmentParam("patient", List.of("subject"))),
            "Group", List.of(new CompartmentParam("member", List.of("member.entity"))),
            "AuditEvent", List.of(new CompartmentParam("patient", List.of("agent.who", "entity.what")))));

    /** Element path of each (type, parameter) the builders know, for the JSON they write. */
    private static final Map<String, String> PATHS = Map.ofEntries(
            Map.entry("Patient.link", "link.other"),
            Map.entry("Observation.subject", "subject"),
            Map.entry("Observation.performer", "performer"),
            Map.entry("Observation.focus", "focus"),
            Map.entry("Observation.encounter", "encounter"),
            Map.entry("Encounter.patient", "subject"),
            Map.entry("Encounter.subject", "subject"),
            Map.entry("Encounter.participant", "participant.individual"),
            Map.entry("Group.member", "member.entity"),
            Map.entry("AuditEvent.patient", "entity.what"),
            Map.entry("List.item", "entry.item"),
            Map.entry("Practitioner.organization", "organization"),
            Map.entry("DiagnosticReport.result", "result"),
            Map.entry("DiagnosticReport.subject", "subject"));

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private TestResources() {
    }

    /**
     * Starts a resource.
     *
     * @param type the resource type
     * @param id   the id
     * @return a builder
     */
    public static Builder aResource(String type, String id) {
        return new Builder(ResourceKey.of(type, id));
    }

    /**
     * A Patient.
     *
     * @param id the id
     * @return a builder
     */
    public static Builder aPatient(String id) {
        return aResource("Patient", id);
    }

    /**
     * An Observation whose subject is the patient.
     *
     * @param id        the id
     * @param patientId the subject
     * @return a builder
     */
    public static Builder anObservationOf(String id, String patientId) {
        return aResource("Observation", id).referencing("subject", "Patient/" + patientId);
    }

    /** Builds one {@link ResourceWrite}. */
    public static final class Builder {
        private final ResourceKey key;
        private final List<IndexedReference> refs = new ArrayList<>();
        private final List<IndexEntry> index = new ArrayList<>();
        private Instant lastUpdated = T0;
        private String note = "";

        private Builder(ResourceKey key) {
            this.key = key;
        }

        /**
         * Adds a reference.
         *
         * @param param  the search parameter name (must be known to this fixture)
         * @param target {@code Type/id}
         * @return this
         */
        public Builder referencing(String param, String target) {
            refs.add(new IndexedReference(key, param, ResourceKey.parse(target)));
            return this;
        }

        /**
         * Adds search index entries, as the core would extract them.
         *
         * @param entries the entries
         * @return this
         */
        public Builder indexed(IndexEntry... entries) {
            index.addAll(List.of(entries));
            return this;
        }

        /**
         * Sets {@code meta.lastUpdated}.
         *
         * @param at the time
         * @return this
         */
        public Builder updatedAt(Instant at) {
            this.lastUpdated = at;
            return this;
        }

        /**
         * Sets a text that varies between versions.
         *
         * @param text any text
         * @return this
         */
        public Builder note(String text) {
            this.note = text;
            return this;
        }

        /**
         * Builds the write.
         *
         * @return the write with FHIR JSON and index rows
         */
        public ResourceWrite build() {
            return new ResourceWrite(key, json(), lastUpdated, refs, index);
        }

        private String json() {
            Map<String, List<String>> byTopField = new LinkedHashMap<>();
            StringBuilder sb = new StringBuilder();
            sb.append("{\"resourceType\":").append(quote(key.type())).append(",\"id\":").append(quote(key.id()));
            sb.append(",\"meta\":{\"lastUpdated\":").append(quote(lastUpdated.toString())).append('}');
            if (!note.isEmpty()) {
                sb.append(",\"text\":{\"status\":\"generated\",\"div\":").append(quote(note)).append('}');
            }
            for (IndexedReference r : refs) {
                String path = PATHS.get(key.type() + "." + r.paramName());
                if (path == null) {
                    throw new IllegalArgumentException("Fixture knows no path for " + key.type() + "." + r.paramName());
                }
                byTopField.computeIfAbsent(path, p -> new ArrayList<>()).add(r.target().toString());
            }
            for (Map.Entry<String, List<String>> e : byTopField.entrySet()) {
                String[] segments = e.getKey().split("\\.");
                sb.append(',').append(quote(segments[0])).append(":[");
                for (int i = 0; i < e.getValue().size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(nested(segments, 1, e.getValue().get(i)));
                }
                sb.append(']');
            }
            return sb.append('}').toString();
        }

        private static String nested(String[] segments, int from, String reference) {
            if (from == segments.length) {
                return "{\"reference\":" + quote(reference) + "}";
            }
            return "{" + quote(segments[from]) + ":" + nested(segments, from + 1, reference) + "}";
        }
    }

    /**
     * JSON string literal.
     *
     * @param s any string
     * @return the quoted, escaped literal
     */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
