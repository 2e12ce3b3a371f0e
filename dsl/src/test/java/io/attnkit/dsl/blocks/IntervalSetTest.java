package io.attnkit.dsl.blocks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class IntervalSetTest {

    @Test
    void blocksInAnyOrderWithRepeatsAreTheUnionOfEachBlock() {
        Random random = new Random(7);
        for (int trial = 0; trial < 500; trial++) {
            int size = 1 + random.nextInt(70);
            int universe = 1 + random.nextInt(2000); // often cuts the last block short
            int[] blocks = new int[random.nextInt(20)];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = random.nextInt(universe / size + 2); // some start at or past the end
            }
            IntervalSet expected = IntervalSet.EMPTY;
            for (int j : blocks) {
                expected = expected.union(IntervalSet.of((long) j * size, Math.min((long) (j + 1) * size, universe)));
            }
            IntervalSet built = IntervalSet.ofBlocks(blocks, size, universe);
            assertEquals(expected, built, "blocks of " + size + " in " + universe);
            long keys = 0;
            for (int k = 0; k < universe; k++) {
                keys += expected.contains(k) ? 1 : 0;
            }
            assertEquals(keys, built.size());
        }
    }

    @Test
    void adjacentBlocksJoinIntoOneInterval() {
        IntervalSet s = IntervalSet.ofBlocks(new int[] {3, 1, 2, 2, 7}, 64, 1000);
        assertEquals(2, s.intervals());
        assertEquals(64, s.start(0));
        assertEquals(256, s.end(0));
        assertEquals(448, s.start(1));
        assertEquals(512, s.end(1));
    }
}
