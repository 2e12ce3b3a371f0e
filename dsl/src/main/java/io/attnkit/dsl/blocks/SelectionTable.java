package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.Arrays;

/**
 * The decisions of one data-dependent selector on one input, in the compact form that kernels
 * read for their PARTIAL tiles: per (batch, head) and per <em>row group</em>, a bitset over the
 * selector's key blocks.
 *
 * <h2>Layout</h2>
 * Keys are cut into {@link #keyBlocks()} blocks of {@link #keyBlock()} keys (the last one ragged).
 * Query rows are gathered into row groups: with {@link #rowBlock()} 1 each row is its own group;
 * otherwise row {@code i}, at key position {@code p = i + kvLen - qLen}, falls in group
 * {@code floorDiv(p, rowBlock) - floorDiv(kvLen - qLen, rowBlock)} (XAttention decides per
 * {@code block x block} tile, aligned to key positions). A (batch, head) owns a <em>slot</em>;
 * when {@link #perKvHead()} the query heads of one KV head share the slot (NSA selects per GQA
 * group). Bit {@code kb} of the decisions of row group {@code g} in slot {@code s} is
 *
 * <pre>{@code
 * (words[(s * groups + g) * wordsPerGroup + (kb >>> 5)] >>> (kb & 31)) & 1
 * }</pre>
 *
 * <p>and the selector admits key {@code j} for row {@code i} when the bit of block
 * {@code j / keyBlock} is set, or when {@code 0 <= p - j < window} ({@link #window()}, NSA's
 * sliding branch; 0 for the other selectors). Slots are numbered per {@code batch * n + index}
 * with {@code n} heads (or KV heads when shared) through {@link #slots()}; -1 marks a (batch,
 * head) that does not use this selector. When decisions are shared per KV head, every query head
 * of a KV head with a slot maps to it, whether or not that query head uses the selector. The arrays are plain {@code int[]} so that a Java
 * kernel indexes them directly and an OpenCL or CUDA kernel receives them as {@code uint}
 * buffers.
 */
public final class SelectionTable {

    /**
     * The shape of the decisions.
     *
     * @param keyBlock  keys per selection block
     * @param rowBlock  1 for decisions per query row; {@code B} for decisions per {@code B} key
     *                  positions of queries
     * @param perKvHead true when the query heads of a KV head share their decisions
     * @param window    keys at or before the query's position, counting it, admitted besides the
     *                  selected blocks; 0 for none
     */
    public record Layout(int keyBlock, int rowBlock, boolean perKvHead, int window) {
        public Layout {
            if (keyBlock < 1 || rowBlock < 1 || window < 0) {
                throw new IllegalArgumentException("bad selection layout " + keyBlock + ", " + rowBlock + ", " + window);
            }
        }
    }

    private final Mask selector;
    private final Shape shape;
    private final Layout layout;
    private final int keyBlocks;
    private final int wordsPerGroup;
    private final int firstGroup;
    private final int groups;
    private final int[] slotOf;
    private final int[] words;

    /**
     * A table from decisions computed per slot.
     *
     * @param slotOf      per {@code batch * n + index}, the slot of that (batch, head or KV head),
     *                    or -1; slots are numbered {@code 0 .. bySlot.length - 1}
     * @param bySlot      per slot, {@code groups * wordsPerGroup} words, as laid out above
     */
    public SelectionTable(Mask selector, Shape shape, Layout layout, int[] slotOf, int[][] bySlot) {
        if (selector.isStatic()) {
            throw new IllegalArgumentException(selector + " is not a data-dependent selector");
        }
        this.selector = selector;
        this.shape = shape;
        this.layout = layout;
        this.keyBlocks = (int) ((shape.kvLen() + (long) layout.keyBlock() - 1) / layout.keyBlock());
        this.wordsPerGroup = wordsPerGroup(shape, layout);
        this.firstGroup = (int) Math.floorDiv((long) shape.kvLen() - shape.qLen(), layout.rowBlock());
        this.groups = groups(shape, layout);
        int width = layout.perKvHead() ? shape.kvHeads() : shape.heads();
        if (slotOf.length != shape.batch() * width) {
            throw new IllegalArgumentException("slot map has " + slotOf.length + " entries, expected " + shape.batch() * width);
        }
        long perSlot = (long) groups * wordsPerGroup;
        this.words = new int[Math.toIntExact(perSlot * bySlot.length)];
        for (int s = 0; s < bySlot.length; s++) {
            if (bySlot[s].length != perSlot) {
                throw new IllegalArgumentException("slot " + s + " has " + bySlot[s].length + " words, expected " + perSlot);
            }
            System.arraycopy(bySlot[s], 0, words, (int) (s * perSlot), (int) perSlot);
        }
        for (int slot : slotOf) {
            if (slot < -1 || slot >= bySlot.length) {
                throw new IllegalArgumentException("slot " + slot + " out of range");
            }
        }
        this.slotOf = slotOf.clone();
    }

