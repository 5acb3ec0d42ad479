package com.fhirpurge.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Finding role: which resources are in scope. Implementations never load a whole compartment or result set into
 * memory; every method is bounded by its {@code limit}.
 *
 * <p><b>Threading:</b> implementations are safe for concurrent use by many workers.
 * <b>Errors:</b> every method throws {@link StoreException} when the store fails (transient or not).
 */
public interface ResourceFinder {

    /**
     * Returns the next page of members of a compartment. Membership is decided by the reference index rows of a
     * resource's current version; a soft-deleted resource keeps its rows (its history still holds the patient's
     * data, so a purge must find it), a hard-deleted one has none and is never returned.
     *
     * <p>Contract:
     * <ul>
     *   <li>Members are the owner itself plus every resource of a member type that references the owner through
     *       any of its type's parameters; a resource is returned once even when several parameters match.</li>
     *   <li>Order is deterministic; a page holds at most {@code limit} keys.</li>
     *   <li>Passing a page's {@code nextPageToken} resumes strictly after that page's last item, even when
     *       items of earlier pages have been erased in between and even in a new process.</li>
     *   <li>Iterating from {@code null} until the token is {@code null} visits every member that existed during
     *       the whole iteration.</li>
     * </ul>
     *
     * @param scope     the compartment
     * @param pageToken {@code null} for the first page, else a token from a previous page of the same scope
     * @param limit     the maximum page size, at least 1
     * @return the page
     * @throws IllegalArgumentException when the token was not issued for this scope or the limit is below 1
     */
    ResourcePage findMembers(CompartmentScope scope, String pageToken, int limit);

    /**
     * Returns the first page of each of several compartments: for each scope exactly what
     * {@code findMembers(scope, null, limit)} returns, in the order of the scopes. The engine reads the compartments
     * of a group of small patients this way, so a store that can answer them in one round trip saves one per patient.
     *
     * <p>The default calls {@link #findMembers} once per scope; a store should override it only with an equivalent
     * answer (its contract test compares the two).
     *
     * @param scopes the compartments, at most a few dozen
     * @param limit  the maximum page size, at least 1
     * @return one page per scope, in the order of {@code scopes}
     * @throws IllegalArgumentException when the limit is below 1
     */
    default List<ResourcePage> findFirstPages(List<CompartmentScope> scopes, int limit) {
        List<ResourcePage> pages = new ArrayList<>(scopes.size());
        for (CompartmentScope scope : scopes) {
            pages.add(findMembers(scope, null, limit));
        }
        return pages;
    }

    /**
     * Counts the members of a compartment, with the same membership rule as {@link #findMembers}.
     *
     * @param scope the compartment
     * @return the number of distinct member resources
     */
    long countMembers(CompartmentScope scope);

    /**
     * Which of the given resources the store still holds any row of (a current version, tombstones included, or a
     * history version). The engine uses it to settle a batch whose outcome it cannot know: one a worker announced
     * and then died on, or one whose commit failed with a transient error after the database may have committed.
     *
     * @param keys the resources, at most a batch in size
     * @return those of them the store holds anything of, in the given order, each once
     */
    List<ResourceKey> findExisting(Collection<ResourceKey> keys);

    /**
     * Finds reference index rows pointing at any of the targets from resources that are not themselves among the
     * targets: the outside references into a set.
     *
     * @param targets the set, at most a batch in size
     * @param limit   the maximum number of rows, at least 1
     * @return at most {@code limit} rows, ordered by source, parameter, target
     */
    List<IndexedReference> findReferrers(Collection<ResourceKey> targets, int limit);
}
