package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.util.FhirTerser;
import com.fhirpurge.spi.IndexEntry;
import com.fhirpurge.spi.IndexEntry.DateEntry;
import com.fhirpurge.spi.IndexEntry.StringEntry;
import com.fhirpurge.spi.IndexEntry.TokenEntry;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumeration;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Timing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a resource into its search index entries: one {@link IndexEntry} per value of every {@code string},
 * {@code token} and {@code date} search parameter of the resource's type (parameters whose name starts with
 * {@code _}, such as {@code _id} and {@code _lastUpdated}, are not indexed here). The parameters' expressions are
 * compiled once, at construction, with {@link CompiledSearchParams}, as for the reference rows; branches outside the
 * supported FHIRPath subset ({@code telecom.where(system='phone')}, {@code deceased.exists() and …}) are skipped and
 * logged at DEBUG once.
 *
 * <p>Values: {@code string} parameters index primitive strings, {@code HumanName} parts and {@code Address} parts;
 * {@code token} parameters index {@code Coding}s (also inside a {@code CodeableConcept}), {@code Identifier}s,
 * {@code ContactPoint} values, codes (with the code system HAPI knows for a bound enumeration), booleans and other
 * primitives; {@code date} parameters index dates, dateTimes and instants as the range their precision covers (a
 * value without time zone read as UTC), {@code Period}s and {@code Timing} events. Other values are ignored.
 *
 * <p>Thread-safe after construction.
 */
final class SearchIndexExtractor {

    private static final Logger LOG = LoggerFactory.getLogger(SearchIndexExtractor.class);

    private static final Pattern DATE_TIME = Pattern.compile(
            "(\\d{4})(?:-(\\d{2})(?:-(\\d{2})(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?"
                    + "(Z|[+-]\\d{2}:\\d{2})?)?)?)?");

    private final FhirContext ctx;
    private final Map<String, List<CompiledSearchParams.Param>> paramsByType;
    private final List<String> skippedExpressions;

    /**
     * Compiles the string, token and date search parameters of every resource type of the context.
     *
     * @param ctx an R4 context, shared
     */
    SearchIndexExtractor(FhirContext ctx) {
        this.ctx = ctx;
        List<String> skipped = new ArrayList<>();
        this.paramsByType = CompiledSearchParams.compile(ctx,
                Set.of(RestSearchParameterTypeEnum.STRING, RestSearchParameterTypeEnum.TOKEN,
                        RestSearchParameterTypeEnum.DATE),
                sp -> !sp.getName().startsWith("_"), p -> p.resolveFilter() == null, skipped);
        this.skippedExpressions = List.copyOf(skipped);
        LOG.debug("Search index extraction skips {} expression branches it cannot evaluate: {}",
                skipped.size(), skipped);
    }

    /**
     * The search index entries of a resource, de-duplicated, in parameter order, then document order.
     *
     * @param resource any resource of the context's version
     * @return the entries; empty when the resource has no indexed values
     */
    List<IndexEntry> extract(IBaseResource resource) {
        String type = ctx.getResourceType(resource);
        FhirTerser terser = ctx.newTerser();
        Set<IndexEntry> entries = new LinkedHashSet<>();
        for (CompiledSearchParams.Param param : paramsByType.getOrDefault(type, List.of())) {
            for (CompiledSearchParams.Branch branch : param.branches()) {
                for (IBase value : terser.getValues(resource, branch.terserPath())) {
                    if (value == null || value.isEmpty() || !castMatches(branch, value)) {
                        continue;
                    }
                    switch (param.type()) {
                        case STRING -> strings(param.name(), value, entries);
                        case TOKEN -> tokens(param.name(), value, entries);
                        case DATE -> dates(param.name(), value, entries);
                        default -> {
                            // only the three types above are compiled
                        }
                    }
                }
            }
        }
        return List.copyOf(entries);
    }

    /** Expression branches (as {@code Type.param: expression}) skipped because they cannot be evaluated. */
    List<String> skippedExpressions() {
        return skippedExpressions;
    }

    private boolean castMatches(CompiledSearchParams.Branch branch, IBase value) {
        if (branch.castType() == null) {
            return true;
        }
        BaseRuntimeElementDefinition<?> def = ctx.getElementDefinition(value.getClass());
        return def != null && branch.castType().equalsIgnoreCase(def.getName());
    }

    private static void strings(String param, IBase value, Set<IndexEntry> out) {
        if (value instanceof HumanName name) {
            addString(param, name.getFamily(), out);
            name.getGiven().forEach(v -> addString(param, v.getValue(), out));
            name.getPrefix().forEach(v -> addString(param, v.getValue(), out));
            name.getSuffix().forEach(v -> addString(param, v.getValue(), out));
            addString(param, name.getText(), out);
        } else if (value instanceof Address address) {
            address.getLine().forEach(v -> addString(param, v.getValue(), out));
            addString(param, address.getCity(), out);
            addString(param, address.getDistrict(), out);
            addString(param, address.getState(), out);
            addString(param, address.getPostalCode(), out);
            addString(param, address.getCountry(), out);
            addString(param, address.getText(), out);
        } else if (value instanceof IPrimitiveType<?> primitive && primitive.getValue() instanceof String s) {
            addString(param, s, out);
        }
    }

