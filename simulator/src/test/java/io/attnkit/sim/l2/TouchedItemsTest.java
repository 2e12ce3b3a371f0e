package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The touched items against a grid of sixteenths of an item, on random ranges. */
class TouchedItemsTest {
    private static final int PER_ITEM = 16;

    @Test
    void freshAndCoveredRangesAgreeWithAGridOfTheRangesAdded() {
        SplittableRandom r = new SplittableRandom(7);
        for (int round = 0; round < 50; round++) {
            TouchedItems items = new TouchedItems();
            boolean[] grid = new boolean[64 * PER_ITEM];
            for (int k = 0; k < 40; k++) {
                int a = r.nextInt(grid.length);
                int b = Math.min(grid.length, a + 1 + r.nextInt(6 * PER_ITEM));
                double from = (double) a / PER_ITEM;
                double to = (double) b / PER_ITEM;
                int qa = r.nextInt(grid.length);
                int qb = Math.min(grid.length, qa + 1 + r.nextInt(8 * PER_ITEM));
                assertEquals(untouched(grid, qa, qb), items.untouched((double) qa / PER_ITEM, (double) qb / PER_ITEM), 1e-9);
                assertEquals(untouched(grid, qa, qb) == 0, items.covers((double) qa / PER_ITEM, (double) qb / PER_ITEM),
                        "covers [" + qa + ", " + qb + ")/16");
                double fresh = untouched(grid, a, b);
                assertEquals(fresh, items.add(from, to), 1e-9);
                for (int i = a; i < b; i++) {
                    grid[i] = true;
                }
            }
        }
    }

    private static double untouched(boolean[] grid, int a, int b) {
        int n = 0;
        for (int i = a; i < b; i++) {
            n += grid[i] ? 0 : 1;
        }
        return (double) n / PER_ITEM;
    }
}
