package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.source.Span;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grouped query heads packed into the rows of one head per KV head: packed row
 * {@code pos * group + m} is query row {@code pos} of head {@code kvHead * group + m}.
 * FlashAttention-2 does this for decode ({@code seqlenq_ngroups_swapped}: a single query row of
 * every head of the group becomes one q-block of {@code group} rows), FlashAttention-3 for any
 * length ({@code PackGQA}); either way one CTA reads each K/V tile for the whole group instead of
 * one CTA per query head reading it again.
 *
 * <p>A packed q-block visits a K/V block when any of its rows does, and it is FULL when every
 * one of them sees all of it. The {@code group x tile} packed rows of a q-block's positions are
 * {@code group} whole packed q-blocks, so each packed q-block's positions lie in one q-block, and
 * it takes its members' runs there. The unpacked map knows visibility per q-block only: that is
 * exact when all packed rows fit one q-block (a decode step: the group within the q tile);
 * otherwise a packed q-block holds some of the q-block's positions and may visit a block (or
 * mask one) that only the others need: never fewer tiles than its rows see.
 */
final class GroupPacking {
    private GroupPacking() {
    }

    static BlockMap pack(BlockMap map) {
        Shape s = map.shape();
        int group = s.groupSize();
        if (group == 1) {
            throw new IllegalArgumentException("packing grouped heads needs more query heads than KV heads (heads "
                    + s.heads() + ", kv_heads " + s.kvHeads() + ")");
        }
        long rows = (long) s.qLen() * group;
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("packing grouped heads makes " + rows + " rows per KV head; at most "
                    + Integer.MAX_VALUE);
        }
        Shape packed = new Shape(s.batch(), s.kvHeads(), s.kvHeads(), (int) rows, s.kvLen(), s.headDim(), s.vDim(), s.span());
        int batches = map.isBatchIndependent() ? 1 : s.batch();
        int[] patternOf = new int[s.batch() * s.kvHeads()];
        List<BlockMap.Pattern> patterns = new ArrayList<>();
        Map<List<Integer>, Integer> byMembers = new HashMap<>();
        for (int b = 0; b < batches; b++) {
            for (int g = 0; g < s.kvHeads(); g++) {
                List<Integer> members = new ArrayList<>(group);
                for (int m = 0; m < group; m++) {
                    members.add(map.patternIndex(b, g * group + m));
                }
                Integer index = byMembers.get(members);
                if (index == null) {
                    index = patterns.size();
                    patterns.add(union(map, members, (int) rows));
                    byMembers.put(members, index);
                }
                patternOf[b * s.kvHeads() + g] = index;
            }
        }
        if (batches == 1) {
            for (int b = 1; b < s.batch(); b++) {
                System.arraycopy(patternOf, 0, patternOf, b * s.kvHeads(), s.kvHeads());
            }
        }
        return BlockMap.assemble(packed, map.qTile(), map.kvTile(), patternOf, patterns, map.isBatchIndependent());
    }

    /** The pattern of a packed head whose members use {@code memberPatterns} of {@code map}. */
    private static BlockMap.Pattern union(BlockMap map, List<Integer> memberPatterns, int rows) {
        int qTile = map.qTile();
        int group = memberPatterns.size();
        // a distinct member's pattern stands for all members using it: same runs, same kinds
        Set<Integer> distinct = new LinkedHashSet<>(memberPatterns);
        List<BlockMap.Pattern> members = new ArrayList<>();
        Set<Mask> masks = new LinkedHashSet<>();
        long elements = 0;
        for (int index : memberPatterns) {
            elements += map.patterns().get(index).visibleElements();
        }
        for (int index : distinct) {
            BlockMap.Pattern p = map.patterns().get(index);
            members.add(p);
            masks.add(p.mask());
        }
        Mask mask = masks.size() == 1 ? masks.iterator().next() : new Mask.Or(List.copyOf(masks), Span.NONE);
        int qBlocks = (int) ((rows + (long) qTile - 1) / qTile);
        BlockMap.RunBuffer runs = new BlockMap.RunBuffer();
        int[] rowStart = new int[qBlocks + 1];
        for (int pb = 0; pb < qBlocks; pb++) {
            rowStart[pb] = runs.size;
            runs.rowFirst = runs.size;
            unionOfRows(members, (int) ((long) pb * qTile / group / qTile), runs);
        }
        rowStart[qBlocks] = runs.size;
        return new BlockMap.Pattern(mask, qBlocks, map.kvBlocks(), rowStart, runs.from(), runs.to(), runs.full(), elements);
    }

    /**
     * Appends the runs of the union of the members' q-block {@code qb}: a block is visited when
     * any member visits it, FULL when all of them have it FULL.
     */
    private static void unionOfRows(List<BlockMap.Pattern> members, int qb, BlockMap.RunBuffer out) {
        int contributors = members.size();
        List<int[]> edges = new ArrayList<>(); // {block, +1/-1 visits, +1/-1 full}
        for (BlockMap.Pattern p : members) {
            for (int r = 0; r < p.runs(qb); r++) {
                int full = p.runKind(qb, r) == BlockMap.Kind.FULL ? 1 : 0;
                edges.add(new int[] {p.runFrom(qb, r), 1, full});
                edges.add(new int[] {p.runTo(qb, r), -1, -full});
            }
        }
        int[][] sorted = edges.toArray(new int[0][]);
        Arrays.sort(sorted, (a, b) -> Integer.compare(a[0], b[0]));
        int visits = 0;
        int full = 0;
        for (int i = 0; i < sorted.length; ) {
            int at = sorted[i][0];
            for (; i < sorted.length && sorted[i][0] == at; i++) {
                visits += sorted[i][1];
                full += sorted[i][2];
            }
            if (i < sorted.length && visits > 0) {
                out.add(at, sorted[i][0], full == contributors);
            }
        }
    }
}
