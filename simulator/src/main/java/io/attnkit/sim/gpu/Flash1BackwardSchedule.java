package io.attnkit.sim.gpu;

import static io.attnkit.sim.gpu.FlashBackwardSchedule.perHead;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.sim.l2.AddressSpace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FlashAttention-1's backward pass (arXiv 2205.14135, Algorithm 4, as its CUDA kernel
 * {@code fmha_dgrad_fp16_kernel_1xN_loop} runs it): one CTA per (batch, head); the outer loop
 * loads a block of {@code kv} keys and values, the inner loop walks the blocks of {@code q}
 * query rows that see it, reading Q, dO and the log-sum-exp. In a row's first K/V block the
 * kernel reads O and stores {@code D = rowsum(dO * O)}; later blocks read D back. dQ is
 * accumulated in memory, read-modify-write (no atomics: the CTA owns the head): an FP32
 * partial is read unless the block is the row's first, and written back, in the storage type
 * when the block is the row's last. dK and dV of a block are written when its inner loop
 * ends. The warps split the keys, so partial dQ is reduced across warps through shared
 * memory. With {@code tile q 16, kv 256} and twice the forward's warps this is
 * {@code FMHA_kernel_traits<256, 64, 16, 1, 8>}, FlashAttention-1's backward for d 64 on sm_80.
 */
public final class Flash1BackwardSchedule {
    private Flash1BackwardSchedule() {
    }

