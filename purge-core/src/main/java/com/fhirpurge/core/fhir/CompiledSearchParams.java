package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Search parameters compiled once into {@link ca.uhn.fhir.util.FhirTerser} element paths, per resource type: each
 * FHIRPath branch is parsed with {@link SearchParamPath} and its dotted path checked against the resource's element
 * definitions. Shared by the reference and the search index extraction.
 */
final class CompiledSearchParams {

    private CompiledSearchParams() {
    }

    /**
     * A compiled search parameter.
     *
     * @param name     the parameter's name
     * @param type     the parameter's type
     * @param branches its compiled branches, never empty
     */
    record Param(String name, RestSearchParameterTypeEnum type, List<Branch> branches) {
    }

    /**
     * A compiled expression branch.
     *
     * @param terserPath    the element path the terser evaluates, e.g. {@code name.family} or {@code effective[x]}
     * @param castType      the FHIR type of an {@code as}/{@code ofType} cast (e.g. {@code CodeableConcept}), or
     *                      {@code null}
     * @param resolveFilter the target resource type of a {@code .where(resolve() is X)}, or {@code null}
     */
    record Branch(String terserPath, String castType, String resolveFilter) {
    }

    /**
     * Compiles the search parameters of the given types of every resource type of the context.
     *
     * @param ctx        the context
     * @param types      the parameter types to compile
     * @param include    which parameters to compile (beyond their type)
     * @param acceptPath which parsed branches to keep (e.g. only casts to {@code Reference})
     * @param skipped    receives {@code Type.param: expression} for every branch that is not compiled
     * @return the compiled parameters by resource type; types without any are absent
     */
    static Map<String, List<Param>> compile(FhirContext ctx, Set<RestSearchParameterTypeEnum> types,
                                            Predicate<RuntimeSearchParam> include,
                                            Predicate<SearchParamPath> acceptPath, List<String> skipped) {
        Map<String, List<Param>> byType = new HashMap<>();
        for (String type : ctx.getResourceTypes()) {
            List<Param> params = compileType(ctx, type, types, include, acceptPath, skipped);
            if (!params.isEmpty()) {
                byType.put(type, List.copyOf(params));
            }
        }
        return Map.copyOf(byType);
    }

    private static List<Param> compileType(FhirContext ctx, String type, Set<RestSearchParameterTypeEnum> types,
                                           Predicate<RuntimeSearchParam> include,
                                           Predicate<SearchParamPath> acceptPath, List<String> skipped) {
        BaseRuntimeElementCompositeDefinition<?> def = ctx.getResourceDefinition(type);
        List<Param> params = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (RuntimeSearchParam sp : ctx.getResourceDefinition(type).getSearchParams()) {
            if (!types.contains(sp.getParamType()) || !include.test(sp) || !seen.add(sp.getName())) {
                continue;
            }
            List<Branch> branches = new ArrayList<>();
            for (String expression : SearchParamPaths.branches(sp)) {
                Branch branch = SearchParamPath.parse(type, expression)
                        .filter(acceptPath)
                        .map(p -> compileBranch(def, p))
                        .orElse(null);
                if (branch == null) {
                    skipped.add(type + "." + sp.getName() + ": " + expression);
                } else {
                    branches.add(branch);
                }
            }
            if (!branches.isEmpty()) {
                params.add(new Param(sp.getName(), sp.getParamType(), List.copyOf(branches)));
            }
        }
        return params;
    }

    /**
     * Maps a dotted element path onto names the terser accepts: a choice element {@code medication[x]} is addressed
     * as {@code medication[x]} (the terser refuses the bare name), allowed only as the last step.
     */
    private static Branch compileBranch(BaseRuntimeElementCompositeDefinition<?> resourceDef, SearchParamPath path) {
        String[] steps = path.elementPath().split("\\.");
        BaseRuntimeElementCompositeDefinition<?> current = resourceDef;
        StringBuilder terserPath = new StringBuilder();
        for (int i = 0; i < steps.length; i++) {
            boolean last = i == steps.length - 1;
            String name = steps[i];
            BaseRuntimeChildDefinition child = current.getChildByName(name);
            if (child == null) {
                name = steps[i] + "[x]";
                child = current.getChildByName(name);
                if (child == null || !last) {
                    return null;
                }
            }
            if (terserPath.length() > 0) {
                terserPath.append('.');
            }
            terserPath.append(name);
            if (!last) {
                BaseRuntimeElementDefinition<?> element = child.getChildByName(name);
                if (!(element instanceof BaseRuntimeElementCompositeDefinition<?> composite)) {
                    return null;
                }
                current = composite;
            }
        }
        return new Branch(terserPath.toString(), path.castType(), path.resolveFilter());
    }
}
