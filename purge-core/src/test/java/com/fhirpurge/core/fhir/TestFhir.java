package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.FhirContext;

/** The one R4 context all tests share: building it takes seconds. */
public final class TestFhir {

    /** Shared R4 context. */
    public static final FhirContext R4 = FhirContext.forR4();

    private TestFhir() {
    }
}