    public static Launch launch(KernelSpec kernel, BlockMap map, Machine machine, AddressSpace space, double dropout) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        int in = kernel.dtype().bytes();
        int out = kernel.dtype().outputType().bytes();
        int d = s.headDim();
        int dv = s.vDim();
        int bh = s.batch() * s.heads();
        int bkv = s.batch() * s.kvHeads();
        int kvBlocks = map.kvBlocks();
        FlashBackwardSchedule.Inputs x = FlashBackwardSchedule.Inputs.allocate(kernel, map, space);
        int[] dk = perHead(space, "dK", bh, (long) t.kv() * d * in, kvBlocks);
        int[] dV = perHead(space, "dV", bh, (long) t.kv() * dv * in, kvBlocks);
        int warps = 2 * t.warps();
        StepCost full = tile(kernel, t.q(), t.kv(), warps, false, dropout).cost(machine, kernel.dtype());
        StepCost partial = tile(kernel, t.q(), t.kv(), warps, true, dropout).cost(machine, kernel.dtype());
        double kvBytes = (double) t.kv() * (d + dv) * in;
        StepCost loadKv = new Work().exchange(2 * kvBytes).barriers(2).cost(machine, kernel.dtype());
        StepCost storeDkDv = new Work().fma((double) t.kv() * (d + dv)).exchange(2 * kvBytes).barriers(2)
                .cost(machine, kernel.dtype());
        StepCost start = StepCost.delay(machine.micro().ctaLaunchCycles());
        StepCost storeDq = new Work().barriers(1).cost(machine, kernel.dtype());
        long smem = (2L * d + dv) * t.q() * in + (long) t.kv() * (d + dv) * in + 2L * t.q() * t.kv() * in
                + (long) warps * t.q() * d * 4;
        long regs = (long) t.kv() * (d + dv) * 4 / (warps * 32L) + (long) t.q() * t.kv() * 2 / (warps * 32L)
                + FlashSchedule.BASE_REGISTERS;
        int registers = (int) Math.min(machine.micro().maxRegistersPerThread(), regs);
        int lastKeys = s.kvLen() - (kvBlocks - 1) * t.kv();
        Map<Integer, Columns> columns = new HashMap<>();
        return new Launch("flash1_bwd", bh, warps * 32, smem, registers, 1, 2, n -> {
            int b = (int) (n % s.batch());
            int h = (int) (n / s.batch());
            int i = b * s.heads() + h;
            int g = b * s.kvHeads() + s.kvHeadOf(h);
            Columns cols = columns.computeIfAbsent(map.patternIndex(b, h), unused -> Columns.of(map.pattern(b, h)));
            List<Segment> segments = new ArrayList<>();
            segments.add(new Segment("prologue", 1, start, List.of()));
            long tiles = 0;
            for (int j = 0; j < kvBlocks; j++) {
                long keys = j == kvBlocks - 1 ? lastKeys : t.kv();
                long visits = cols.tiles(j);
                tiles += visits;
                if (visits > 0) {
                    segments.add(new Segment("K/V block", 1, loadKv, List.of(
                            new Access(x.k()[g], j, keys * d * in, false, bkv != bh),
                            new Access(x.v()[g], j, keys * dv * in, false, bkv != bh))));
                }
                for (Columns.Piece p : cols.pieces(j, Flash1Schedule.rowKey(cols, j, s, t))) {
                    long rows = Flash1Schedule.rows(s, t, p.from());
                    boolean first = (p.key() & 1) != 0;
                    boolean last = (p.key() & 2) != 0;
                    List<Access> a = new ArrayList<>();
                    a.add(new Access(x.q()[i], p.from(), rows * d * in, false, true));
                    a.add(new Access(x.dO()[i], p.from(), rows * dv * out, false, true));
                    a.add(new Access(x.lse()[i], p.from(), rows * 4, false, true));
                    if (first) {
                        a.add(new Access(x.o()[i], p.from(), rows * dv * out, false, true));
                        a.add(new Access(x.dot()[i], p.from(), rows * 4, true, true));
                    } else {
                        a.add(new Access(x.dot()[i], p.from(), rows * 4, false, true));
                        a.add(new Access(x.dqAcc()[i], p.from(), rows * d * 4, false, true));
                    }
                    a.add(last ? new Access(x.dq()[i], p.from(), rows * d * in, true, false)
                            : new Access(x.dqAcc()[i], p.from(), rows * d * 4, true, true));
                    segments.add(new Segment(p.full() ? "rows FULL" : "rows PARTIAL", p.count(), p.full() ? full : partial, a));
                }
                // Every K/V block has its gradients written, zeros for blocks no row sees.
                segments.add(new Segment("dK/dV", 1, storeDkDv, List.of(
                        new Access(dk[i], j, keys * d * in, true, false),
                        new Access(dV[i], j, keys * dv * in, true, false))));
            }
            // And every row has its dQ written, zeros for rows that see no key.
            segments.addAll(Flash1Schedule.unseenRows(cols, map.qBlocks(), s, t, storeDq,
                    (row, rows) -> List.of(new Access(x.dq()[i], row, rows * d * in, true, false))));
            return new CtaProgram("b" + b + " h" + h, segments, tiles);
        });
    }

    /**
     * One step: {@code rows} query rows against the block of {@code keys}. The warps split the
     * keys ({@code WARPS_N}), so per step each reads the Q and dO tiles whole, once as the A
     * operand of S and dP and once transposed as the B operand of dK and dV, and only its slice
     * of K (for S), V (for dP; counted as re-read at every step, which the kernel does unless its
     * traits keep V in registers, 16% of these bytes at d 64) and K^T (for dQ); P and dS go
     * through shared memory (each warp stores its slice and reads it back transposed); the next
     * Q and dO tiles land there. The partial dQ of each warp, in FP32, is stored to shared memory
     * and read back summed ({@code smem_dq}), behind two barriers. From
     * {@code compute_dq_dk_dv_1xN_one_iter} in FlashAttention-1's {@code fmha_dgrad_kernel_1xN_loop.h}.
     */
    private static Work tile(KernelSpec kernel, int rows, int keys, int warps, boolean masked, double dropout) {
        Shape s = kernel.shape();
        int in = kernel.dtype().bytes();
        int d = s.headDim();
        int dv = s.vDim();
        double elements = (double) rows * keys;
        double wholeTiles = (double) warps * rows * (2 * d + 2 * dv) * in;
        double slices = (double) keys * (2 * d + dv) * in;
        double transposes = 4 * elements * in;
        double landing = (double) rows * (d + dv) * in;
        return FlashBackwardSchedule.tileMath(kernel, rows, keys, masked, dropout, Dropout.FLASH1_BITS)
                .operands(wholeTiles + slices + transposes + landing)
                .exchange(2.0 * warps * rows * d * 4)
                .shuffleRounds(2);
    }
}
