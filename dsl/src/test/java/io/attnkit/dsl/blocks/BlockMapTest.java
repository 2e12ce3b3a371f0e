package io.attnkit.dsl.blocks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.dsl.source.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** The block map against a brute-force classification of every element of every tile. */
class BlockMapTest {
    private static final Span S = Span.NONE;

    /** An element predicate written independently of {@link RowMasks}: the language's definition. */
    static boolean visible(Mask m, long p, int j, int kvLen) {
        return ElementMasks.visible(m, p, j, ElementMasks.NO_SELECTORS);
    }

    static Mask randomMask(SplittableRandom r, int kvLen, int depth) {
        int pick = r.nextInt(depth > 2 ? 6 : 9);
        return switch (pick) {
            case 0 -> new Mask.Causal(S);
            case 1 -> new Mask.Window(1 + r.nextInt(kvLen + 3), S);
            case 2 -> new Mask.Sink(1 + r.nextInt(kvLen + 3), S);
            case 3 -> new Mask.Prefix(1 + r.nextInt(kvLen + 3), S);
            case 4 -> new Mask.Dense(S);
            case 5 -> {
                List<Integer> lengths = new ArrayList<>();
                int left = kvLen;
                while (left > 0) {
                    int len = 1 + r.nextInt(left);
                    lengths.add(len);
                    left -= len;
                }
                yield new Mask.Document(lengths, S);
            }
            case 6 -> new Mask.Not(randomMask(r, kvLen, depth + 1), S);
            case 7 -> new Mask.And(List.of(randomMask(r, kvLen, depth + 1), randomMask(r, kvLen, depth + 1)), S);
            default -> new Mask.Or(List.of(randomMask(r, kvLen, depth + 1), randomMask(r, kvLen, depth + 1)), S);
        };
    }

    static KernelSpec kernel(Shape shape, Tiles tiles, Mask mask) {
        List<Integer> heads = new ArrayList<>();
        for (int h = 0; h < shape.heads(); h++) {
            heads.add(h);
        }
        return new KernelSpec("k", shape, DType.F32, DType.F32, 0.125, tiles, Optional.empty(), mask,
                List.of(new HeadGroup(heads, new HeadGroup.HeadMode.Fixed(new Mask.Dense(S)), S)), S);
    }

    /** A downsampled drawing marks each cell by the tiles it covers, counted one by one here (ragged last cells too). */
    @RepeatedTest(100)
    void downsampledCellsSummariseTheirTiles(RepetitionInfo info) {
        SplittableRandom r = new SplittableRandom(1000 + info.getCurrentRepetition());
        int qLen = 1 + r.nextInt(300);
        int kvLen = 1 + r.nextInt(300);
        Shape shape = new Shape(1, 1, 1, qLen, kvLen, 8, 8, S);
        Tiles tiles = new Tiles(1 + r.nextInt(9), 1 + r.nextInt(9), 1, 1, S);
        BlockMap map = BlockMap.of(kernel(shape, tiles, randomMask(r, kvLen, 0)));
        BlockMap.Pattern pattern = map.pattern(0, 0);
        int maxRows = 1 + r.nextInt(12);
        int maxColumns = 1 + r.nextInt(12);
        int rowStep = (map.qBlocks() + maxRows - 1) / maxRows;
        int columnStep = (map.kvBlocks() + maxColumns - 1) / maxColumns;
        List<String> grid = BlockMapRenderer.withLimits(maxRows, maxColumns).render(map).lines()
                .filter(l -> l.matches("\\s+\\d+ [#+.:]+")).map(l -> l.strip().split(" ")[1]).toList();
        assertEquals((map.qBlocks() + rowStep - 1) / rowStep, grid.size());
        for (int row = 0; row < grid.size(); row++) {
            for (int c = 0; c < grid.get(row).length(); c++) {
                int visited = 0;
                int full = 0;
                int all = 0;
                for (int qb = row * rowStep; qb < Math.min(map.qBlocks(), (row + 1) * rowStep); qb++) {
                    for (int kb = c * columnStep; kb < Math.min(map.kvBlocks(), (c + 1) * columnStep); kb++) {
                        BlockMap.Kind kind = pattern.kindOf(qb, kb);
                        all++;
                        visited += kind == null ? 0 : 1;
                        full += kind == BlockMap.Kind.FULL ? 1 : 0;
                    }
                }
                char expected = full == all ? '#' : visited == all ? '+' : visited == 0 ? '.' : ':';
                assertEquals(expected, grid.get(row).charAt(c), "cell (" + row + ", " + c + ")");
            }
        }
    }

