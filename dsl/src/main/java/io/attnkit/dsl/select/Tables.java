package io.attnkit.dsl.select;

import io.attnkit.dsl.blocks.SelectionTable;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.Arrays;
import java.util.stream.IntStream;

/** Builds a {@link SelectionTable} by deciding every slot that needs decisions, in parallel. */
final class Tables {
    private Tables() {
    }

    /** The words of one slot: {@code groups * wordsPerGroup} of them. */
    @FunctionalInterface
    interface SlotDecider {
        int[] decide(int batch, int index);
    }

    /**
     * @param uses    {@code uses[batch][head]}: the (batch, head) pairs whose mask holds the selector
     * @param decider computes the words of {@code (batch, head)}, or of {@code (batch, kvHead)} when
     *                the layout shares decisions per KV head
     */
    static SelectionTable build(Mask selector, Shape shape, SelectionTable.Layout layout, boolean[][] uses,
                                SlotDecider decider) {
        int width = layout.perKvHead() ? shape.kvHeads() : shape.heads();
        int[] slotOf = new int[shape.batch() * width];
        Arrays.fill(slotOf, -1);
        int slots = 0;
        for (int b = 0; b < shape.batch(); b++) {
            for (int h = 0; h < shape.heads(); h++) {
                int index = b * width + (layout.perKvHead() ? shape.kvHeadOf(h) : h);
                if (uses[b][h] && slotOf[index] < 0) {
                    slotOf[index] = slots++;
                }
            }
        }
        int[] owner = new int[slots];
        for (int i = 0; i < slotOf.length; i++) {
            if (slotOf[i] >= 0) {
                owner[slotOf[i]] = i;
            }
        }
        int[][] bySlot = IntStream.range(0, slots).parallel()
                .mapToObj(s -> decider.decide(owner[s] / width, owner[s] % width))
                .toArray(int[][]::new);
        return new SelectionTable(selector, shape, layout, slotOf, bySlot);
    }

    /** A slot's words, all clear. */
    static int[] emptySlot(Shape shape, SelectionTable.Layout layout) {
        return new int[SelectionTable.groups(shape, layout) * SelectionTable.wordsPerGroup(shape, layout)];
    }

    /** Sets the bit of key block {@code block} in the row group starting at word {@code base}. */
    static void set(int[] words, int base, int block) {
        words[base + (block >>> 5)] |= 1 << (block & 31);
    }
}
