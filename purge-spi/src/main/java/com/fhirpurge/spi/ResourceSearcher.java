package com.fhirpurge.spi;

import java.time.Instant;

/**
 * Searching role (optional): the resources of one type that match validated {@link SearchCriteria}, for bulk
 * delete. A store answers from the search index entries ({@link IndexEntry}) and reference rows written with each
 * version, or from a search engine of its own; it declares what it can answer in {@link #support()}.
 *
 * <p>Matching: every criterion must match (AND); a criterion matches when any of its values does (OR). Only live
 * current versions match (not soft-deleted tombstones, never history), and only those last updated at or before
 * {@code notAfter}, the job's snapshot: what is written after the kick-off survives it. Strings: the normalised
 * value starts with (default) or contains the normalised text, or the value as written equals it ({@code :exact}).
 * Tokens: code (any system), {@code |code} (no system), {@code system|} (any code) or both. Dates compare the
 * value's range {@code [low, high)} with the indexed range: {@code eq}/{@code ap} within, {@code ne} not within,
 * {@code lt} starts before, {@code gt} ends after, {@code le} starts before the value ends, {@code ge} ends after
 * the value starts, {@code sa} starts at or after the value's end, {@code eb} ends at or before the value's start.
 * References: a reference row of the parameter to the id (and type, when given). Chains: a reference row of the
 * parameter to a resource of the chain's type that matches the chained parameter.
 *
 * <p><b>Threading:</b> safe for concurrent use. <b>Errors:</b> {@link StoreException}.
 */
public interface ResourceSearcher {

    /**
     * What this store can answer.
     *
     * @return the supported parameter types, string matches and chains
     */
    SearchSupport support();

    /**
     * The next page of matching resources, in the store's deterministic order (keyset: a token resumes strictly
     * after its page, even when that page was erased meanwhile).
     *
     * @param criteria  the validated criteria
     * @param notAfter  the snapshot: only versions last updated at or before it match
     * @param pageToken {@code null} for the first page, else a token of a previous page of the same search
     * @param limit     the page size, at least 1
     * @return the page
     */
    ResourcePage search(SearchCriteria criteria, Instant notAfter, String pageToken, int limit);

    /**
     * Counts the matching resources.
     *
     * @param criteria the validated criteria
     * @param notAfter the snapshot
     * @return the number of matching resources
     */
    long count(SearchCriteria criteria, Instant notAfter);
}
