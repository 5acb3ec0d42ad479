package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.spi.TaskState;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * Renders the status of a patient purge job as the {@code Parameters} of the {@code $bulk-purge} status endpoint.
 *
 * <p>One {@code result} parameter per patient, in the given order, with parts in this order:
 * {@code patientId} (valueId), {@code updatedAt} (valueDateTime, UTC, millisecond precision, e.g.
 * {@code 2024-07-03T14:46:45.107Z}), {@code status} (valueCode: new, processing, completed, error, cancelled), then
 * {@code totalResourcesCount} and {@code purgedResourcesCount} (valueInteger) only once the total is known, then,
 * for an {@code error} status with a reason, {@code errorMessage} (valueString; our addition to the format), and,
 * only when the shared-resource policy {@code keep} kept members, {@code keptSharedResourcesCount} (valueInteger) and
 * one {@code keptSharedResource} (valueReference) per listed member (also our addition). Counts above
 * {@link Integer#MAX_VALUE} are written as {@link Integer#MAX_VALUE}.
 *
 * <p>Thread-safe after construction (a new HAPI parser is created per call).
 */
public final class StatusRenderer {

    private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

    private final FhirContext ctx;

    /**
     * Creates a renderer.
     *
     * @param ctx an R4 context, shared
     * @throws NullPointerException when {@code ctx} is null
     */
    public StatusRenderer(FhirContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    /**
     * Renders the statuses as compact FHIR JSON.
     *
     * @param patients the statuses, in output order; may be empty
     * @return the JSON of a {@code Parameters} resource
     * @throws NullPointerException when the list or an element is null
     */
    public String render(List<PatientStatus> patients) {
        return ctx.newJsonParser().setPrettyPrint(false).encodeResourceToString(toParameters(patients));
    }

    /**
     * Builds the HAPI object {@link #render} encodes.
     *
     * @param patients the statuses, in output order; may be empty
     * @return a new {@code Parameters}
     * @throws NullPointerException when the list or an element is null
     */
    public Parameters toParameters(List<PatientStatus> patients) {
        Parameters parameters = new Parameters();
        for (PatientStatus status : patients) {
            ParametersParameterComponent result = parameters.addParameter().setName("result");
            result.addPart().setName("patientId").setValue(new IdType(status.patientId()));
            result.addPart().setName("updatedAt").setValue(utcMillis(status.updatedAt()));
            result.addPart().setName("status").setValue(new CodeType(status.state().code()));
            if (status.totalResourcesCount() != null) {
                result.addPart().setName("totalResourcesCount")
                        .setValue(new IntegerType(clamp(status.totalResourcesCount())));
                result.addPart().setName("purgedResourcesCount")
                        .setValue(new IntegerType(clamp(status.purgedResourcesCount())));
            }
            if (status.state() == TaskState.ERROR && status.errorReason() != null) {
                result.addPart().setName("errorMessage").setValue(new StringType(status.errorReason()));
            }
            if (status.keptSharedCount() > 0) {
                // Only under the shared-resource policy "keep": the seed's format is unchanged otherwise.
                result.addPart().setName("keptSharedResourcesCount")
                        .setValue(new IntegerType(clamp(status.keptSharedCount())));
                status.keptShared().forEach(k -> result.addPart().setName("keptSharedResource")
                        .setValue(new Reference(k.toString())));
            }
        }
        return parameters;
    }

    private static DateTimeType utcMillis(Instant instant) {
        DateTimeType dt = new DateTimeType(Date.from(instant), TemporalPrecisionEnum.MILLI, UTC);
        dt.setTimeZoneZulu(true);
        return dt;
    }

    private static int clamp(long count) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, count));
    }
}