    private static void addString(String param, String value, Set<IndexEntry> out) {
        if (value != null && !value.isBlank()) {
            out.add(new StringEntry(param, BulkDeleteRequestParser.normalize(value), value));
        }
    }

    private static void tokens(String param, IBase value, Set<IndexEntry> out) {
        if (value instanceof Coding coding) {
            addToken(param, coding.getSystem(), coding.getCode(), out);
        } else if (value instanceof CodeableConcept concept) {
            concept.getCoding().forEach(c -> addToken(param, c.getSystem(), c.getCode(), out));
        } else if (value instanceof Identifier identifier) {
            addToken(param, identifier.getSystem(), identifier.getValue(), out);
        } else if (value instanceof ContactPoint contactPoint) {
            addToken(param, null, contactPoint.getValue(), out);
        } else if (value instanceof Enumeration<?> enumeration) {
            addToken(param, systemOf(enumeration), enumeration.getValueAsString(), out);
        } else if (value instanceof BooleanType bool) {
            if (bool.getValue() != null) {
                addToken(param, null, bool.getValue() ? "true" : "false", out);
            }
        } else if (value instanceof IPrimitiveType<?> primitive) {
            addToken(param, null, primitive.getValueAsString(), out);
        }
    }

    /** The code system HAPI binds an enumeration to, or {@code null} when it knows none. */
    private static String systemOf(Enumeration<?> enumeration) {
        String system;
        try {
            system = enumeration.getSystem();
        } catch (RuntimeException e) { // an enumeration without a factory or with an unknown value
            return null;
        }
        return system == null || system.isBlank() || "?".equals(system) ? null : system;
    }

    private static void addToken(String param, String system, String code, Set<IndexEntry> out) {
        if (code != null && !code.isBlank()) {
            out.add(new TokenEntry(param, system == null || system.isBlank() ? null : system, code));
        }
    }

    private static void dates(String param, IBase value, Set<IndexEntry> out) {
        if (value instanceof BaseDateTimeType date) {
            Instant[] range = range(date);
            if (range != null) {
                out.add(new DateEntry(param, range[0], range[1]));
            }
        } else if (value instanceof Period period) {
            Instant[] start = period.hasStartElement() ? range(period.getStartElement()) : null;
            Instant[] end = period.hasEndElement() ? range(period.getEndElement()) : null;
            if (start == null && end == null) {
                return;
            }
            Instant low = start == null ? Instant.MIN : start[0];
            Instant high = end == null ? Instant.MAX : end[1];
            if (!high.isBefore(low)) {
                out.add(new DateEntry(param, low, high));
            }
        } else if (value instanceof Timing timing) {
            for (DateTimeType event : timing.getEvent()) {
                dates(param, event, out);
            }
        }
    }

    /**
     * The half-open range a date, dateTime or instant covers by its precision, read from its text so that a value
     * without time zone is read as UTC (HAPI would use the JVM's zone); {@code null} when it has no valid value.
     */
    static Instant[] range(BaseDateTimeType date) {
        String text = date.getValueAsString();
        if (text == null) {
            return null;
        }
        Matcher m = DATE_TIME.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        try {
            int year = Integer.parseInt(m.group(1));
            if (m.group(2) == null) {
                LocalDate d = LocalDate.of(year, 1, 1);
                return new Instant[] {utc(d), utc(d.plusYears(1))};
            }
            int month = Integer.parseInt(m.group(2));
            if (m.group(3) == null) {
                LocalDate d = LocalDate.of(year, month, 1);
                return new Instant[] {utc(d), utc(d.plusMonths(1))};
            }
            LocalDate day = LocalDate.of(year, month, Integer.parseInt(m.group(3)));
            if (m.group(4) == null) {
                return new Instant[] {utc(day), utc(day.plusDays(1))};
            }
            ZoneOffset offset = m.group(8) == null ? ZoneOffset.UTC : ZoneOffset.of(m.group(8));
            LocalDateTime time = day.atTime(Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)));
            ChronoUnit precision = ChronoUnit.MINUTES;
            if (m.group(6) != null) {
                time = time.withSecond(Integer.parseInt(m.group(6)));
                precision = ChronoUnit.SECONDS;
                if (m.group(7) != null) {
                    String millis = (m.group(7) + "00").substring(0, 3);
                    time = time.withNano(Integer.parseInt(millis) * 1_000_000);
                    precision = ChronoUnit.MILLIS;
                }
            }
            Instant low = time.toInstant(offset);
            return new Instant[] {low, low.plus(1, precision)};
        } catch (DateTimeException | NumberFormatException e) {
            return null;
        }
    }

    private static Instant utc(LocalDate date) {
        return date.atStartOfDay().toInstant(ZoneOffset.UTC);
    }
}
