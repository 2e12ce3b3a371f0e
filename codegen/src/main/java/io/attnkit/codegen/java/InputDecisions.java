package io.attnkit.codegen.java;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.IntervalSet;
import io.attnkit.dsl.blocks.RowMasks;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments a generated kernel takes for patterns decided on an input: the pattern of each
 * (batch, head) (a compiled one where the head's mask is static), and for heads whose mask
 * depends on the data their run table from the input's BlockMap and the keys each row sees.
 *
 * @param headPattern {@code [batch * heads + head]}: a compiled pattern, or {@code patterns + r}
 * @param runs        run tables ({@link RunTable}) of the data-dependent patterns
 * @param rows        per run table, the visible key intervals of every query row
 */
public record InputDecisions(int[] headPattern, int[][] runs, int[][] rows) {

    /** The decisions for {@code masks} and {@code selection} of an input (a {@code Decision}'s two halves). */
    public static InputDecisions of(HeadMasks masks, Selection selection) {
        KernelSpec kernel = masks.kernel();
        Shape s = kernel.shape();
        List<Mask> compiled = KernelPlan.staticMasks(kernel);
        int[] headPattern = new int[s.batch() * s.heads()];
        List<int[]> runs = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        BlockMap map = null;
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                Mask mask = masks.maskOf(b, h);
                int index = mask.isStatic() ? compiled.indexOf(mask) : -1;
                if (index < 0) {
                    if (map == null) {
                        map = BlockMap.of(masks, selection, kernel.tiles().q(), kernel.tiles().kv());
                    }
                    index = compiled.size() + runs.size();
                    runs.add(RunTable.of(map.pattern(b, h)));
                    rows.add(rowTable(mask, s, selection, b, h));
                }
                headPattern[b * s.heads() + h] = index;
            }
        }
        return new InputDecisions(headPattern, runs.toArray(int[][]::new), rows.toArray(int[][]::new));
    }

    /** Row i's intervals are {@code [t[i], t[i + 1])}; interval n is {@code start, end} at {@code qLen + 1 + 2n}. */
    static int[] rowTable(Mask mask, Shape s, Selection selection, int b, int h) {
        int[] offsets = new int[s.qLen() + 1];
        List<IntervalSet> sets = new ArrayList<>(s.qLen());
        int n = 0;
        for (int i = 0; i < s.qLen(); i++) {
            IntervalSet v = RowMasks.visible(mask, s, selection, b, h, i);
            offsets[i] = n;
            n += v.intervals();
            sets.add(v);
        }
        offsets[s.qLen()] = n;
        int[] table = java.util.Arrays.copyOf(offsets, s.qLen() + 1 + 2 * n);
        int at = s.qLen() + 1;
        for (IntervalSet v : sets) {
            for (int k = 0; k < v.intervals(); k++) {
                table[at++] = v.start(k);
                table[at++] = v.end(k);
            }
        }
        return table;
    }
}
