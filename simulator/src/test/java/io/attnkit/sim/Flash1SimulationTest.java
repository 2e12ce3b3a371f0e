package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FlashAttention-1's kernels move what their CUDA code moves ({@code fmha_fprop_kernel_1xN.h},
 * {@code fmha_dgrad_kernel_1xN_loop.h}; docs/validation.md, Figure 2), counted here from the
 * block map alone: one CTA per head, an outer loop over K/V blocks, accumulators in FP32 between them.
 */
class Flash1SimulationTest {
    private static final TargetSpec A100 = Fixtures.target("a100-40gb");

    private static long rows(long len, int tile, int block) {
        return Math.min(tile, len - (long) block * tile);
    }

    /** Bytes {read, write} of a block of {@code r} query rows that sees {@code n} K/V blocks (maybe none). */
    private interface RowRule {
        long[] bytes(long r, long n);
    }

    /** L2 bytes {read, write}: each row block's by {@code rule}, K and V of every visited block once, and {@code perHead}. */
    private static long[] count(KernelSpec k, BlockMap map, RowRule rule, long[] perHead) {
        Shape s = k.shape();
        long read = 0;
        long write = 0;
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                BlockMap.Pattern p = map.pattern(b, h);
                for (int qb = 0; qb < map.qBlocks(); qb++) {
                    int n = p.visitedTiles(qb);
                    long[] row = rule.bytes(rows(s.qLen(), k.tiles().q(), qb), n);
                    read += row[0];
                    write += row[1];
                }
                read += kvBytesSeen(k, map, p) + perHead[0];
                write += perHead[1];
            }
        }
        return new long[] {read, write};
    }

    /**
     * The forward: per visit Q, and after a row's first block its FP32 partial output and
     * log-sum-exp; the log-sum-exp written at every visit, the partial output in FP32 until the
     * row's last block, then O. A row that sees no key writes its O (zeros) and log-sum-exp alone.
     */
    static long[] forwardBytes(KernelSpec k, BlockMap map) {
        Shape s = k.shape();
        int in = k.dtype().bytes();
        int out = k.dtype().outputType().bytes();
        return count(k, map, (r, n) -> n == 0 ? new long[] {0, r * s.vDim() * out + r * 4} : new long[] {
            n * r * s.headDim() * in + (n - 1) * (r * s.vDim() * 4 + r * 4),
            n * r * 4 + (n - 1) * r * s.vDim() * 4 + r * s.vDim() * out}, new long[2]);
    }

    /**
     * The backward: per visit Q, dO and the log-sum-exp; O once and D written at a row's first
     * block, D and the FP32 dQ accumulator read after it; the accumulator written in FP32 until
     * the row's last block, then dQ (zeros for a row that sees no key); dK and dV for every K/V block.
     */
    static long[] backwardBytes(KernelSpec k, BlockMap map) {
        Shape s = k.shape();
        int d = s.headDim();
        int dv = s.vDim();
        return count(k, map, (r, n) -> n == 0 ? new long[] {0, r * d * 2} : new long[] {
            n * (r * d * 2 + r * dv * 2 + r * 4) + r * dv * 2 + (n - 1) * (r * 4 + r * d * 4),
            r * 4 + (n - 1) * r * d * 4 + r * d * 2}, new long[] {0, (long) s.kvLen() * (d + dv) * 2});
    }

    /** K and V of the blocks some row sees, each read once. */
    private static long kvBytesSeen(KernelSpec k, BlockMap map, BlockMap.Pattern p) {
        Shape s = k.shape();
        boolean[] seen = new boolean[map.kvBlocks()];
        for (int qb = 0; qb < map.qBlocks(); qb++) {
            p.forEachTile(qb, (kb, kind) -> seen[kb] = true);
        }
        long bytes = 0;
        for (int kb = 0; kb < map.kvBlocks(); kb++) {
            bytes += seen[kb] ? rows(s.kvLen(), k.tiles().kv(), kb) * (s.headDim() + s.vDim()) * k.dtype().bytes() : 0;
        }
        return bytes;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "batch 2, heads 3, q_len 1000, head_dim 64 # q 16, kv 256, stages 2 # mask causal;",
        "batch 1, heads 2, q_len 700, kv_len 333, head_dim 64 # q 16, kv 128, stages 2 # ",
        "batch 1, heads 2, q_len 700, kv_len 333, head_dim 64 # q 16, kv 128, stages 2 # mask causal;",
        "batch 1, heads 2, q_len 600, head_dim 32 # q 32, kv 64, stages 2 # mask window(100);",
        "batch 1, heads 4, q_len 600, head_dim 32, v_dim 48 # q 32, kv 64, stages 2 # mask window(100) | sink(9);"})
    void eachPassMovesWhatItsCudaCodeMoves(String config) {
        String[] c = config.split("#");
        KernelSpec k = Fixtures.kernel("kernel k { shape " + c[0] + "; dtype f16, accumulate f32; tile " + c[1] + "; " + c[2] + " }");
        BlockMap map = BlockMap.of(k);
        SimOptions flash1 = SimOptions.defaults().withSchedule(Schedule.FLASH1);
        SimResult fwd = Simulator.simulate(k, A100, map, flash1);
        long[] expected = forwardBytes(k, map);
        assertEquals(expected[0], fwd.l2ReadBytes(), "forward L2 read bytes");
        assertEquals(expected[1], fwd.l2WriteBytes(), "forward L2 write bytes");
        assertEquals(map.visitedTiles(), fwd.launches().getFirst().tiles());
        SimResult bwd = Simulator.simulate(k, A100, map, flash1.withPass(Pass.BWD));
        expected = backwardBytes(k, map);
        assertEquals(expected[0], bwd.l2ReadBytes(), "backward L2 read bytes");
        assertEquals(expected[1], bwd.l2WriteBytes(), "backward L2 write bytes");
    }
}
