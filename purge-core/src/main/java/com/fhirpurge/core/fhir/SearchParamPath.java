package com.fhirpurge.core.fhir;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One branch of a search parameter's FHIRPath expression, reduced to the small subset the R4 reference parameters
 * use: a dotted element path, optionally cast with {@code as T} / {@code ofType(T)} / {@code .as(T)}, optionally
 * filtered with a trailing {@code .where(resolve() is X)}. The string, token and date parameters are compiled the same
 * way (see {@link CompiledSearchParams}).
 *
 * <p>HAPI's own FHIRPath engine is not used: with only {@code hapi-fhir-structures-r4} on the classpath,
 * {@code FhirContext.newFhirPath()} fails with {@code NoClassDefFoundError: org/fhir/ucum/UcumException} (the UCUM
 * library is an optional dependency of the R4 structures).
 *
 * @param elementPath   the element path relative to the resource, e.g. {@code participant.actor}
 * @param castType      the type of an {@code as}/{@code ofType} cast, or {@code null}
 * @param resolveFilter the resource type X of a trailing {@code .where(resolve() is X)}, or {@code null}
 */
record SearchParamPath(String elementPath, String castType, String resolveFilter) {

    private static final Pattern RESOLVE_IS = Pattern.compile("\\.where\\(\\s*resolve\\(\\)\\s+is\\s+([A-Za-z]+)\\s*\\)$");
    private static final Pattern OF_TYPE = Pattern.compile("\\.(?:ofType|as)\\(\\s*([A-Za-z]+)\\s*\\)$");
    private static final Pattern AS = Pattern.compile("\\s+as\\s+([A-Za-z]+)$");
    private static final Pattern DOTTED = Pattern.compile("[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z][A-Za-z0-9]*)*");

    /**
     * Parses one branch (no top-level {@code |}) of a search parameter expression of a resource type.
     *
     * @param resourceType the resource type the expression starts with, e.g. {@code Observation}
     * @param expression   e.g. {@code Observation.subject.where(resolve() is Patient)}
     * @return the parsed path, empty when the branch uses FHIRPath beyond the supported subset (e.g.
     *         {@code relatedArtifact.where(type='x').resource}, {@code entry[0].resource}) or does not start with
     *         the resource type
     */
    static Optional<SearchParamPath> parse(String resourceType, String expression) {
        String rest = expression.trim();
        String resolveFilter = null;
        Matcher m = RESOLVE_IS.matcher(rest);
        if (m.find()) {
            resolveFilter = m.group(1);
            rest = rest.substring(0, m.start()).trim();
        }
        rest = unwrapParentheses(rest);
        String castType = null;
        Matcher cast = AS.matcher(rest);
        if (!cast.find()) {
            cast = OF_TYPE.matcher(rest);
            if (!cast.find()) {
                cast = null;
            }
        }
        if (cast != null) {
            castType = cast.group(1);
            rest = unwrapParentheses(rest.substring(0, cast.start()).trim());
        }
        String prefix = resourceType + ".";
        if (!rest.startsWith(prefix)) {
            return Optional.empty();
        }
        rest = rest.substring(prefix.length()).trim();
        if (!DOTTED.matcher(rest).matches()) {
            return Optional.empty();
        }
        return Optional.of(new SearchParamPath(rest, castType, resolveFilter));
    }

    private static String unwrapParentheses(String s) {
        String r = s;
        while (r.startsWith("(") && r.endsWith(")")) {
            r = r.substring(1, r.length() - 1).trim();
        }
        return r;
    }
}
