package com.fhirpurge.core.http;

import java.util.regex.Pattern;

/**
 * Reads SMART on FHIR resource scopes: v2 {@code (system|user)/(Type|*).[c][r][u][d][s]} (the letters a subset of
 * {@code cruds}, in that order) and v1 {@code .read} (read and search), {@code .write} (create, update, delete) and
 * {@code .*}. Constrained v2 scopes ({@code ?param=value}) grant nothing here, since a request cannot be proven to
 * stay within the constraint; {@code patient/} scopes grant nothing either, as they are bound to one patient's
 * context. Stateless and thread-safe.
 */
public final class SmartScopes {

    private static final Pattern V2_PERMISSIONS = Pattern.compile("c?r?u?d?s?");

    private SmartScopes() {
    }

    /**
     * Whether a caller's scopes grant a permission on a resource type.
     *
     * @param caller     the caller, {@code null} for none
     * @param type       the resource type, or {@code *} when every type is concerned (only a {@code *} scope grants
     *                   that)
     * @param permission one of {@code c r u d s}
     * @return {@code true} when a {@code system/} or {@code user/} scope on the type or on {@code *} grants it
     */
    public static boolean permits(Caller caller, String type, char permission) {
        if (caller == null) {
            return false;
        }
        for (String scope : caller.scopes()) {
            int slash = scope.indexOf('/');
            int dot = scope.lastIndexOf('.');
            if (slash < 0 || dot < slash) {
                continue;
            }
            String level = scope.substring(0, slash);
            String resource = scope.substring(slash + 1, dot);
            String rights = scope.substring(dot + 1);
            if (!(level.equals("system") || level.equals("user")) || !(resource.equals(type) || resource.equals("*"))) {
                continue;
            }
            boolean granted = switch (rights) {
                case "*" -> true;
                case "read" -> permission == 'r' || permission == 's';
                case "write" -> permission == 'c' || permission == 'u' || permission == 'd';
                default -> !rights.isEmpty() && V2_PERMISSIONS.matcher(rights).matches()
                        && rights.indexOf(permission) >= 0;
            };
            if (granted) {
                return true;
            }
        }
        return false;
    }
}
