package io.attnkit.dsl.blocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.source.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The documented layout of selection tables, which generated kernels index directly. */
class SelectionTableTest {
    private static final Span S = Span.NONE;
    private static final Mask NSA = new Mask.Nsa(4, 2, 4, 2, 2, S);

    private static IntervalSet set(int... bounds) {
        IntervalSet out = IntervalSet.EMPTY;
        for (int i = 0; i < bounds.length; i += 2) {
            out = out.union(IntervalSet.of(bounds[i], bounds[i + 1]));
        }
        return out;
    }

    /** Two query heads on one KV head, rows at positions 7, 8, 9 of 10 keys in blocks of 4, window 2. */
    private static SelectionTable sharedPerKvHead() {
        Shape shape = new Shape(1, 2, 1, 3, 10, 4, 4, S);
        SelectionTable.Layout layout = new SelectionTable.Layout(4, 1, true, 2);
        int[] words = {0b001, 0b101, 0b000};
        return new SelectionTable(NSA, shape, layout, new int[] {0}, new int[][] {words});
    }

    @Test
    void blocksAndTheWindowMakeTheVisibleKeys() {
        SelectionTable t = sharedPerKvHead();
        assertEquals(3, t.keyBlocks());
        assertEquals(1, t.wordsPerGroup());
        assertEquals(3, t.groups());
        assertEquals(set(0, 4, 6, 8), t.visible(0, 0, 0), "block 0 and keys 6, 7");
        assertEquals(set(0, 4, 7, 10), t.visible(0, 1, 1), "blocks 0 and 2 (ragged), window 7, 8 merged");
        assertEquals(set(8, 10), t.visible(0, 0, 2), "no block, the window alone");
        assertEquals(t.visible(0, 0, 1), t.visible(0, 1, 1), "query heads of a KV head share");
        assertTrue(t.admits(0, 0, 1, 9));
        assertFalse(t.admits(0, 0, 1, 5));
        assertTrue(t.admits(0, 0, 2, 8), "window key");
        assertEquals(2, t.chosenBlocks(0, 1, 1));
        assertEquals(0, t.slot(0, 1));
    }

    @Test
    void wordsFollowTheDocumentedFormula() {
        SelectionTable t = sharedPerKvHead();
        int[] words = t.words();
        for (int row = 0; row < 3; row++) {
            for (int kb = 0; kb < t.keyBlocks(); kb++) {
                int slot = t.slot(0, 0);
                int g = t.group(row);
                boolean bit = (words[(slot * t.groups() + g) * t.wordsPerGroup() + (kb >>> 5)] >>> (kb & 31) & 1) != 0;
                assertEquals(bit, t.admitsBlock(0, 0, row, kb));
                assertEquals(t.wordIndex(slot, g, kb), (slot * t.groups() + g) * t.wordsPerGroup() + (kb >>> 5));
            }
        }
        words[0] = -1;
        assertEquals(0b001, t.words()[0], "words() is a copy");
    }

    @Test
    void rowGroupsFollowKeyPositions() {
        Mask x = new Mask.XAttention(4, 2, 0.5, S);
        // Rows 0..4 at positions 7..11: q-blocks 1 and 2 of size 4.
        Shape shape = new Shape(1, 1, 1, 5, 12, 4, 4, S);
        SelectionTable.Layout layout = new SelectionTable.Layout(4, 4, false, 0);
        assertEquals(2, SelectionTable.groups(shape, layout));
        SelectionTable t = new SelectionTable(x, shape, layout, new int[] {0}, new int[][] {{0b011, 0b101}});
        assertEquals(List.of(0, 1, 1, 1, 1), List.of(t.group(0), t.group(1), t.group(2), t.group(3), t.group(4)));
        assertEquals(set(0, 8), t.visible(0, 0, 0));
        assertEquals(set(0, 4, 8, 12), t.visible(0, 0, 4));

        // More queries than keys: rows 0..2 sit at negative positions and get groups of their own.
        Shape wide = new Shape(1, 1, 1, 6, 3, 4, 4, S);
        SelectionTable.Layout pairs = new SelectionTable.Layout(1, 2, false, 0);
        assertEquals(4, SelectionTable.groups(wide, pairs));
        SelectionTable w = new SelectionTable(x, wide, pairs, new int[] {0}, new int[][] {{0, 0, 0b1, 0b111}});
        assertEquals(List.of(0, 1, 1, 2, 2, 3), List.of(w.group(0), w.group(1), w.group(2), w.group(3), w.group(4), w.group(5)));
        assertEquals(IntervalSet.EMPTY, w.visible(0, 0, 0));
        assertEquals(set(0, 3), w.visible(0, 0, 5));
    }

    @Test
    void headsWithoutTheSelectorHaveNoSlot() {
        Shape shape = new Shape(2, 2, 2, 1, 4, 4, 4, S);
        Mask topk = new Mask.TopKBlocks(2, 1, S);
        SelectionTable.Layout layout = new SelectionTable.Layout(2, 1, false, 0);
        SelectionTable t = new SelectionTable(topk, shape, layout, new int[] {-1, 0, 1, -1}, new int[][] {{0b10}, {0b01}});
        assertEquals(-1, t.slot(0, 0));
        assertEquals(set(2, 4), t.visible(0, 1, 0));
        assertEquals(set(0, 2), t.visible(1, 0, 0));
        assertArrayEquals(new int[] {-1, 0, 1, -1}, t.slots());
        assertThrows(IllegalArgumentException.class, () -> t.visible(0, 0, 0));
        SelectionTables tables = new SelectionTables(List.of(t));
        assertEquals(set(2, 4), tables.visible(topk, 0, 1, 0));
        assertThrows(IllegalStateException.class, () -> tables.visible(new Mask.TopKBlocks(2, 2, S), 0, 1, 0));
    }

    @Test
    void refusesInconsistentArrays() {
        Shape shape = new Shape(1, 1, 1, 2, 4, 4, 4, S);
        SelectionTable.Layout layout = new SelectionTable.Layout(2, 1, false, 0);
        Mask topk = new Mask.TopKBlocks(2, 1, S);
        assertThrows(IllegalArgumentException.class, () -> new SelectionTable(topk, shape, layout, new int[] {0, 0}, new int[][] {{0, 0}}));
        assertThrows(IllegalArgumentException.class, () -> new SelectionTable(topk, shape, layout, new int[] {0}, new int[][] {{0}}));
        assertThrows(IllegalArgumentException.class, () -> new SelectionTable(topk, shape, layout, new int[] {1}, new int[][] {{0, 0}}));
        assertThrows(IllegalArgumentException.class, () -> new SelectionTable(new Mask.Causal(S), shape, layout, new int[] {0},
                new int[][] {{0, 0}}));
    }
}