    @RepeatedTest(200)
    void classifiesEveryTileLikeBruteForce(RepetitionInfo info) {
        SplittableRandom r = new SplittableRandom(info.getCurrentRepetition());
        int qLen = 1 + r.nextInt(70);
        int kvLen = 1 + r.nextInt(70);
        Shape shape = new Shape(1, 1, 1, qLen, kvLen, 8, 8, S);
        Tiles tiles = new Tiles(1 + r.nextInt(17), 1 + r.nextInt(17), 1, 1, S);
        Mask mask = randomMask(r, kvLen, 0);
        BlockMap map = BlockMap.of(kernel(shape, tiles, mask));
        BlockMap.Pattern pattern = map.pattern(0, 0);
        long elements = 0;
        long visited = 0;
        for (int qb = 0; qb < map.qBlocks(); qb++) {
            for (int kb = 0; kb < map.kvBlocks(); kb++) {
                int seen = 0;
                int total = 0;
                for (int i = qb * tiles.q(); i < Math.min(qLen, (qb + 1) * tiles.q()); i++) {
                    for (int j = kb * tiles.kv(); j < Math.min(kvLen, (kb + 1) * tiles.kv()); j++) {
                        total++;
                        if (visible(mask, shape.positionOfRow(i), j, kvLen)) {
                            seen++;
                        }
                    }
                }
                elements += seen;
                BlockMap.Kind expected = seen == 0 ? null : seen == total ? BlockMap.Kind.FULL : BlockMap.Kind.PARTIAL;
                visited += expected == null ? 0 : 1;
                assertEquals(expected, pattern.kindOf(qb, kb),
                        "tile (" + qb + ", " + kb + ") of " + mask + " q_len " + qLen + " kv_len " + kvLen + " tiles " + tiles);
            }
        }
        assertEquals(elements, pattern.visibleElements());
        assertEquals(visited, pattern.visitedTiles());
    }

    /**
     * Grouped heads packed into one head's rows, each query head with a mask of its own: a tile
     * some packed row sees is visited, FULL only when every packed row sees all of it, and when
     * the packed rows fit one q-block (decode) the classification is the brute force's exactly.
     */
    @RepeatedTest(200)
    void packedGroupsVisitEveryTileTheirRowsSee(RepetitionInfo info) {
        SplittableRandom r = new SplittableRandom(5000 + info.getCurrentRepetition());
        int group = 2 + r.nextInt(4);
        int kvHeads = 1 + r.nextInt(3);
        int qLen = 1 + r.nextInt(info.getCurrentRepetition() % 2 == 0 ? 4 : 40);
        int kvLen = 1 + r.nextInt(70);
        Shape shape = new Shape(1 + r.nextInt(2), kvHeads * group, kvHeads, qLen, kvLen, 8, 8, S);
        Tiles tiles = new Tiles(1 + r.nextInt(17), 1 + r.nextInt(17), 1, 1, S);
        List<HeadGroup> groups = new ArrayList<>();
        Mask[] masks = new Mask[shape.heads()];
        for (int h = 0; h < shape.heads(); h++) {
            // Repeats, so that heads share patterns as they do in real kernels.
            masks[h] = h > 0 && r.nextBoolean() ? masks[r.nextInt(h)] : randomMask(r, kvLen, 0);
            groups.add(new HeadGroup(List.of(h), new HeadGroup.HeadMode.Fixed(masks[h]), S));
        }
        BlockMap map = BlockMap.of(new KernelSpec("k", shape, DType.F32, DType.F32, 0.125, tiles, Optional.empty(),
                new Mask.Dense(S), groups, S));
        BlockMap packed = map.packGroups();
        assertEquals(new Shape(shape.batch(), kvHeads, kvHeads, qLen * group, kvLen, 8, 8, S), packed.shape());
        assertEquals(map.visibleElements(), packed.visibleElements());
        boolean exact = (long) qLen * group <= tiles.q();
        for (int b = 0; b < shape.batch(); b++) {
            for (int g = 0; g < kvHeads; g++) {
                BlockMap.Pattern p = packed.pattern(b, g);
                for (int pb = 0; pb < packed.qBlocks(); pb++) {
                    for (int kb = 0; kb < packed.kvBlocks(); kb++) {
                        int seen = 0;
                        int total = 0;
                        for (int row = pb * tiles.q(); row < Math.min(qLen * group, (pb + 1) * tiles.q()); row++) {
                            Mask m = masks[g * group + row % group];
                            for (int j = kb * tiles.kv(); j < Math.min(kvLen, (kb + 1) * tiles.kv()); j++) {
                                total++;
                                seen += visible(m, shape.positionOfRow(row / group), j, kvLen) ? 1 : 0;
                            }
                        }
                        BlockMap.Kind kind = p.kindOf(pb, kb);
                        String where = "packed tile (" + pb + ", " + kb + ") of group " + g + ", q_len " + qLen + ", group "
                                + group + ", tiles " + tiles;
                        if (seen > 0) {
                            org.junit.jupiter.api.Assertions.assertNotNull(kind, where + " is seen but skipped");
                        }
                        if (kind == BlockMap.Kind.FULL) {
                            assertEquals(total, seen, where + " is FULL but not all of it is seen");
                        }
                        if (exact) {
                            assertEquals(seen == 0 ? null : seen == total ? BlockMap.Kind.FULL : BlockMap.Kind.PARTIAL, kind, where);
                        }
                    }
                }
            }
        }
    }

