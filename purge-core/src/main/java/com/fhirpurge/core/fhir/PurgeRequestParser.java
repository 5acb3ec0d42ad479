package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.ErrorHandlerAdapter;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ScalarType;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ValueType;
import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.Issue;
import com.fhirpurge.core.OutsideReferencePolicy;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.SharedResourcePolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;

/**
 * Parses and validates the body of a patient {@code $bulk-purge} kick-off (a FHIR JSON {@code Parameters} with one
 * {@code patientId} parameter per patient), the id of a single-patient {@code $purge}, and the {@code Prefer}
 * header both require.
 *
 * <p>Every refusal is an {@link InvalidRequestException} (HTTP 400) carrying R4 IssueType codes and, for body
 * problems, a FHIRPath {@code expression} such as {@code Parameters.parameter[2].value}. All problems of a body are
 * reported together; only a body that is not parsable FHIR JSON stops at the first problem.
 *
 * <p>Accepted {@code patientId} values: {@code valueString}, {@code valueId}, and {@code valueReference} whose
 * {@code reference} is {@code Patient/<id>}. Ids must match the FHIR id rule {@code [A-Za-z0-9\-\.]{1,64}}, which
 * HAPI's {@code IdType} does not check. What HAPI's lenient parser would only log (unknown elements, a repeated
 * single-valued element such as two values in one parameter, wrong JSON types) is refused as {@code structure}.
 *
 * <p>Thread-safe after construction (a new HAPI parser is created per call).
 */
public final class PurgeRequestParser {

    /** The name of the kick-off parameter that carries one patient id. */
    public static final String PATIENT_ID = "patientId";
    /** The optional kick-off parameter that says why (kept in each patient's erasure record). */
    public static final String REASON = "reason";
    /** The optional kick-off parameter ({@code valueBoolean}) that asks for a dry run instead of a purge. */
    public static final String DRY_RUN = "_dryRun";
    /** The optional kick-off parameter ({@code valueCode} {@code leave}, {@code fail}, {@code remove-references}). */
    public static final String OUTSIDE_REFERENCES = "outsideReferences";
    /** The optional kick-off parameter ({@code valueCode} {@code delete} or {@code keep}): the shared policy. */
    public static final String SHARED_RESOURCES = "sharedResources";

    /**
     * A parsed kick-off.
     *
     * @param patientIds the patient ids, duplicates removed, in first-seen order
     * @param reason     the {@code reason} parameter's value, {@code null} when not given
     * @param dryRun     whether {@code _dryRun} was {@code true}
     * @param outsideReferences the {@code outsideReferences} policy, {@link OutsideReferencePolicy#LEAVE} when not
     *                   given
     * @param sharedResources the {@code sharedResources} policy, {@link SharedResourcePolicy#DELETE} when not given
     */
    public record KickOff(List<String> patientIds, String reason, boolean dryRun,
                          OutsideReferencePolicy outsideReferences, SharedResourcePolicy sharedResources) {

        /**
         * A kick-off that is no dry run, with the default policy.
         *
         * @param patientIds see {@link #patientIds()}
         * @param reason     see {@link #reason()}
         */
        public KickOff(List<String> patientIds, String reason) {
            this(patientIds, reason, false, OutsideReferencePolicy.LEAVE, SharedResourcePolicy.DELETE);
        }

        /**
         * The request this kick-off asks for.
         *
         * @param requestedBy the caller identity, {@code null} when unknown
         * @return the request
         */
        public PurgeRequest toRequest(String requestedBy) {
            return new PurgeRequest(patientIds, requestedBy, reason, outsideReferences, sharedResources);
        }
    }

    /** The diagnostics of the refusal when {@code Prefer: respond-async} is missing. */
    public static final String RESPOND_ASYNC_REQUIRED =
            "Prefer: respond-async is required; synchronous purge is not supported";

    private static final String PATIENT_PREFIX = "Patient/";
    private static final int MAX_ECHO = 100;

    private final FhirContext ctx;

