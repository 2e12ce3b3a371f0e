package io.attnkit.cli;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.BlockMapRenderer;
import io.attnkit.dsl.blocks.MaskText;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.dsl.model.WorkingSet;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** What {@code attnkit check} prints for a kernel: its shape, and the block sparsity of each head group. */
final class KernelSummary {
    private KernelSummary() {
    }

    /**
     * The most rows (q-blocks x distinct patterns) a summary builds. The block map holds a row of
     * runs per q-block of each pattern, about 60 bytes with its build buffers: 2^22 rows fit a
     * 256 MB heap (measured: causal & (sink(4) | window(100)) at tile q 1 over 4M queries), far
     * below the default heap of any machine that runs a JDK, and 4,096 times the largest bundled
     * example (ttt-e2e-sliding-window, 1,024 rows).
     */
    static final long MAX_ROWS = 1L << 22;
    /** The largest q tile the language takes (KernelResolver.MAX_TILE). */
    private static final int MAX_Q_TILE = 1 << 16;

    /**
     * Refuses, in one line, a kernel whose block map would pass {@link #MAX_ROWS}: it is counted
     * from the shape and the heads' masks before anything is built, so check cannot run out of memory.
     */
    static void requireSummarisable(KernelSpec k) {
        HeadMasks masks = HeadMasks.of(k);
        if (!masks.isStatic()) {
            return; // summarised from the heads alone, no block map
        }
        Set<Mask> distinct = new HashSet<>();
        for (int h = 0; h < k.shape().heads(); h++) {
            distinct.add(masks.maskOf(0, h));
        }
        long patterns = distinct.size();
        long qBlocks = k.tiles().qBlocks(k.shape().qLen());
        if (qBlocks * patterns <= MAX_ROWS) {
            return;
        }
        long perPattern = MAX_ROWS / patterns;
        long tile = perPattern == 0 ? Long.MAX_VALUE : (k.shape().qLen() + perPattern - 1) / perPattern;
        String how = tile <= MAX_Q_TILE ? "use larger tiles ('tile q " + tile + "' or more fits)"
                : "use larger tiles, fewer distinct patterns or a shorter q_len";
        throw new CliException(ExitCodes.USAGE, String.format(Locale.ROOT,
                "kernel %s: its block-sparsity summary would build %,d q-blocks x %d pattern%s = %,d rows, more than"
                        + " check builds (%,d); %s, or pass -q to check without summaries",
                k.name(), qBlocks, patterns, patterns == 1 ? "" : "s", qBlocks * patterns, MAX_ROWS, how));
    }

    static void print(KernelSpec k, Optional<TargetSpec> target, boolean blocks, PrintWriter out) {
        requireSummarisable(k);
        Shape s = k.shape();
        Tiles t = k.tiles();
        out.printf(Locale.ROOT, "kernel %s (%s)%n", k.name(), k.span().location());
        out.printf(Locale.ROOT, "  shape   batch %d, heads %d (%d KV heads), q_len %d, kv_len %d, head_dim %d%s%n",
                s.batch(), s.heads(), s.kvHeads(), s.qLen(), s.kvLen(), s.headDim(),
                s.vDim() == s.headDim() ? "" : ", v_dim " + s.vDim());
        out.printf(Locale.ROOT, "  types   %s storage, %s accumulate, scale %.6g%n", k.dtype(), k.accumulate(), k.scale());
        out.printf(Locale.ROOT, "  tiles   q %d, kv %d, stages %d, warps %d: %d x %d tiles per head%n",
                t.q(), t.kv(), t.stages(), t.warps(), t.qBlocks(s.qLen()), t.kvBlocks(s.kvLen()));
        WorkingSet ws = WorkingSet.of(s, k.dtype(), k.accumulate(), t);
        if (target.isPresent() && target.get().sharedMemoryBudget() > 0) {
            out.printf(Locale.ROOT, "  target  %s: tile working set %s of %s on chip%n", target.get().name(),
                    WorkingSet.human(ws.bytes()), WorkingSet.human(target.get().sharedMemoryBudget()));
        } else {
            out.printf(Locale.ROOT, "  target  %s: tile working set %s%n", k.target().orElse("none"), WorkingSet.human(ws.bytes()));
        }
        HeadMasks masks = HeadMasks.of(k);
        if (!masks.isStatic()) {
            out.println("  heads   pattern (decided per input from Q and K)");
            for (HeadGroup g : k.groups()) {
                out.printf(Locale.ROOT, "  %-7s %s%n", BlockMapRenderer.ranges(g.heads()), describe(k, g));
            }
            out.println("  blocks  data-dependent: 'attnkit run --stats' counts the tiles visited on an input");
            return;
        }
        BlockMap map = BlockMap.of(k);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"heads", "pattern", "tiles", "full", "partial", "tile density", "density"});
        for (int p = 0; p < map.patterns().size(); p++) {
            BlockMap.Pattern pattern = map.patterns().get(p);
            rows.add(new String[] {
                    BlockMapRenderer.ranges(map.headsOf(p)),
                    MaskText.of(pattern.mask()),
                    String.valueOf(pattern.visitedTiles()),
                    String.valueOf(pattern.fullTiles()),
                    String.valueOf(pattern.partialTiles()),
                    percent(pattern.tileDensity()),
                    percent(pattern.visibleElements() / ((double) s.qLen() * s.kvLen())),
            });
        }
        table(rows, out);
        double flops = 2.0 * (s.headDim() + s.vDim()) * map.visibleElements();
        out.printf(Locale.ROOT, "  total   %d of %d tiles visited (%s), %d full, %d partial; density %s; %.4g GFLOP%n",
                map.visitedTiles(), (long) map.qBlocks() * map.kvBlocks() * s.batch() * s.heads(),
                percent(map.tileDensity()), map.fullTiles(), map.partialTiles(), percent(map.elementDensity()), flops / 1e9);
        if (blocks) {
            out.println();
            out.print(BlockMapRenderer.standard().render(map).indent(2));
        }
    }

    /** The effective pattern of a head group: the kernel-wide mask and-ed with the group's own. */
    static String describe(KernelSpec k, HeadGroup g) {
        return switch (g.mode()) {
            case HeadGroup.HeadMode.Fixed f -> MaskText.of(Mask.and(k.mask(), f.mask()));
            case HeadGroup.HeadMode.Routed r -> "route " + r.router().name() + "(" + MaskText.of(Mask.and(k.mask(), r.full()))
                    + ", " + MaskText.of(Mask.and(k.mask(), r.sparse())) + ")";
        };
    }

    private static void table(List<String[]> rows, PrintWriter out) {
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < r.length; i++) {
                boolean numeric = i >= 2;
                String cell = numeric ? " ".repeat(width[i] - r[i].length()) + r[i] : r[i] + " ".repeat(width[i] - r[i].length());
                line.append(i == 0 ? "" : "  ").append(cell);
            }
            out.println(line.toString().stripTrailing());
        }
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, fraction >= 0.1 ? "%.1f%%" : "%.3g%%", 100 * fraction);
    }
}
