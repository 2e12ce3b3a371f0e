package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A block map as text, one grid per group of heads that visit the same tiles: rows are
 * q-blocks, columns kv-blocks, {@code #} a FULL tile, {@code +} a PARTIAL one, {@code .} a
 * skipped one. Each grid is headed by its heads, its mask and its density. Maps larger than the
 * limits are downsampled: a cell then stands for a rectangle of tiles and {@code :} marks a cell
 * where some tiles are visited and some skipped. What {@code attnkit check --blocks} prints.
 */
public final class BlockMapRenderer {
    public static final int DEFAULT_MAX_ROWS = 64;
    public static final int DEFAULT_MAX_COLUMNS = 64;

    private final int maxRows;
    private final int maxColumns;

    private BlockMapRenderer(int maxRows, int maxColumns) {
        if (maxRows < 1 || maxColumns < 1) {
            throw new IllegalArgumentException("a grid needs at least one row and one column");
        }
        this.maxRows = maxRows;
        this.maxColumns = maxColumns;
    }

    /** Grids of at most 64 x 64 cells. */
    public static BlockMapRenderer standard() {
        return new BlockMapRenderer(DEFAULT_MAX_ROWS, DEFAULT_MAX_COLUMNS);
    }

    /** Grids of at most {@code maxRows} x {@code maxColumns} cells. */
    public static BlockMapRenderer withLimits(int maxRows, int maxColumns) {
        return new BlockMapRenderer(maxRows, maxColumns);
    }

    public String render(BlockMap map) {
        Shape s = map.shape();
        int rowStep = ceilDiv(map.qBlocks(), maxRows);
        int columnStep = ceilDiv(map.kvBlocks(), maxColumns);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "block map: q_len %d, kv_len %d, tiles q %d x kv %d: %d x %d tiles per head; "
                        + "batch %d, heads %d (%d KV head%s)\n", s.qLen(), s.kvLen(), map.qTile(), map.kvTile(), map.qBlocks(),
                map.kvBlocks(), s.batch(), s.heads(), s.kvHeads(), s.kvHeads() == 1 ? "" : "s"));
        out.append("legend: # FULL, + PARTIAL, . skipped");
        if (rowStep > 1 || columnStep > 1) {
            out.append(String.format(Locale.ROOT, ", : some visited\ndownsampled: a cell is %d q-block%s x %d kv-block%s; "
                            + "cell (r, c) starts at q-block %d*r, kv-block %d*c", rowStep, rowStep == 1 ? "" : "s",
                    columnStep, columnStep == 1 ? "" : "s", rowStep, columnStep));
        }
        long tiles = (long) map.qBlocks() * map.kvBlocks() * s.batch() * s.heads();
        long elements = (long) s.qLen() * s.kvLen() * s.batch() * s.heads();
        out.append(String.format(Locale.ROOT, "\ntotal: %d of %d tiles (%s), %d full, %d partial; %d of %d elements (%s)\n",
                map.visitedTiles(), tiles, percent(map.tileDensity()), map.fullTiles(), map.partialTiles(),
                map.visibleElements(), elements, percent(map.elementDensity())));
        int batches = map.isBatchIndependent() ? 1 : s.batch();
        Map<String, List<int[]>> groups = new LinkedHashMap<>();
        for (int b = 0; b < batches; b++) {
            for (int h = 0; h < s.heads(); h++) {
                groups.computeIfAbsent(section(map.pattern(b, h), map, rowStep, columnStep), x -> new ArrayList<>())
                        .add(new int[] {b, h});
            }
        }
        groups.forEach((body, members) -> out.append("\n")
                .append(heads(members, map.isBatchIndependent())).append(body));
        return out.toString();
    }

    /** Everything about one pattern after its list of heads: mask, density and grid. */
    private static String section(BlockMap.Pattern p, BlockMap map, int rowStep, int columnStep) {
        Shape s = map.shape();
        StringBuilder out = new StringBuilder(": ").append(MaskText.of(p.mask())).append("\n");
        out.append(String.format(Locale.ROOT, "  %d of %d tiles (%s), %d full, %d partial; %d of %d elements (%s)\n",
                p.visitedTiles(), (long) p.qBlocks() * p.kvBlocks(), percent(p.tileDensity()), p.fullTiles(), p.partialTiles(),
                p.visibleElements(), (long) s.qLen() * s.kvLen(), percent(p.visibleElements() / ((double) s.qLen() * s.kvLen()))));
        int rows = ceilDiv(p.qBlocks(), rowStep);
        int columns = ceilDiv(p.kvBlocks(), columnStep);
        int labelWidth = Math.max(4, String.valueOf(rows - 1).length());
        if (columns > 10) {
            StringBuilder tens = new StringBuilder(" ".repeat(labelWidth + 3));
            for (int c = 0; c < columns; c++) {
                tens.append(c % 10 == 0 && c > 0 ? Character.forDigit(c / 10 % 10, 10) : ' ');
            }
            out.append(tens.toString().stripTrailing()).append("\n");
        }
        StringBuilder ruler = new StringBuilder("  ").append(" ".repeat(labelWidth - 4)).append("q\\kv ");
        for (int c = 0; c < columns; c++) {
            ruler.append(Character.forDigit(c % 10, 10));
        }
        out.append(ruler).append("\n");
        // Per cell, the visited and full tiles it covers, summed run by run: the cost follows the
        // runs of the map, not its q-blocks x kv-blocks (68 billion tiles for 4M tokens in tiles of 16).
        long[] visited = new long[columns];
        long[] full = new long[columns];
        for (int r = 0; r < rows; r++) {
            int first = r * rowStep;
            int last = Math.min(first + rowStep, p.qBlocks());
            Arrays.fill(visited, 0);
            Arrays.fill(full, 0);
            for (int qb = first; qb < last; qb++) {
                for (int run = 0; run < p.runs(qb); run++) {
                    int from = p.runFrom(qb, run);
                    int to = p.runTo(qb, run);
                    boolean isFull = p.runKind(qb, run) == BlockMap.Kind.FULL;
                    for (int c = from / columnStep; c <= (to - 1) / columnStep; c++) {
                        int overlap = Math.min(to, (c + 1) * columnStep) - Math.max(from, c * columnStep);
                        visited[c] += overlap;
                        full[c] += isFull ? overlap : 0;
                    }
                }
            }
            StringBuilder line = new StringBuilder("  ");
            String label = String.valueOf(r);
            line.append(" ".repeat(labelWidth - label.length())).append(label).append(' ');
            for (int c = 0; c < columns; c++) {
                long all = (long) (last - first) * (Math.min((c + 1) * columnStep, p.kvBlocks()) - c * columnStep);
                line.append(full[c] == all ? '#' : visited[c] == all ? '+' : visited[c] == 0 ? '.' : ':');
            }
            out.append(line).append("\n");
        }
        return out.toString();
    }

    /** "heads 0..3, 6" or, for maps decided per batch element, "batch 0 heads 0..1; batch 1 head 3". */
    private static String heads(List<int[]> members, boolean batchIndependent) {
        Map<Integer, List<Integer>> byBatch = new LinkedHashMap<>();
        for (int[] m : members) {
            byBatch.computeIfAbsent(m[0], x -> new ArrayList<>()).add(m[1]);
        }
        List<String> parts = new ArrayList<>();
        byBatch.forEach((b, heads) -> parts.add((batchIndependent ? "" : "batch " + b + " ")
                + (heads.size() == 1 ? "head " : "heads ") + ranges(heads)));
        return String.join("; ", parts);
    }

    /** Ascending head numbers in the language's syntax: {@code 0..7, 12}. */
    public static String ranges(List<Integer> heads) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < heads.size(); ) {
            int j = i;
            while (j + 1 < heads.size() && heads.get(j + 1) == heads.get(j) + 1) {
                j++;
            }
            out.add(i == j ? String.valueOf(heads.get(i)) : heads.get(i) + ".." + heads.get(j));
            i = j + 1;
        }
        return String.join(", ", out);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, fraction >= 0.001 || fraction == 0 ? "%.1f%%" : "%.2g%%", 100 * fraction);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