    /** Row groups per slot for {@code shape} and {@code layout}: the length of a slot is this times {@link #wordsPerGroup}. */
    public static int groups(Shape shape, Layout layout) {
        long offset = (long) shape.kvLen() - shape.qLen();
        return (int) (Math.floorDiv(shape.kvLen() - 1L, layout.rowBlock()) - Math.floorDiv(offset, layout.rowBlock()) + 1);
    }

    /** Words per row group for {@code shape} and {@code layout}. */
    public static int wordsPerGroup(Shape shape, Layout layout) {
        return (int) (((shape.kvLen() + (long) layout.keyBlock() - 1) / layout.keyBlock() + 31) >>> 5);
    }

    /** The selector these decisions belong to. */
    public Mask selector() {
        return selector;
    }

    public Shape shape() {
        return shape;
    }

    public Layout layout() {
        return layout;
    }

    public int keyBlock() {
        return layout.keyBlock();
    }

    public int rowBlock() {
        return layout.rowBlock();
    }

    public boolean perKvHead() {
        return layout.perKvHead();
    }

    public int window() {
        return layout.window();
    }

    /** Number of key blocks, the ragged last one included. */
    public int keyBlocks() {
        return keyBlocks;
    }

    public int wordsPerGroup() {
        return wordsPerGroup;
    }

    /** Row groups per slot. */
    public int groups() {
        return groups;
    }

    /** The row group of query row {@code row}. */
    public int group(int row) {
        return (int) (Math.floorDiv(shape.positionOfRow(row), layout.rowBlock()) - firstGroup);
    }

    /** The slot of {@code (batch, head)}, or -1 when it does not use this selector. */
    public int slot(int batch, int head) {
        int index = layout.perKvHead() ? shape.kvHeadOf(head) : head;
        int width = layout.perKvHead() ? shape.kvHeads() : shape.heads();
        return slotOf[batch * width + index];
    }

    /** Index into {@link #words()} of the word holding block {@code block} of row group {@code group} in slot {@code slot}. */
    public int wordIndex(int slot, int group, int block) {
        return (slot * groups + group) * wordsPerGroup + (block >>> 5);
    }

    /** True when the selector chose key block {@code block} for row {@code row} of {@code (batch, head)}. */
    public boolean admitsBlock(int batch, int head, int row, int block) {
        int slot = requireSlot(batch, head);
        return (words[wordIndex(slot, group(row), block)] >>> (block & 31) & 1) != 0;
    }

    /** True when the selector admits key {@code key} for row {@code row} of {@code (batch, head)}. */
    public boolean admits(int batch, int head, int row, int key) {
        long distance = shape.positionOfRow(row) - key;
        return admitsBlock(batch, head, row, key / layout.keyBlock()) || (distance >= 0 && distance < layout.window());
    }

    /** Number of key blocks chosen for row {@code row} of {@code (batch, head)}. */
    public int chosenBlocks(int batch, int head, int row) {
        int slot = requireSlot(batch, head);
        int base = (slot * groups + group(row)) * wordsPerGroup;
        int n = 0;
        for (int w = 0; w < wordsPerGroup; w++) {
            n += Integer.bitCount(words[base + w]);
        }
        return n;
    }

    /** The keys the selector admits for row {@code row} of {@code (batch, head)}. */
    public IntervalSet visible(int batch, int head, int row) {
        int slot = requireSlot(batch, head);
        int base = (slot * groups + group(row)) * wordsPerGroup;
        int block = layout.keyBlock();
        long p = shape.positionOfRow(row);
        int windowStart = (int) Math.max(0, p - layout.window() + 1);
        boolean windowPending = layout.window() > 0 && p >= 0;
        Bounds bounds = new Bounds();
        for (int w = 0; w < wordsPerGroup; w++) {
            int bits = words[base + w];
            while (bits != 0) {
                int kb = (w << 5) + Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                int start = kb * block;
                if (windowPending && windowStart <= start) {
                    bounds.add(windowStart, (int) (p + 1));
                    windowPending = false;
                }
                bounds.add(start, (int) Math.min((long) start + block, shape.kvLen()));
            }
        }
        if (windowPending) {
            bounds.add(windowStart, (int) (p + 1));
        }
        return IntervalSet.ofSorted(bounds.bounds, bounds.n);
    }

    /** A copy of the decision words, laid out as described above. */
    public int[] words() {
        return words.clone();
    }

    /** A copy of the slot map, per {@code batch * n + index}. */
    public int[] slots() {
        return slotOf.clone();
    }

    private int requireSlot(int batch, int head) {
        int slot = slot(batch, head);
        if (slot < 0) {
            throw new IllegalArgumentException("batch " + batch + " head " + head + " does not use " + selector);
        }
        return slot;
    }

    /** Intervals arriving sorted by start; one that overlaps or touches the last merges into it. */
    private static final class Bounds {
        int[] bounds = new int[8];
        int n;

        void add(int start, int end) {
            if (n > 0 && start <= bounds[n - 1]) {
                bounds[n - 1] = Math.max(bounds[n - 1], end);
                return;
            }
            if (n + 2 > bounds.length) {
                bounds = Arrays.copyOf(bounds, bounds.length * 2);
            }
            bounds[n] = start;
            bounds[n + 1] = end;
            n += 2;
        }
    }
}
