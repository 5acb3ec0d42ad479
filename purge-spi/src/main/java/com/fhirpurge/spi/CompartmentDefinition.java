package com.fhirpurge.spi;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A compartment definition given as data: the compartment's resource type and, for each member resource type,
 * the parameters through which it joins. The core builds the FHIR R4 Patient compartment from HAPI's model; a store
 * only reads this value.
 *
 * <p>Membership rule: a resource is a member of the compartment owned by {@code code/ownerId} when it is the owner
 * itself, or when its type is a member type and <em>any</em> of that type's parameters references the owner
 * (a union, not an intersection).
 *
 * @param code    the compartment's resource type, e.g. {@code Patient}
 * @param members member resource type to its parameters; iteration is in resource type order
 */
public record CompartmentDefinition(String code, SortedMap<String, List<CompartmentParam>> members) {

    /**
     * Validates and copies into an unmodifiable, type-ordered map.
     *
     * @throws IllegalArgumentException when a type name is invalid or a member type has no parameter
     *
     * @param code see {@link #code()}
     * @param members see {@link #members()}
     */
    public CompartmentDefinition {
        if (!ResourceKey.isResourceTypeName(code)) {
            throw new IllegalArgumentException("Not a resource type name: '" + code + "'");
        }
        Objects.requireNonNull(members, "members");
        TreeMap<String, List<CompartmentParam>> copy = new TreeMap<>();
        for (Map.Entry<String, List<CompartmentParam>> e : members.entrySet()) {
            if (!ResourceKey.isResourceTypeName(e.getKey())) {
                throw new IllegalArgumentException("Not a resource type name: '" + e.getKey() + "'");
            }
            List<CompartmentParam> params = List.copyOf(e.getValue());
            if (params.isEmpty()) {
                throw new IllegalArgumentException("Member type " + e.getKey() + " has no parameter");
            }
            copy.put(e.getKey(), params);
        }
        members = Collections.unmodifiableSortedMap(copy);
    }

    /**
     * Convenience factory from any map.
     *
     * @param code    the compartment's resource type
     * @param members member type to parameters
     * @return the definition
     */
    public static CompartmentDefinition of(String code, Map<String, List<CompartmentParam>> members) {
        return new CompartmentDefinition(code, new TreeMap<>(members));
    }

    /**
     * The parameters of one member type.
     *
     * @param resourceType a resource type
     * @return its parameters, empty when the type is not a member type
     */
    public List<CompartmentParam> paramsOf(String resourceType) {
        return members.getOrDefault(resourceType, List.of());
    }

    /**
     * Whether a resource of this type joins the compartment through the named parameter.
     *
     * @param resourceType a resource type
     * @param paramName    a search parameter name
     * @return {@code true} when the definition lists that parameter for that type
     */
    public boolean isMemberParam(String resourceType, String paramName) {
        for (CompartmentParam p : paramsOf(resourceType)) {
            if (p.name().equals(paramName)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The owners of the compartments a resource is in, by the membership rule: the resource itself when it is of the
     * compartment's type, then every owner it references through a member parameter of its type.
     *
     * @param resource   the resource
     * @param references the reference index rows of its current version
     * @return the owner ids, each once, in that order
     */
    public Set<String> ownersOf(ResourceKey resource, Collection<IndexedReference> references) {
        Set<String> owners = new LinkedHashSet<>();
        if (resource.type().equals(code)) {
            owners.add(resource.id());
        }
        for (IndexedReference r : references) {
            if (r.target().type().equals(code) && isMemberParam(resource.type(), r.paramName())) {
                owners.add(r.target().id());
            }
        }
        return owners;
    }
}
