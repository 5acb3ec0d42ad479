package com.fhirpurge.core.memory;

import com.fhirpurge.spi.IndexEntry;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.SearchCriterion;
import com.fhirpurge.spi.SearchParamType;
import com.fhirpurge.spi.SearchValue;
import com.fhirpurge.spi.SearchValue.DateValue;
import com.fhirpurge.spi.SearchValue.DateValue.DatePrefix;
import com.fhirpurge.spi.SearchValue.StringValue;
import com.fhirpurge.spi.SearchValue.TokenValue;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Function;

/**
 * The matching rules of {@link com.fhirpurge.spi.ResourceSearcher}, evaluated in Java over a resource's index
 * entries and reference rows: the in-memory store's search, and the executable statement of the rules.
 */
final class SearchMatcher {

    /** What the matcher needs of a stored resource. */
    interface Indexed {
        ResourceKey key();

        Instant lastUpdated();

        List<IndexEntry> index();

        List<IndexedReference> references();
    }

    private SearchMatcher() {
    }

    /**
     * Whether a resource matches a criterion.
     *
     * @param criterion the criterion
     * @param resource  the resource
     * @param resolve   finds a live referenced resource for chains, or {@code null}
     * @return whether any of its values matches
     */
    static boolean matches(SearchCriterion criterion, Indexed resource, Function<ResourceKey, Indexed> resolve) {
        if (criterion.isChained()) {
            for (IndexedReference ref : resource.references()) {
                if (ref.paramName().equals(criterion.parameter())
                        && ref.target().type().equals(criterion.chainType())) {
                    Indexed target = resolve.apply(ref.target());
                    if (target != null && anyValue(criterion.chainParameter(), criterion.valueType(),
                            criterion.anyOf(), target)) {
                        return true;
                    }
                }
            }
            return false;
        }
        return anyValue(criterion.parameter(), criterion.type(), criterion.anyOf(), resource);
    }

    private static boolean anyValue(String param, SearchParamType type, List<SearchValue> values, Indexed r) {
        for (SearchValue v : values) {
            if (value(param, type, v, r)) {
                return true;
            }
        }
        return false;
    }

    private static boolean value(String param, SearchParamType type, SearchValue v, Indexed r) {
        if (v instanceof SearchValue.IdValue id) {
            return r.key().id().equals(id.id());
        }
        if (v instanceof DateValue d && type == SearchParamType.LAST_UPDATED) {
            return date(d, r.lastUpdated(), r.lastUpdated().plus(1, ChronoUnit.MICROS));
        }
        if (v instanceof SearchValue.ReferenceValue ref) {
            for (IndexedReference row : r.references()) {
                if (row.paramName().equals(param) && row.target().id().equals(ref.id())
                        && (ref.type() == null || row.target().type().equals(ref.type()))) {
                    return true;
                }
            }
            return false;
        }
        for (IndexEntry e : r.index()) {
            if (!e.paramName().equals(param)) {
                continue;
            }
            if (v instanceof StringValue s && e instanceof IndexEntry.StringEntry se && string(s, se)) {
                return true;
            }
            if (v instanceof TokenValue t && e instanceof IndexEntry.TokenEntry te && token(t, te)) {
                return true;
            }
            if (v instanceof DateValue d && e instanceof IndexEntry.DateEntry de && date(d, de.low(), de.high())) {
                return true;
            }
        }
        return false;
    }

    private static boolean string(StringValue v, IndexEntry.StringEntry e) {
        return switch (v.match()) {
            case STARTS_WITH -> e.normalized().startsWith(v.text());
            case CONTAINS -> e.normalized().contains(v.text());
            case EXACT -> e.exact().equals(v.text());
        };
    }

    private static boolean token(TokenValue v, IndexEntry.TokenEntry e) {
        if (v.code() != null && !v.code().equals(e.code())) {
            return false;
        }
        if (v.system() == null) {
            return true;
        }
        return v.system().isEmpty() ? e.system() == null : v.system().equals(e.system());
    }

    /** Compares the value's range [vl, vh) with the indexed range [el, eh), as the SPI defines each prefix. */
    static boolean date(DateValue v, Instant el, Instant eh) {
        Instant vl = v.low();
        Instant vh = v.high();
        boolean within = !el.isBefore(vl) && !eh.isAfter(vh);
        DatePrefix p = v.prefix();
        return switch (p) {
            case EQ, AP -> within;
            case NE -> !within;
            case LT -> el.isBefore(vl);
            case GT -> eh.isAfter(vh);
            case LE -> el.isBefore(vh);
            case GE -> eh.isAfter(vl);
            case SA -> !el.isBefore(vh);
            case EB -> !eh.isAfter(vl);
        };
    }
}
