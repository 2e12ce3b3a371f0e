package io.attnkit.codegen.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Runner;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.IntervalSet;
import io.attnkit.dsl.blocks.Routing;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.reference.ReferenceAttention;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Kernels whose patterns are decided on the input: selectors (their keys come from a {@link
 * Selection}) and routers with weights (their decisions from a {@link Routing}). Whatever was
 * decided, the kernel must agree with the reference given the same decisions, and load exactly
 * the tiles of the BlockMap built from them.
 */
class InputDecisionsTest {

    /** A selection admitting a few pseudo-random key intervals per row, the same on every call. */
    static Selection arbitrary(int kvLen) {
        return (selector, batch, head, row) -> {
            SplittableRandom r = new SplittableRandom(((long) batch * 1000 + head) * 100_000 + row);
            IntervalSet keys = IntervalSet.EMPTY;
            for (int n = r.nextInt(4); n > 0; n--) {
                int start = r.nextInt(kvLen);
                keys = keys.union(IntervalSet.of(start, start + 1 + r.nextInt(kvLen / 3 + 1)).intersect(IntervalSet.of(0, kvLen)));
            }
            return keys;
        };
    }

    private static Runner.Execution check(KernelSpec kernel, HeadMasks masks, Selection selection) throws BackendException {
        Check.Inputs in = Check.Inputs.random(kernel, 3);
        BlockMap map = BlockMap.of(masks, selection, kernel.tiles().q(), kernel.tiles().kv());
        return Check.againstReference(kernel, new Runner.Inputs(in.q(), in.k(), in.v(), masks, selection), map,
                ReferenceAttention.run(masks, selection, in.q(), in.k(), in.v()));
    }

    @Test
    void selectorsRunFromTheInputsBlockMapAndRowIntervals() throws BackendException {
        KernelSpec kernel = Kernels.parse("""
                kernel moba {
                    shape batch 2, heads 4, kv_heads 2, q_len 70, kv_len 90, head_dim 8;
                    tile q 16, kv 8;
                    mask causal;
                    heads 0..1: topk_blocks(16, 3);
                    heads 2..3: dense;
                }
                """);
        assertTrue(new JavaEmitter().plan(kernel).needsInputDecisions());
        check(kernel, HeadMasks.of(kernel), arbitrary(90));
    }

    @Test
    void selectorsComposedWithStaticMasks() throws BackendException {
        KernelSpec kernel = Kernels.parse("""
                kernel nsa_like {
                    shape heads 2, q_len 64, head_dim 8;
                    tile q 8, kv 16;
                    mask causal;
                    heads *: xattention(16, 4, 0.9) | window(10) | sink(3);
                }
                """);
        check(kernel, HeadMasks.of(kernel), arbitrary(64));
    }

    @Test
    void routersWithWeightsTakeTheirDecisionsFromTheInput() throws BackendException {
        KernelSpec kernel = Kernels.parse("""
                router trained { weights "router.safetensors"; }
                kernel elastic {
                    shape batch 2, heads 8, kv_heads 4, q_len 60, head_dim 8;
                    tile q 16, kv 16;
                    mask causal;
                    heads 0..1: dense;
                    heads 2..7: route trained(dense, sink(4) | window(12));
                }
                """);
        KernelPlan plan = new JavaEmitter().plan(kernel);
        assertTrue(plan.needsInputDecisions());
        assertEquals(2, plan.patterns().size(), "causal and causal & (sink | window), both compiled in");
        boolean[][] sparse = {{false, true, false, true}, {true, true, false, false}};
        HeadMasks masks = HeadMasks.of(kernel, Routing.of(sparse));
        InputDecisions d = InputDecisions.of(masks, Selection.NONE);
        assertEquals(0, d.runs().length, "static patterns need no run tables");
        check(kernel, masks, Selection.NONE);
    }

    @Test
    void aKernelThatNeedsDecisionsRefusesToRunWithoutThem() throws BackendException {
        KernelSpec kernel = Kernels.parse("""
                kernel moba { shape heads 2, q_len 32, head_dim 8; tile q 16, kv 8; heads *: topk_blocks(8, 2) & causal; }
                """);
        Check.Inputs in = Check.Inputs.random(kernel, 1);
        try (Runner.CompiledKernel c = new JavaRunner().compile(kernel, Runner.RunOptions.DEFAULT)) {
            assertThrows(IllegalStateException.class, () -> c.run(Runner.Inputs.of(kernel, in.q(), in.k(), in.v())));
        }
    }
}
