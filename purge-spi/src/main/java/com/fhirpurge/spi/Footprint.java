package com.fhirpurge.spi;

/**
 * What a store still holds of one resource, row by row. After a hard delete all three are zero (residue zero).
 *
 * @param currentRows rows (or documents) of the current version: 0 or 1
 * @param historyRows stored versions other than the current one (a store that also keeps the current version in
 *                    its history table does not count that row here)
 * @param indexRows   reference index rows whose source is the resource
 */
public record Footprint(long currentRows, long historyRows, long indexRows) {

    /** The footprint of a resource of which nothing is stored. */
    public static final Footprint NONE = new Footprint(0, 0, 0);

    /**
     * Validates.
     *
     * @param currentRows see {@link #currentRows()}
     * @param historyRows see {@link #historyRows()}
     * @param indexRows see {@link #indexRows()}
     */
    public Footprint {
        if (currentRows < 0 || historyRows < 0 || indexRows < 0) {
            throw new IllegalArgumentException("Negative row count");
        }
    }

    /**
     * Whether nothing of the resource is stored.
     *
     * @return {@code true} when every count is zero
     */
    public boolean isEmpty() {
        return currentRows == 0 && historyRows == 0 && indexRows == 0;
    }

    /**
     * The sum of all rows.
     *
     * @return current + history + index rows
     */
    public long total() {
        return currentRows + historyRows + indexRows;
    }
}
