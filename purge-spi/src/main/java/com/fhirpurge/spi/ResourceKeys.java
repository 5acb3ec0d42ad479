package com.fhirpurge.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Helpers every store writes when it erases a batch: group the keys by type (one statement or collection per type),
 * and report what was erased in batch order, as the erasing role's contract asks. Stateless and thread-safe.
 */
public final class ResourceKeys {

    private ResourceKeys() {
    }

    /**
     * The ids of a batch grouped by resource type, duplicates dropped, first-seen order kept.
     *
     * @param keys the batch
     * @return resource type to its ids
     */
    public static Map<String, List<String>> groupByType(Collection<ResourceKey> keys) {
        Map<String, List<String>> byType = new LinkedHashMap<>();
        for (ResourceKey k : new LinkedHashSet<>(keys)) {
            byType.computeIfAbsent(k.type(), t -> new ArrayList<>()).add(k.id());
        }
        return byType;
    }

    /**
     * The keys of a batch that a store call hit, in batch order, each once.
     *
     * @param batch the batch as given
     * @param hit   the keys the call changed
     * @return the hit keys in batch order
     */
    public static List<ResourceKey> inBatchOrder(Collection<ResourceKey> batch, Set<ResourceKey> hit) {
        List<ResourceKey> ordered = new ArrayList<>();
        for (ResourceKey k : new LinkedHashSet<>(batch)) {
            if (hit.contains(k)) {
                ordered.add(k);
            }
        }
        return ordered;
    }

    /**
     * Splits a list into consecutive views of at most {@code size} elements.
     *
     * @param <T>  the element type
     * @param list the list
     * @param size the largest chunk, at least 1
     * @return the chunks, views of the list
     */
    public static <T> List<List<T>> chunks(List<T> list, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1, was " + size);
        }
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < list.size(); i += size) {
            chunks.add(list.subList(i, Math.min(list.size(), i + size)));
        }
        return chunks;
    }
}