    @Test
    void packingNeedsGroupedHeads() {
        BlockMap map = BlockMap.of(kernel(new Shape(1, 4, 4, 1, 100, 8, 8, S), new Tiles(16, 16, 1, 1, S), new Mask.Causal(S)));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                map::packGroups);
        assertEquals("packing grouped heads needs more query heads than KV heads (heads 4, kv_heads 4)", e.getMessage());
    }

    /**
     * Near 2^31 keys the block arithmetic wrapped: a causal decode row over 2^31 - 1 keys, every
     * key visible, came out as 33,554,432 partial tiles and no full one.
     */
    @Test
    void keysAtTheTopOfTheIntRangeAreClassifiedLikeAnyOthers() {
        int kvLen = Integer.MAX_VALUE;
        Shape shape = new Shape(1, 1, 1, 1, kvLen, 8, 8, S);
        BlockMap causal = BlockMap.of(kernel(shape, new Tiles(1, 64, 1, 1, S), new Mask.Causal(S)));
        long blocks = (kvLen + 63L) / 64;
        assertEquals(blocks, causal.visitedTiles());
        assertEquals(blocks, causal.fullTiles(), "every key is visible: the ragged last block too");
        BlockMap window = BlockMap.of(kernel(shape, new Tiles(1, 64, 1, 1, S),
                new Mask.Or(List.of(new Mask.Window(100, S), new Mask.Sink(4, S)), S)));
        // The sink's block (4 of 64 keys), and the window's 100 keys: the last, ragged block of
        // 63 keys whole, and 37 keys of the block before.
        assertEquals(3, window.visitedTiles());
        assertEquals(1, window.fullTiles());
        assertEquals(4 + 100, window.visibleElements());
    }

    @Test
    void causalPrefillVisitsTheLowerTriangleOfTiles() {
        Shape shape = new Shape(2, 4, 2, 1000, 1000, 64, 64, S);
        BlockMap map = BlockMap.of(kernel(shape, new Tiles(128, 64, 2, 4, S), new Mask.Causal(S)));
        assertEquals(1, map.patterns().size());
        int expected = 0;
        for (int qb = 0; qb < 8; qb++) {
            int lastRow = Math.min(1000, (qb + 1) * 128) - 1;
            expected += lastRow / 64 + 1;
        }
        assertEquals(expected, map.pattern(0, 0).visitedTiles());
        assertEquals(2L * 4 * expected, map.visitedTiles());
        assertEquals(1000L * 1001 / 2 * 8, map.visibleElements());
    }

    @Test
    void decodeRowsSeeTheWholeCacheUnderCausal() {
        Shape shape = new Shape(1, 1, 1, 3, 500, 64, 64, S);
        BlockMap map = BlockMap.of(kernel(shape, new Tiles(16, 64, 1, 1, S), new Mask.Causal(S)));
        // Rows sit at positions 497, 498, 499: every kv-block is visited, the last one partially.
        assertEquals(8, map.pattern(0, 0).visitedTiles());
        assertEquals(BlockMap.Kind.PARTIAL, map.pattern(0, 0).kindOf(0, 7));
        assertEquals(BlockMap.Kind.FULL, map.pattern(0, 0).kindOf(0, 6));
    }
}
