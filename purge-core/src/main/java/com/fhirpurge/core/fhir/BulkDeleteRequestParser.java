package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.Issue;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.SearchCriterion;
import com.fhirpurge.spi.SearchParamType;
import com.fhirpurge.spi.SearchValue;
import com.fhirpurge.spi.SearchValue.DateValue;
import com.fhirpurge.spi.SearchValue.DateValue.DatePrefix;
import com.fhirpurge.spi.SearchValue.StringValue;
import com.fhirpurge.spi.SearchValue.TokenValue;
import java.text.Normalizer;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and validates the query of a bulk delete ({@code DELETE [base]/$bulk-delete} or
 * {@code DELETE [base]/[type]/$bulk-delete}) against HAPI's R4 search parameter definitions, into one typed
 * {@link SearchCriteria} per resource type in scope. Nothing reaches a store as query text.
 *
 * <p>Reserved parameters: {@code _hardDelete} (also {@code hardDelete}) and {@code _purgeHistory} ({@code true} or
 * {@code false}, not both true) choose the {@link EraseMode}, soft delete by default; {@code excludedResourceTypes}
 * (a comma list, system level only) narrows the scope. Every other parameter is a criterion: {@code _id},
 * {@code _lastUpdated}, and the type's {@code string} (default starts-with, {@code :exact}, {@code :contains}),
 * {@code token} ({@code code}, {@code system|code}, {@code |code}, {@code system|}), {@code date} (prefixes
 * {@code eq ne lt le gt ge sa eb ap}, partial dates) and {@code reference} ({@code Type/id}, {@code id},
 * {@code :Type}) parameters, and one-level chains ({@code subject:Patient.birthdate}, {@code patient.name}). A comma
 * separates values that are ORed ({@code \,} is a literal comma); a repeated parameter is ANDed. At system level only
 * {@code _id} and {@code _lastUpdated}, which every type has, may be used.
 *
 * <p>Dates without a time zone are read as UTC; a time without a zone is refused. {@code ap} widens the value's
 * range by 10% of its distance from now, at least one day, as the specification suggests.
 *
 * <p>Every refusal is an {@link InvalidRequestException} (400) whose issues name the parameter and value. Thread-safe.
 */
public final class BulkDeleteRequestParser {

    /** The parameters that choose the mode and scope rather than select resources. */
    public static final Set<String> CONTROL_PARAMETERS = Set.of("_hardDelete", "hardDelete", "_purgeHistory",
            "excludedResourceTypes");

    private static final Pattern DATE = Pattern.compile(
            "(eq|ne|lt|le|gt|ge|sa|eb|ap)?(\\d{4}(?:-\\d{2}(?:-\\d{2}(?:T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?"
                    + "(?:Z|[+-]\\d{2}:\\d{2})?)?)?)?)");
    private static final Pattern REFERENCE = Pattern.compile("(?:([A-Z][A-Za-z]{0,63})/)?([A-Za-z0-9\\-.]{1,64})");

    private final FhirContext ctx;
    private final InstantSource clock;
    private final Set<String> resourceTypes;

