package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentParam;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the FHIR R4 Patient compartment as a {@link CompartmentDefinition} from HAPI's R4 model.
 *
 * <p>A search parameter makes its resource type a member when HAPI's
 * {@link RuntimeSearchParam#getProvidesMembershipInCompartments()} contains {@code Patient}. Each such parameter
 * becomes a {@link CompartmentParam} whose element paths are its FHIRPath branches with the leading resource type
 * and any {@code .where(resolve() is X)} filter removed, e.g. {@code AuditEvent.patient} gives
 * {@code [agent.who, entity.what]} and {@code Patient.link} gives {@code [link.other]}.
 *
 * <p>HAPI (since 8.0) also puts {@code Device} in the Patient compartment through {@code Device.patient}, which the
 * R4 specification does not: {@link #r4Spec} leaves it out (66 member types), {@link #r4WithDevice} keeps it (67).
 *
 * <p>The specification admits a resource when the patient merely <em>participated</em> (performer, author,
 * recipient, group member, a {@code Patient.link} from another patient's record). {@link #r4SubjectOnly} keeps only
 * the parameters that say the record is <em>about</em> the patient ({@code subject}, {@code patient},
 * {@code beneficiary}, {@code individual}, and {@code EnrollmentRequest.subject}), leaving out the participation
 * types {@code Person}, {@code Provenance}, {@code AuditEvent} and {@code Group}, and the owner-linked
 * {@code Patient} records: the conservative choice when shared records must survive.
 *
 * <p>Stateless; the factories are thread-safe as long as the given context is (a {@link FhirContext} is once
 * built). Building walks every resource definition, so call it once and keep the result.
 */
public final class PatientCompartment {

    /** The compartment's resource type and code. */
    public static final String CODE = "Patient";

    private static final String DEVICE = "Device";
    private static final Set<String> SUBJECT_PARAMS = Set.of("subject", "patient", "beneficiary", "individual");
    private static final Set<String> PARTICIPATION_TYPES = Set.of(CODE, DEVICE, "Person", "Provenance",
            "AuditEvent", "Group");

    private PatientCompartment() {
    }

    /**
     * The Patient compartment as the R4 specification defines it: HAPI's member types without {@code Device}.
     *
     * @param ctx an R4 context
     * @return the definition, 66 member types for HAPI 8.8.1
     * @throws NullPointerException when {@code ctx} is null
     */
    public static CompartmentDefinition r4Spec(FhirContext ctx) {
        Map<String, List<CompartmentParam>> members = fromHapi(ctx);
        members.remove(DEVICE);
        return CompartmentDefinition.of(CODE, members);
    }

    /**
     * The Patient compartment as HAPI defines it, including {@code Device} through {@code Device.patient}.
     *
     * @param ctx an R4 context
     * @return the definition, 67 member types for HAPI 8.8.1
     * @throws NullPointerException when {@code ctx} is null
     */
    public static CompartmentDefinition r4WithDevice(FhirContext ctx) {
        return CompartmentDefinition.of(CODE, fromHapi(ctx));
    }

    /**
     * The Patient compartment restricted to records about the patient (see the class comment): subject-like
     * parameters only, no participation types, no {@code Device}.
     *
     * @param ctx an R4 context
     * @return the definition
     * @throws NullPointerException when {@code ctx} is null
     */
    public static CompartmentDefinition r4SubjectOnly(FhirContext ctx) {
        Map<String, List<CompartmentParam>> members = new TreeMap<>();
        fromHapi(ctx).forEach((type, params) -> {
            if (PARTICIPATION_TYPES.contains(type)) {
                return;
            }
            List<CompartmentParam> subjectLike = params.stream()
                    .filter(p -> SUBJECT_PARAMS.contains(p.name())).toList();
            if (!subjectLike.isEmpty()) {
                members.put(type, subjectLike);
            }
        });
        return CompartmentDefinition.of(CODE, members);
    }

    private static Map<String, List<CompartmentParam>> fromHapi(FhirContext ctx) {
        Objects.requireNonNull(ctx, "ctx");
        Map<String, List<CompartmentParam>> members = new TreeMap<>();
        for (String type : ctx.getResourceTypes()) {
            Map<String, CompartmentParam> byName = new LinkedHashMap<>();
            for (RuntimeSearchParam sp : ctx.getResourceDefinition(type).getSearchParams()) {
                Set<String> compartments = sp.getProvidesMembershipInCompartments();
                if (compartments == null || !compartments.contains(CODE) || byName.containsKey(sp.getName())) {
                    continue;
                }
                List<String> paths = elementPaths(type, sp);
                if (!paths.isEmpty()) {
                    byName.put(sp.getName(), new CompartmentParam(sp.getName(), paths));
                }
            }
            if (!byName.isEmpty()) {
                members.put(type, new ArrayList<>(byName.values()));
            }
        }
        return members;
    }

    private static List<String> elementPaths(String type, RuntimeSearchParam sp) {
        Set<String> paths = new LinkedHashSet<>();
        for (String branch : SearchParamPaths.branches(sp)) {
            SearchParamPath.parse(type, branch).ifPresent(p -> paths.add(p.elementPath()));
        }
        return List.copyOf(paths);
    }
}
