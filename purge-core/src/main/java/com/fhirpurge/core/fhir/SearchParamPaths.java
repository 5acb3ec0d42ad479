package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.RuntimeSearchParam;
import java.util.ArrayList;
import java.util.List;

/** Splits a search parameter's expression into its {@code |} branches. */
final class SearchParamPaths {

    private SearchParamPaths() {
    }

    /**
     * The trimmed, non-blank branches of a search parameter's expression: {@link RuntimeSearchParam#getPathsSplit()}
     * when HAPI provides it, else {@link RuntimeSearchParam#getPath()} split on {@code |}.
     */
    static List<String> branches(RuntimeSearchParam sp) {
        List<String> raw = sp.getPathsSplit();
        if (raw == null || raw.isEmpty()) {
            String path = sp.getPath();
            raw = path == null ? List.of() : List.of(path.split("\\|"));
        }
        List<String> out = new ArrayList<>(raw.size());
        for (String s : raw) {
            if (s != null && !s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
