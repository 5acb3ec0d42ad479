package com.fhirpurge.core.demo;

import java.util.List;

/** The examples of the operations' specifications, verbatim, for the demo, the reference server and tests. */
public final class SeedExamples {

    /** The kick-off body of the {@code Patient/$bulk-purge} specification example. */
    public static final String BULK_PURGE_KICK_OFF = """
            {
                "resourceType": "Parameters",
                "parameter": [
                    {
                        "name": "patientId",
                        "valueString": "4a426db7-4fc4-4b19-8715-22a75cb67e03"
                    },
                    {
                        "name": "patientId",
                        "valueString": "5aece5b6-3f64-4efd-9124-5236c8079559"
                    },
                    {
                        "name": "patientId",
                        "valueString": "8a1915e6-32a6-4a33-9a10-78921cbf0f2e"
                    }
                ]
            }
            """;

    /** The patient ids of {@link #BULK_PURGE_KICK_OFF}, in order. */
    public static final List<String> BULK_PURGE_PATIENT_IDS = List.of("4a426db7-4fc4-4b19-8715-22a75cb67e03",
            "5aece5b6-3f64-4efd-9124-5236c8079559", "8a1915e6-32a6-4a33-9a10-78921cbf0f2e");

    private SeedExamples() {
    }
}