    /**
     * Creates a parser.
     *
     * @param ctx an R4 context, shared
     * @throws NullPointerException when {@code ctx} is null
     */
    public PurgeRequestParser(FhirContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    /**
     * Parses a kick-off body into its patient ids.
     *
     * @param body        the request body, FHIR JSON
     * @param maxPatients the most distinct patient ids one request may carry, at least 1
     * @return the patient ids, duplicates removed, in first-seen order; never empty
     * @throws InvalidRequestException  (400) when the body is blank ({@code required}), not FHIR JSON or not a
     *                                  {@code Parameters} ({@code structure}), has no {@code patientId}
     *                                  ({@code required}), names an unknown parameter ({@code not-supported}),
     *                                  carries a missing ({@code required}) or unusable or invalid id
     *                                  ({@code value}), or more than {@code maxPatients} distinct ids
     *                                  ({@code too-costly})
     * @throws IllegalArgumentException when {@code maxPatients} is less than 1
     */
    public List<String> parsePatientIds(String body, int maxPatients) {
        return parseKickOff(body, maxPatients).patientIds();
    }

    /**
     * Parses a {@code $bulk-purge} kick-off body: its patient ids and its optional {@code reason} (one
     * {@code valueString} of at most 1,024 characters).
     *
     * @param body        the request body, FHIR JSON
     * @param maxPatients the most distinct patient ids one request may carry, at least 1
     * @return the kick-off
     * @throws InvalidRequestException (400) as {@link #parsePatientIds}, and for a bad or repeated {@code reason}
     * @throws IllegalArgumentException when {@code maxPatients} is less than 1
     */
    public KickOff parseKickOff(String body, int maxPatients) {
        if (maxPatients < 1) {
            throw new IllegalArgumentException("maxPatients must be at least 1, was " + maxPatients);
        }
        return parse(body, maxPatients, true);
    }

    /**
     * Parses the optional body of a single-patient {@code $purge}: none, or a {@code Parameters} with only
     * {@code reason} and {@code _dryRun}.
     *
     * @param body the request body, possibly blank
     * @return the kick-off without patient ids
     * @throws InvalidRequestException (400) for a body that is not such a {@code Parameters}
     */
    public KickOff parseSinglePatient(String body) {
        if (body == null || body.isBlank()) {
            return new KickOff(List.of(), null, false, OutsideReferencePolicy.LEAVE, SharedResourcePolicy.DELETE);
        }
        return parse(body, 1, false);
    }

    private KickOff parse(String body, int maxPatients, boolean withPatients) {
        List<Issue> issues = new ArrayList<>();
        Parameters parameters = parseParameters(body, issues);
        Map<String, Integer> ids = new LinkedHashMap<>();
        List<ParametersParameterComponent> list = parameters.getParameter();
        boolean anyPatientId = false;
        String reason = null;
        Boolean dryRun = null;
        OutsideReferencePolicy outside = null;
        SharedResourcePolicy shared = null;
        String supported = (withPatients ? "'" + PATIENT_ID + "', " : "") + "'" + REASON + "', '" + DRY_RUN
                + "', '" + OUTSIDE_REFERENCES + "' and '" + SHARED_RESOURCES + "' are";
        for (int i = 0; i < list.size(); i++) {
            ParametersParameterComponent p = list.get(i);
            String at = "Parameters.parameter[" + i + "]";
            String name = p.getName();
            if (name == null || name.isBlank()) {
                issues.add(Issue.error("required", "Parameter " + i + " has no name", at + ".name"));
            } else if (REASON.equals(name)) {
                if (reason != null) {
                    issues.add(Issue.error("value", "'" + REASON + "' is given more than once", at));
                }
                reason = reasonOf(p, at, issues);
            } else if (OUTSIDE_REFERENCES.equals(name)) {
                if (outside != null) {
                    issues.add(Issue.error("value", "'" + OUTSIDE_REFERENCES + "' is given more than once", at));
                }
                outside = policyOf(p, at, issues);
            } else if (SHARED_RESOURCES.equals(name)) {
                if (shared != null) {
                    issues.add(Issue.error("value", "'" + SHARED_RESOURCES + "' is given more than once", at));
                }
                shared = sharedPolicyOf(p, at, issues);
            } else if (DRY_RUN.equals(name)) {
                if (dryRun != null) {
                    issues.add(Issue.error("value", "'" + DRY_RUN + "' is given more than once", at));
                }
                if (p.getValue() instanceof org.hl7.fhir.r4.model.BooleanType b && b.getValue() != null) {
                    dryRun = b.getValue();
                } else {
                    issues.add(Issue.error("value", "'" + DRY_RUN + "' must be a valueBoolean", at + ".value"));
                    dryRun = false;
                }
            } else if (!withPatients || !PATIENT_ID.equals(name)) {
                issues.add(Issue.error("not-supported", "Unknown parameter '" + echo(name) + "'; only " + supported
                        + " supported", at + ".name"));
            } else {
                anyPatientId = true;
                String id = patientIdOf(p, at, issues);
                if (id != null) {
                    ids.putIfAbsent(id, i);
                }
            }
        }
        if (withPatients && !anyPatientId) {
            issues.add(Issue.error("required", "No '" + PATIENT_ID + "' parameter: at least one patient id is required",
                    "Parameters.parameter"));
        }
        if (ids.size() > maxPatients) {
            int firstOver = new ArrayList<>(ids.values()).get(maxPatients);
            issues.add(Issue.error("too-costly", ids.size() + " distinct patient ids exceed the limit of "
                    + maxPatients + " per request", "Parameters.parameter[" + firstOver + "].value"));
        }
        if (!issues.isEmpty()) {
            throw new InvalidRequestException(400, issues);
        }
        return new KickOff(List.copyOf(ids.keySet()), reason, Boolean.TRUE.equals(dryRun),
                outside == null ? OutsideReferencePolicy.LEAVE : outside,
                shared == null ? SharedResourcePolicy.DELETE : shared);
    }

    private static OutsideReferencePolicy policyOf(ParametersParameterComponent p, String at, List<Issue> issues) {
        return codeOf(p, at, issues, OUTSIDE_REFERENCES, "'leave', 'fail' or 'remove-references'",
                OutsideReferencePolicy::ofCode, OutsideReferencePolicy.LEAVE);
    }

    private static SharedResourcePolicy sharedPolicyOf(ParametersParameterComponent p, String at,
                                                       List<Issue> issues) {
        return codeOf(p, at, issues, SHARED_RESOURCES, "'delete' or 'keep'", SharedResourcePolicy::ofCode,
                SharedResourcePolicy.DELETE);
    }

    /** A policy given as a code ({@code valueCode} or {@code valueString}); an unknown one is a {@code value} issue. */
    private static <T> T codeOf(ParametersParameterComponent p, String at, List<Issue> issues, String name,
                                String allowed, java.util.function.Function<String, T> ofCode, T fallback) {
        String code = p.getValue() instanceof org.hl7.fhir.r4.model.PrimitiveType<?> v ? v.getValueAsString() : null;
        try {
            return ofCode.apply(code);
        } catch (IllegalArgumentException e) {
            issues.add(Issue.error("value", "'" + name + "' must be the code " + allowed + ", was '"
                    + echo(String.valueOf(code)) + "'", at + ".value"));
            return fallback;
        }
    }

    private static String reasonOf(ParametersParameterComponent p, String at, List<Issue> issues) {
        if (!(p.getValue() instanceof org.hl7.fhir.r4.model.StringType text) || text.getValue() == null
                || text.getValue().isBlank()) {
            issues.add(Issue.error("value", "'" + REASON + "' must be a non-blank valueString", at + ".value"));
            return null;
        }
        if (text.getValue().length() > 1024) {
            issues.add(Issue.error("value", "'" + REASON + "' is longer than 1024 characters", at + ".value"));
            return null;
        }
        return text.getValue();
    }

    /**
     * Validates the patient id of a single-patient {@code $purge} (the {@code [id]} of the request path).
     *
     * @param id the id
     * @return the id, unchanged
     * @throws InvalidRequestException (400, code {@code value}, no expression) when the id is null or breaks the FHIR
     *                                 id rule
     */
    public static String validatePatientId(String id) {
        if (!FhirIds.isValid(id)) {
            throw InvalidRequestException.badRequest("value", invalidIdMessage(id), null);
        }
        return id;
    }

    /**
     * Whether an RFC 7240 {@code Prefer} header value asks for asynchronous processing: one of its comma-separated
     * preferences is the token {@code respond-async} (case-insensitive, surrounding whitespace, a value and
     * {@code ;}-parameters ignored; commas inside quoted strings do not separate preferences).
     *
     * @param preferHeaderValue the header value, all {@code Prefer} headers joined with commas; may be null
     * @return {@code true} when {@code respond-async} is among the preferences
     */
    public static boolean isRespondAsync(String preferHeaderValue) {
        if (preferHeaderValue == null) {
            return false;
        }
        for (String preference : splitOutsideQuotes(preferHeaderValue, ',')) {
            String token = preference;
            int cut = indexOfAny(token, ";=");
            if (cut >= 0) {
                token = token.substring(0, cut);
            }
            if (token.trim().toLowerCase(Locale.ROOT).equals("respond-async")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Refuses a kick-off that does not ask for asynchronous processing.
     *
     * @param preferHeaderValue the {@code Prefer} header value; may be null
     * @throws InvalidRequestException (400, code {@code invalid}, diagnostics {@value #RESPOND_ASYNC_REQUIRED}) when
     *                                 {@code respond-async} is missing
     */
    public static void requireRespondAsync(String preferHeaderValue) {
        if (!isRespondAsync(preferHeaderValue)) {
            throw InvalidRequestException.badRequest("invalid", RESPOND_ASYNC_REQUIRED, null);
        }
    }

    private Parameters parseParameters(String body, List<Issue> structureIssues) {
        if (body == null || body.isBlank()) {
            throw InvalidRequestException.badRequest("required",
                    "The request body is empty; a Parameters resource with '" + PATIENT_ID + "' is required", null);
        }
        IBaseResource parsed;
        try {
            parsed = ctx.newJsonParser().setParserErrorHandler(new CollectingErrorHandler(structureIssues))
                    .parseResource(body);
        } catch (DataFormatException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
            // HAPI reports malformed or truncated JSON, a missing or unknown resourceType, as DataFormatException;
            // the others guard against odd input reaching HAPI internals.
            throw InvalidRequestException.badRequest("structure",
                    "The request body is not a FHIR JSON resource: " + echo(String.valueOf(e.getMessage())), null);
        }
        if (!(parsed instanceof Parameters parameters)) {
            structureIssues.clear();
            throw InvalidRequestException.badRequest("structure", "Expected a Parameters resource but found "
                    + ctx.getResourceType(parsed), "resourceType");
        }
        return parameters;
    }

    private String patientIdOf(ParametersParameterComponent p, String at, List<Issue> issues) {
        if (p.hasPart() || p.hasResource()) {
            String what = p.hasPart() ? "part" : "resource";
            issues.add(Issue.error("value", "'" + PATIENT_ID + "' must carry valueString, valueId or valueReference, not "
                    + what, at + "." + what));
            return null;
        }
        Type value = p.getValue();
        String valueAt = at + ".value";
        if (value == null || value.isEmpty()) {
            issues.add(Issue.error("required", "'" + PATIENT_ID + "' has no value", valueAt));
            return null;
        }
        String id;
        if (value instanceof StringType || value instanceof IdType) {
            id = ((IPrimitiveType<?>) value).getValueAsString();
        } else if (value instanceof Reference reference) {
            id = patientIdOfReference(reference, valueAt, issues);
            if (id == null) {
                return null;
            }
        } else {
            issues.add(Issue.error("value", "'" + PATIENT_ID + "' must be valueString, valueId or valueReference, not "
                    + choiceName(value), valueAt));
            return null;
        }
        if (id == null || id.isBlank()) {
            issues.add(Issue.error("value", "'" + PATIENT_ID + "' is blank", valueAt));
            return null;
        }
        if (!FhirIds.isValid(id)) {
            issues.add(Issue.error("value", invalidIdMessage(id), valueAt));
            return null;
        }
        return id;
    }

    private static String patientIdOfReference(Reference reference, String valueAt, List<Issue> issues) {
        String ref = reference.getReference();
        if (ref == null || !ref.startsWith(PATIENT_PREFIX)) {
            issues.add(Issue.error("value", "'" + PATIENT_ID + "' valueReference must be 'Patient/<id>', was '"
                    + echo(String.valueOf(ref)) + "'", valueAt));
            return null;
        }
        String id = ref.substring(PATIENT_PREFIX.length());
        if (!FhirIds.isValid(id)) {
            issues.add(Issue.error("value", invalidIdMessage(id) + " (in reference '" + echo(ref) + "')", valueAt));
            return null;
        }
        return id;
    }

    private String choiceName(Type value) {
        BaseRuntimeElementDefinition<?> def = ctx.getElementDefinition(value.getClass());
        String type = def == null ? value.fhirType() : def.getName();
        return "value" + Character.toUpperCase(type.charAt(0)) + type.substring(1);
    }

    private static String invalidIdMessage(String id) {
        return "Invalid patient id '" + echo(String.valueOf(id))
                + "': an id is 1 to 64 characters from [A-Za-z0-9-.]";
    }

    /** Quotes user input in diagnostics, cut to a sane length. */
    private static String echo(String value) {
        return value.length() <= MAX_ECHO ? value : value.substring(0, MAX_ECHO) + "…";
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> splitOutsideQuotes(String s, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\' && i + 1 < s.length()) {
                current.append(c).append(s.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == separator && !quoted) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    /**
     * Turns what HAPI's default lenient parser would only log (and silently drop) into {@code structure} issues:
     * unknown elements, a repeated single-valued element (e.g. {@code valueString} given as an array, or both
     * {@code valueString} and {@code valueId}: HAPI keeps the first and drops the rest), JSON type mismatches and
     * unparsable primitive values. Empty values are left to the semantic checks, which report them per parameter.
     */
    private static final class CollectingErrorHandler extends ErrorHandlerAdapter {

        private final List<Issue> issues;

        CollectingErrorHandler(List<Issue> issues) {
            this.issues = issues;
        }

        private void add(IParseLocation location, String problem) {
            String where = location == null || location.getParentElementName() == null
                    ? "" : " in " + location.getParentElementName();
            issues.add(Issue.error("structure", problem + where, null));
        }

        @Override
        public void unknownElement(IParseLocation location, String elementName) {
            add(location, "Unknown element '" + echo(String.valueOf(elementName)) + "'");
        }

        @Override
        public void unknownAttribute(IParseLocation location, String attributeName) {
            add(location, "Unknown attribute '" + echo(String.valueOf(attributeName)) + "'");
        }

        @Override
        public void unexpectedRepeatingElement(IParseLocation location, String elementName) {
            add(location, "Element '" + echo(String.valueOf(elementName)) + "' must not repeat");
        }

        @Override
        public void incorrectJsonType(IParseLocation location, String elementName, ValueType expected,
                                      ScalarType expectedScalar, ValueType found, ScalarType foundScalar) {
            add(location, "Element '" + echo(String.valueOf(elementName)) + "' has the wrong JSON type: expected "
                    + (expectedScalar == null ? expected : expectedScalar) + ", found "
                    + (foundScalar == null ? found : foundScalar));
        }

        @Override
        public void invalidValue(IParseLocation location, String value, String error) {
            if (value != null && !value.isBlank()) {
                add(location, "Invalid value '" + echo(value) + "': " + echo(String.valueOf(error)));
            }
        }
    }
}
