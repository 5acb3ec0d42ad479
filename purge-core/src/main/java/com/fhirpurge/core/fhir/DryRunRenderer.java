package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.DryRunReport;
import com.fhirpurge.spi.IndexedReference;
import java.util.Objects;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * Renders a {@link DryRunReport} as the response of a {@code _dryRun=true} kick-off: a {@code Parameters} with one
 * {@code result} per patient, shaped like the purge status, with these parts: {@code patientId},
 * {@code totalResourcesCount} (what a purge would erase), {@code resourceCount} (a part per resource type, each
 * {@code valueInteger}; left out when there is none), {@code sharedResourcesCount}, {@code sharedResource} per listed shared resource
 * ({@code resource} as {@code valueReference}, {@code otherPatientId} per other patient),
 * {@code outsideReferencesCount}, and {@code outsideReference} per listed reference into the compartment
 * ({@code source}, {@code parameter}, {@code target}).
 */
public final class DryRunRenderer {

    private final FhirContext ctx;

    /**
     * Creates a renderer.
     *
     * @param ctx an R4 context
     */
    public DryRunRenderer(FhirContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    /**
     * Renders the report as FHIR JSON.
     *
     * @param report the report
     * @return the {@code Parameters} JSON
     */
    public String render(DryRunReport report) {
        return ctx.newJsonParser().encodeResourceToString(toParameters(report));
    }

    /**
     * The report as {@code Parameters}.
     *
     * @param report the report
     * @return the parameters
     */
    public Parameters toParameters(DryRunReport report) {
        Parameters parameters = new Parameters();
        for (DryRunReport.Patient p : report.patients()) {
            ParametersParameterComponent result = parameters.addParameter().setName("result");
            result.addPart().setName("patientId").setValue(new IdType(p.patientId()));
            result.addPart().setName("totalResourcesCount").setValue(count(p.wouldEraseCount()));
            if (!p.wouldEraseByType().isEmpty()) { // R4 inv-1: a part without value or parts is invalid
                ParametersParameterComponent byType = result.addPart().setName("resourceCount");
                p.wouldEraseByType().forEach((type, n) -> byType.addPart().setName(type).setValue(count(n)));
            }
            result.addPart().setName("sharedResourcesCount").setValue(count(p.sharedCount()));
            for (DryRunReport.Shared s : p.shared()) {
                ParametersParameterComponent shared = result.addPart().setName("sharedResource");
                shared.addPart().setName("resource").setValue(new Reference(s.resource().toString()));
                s.otherPatientIds().forEach(o -> shared.addPart().setName("otherPatientId").setValue(new IdType(o)));
            }
            result.addPart().setName("outsideReferencesCount").setValue(count(p.outsideReferenceCount()));
            for (IndexedReference r : p.outsideReferences()) {
                ParametersParameterComponent ref = result.addPart().setName("outsideReference");
                ref.addPart().setName("source").setValue(new Reference(r.source().toString()));
                ref.addPart().setName("parameter").setValue(new StringType(r.paramName()));
                ref.addPart().setName("target").setValue(new Reference(r.target().toString()));
            }
        }
        return parameters;
    }

    private static IntegerType count(long n) {
        return new IntegerType((int) Math.min(Integer.MAX_VALUE, n));
    }
}
