package io.attnkit.dsl.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.RowMasks;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.blocks.SelectionTable;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Selector.decide on kernels written as users write them: mixed heads, split GQA groups, routers. */
class SelectorTest {

    private static KernelSpec kernel(String text) {
        Frontend.Result result = Frontend.checkText("test.attn", text, Frontend.Library.EMPTY);
        assertTrue(result.ok(), result.diagnostics().toString());
        return result.kernelsOfRoot().getFirst();
    }

    private static Tensor q(Shape s, long seed) {
        return Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), seed);
    }

    private static Tensor k(Shape s, long seed) {
        return Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), seed);
    }

    @Test
    void staticKernelsNeedNoSelection() throws WeightsException {
        KernelSpec kernel = kernel("""
                kernel k {
                  shape batch 2, heads 4, kv_heads 2, q_len 30, kv_len 41, head_dim 8;
                  tile q 8, kv 8;
                  mask causal;
                  heads 0..1: sink(4) | window(9);
                  heads 2..3: dense;
                }
                """);
        Decision d = Selector.decide(kernel, q(kernel.shape(), 1), k(kernel.shape(), 2));
        assertSame(Selection.NONE, d.selection());
        assertTrue(d.masks().isStatic());
        assertEquals(List.of(), d.tables());
        BlockMap expected = BlockMap.of(kernel);
        assertEquals(expected.visitedTiles(), d.blockMap().visitedTiles());
        assertEquals(expected.fullTiles(), d.blockMap().fullTiles());
    }

    @Test
    void selectorsAreDecidedForTheHeadsThatUseThemAndNsaSumsOnlyThoseOfAGqaGroup() throws WeightsException {
        KernelSpec kernel = kernel("""
                kernel mixed {
                  shape batch 2, heads 6, kv_heads 3, q_len 13, kv_len 21, head_dim 4;
                  dtype bf16;
                  tile q 4, kv 8;
                  mask causal;
                  heads 0, 1: topk_blocks(4, 2);
                  heads 2: sink(2) | nsa(4, 2, 4, 3, 3);
                  heads 3: nsa(compress 4, stride 2, select 4, count 3, window 3);
                  heads 4: nsa(4, 2, 4, 3, 3);
                  heads 5: xattention(4, 2, 0.9);
                }
                """);
        Shape s = kernel.shape();
        Tensor q = q(s, 3);
        Tensor k = k(s, 4);
        Decision d = Selector.decide(kernel, q, k);
        Mask topk = new Mask.TopKBlocks(4, 2, Kernels.S);
        Mask.Nsa nsa = new Mask.Nsa(4, 2, 4, 3, 3, Kernels.S);
        Mask xattention = new Mask.XAttention(4, 2, 0.9, Kernels.S);
        assertEquals(List.of(topk, nsa, xattention), d.tables().stream().map(SelectionTable::selector).toList());

        SelectionTable nsaTable = d.table(nsa).orElseThrow();
        assertEquals(-1, nsaTable.slot(0, 0), "KV head 0 has no NSA head");
        assertEquals(nsaTable.slot(1, 4), nsaTable.slot(1, 5), "head 5 reads KV head 2's slot, though it does not use it");
        boolean[][] uses = new boolean[2][6];
        for (int b = 0; b < 2; b++) {
            uses[b][2] = true;
            uses[b][3] = true;
            uses[b][4] = true;
        }
        boolean[][][][] naive = new NaiveSelectors(s, kernel.dtype(), kernel.scale(), q, k).nsa(nsa, uses);
        long visible = 0;
        for (int b = 0; b < 2; b++) {
            for (int h = 0; h < 6; h++) {
                for (int i = 0; i < s.qLen(); i++) {
                    if (uses[b][h]) {
                        for (int j = 0; j < s.kvLen(); j++) {
                            assertEquals(naive[b][h][i][j], nsaTable.admits(b, h, i, j), b + " " + h + " " + i + " " + j);
                        }
                    }
                    visible += RowMasks.visible(d.masks().maskOf(b, h), s, d.selection(), b, h, i).size();
                }
            }
        }
        assertEquals(visible, d.blockMap().visibleElements());
        assertEquals(-1, d.table(xattention).orElseThrow().slot(0, 4));
        assertEquals(-1, d.table(topk).orElseThrow().slot(1, 2));
    }

    @Test
    void routedSparsePatternsAreSelectedOnlyWhereTheRouterSendsThem() throws WeightsException {
        KernelSpec kernel = kernel("""
                router quarter { sparse_ratio 0.25; }
                kernel routed {
                  shape batch 1, heads 8, kv_heads 4, q_len 16, kv_len 16, head_dim 4;
                  tile q 4, kv 4;
                  mask causal;
                  heads *: route quarter(dense, xattention(4, 2, 0.8));
                }
                """);
        Decision d = Selector.decide(kernel, q(kernel.shape(), 5), k(kernel.shape(), 6));
        SelectionTable table = d.table(new Mask.XAttention(4, 2, 0.8, Kernels.S)).orElseThrow();
        for (int h = 0; h < 8; h++) {
            assertEquals(h >= 6, table.slot(0, h) >= 0, "only KV head 3 (heads 6, 7) is sparse; head " + h);
        }
    }
}