    /**
     * Creates a parser.
     *
     * @param ctx   an R4 context, shared
     * @param clock the time source for {@code ap}
     */
    public BulkDeleteRequestParser(FhirContext ctx, InstantSource clock) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.clock = Objects.requireNonNull(clock, "clock");
        TreeSet<String> types = new TreeSet<>(ctx.getResourceTypes());
        types.remove("Parameters");
        this.resourceTypes = Set.copyOf(types);
    }

    /**
     * A parsed bulk delete.
     *
     * @param mode     how matching resources are erased
     * @param searches one search per resource type in scope, in resource type order
     */
    public record Parsed(EraseMode mode, List<SearchCriteria> searches) {

        /**
         * Copies.
         *
         * @param mode     see {@link #mode()}
         * @param searches see {@link #searches()}
         */
        public Parsed {
            Objects.requireNonNull(mode, "mode");
            searches = List.copyOf(searches);
        }
    }

    /**
     * Parses a bulk delete's query.
     *
     * @param resourceType the type of a type-level request, or {@code null} at system level
     * @param query        the decoded query parameters; a repeated name has several values
     * @return the mode and one search per type in scope
     * @throws InvalidRequestException (400) naming every unknown type or parameter, unsupported modifier or
     *                                 malformed value
     */
    public Parsed parse(String resourceType, Map<String, List<String>> query) {
        List<Issue> issues = new ArrayList<>();
        if (resourceType != null && !resourceTypes.contains(resourceType)) {
            throw InvalidRequestException.badRequest("not-supported", "Unknown resource type '"
                    + echo(resourceType) + "'", null);
        }
        Map<String, List<String>> sorted = new TreeMap<>(query);
        boolean hard = flag(sorted, "_hardDelete", issues) | flag(sorted, "hardDelete", issues);
        boolean purgeHistory = flag(sorted, "_purgeHistory", issues);
        if (hard && purgeHistory) {
            issues.add(Issue.error("invalid", "_hardDelete and _purgeHistory cannot both be true", null));
        }
        Set<String> scope = scope(resourceType, sorted.get("excludedResourceTypes"), issues);
        List<SearchCriteria> searches = new ArrayList<>();
        for (String type : scope) {
            List<SearchCriterion> criteria = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : sorted.entrySet()) {
                if (CONTROL_PARAMETERS.contains(e.getKey())) {
                    continue;
                }
                if (resourceType == null && !e.getKey().equals("_id") && !e.getKey().startsWith("_lastUpdated")) {
                    if (type.equals(scope.iterator().next())) {
                        issues.add(Issue.error("not-supported", "Parameter '" + echo(e.getKey()) + "' cannot be used "
                                + "at system level: only _id and _lastUpdated apply to every resource type", null));
                    }
                    continue;
                }
                for (String value : e.getValue()) {
                    int before = issues.size();
                    SearchCriterion c = criterion(type, e.getKey(), value, issues);
                    if (c != null && issues.size() == before) {
                        criteria.add(c);
                    }
                }
            }
            searches.add(new SearchCriteria(type, criteria));
            if (!issues.isEmpty()) {
                break;
            }
        }
        if (!issues.isEmpty()) {
            throw new InvalidRequestException(400, issues);
        }
        EraseMode mode = hard ? EraseMode.HARD_DELETE : purgeHistory ? EraseMode.PURGE_HISTORY : EraseMode.SOFT_DELETE;
        return new Parsed(mode, searches);
    }

    private static boolean flag(Map<String, List<String>> query, String name, List<Issue> issues) {
        List<String> values = query.get(name);
        if (values == null) {
            return false;
        }
        if (values.size() != 1 || !(values.get(0).equals("true") || values.get(0).equals("false"))) {
            issues.add(Issue.error("value", "Parameter " + name + " must be given once as true or false, was "
                    + echo(String.join(",", values)), null));
            return false;
        }
        return values.get(0).equals("true");
    }

    private Set<String> scope(String resourceType, List<String> excluded, List<Issue> issues) {
        if (resourceType != null) {
            if (excluded != null) {
                issues.add(Issue.error("not-supported", "excludedResourceTypes applies only at system level", null));
            }
            return Set.of(resourceType);
        }
        TreeSet<String> scope = new TreeSet<>(resourceTypes);
        if (excluded != null) {
            for (String list : excluded) {
                for (String t : list.split(",", -1)) {
                    String type = t.strip();
                    if (!resourceTypes.contains(type)) {
                        issues.add(Issue.error("value", "excludedResourceTypes names an unknown resource type '"
                                + echo(type) + "'", null));
                    }
                    scope.remove(type);
                }
            }
        }
        return scope;
    }

    private SearchCriterion criterion(String type, String rawName, String rawValue, List<Issue> issues) {
        String name = rawName;
        String chain = null;
        int dot = name.indexOf('.');
        if (dot >= 0) {
            chain = name.substring(dot + 1);
            name = name.substring(0, dot);
        }
        String modifier = null;
        int colon = name.indexOf(':');
        if (colon >= 0) {
            modifier = name.substring(colon + 1);
            name = name.substring(0, colon);
        }
        Param param = param(type, name);
        if (param == null) {
            issues.add(Issue.error("not-supported", "Unknown search parameter '" + echo(rawName) + "' for " + type,
                    null));
            return null;
        }
        List<String> values = splitValues(rawValue);
        if (values.isEmpty() || values.stream().anyMatch(String::isEmpty)) {
            issues.add(Issue.error("value", "Parameter '" + echo(rawName) + "' has an empty value", null));
            return null;
        }
        if (chain != null) {
            return chained(type, rawName, param, modifier, chain, values, issues);
        }
        List<SearchValue> parsed = new ArrayList<>();
        for (String v : values) {
            SearchValue sv = value(param.type, modifier, v, param.targets, rawName, issues);
            if (sv != null) {
                parsed.add(sv);
            }
        }
        return parsed.size() == values.size()
                ? new SearchCriterion(name, param.type, null, null, param.type, parsed) : null;
    }

    private SearchCriterion chained(String type, String rawName, Param param, String modifier, String chain,
                                    List<String> values, List<Issue> issues) {
        if (param.type != SearchParamType.REFERENCE) {
            issues.add(Issue.error("not-supported", "Only reference parameters can be chained: '" + echo(rawName)
                    + "'", null));
            return null;
        }
        if (chain.contains(".") || chain.contains(":")) {
            issues.add(Issue.error("not-supported", "Only one level of chaining without modifiers is supported: '"
                    + echo(rawName) + "'", null));
            return null;
        }
        String target;
        if (modifier != null) {
            target = modifier;
        } else if (param.targets.size() == 1) {
            target = param.targets.iterator().next();
        } else {
            issues.add(Issue.error("invalid", "Chain '" + echo(rawName) + "' is ambiguous: " + param.name
                    + " may point at " + param.targets + "; name the type, e.g. " + param.name + ":"
                    + (param.targets.isEmpty() ? "Patient" : param.targets.iterator().next()) + "." + chain, null));
            return null;
        }
        if (!param.targets.isEmpty() && !param.targets.contains(target)) {
            issues.add(Issue.error("not-supported", "Parameter " + param.name + " of " + type + " cannot point at '"
                    + echo(target) + "'", null));
            return null;
        }
        Param chained = resourceTypes.contains(target) ? param(target, chain) : null;
        if (chained == null) {
            issues.add(Issue.error("not-supported", "Unknown search parameter '" + echo(chain) + "' for "
                    + echo(target) + " in chain '" + echo(rawName) + "'", null));
            return null;
        }
        List<SearchValue> parsed = new ArrayList<>();
        for (String v : values) {
            SearchValue sv = value(chained.type, null, v, chained.targets, rawName, issues);
            if (sv != null) {
                parsed.add(sv);
            }
        }
        return parsed.size() == values.size()
                ? new SearchCriterion(param.name, SearchParamType.REFERENCE, target, chained.name, chained.type, parsed)
                : null;
    }

    /** A search parameter as the parser needs it. */
    private record Param(String name, SearchParamType type, Set<String> targets) {
    }

    private Param param(String type, String name) {
        if (name.equals("_id")) {
            return new Param(name, SearchParamType.ID, Set.of());
        }
        if (name.equals("_lastUpdated")) {
            return new Param(name, SearchParamType.LAST_UPDATED, Set.of());
        }
        RuntimeResourceDefinition def = ctx.getResourceDefinition(type);
        RuntimeSearchParam sp = def.getSearchParam(name);
        if (sp == null || name.startsWith("_")) {
            return null;
        }
        SearchParamType t = switch (sp.getParamType()) {
            case STRING -> SearchParamType.STRING;
            case TOKEN -> SearchParamType.TOKEN;
            case DATE -> SearchParamType.DATE;
            case REFERENCE -> SearchParamType.REFERENCE;
            default -> null;
        };
        if (t == null) {
            return null;
        }
        Set<String> targets = sp.getTargets() == null ? Set.of() : Set.copyOf(sp.getTargets());
        return new Param(name, t, targets);
    }

    private SearchValue value(SearchParamType type, String modifier, String v, Set<String> targets, String rawName,
                              List<Issue> issues) {
        switch (type) {
            case STRING -> {
                StringValue.Match match;
                if (modifier == null) {
                    match = StringValue.Match.STARTS_WITH;
                } else if (modifier.equals("exact")) {
                    match = StringValue.Match.EXACT;
                } else if (modifier.equals("contains")) {
                    match = StringValue.Match.CONTAINS;
                } else {
                    return unsupportedModifier(rawName, modifier, issues);
                }
                return new StringValue(match == StringValue.Match.EXACT ? v : normalize(v), match);
            }
            case TOKEN -> {
                if (modifier != null) {
                    return unsupportedModifier(rawName, modifier, issues);
                }
                int bar = v.indexOf('|');
                if (bar < 0) {
                    return new TokenValue(null, v);
                }
                String system = v.substring(0, bar);
                String code = v.substring(bar + 1);
                if (system.isEmpty() && code.isEmpty()) {
                    issues.add(Issue.error("value", "Token '" + echo(v) + "' of '" + echo(rawName) + "' is empty",
                            null));
                    return null;
                }
                return new TokenValue(system, code.isEmpty() ? null : code);
            }
            case DATE, LAST_UPDATED -> {
                if (modifier != null) {
                    return unsupportedModifier(rawName, modifier, issues);
                }
                return date(v, rawName, issues);
            }
            case REFERENCE -> {
                Matcher m = REFERENCE.matcher(v);
                if (!m.matches()) {
                    issues.add(Issue.error("value", "Reference '" + echo(v) + "' of '" + echo(rawName)
                            + "' is not Type/id or id", null));
                    return null;
                }
                String refType = m.group(1) != null ? m.group(1) : modifier;
                if (modifier != null && m.group(1) != null && !modifier.equals(m.group(1))) {
                    issues.add(Issue.error("value", "Reference '" + echo(v) + "' contradicts the modifier :"
                            + echo(modifier), null));
                    return null;
                }
                if (refType != null && (!resourceTypes.contains(refType)
                        || (!targets.isEmpty() && !targets.contains(refType)))) {
                    issues.add(Issue.error(modifier != null ? "not-supported" : "value", "Parameter '"
                            + echo(rawName) + "' cannot point at '" + echo(refType) + "'", null));
                    return null;
                }
                return new SearchValue.ReferenceValue(refType, m.group(2));
            }
            case ID -> {
                if (modifier != null) {
                    return unsupportedModifier(rawName, modifier, issues);
                }
                if (!FhirIds.isValid(v)) {
                    issues.add(Issue.error("value", "'" + echo(v) + "' is not a valid id for _id", null));
                    return null;
                }
                return new SearchValue.IdValue(v);
            }
            default -> throw new IllegalStateException("Unhandled parameter type " + type);
        }
    }

    private static SearchValue unsupportedModifier(String rawName, String modifier, List<Issue> issues) {
        issues.add(Issue.error("not-supported", "Modifier :" + echo(modifier) + " is not supported on '"
                + echo(rawName) + "'", null));
        return null;
    }

    private DateValue date(String v, String rawName, List<Issue> issues) {
        Matcher m = DATE.matcher(v);
        if (!m.matches()) {
            issues.add(Issue.error("value", "'" + echo(v) + "' of '" + echo(rawName) + "' is not a FHIR date "
                    + "(an optional prefix eq|ne|lt|le|gt|ge|sa|eb|ap, then YYYY, YYYY-MM, YYYY-MM-DD or a dateTime "
                    + "with time zone)", null));
            return null;
        }
        DatePrefix prefix = m.group(1) == null ? DatePrefix.EQ : DatePrefix.valueOf(m.group(1).toUpperCase(Locale.ROOT));
        String text = m.group(2);
        Instant low;
        Instant high;
        try {
            if (text.length() == 4) {
                low = LocalDate.of(Integer.parseInt(text), 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC);
                high = LocalDate.of(Integer.parseInt(text) + 1, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC);
            } else if (text.length() == 7) {
                YearMonth ym = YearMonth.parse(text);
                low = ym.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
                high = ym.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            } else if (text.length() == 10) {
                LocalDate d = LocalDate.parse(text);
                low = d.atStartOfDay().toInstant(ZoneOffset.UTC);
                high = d.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            } else {
                if (!text.endsWith("Z") && !text.matches(".*[+-]\\d{2}:\\d{2}$")) {
                    issues.add(Issue.error("value", "'" + echo(v) + "' of '" + echo(rawName) + "' has a time but no "
                            + "time zone", null));
                    return null;
                }
                boolean withSeconds = text.length() > 16 && text.charAt(16) == ':';
                String full = withSeconds ? text : text.substring(0, 16) + ":00" + text.substring(16);
                OffsetDateTime t = OffsetDateTime.parse(full);
                low = t.toInstant();
                int dotIndex = text.indexOf('.');
                Duration precision;
                if (!withSeconds) {
                    precision = Duration.ofMinutes(1);
                } else if (dotIndex < 0) {
                    precision = Duration.ofSeconds(1);
                } else {
                    int digits = 0;
                    while (dotIndex + 1 + digits < text.length() && Character.isDigit(text.charAt(dotIndex + 1 + digits))) {
                        digits++;
                    }
                    precision = Duration.ofNanos((long) Math.pow(10, 9 - digits));
                }
                high = low.plus(precision);
            }
        } catch (DateTimeException e) {
            issues.add(Issue.error("value", "'" + echo(v) + "' of '" + echo(rawName) + "' is not a valid date: "
                    + e.getMessage(), null));
            return null;
        }
        if (prefix == DatePrefix.AP) {
            Instant now = clock.instant();
            long distance = Math.abs(Duration.between(now, low).toMillis());
            Duration widen = Duration.ofMillis(Math.max(Duration.ofDays(1).toMillis(), distance / 10));
            low = low.minus(widen);
            high = high.plus(widen);
        }
        return new DateValue(prefix, low, high);
    }

    /** Splits on commas that are not escaped with a backslash; {@code \,} and {@code \\} are unescaped. */
    static List<String> splitValues(String raw) {
        List<String> values = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length() && (raw.charAt(i + 1) == ',' || raw.charAt(i + 1) == '\\')) {
                current.append(raw.charAt(++i));
            } else if (c == ',') {
                values.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        values.add(current.toString());
        return values;
    }

    /**
     * The normal form string parameters are matched in: lower case, accents removed.
     *
     * @param text any text
     * @return its normal form
     */
    public static String normalize(String text) {
        String decomposed = Normalizer.normalize(text, Normalizer.Form.NFD);
        return decomposed.replaceAll("\\p{M}+", "").toLowerCase(Locale.ROOT);
    }

    private static String echo(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
