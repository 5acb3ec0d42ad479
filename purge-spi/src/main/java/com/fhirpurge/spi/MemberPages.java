package com.fhirpurge.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The page tokens and page assembly of {@link ResourceFinder#findMembers} that the shipped stores share, for stores
 * that list a compartment as its owner first and then the members in a stable key order: a page holds the owner
 * (on the first page, when its resource exists) and then members; its token is {@code o} after a page that the
 * owner alone filled, or {@code m:Type/id}, the last member listed.
 *
 * <p>Utility class; thread-safe.
 */
public final class MemberPages {

    private static final String OWNER_DONE = "o";
    private static final String MEMBER_CURSOR = "m:";

    private MemberPages() {
    }

    /**
     * Whether scopes share one compartment definition, so that one query can read them together. Compares by identity
     * first: a definition's equality walks its every parameter.
     *
     * @param scopes at least one scope
     * @return {@code true} when every scope has the first one's definition
     */
    public static boolean oneDefinition(List<CompartmentScope> scopes) {
        CompartmentDefinition first = scopes.get(0).definition();
        for (CompartmentScope s : scopes) {
            if (s.definition() != first && !s.definition().equals(first)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The member to resume after.
     *
     * @param pageToken a token of {@link #page}, or {@code null} for the first page
     * @return the last member listed, {@code null} to start with the first member
     * @throws IllegalArgumentException when the token is not one of these
     */
    public static ResourceKey after(String pageToken) {
        if (pageToken == null || pageToken.equals(OWNER_DONE)) {
            return null;
        }
        if (!pageToken.startsWith(MEMBER_CURSOR)) {
            throw new IllegalArgumentException("Not a page token of this store: '" + pageToken + "'");
        }
        return ResourceKey.parse(pageToken.substring(MEMBER_CURSOR.length()));
    }

    /**
     * How many members a page needs beyond the owner; read one more to know whether another page follows.
     *
     * @param ownerListed whether the owner takes the page's first place
     * @param limit       the page size
     * @return the members wanted, 0 when the owner alone fills the page
     */
    public static int membersWanted(boolean ownerListed, int limit) {
        return limit - (ownerListed ? 1 : 0);
    }

    /**
     * Assembles a page.
     *
     * @param owner   the owner when it takes the page's first place, else {@code null}
     * @param members the members after the previous page, in order: all that remain, or at least one more than
     *                {@link #membersWanted} when more remain
     * @param limit   the page size
     * @return the page with its token
     */
    public static ResourcePage page(ResourceKey owner, List<ResourceKey> members, int limit) {
        List<ResourceKey> items = new ArrayList<>(limit);
        if (owner != null) {
            items.add(owner);
        }
        int wanted = membersWanted(owner != null, limit);
        if (wanted == 0) {
            return new ResourcePage(items, OWNER_DONE);
        }
        boolean more = members.size() > wanted;
        items.addAll(more ? members.subList(0, wanted) : members);
        return new ResourcePage(items, more ? MEMBER_CURSOR + items.get(items.size() - 1) : null);
    }
}
