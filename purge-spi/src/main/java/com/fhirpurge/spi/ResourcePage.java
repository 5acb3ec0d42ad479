package com.fhirpurge.spi;

import java.util.List;

/**
 * One page of resource keys and the token to fetch the next one.
 *
 * @param items         the keys on this page, at most the requested limit, in the store's deterministic order
 * @param nextPageToken an opaque token that resumes after the last item of this page, or {@code null} when
 *                      nothing follows; tokens survive process restarts (the engine checkpoints them)
 */
public record ResourcePage(List<ResourceKey> items, String nextPageToken) {

    /**
     * Copies the items.
     *
     * @param items see {@link #items()}
     * @param nextPageToken see {@link #nextPageToken()}
     */
    public ResourcePage {
        items = List.copyOf(items);
    }

    /**
     * Whether another page may follow.
     *
     * @return {@code true} when {@link #nextPageToken()} is set
     */
    public boolean hasNext() {
        return nextPageToken != null;
    }
}
