package io.attnkit.sim.gpu;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.sim.Raster;
import io.attnkit.sim.l2.AddressSpace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FlashAttention-2's backward pass (arXiv 2307.08691, Algorithm 2, as its CUDA code runs it),
 * over the same block map as the forward:
 * <ol>
 * <li>{@code flash_bwd_dot_do_o}: per (batch, head, q-block), {@code D = rowsum(dO * O)} is
 * written, and the FP32 dQ accumulator cleared;</li>
 * <li>{@code flash_bwd}: one CTA per (batch, head, K/V block) loads its K and V tiles, then
 * walks the q-blocks that visit the block (the block map read by columns) reading Q, dO, the
 * log-sum-exp and D, recomputing P, and adding its part of dQ into the FP32 accumulator with
 * atomics; at the end it writes dK and dV (per query head: with grouped K/V heads they are
 * summed by a last launch);</li>
 * <li>{@code flash_bwd_convert_dq}: the accumulator converted to dQ in the storage type.</li>
 * </ol>
 * An atomic reduction is charged as a read and a write of the accumulator tile at the L2 (the
 * L2 performs it; DRAM sees the line once when it misses, and once when it is written back).
 * Shared memory holds Q (double-buffered), dO, K, V, P and dS: 144 KiB for 128 x 128 tiles at d 64,
 * the size FlashAttention-2 asks for on sm_80. The q-blocks are walked in ascending order (the CUDA code walks them downwards; the L2 sees
 * the same reuse distances). The backward runs twice the forward's warps, as FlashAttention-2
 * runs 8 warps where its forward runs 4.
 */
public final class FlashBackwardSchedule {
    /** Barriers per tile of FlashAttention-2's backward loop (Q/dO landed, P and dS stored, dQ read back, next loads). */
    static final int BARRIERS_PER_TILE = 5;
    /** MMAs per tile whose results the warps wait for: S, dP, dV, dK, dQ. */
    static final int MMAS_PER_TILE = 5;

    private FlashBackwardSchedule() {
    }

    /**
     * The arithmetic of one (q-block, K/V block) tile of a backward pass, {@code rows x keys},
     * without its shared-memory traffic (which depends on how the warps split the tile): five
     * MMAs (S = QK^T, dP = dO V^T, dV += P^T dO, dK += dS^T Q, dQ = dS K); per element P =
     * exp2(S scale - LSE) (an FFMA and an exp2), dS = P (dP - D) (a subtract and a multiply),
     * P and dS converted to the storage type; per output element of dQ one FP32 reduction.
     */
    static Work tileMath(KernelSpec kernel, int rows, int keys, boolean masked, double dropout, int dropoutBits) {
        Shape s = kernel.shape();
        double elements = (double) rows * keys;
        int d = s.headDim();
        int dv = s.vDim();
        return new Work()
                .mma(2 * elements * (3.0 * d + 2.0 * dv))
                .fma(3 * elements)
                .alu(elements + (masked ? FlashSchedule.MASK_OPS_PER_ELEMENT * elements : 0)
                        + Dropout.aluOps(dropout, elements, dropoutBits)
                        + (double) rows * d)
                .sfu(elements)
                .barriers(BARRIERS_PER_TILE)
                .mmaWaits(MMAS_PER_TILE)
                .pipelined();
    }

    /**
     * FlashAttention-2's tile: its 8 warps split the rows and the keys two ways, so each pair
     * reads all of K, V and K again, the Q and dO tiles and the P and dS tiles that the
     * transposed MMAs take from shared memory, where P and dS are stored first.
     */
    static Work tile(KernelSpec kernel, int rows, int keys, int warps, boolean masked, double dropout) {
        int in = kernel.dtype().bytes();
        int d = kernel.shape().headDim();
        int dv = kernel.shape().vDim();
        double elements = (double) rows * keys;
        double bOperands = (double) keys * (2 * d + dv) * in + (double) rows * (d + dv) * in + 2 * elements * in;
        return tileMath(kernel, rows, keys, masked, dropout, Dropout.FLASH2_BITS)
                .operands(warps / 2.0 * bOperands + 2 * elements * in);
    }

    /** The launches of the backward of {@code kernel} over {@code map}, tensors allocated in {@code space}. */
    public static List<Launch> launches(KernelSpec kernel, BlockMap map, Machine machine, Raster raster, AddressSpace space,
                                        double dropout) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        int bh = s.batch() * s.heads();
        int bkv = s.batch() * s.kvHeads();
        int in = kernel.dtype().bytes();
        int out = kernel.dtype().outputType().bytes();
        int d = s.headDim();
        int dv = s.vDim();
        int qBlocks = map.qBlocks();
        int kvBlocks = map.kvBlocks();
        Inputs x = Inputs.allocate(kernel, map, space);
        boolean grouped = bkv != bh;
        int[] dkExp = perHead(space, grouped ? "dKexpanded" : "dK", bh, (long) t.kv() * d * in, kvBlocks);
        int[] dvExp = perHead(space, grouped ? "dVexpanded" : "dV", bh, (long) t.kv() * dv * in, kvBlocks);
        int warps = 2 * t.warps();
        int threads = warps * 32;
        StepCost start = StepCost.delay(machine.micro().ctaLaunchCycles());
        List<Launch> launches = new ArrayList<>();

        // 1. D = rowsum(dO * O), dQ accumulator cleared.
        StepCost dotStep = new Work().fma((double) t.q() * dv).alu((double) t.q() * dv).shuffleRounds(2).barriers(1)
                .latency(machine.micro().ctaLaunchCycles()).cost(machine, kernel.dtype());
        launches.add(new Launch("flash_bwd_dot_do_o", (long) bh * qBlocks, threads, 0, 32, 1, 1, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), qBlocks);
            int i = c[0] * s.heads() + c[1];
            long rows = Flash1Schedule.rows(s, t, c[2]);
            return new CtaProgram(label(c), List.of(new Segment("dot", 1, dotStep, List.of(
                    new Access(x.o()[i], c[2], rows * dv * out, false, true),
                    new Access(x.dO()[i], c[2], rows * dv * out, false, true),
                    new Access(x.dot()[i], c[2], rows * 4, true, true),
                    new Access(x.dqAcc()[i], c[2], rows * d * 4, true, true)))), 0);
        }));

        // 2. The main loop, one CTA per (batch, head, K/V block).
        StepCost full = tile(kernel, t.q(), t.kv(), warps, false, dropout).cost(machine, kernel.dtype());
        StepCost partial = tile(kernel, t.q(), t.kv(), warps, true, dropout).cost(machine, kernel.dtype());
        StepCost prologue = new Work().operands((double) t.kv() * (d + dv) * in).barriers(1)
                .latency(machine.micro().ctaLaunchCycles()).cost(machine, kernel.dtype());
        double dkv = (double) t.kv() * (d + dv) * in;
        StepCost epilogue = new Work().fma((double) t.kv() * (d + dv)).alu(0.5 * t.kv() * (d + dv)).exchange(2 * dkv)
                .barriers(2).cost(machine, kernel.dtype());
        long smem = (2L * d + dv) * t.q() * in + (long) t.kv() * (d + dv) * in + 2L * t.q() * t.kv() * in;
        int lastKeys = s.kvLen() - (kvBlocks - 1) * t.kv();
        Map<Integer, Columns> columns = new HashMap<>();
        // dK and dV accumulate in FP32 over the whole walk, S and dP per step: spread over the threads.
        long regs = ((long) t.kv() * (d + dv) + 2L * t.q() * t.kv()) / threads + FlashSchedule.BASE_REGISTERS;
        int registers = (int) Math.min(machine.micro().maxRegistersPerThread(), regs);
        launches.add(new Launch("flash_bwd", (long) bh * kvBlocks, threads, smem, registers, 1,
                2, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), kvBlocks);
            int b = c[0];
            int h = c[1];
            int j = c[2];
            int i = b * s.heads() + h;
            int g = b * s.kvHeads() + s.kvHeadOf(h);
            Columns cols = columns.computeIfAbsent(map.patternIndex(b, h), unused -> Columns.of(map.pattern(b, h)));
            long keys = j == kvBlocks - 1 ? lastKeys : t.kv();
            List<Segment> segments = new ArrayList<>();
            long tiles = cols.tiles(j);
            if (tiles > 0) {
                segments.add(new Segment("prologue", 1, prologue, List.of(
                        new Access(x.k()[g], j, keys * d * in, false, true),
                        new Access(x.v()[g], j, keys * dv * in, false, true, true))));
            }
            for (Columns.Piece p : cols.pieces(j, row -> Flash1Schedule.rows(s, t, row))) {
                long rows = p.key();
                segments.add(new Segment(p.full() ? "FULL" : "PARTIAL", p.count(), p.full() ? full : partial, List.of(
                        new Access(x.q()[i], p.from(), rows * d * in, false, true),
                        new Access(x.dO()[i], p.from(), rows * dv * out, false, true),
                        new Access(x.lse()[i], p.from(), rows * 4, false, true),
                        new Access(x.dot()[i], p.from(), rows * 4, false, true),
                        new Access(x.dqAcc()[i], p.from(), rows * d * 4, false, true),
                        new Access(x.dqAcc()[i], p.from(), rows * d * 4, true, true))));
            }
            segments.add(new Segment("epilogue", 1, epilogue, List.of(
                    new Access(dkExp[i], j, keys * d * in, true, grouped),
                    new Access(dvExp[i], j, keys * dv * in, true, grouped))));
            return new CtaProgram(label(c), segments, tiles);
        }));

        // 3. dQ from its FP32 accumulator.
        StepCost convert = new Work().alu((double) t.q() * d).latency(machine.micro().ctaLaunchCycles())
                .cost(machine, kernel.dtype());
        launches.add(new Launch("flash_bwd_convert_dq", (long) bh * qBlocks, threads, 0, 32, 1, 1, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), qBlocks);
            int i = c[0] * s.heads() + c[1];
            long rows = Flash1Schedule.rows(s, t, c[2]);
            return new CtaProgram(label(c), List.of(new Segment("convert", 1, convert, List.of(
                    new Access(x.dqAcc()[i], c[2], rows * d * 4, false, true),
                    new Access(x.dq()[i], c[2], rows * d * in, true, false)))), 0);
        }));

        // 4. Grouped K/V heads: dK and dV of the query heads of a group summed.
        if (grouped) {
            int group = s.heads() / s.kvHeads();
            int[] dk = perHead(space, "dK", bkv, (long) t.kv() * d * in, kvBlocks);
            int[] dV = perHead(space, "dV", bkv, (long) t.kv() * dv * in, kvBlocks);
            StepCost sum = new Work().fma((double) group * t.kv() * (d + dv)).latency(machine.micro().ctaLaunchCycles())
                    .cost(machine, kernel.dtype());
            launches.add(new Launch("sum_dk_dv", (long) bkv * kvBlocks, 256, 0, 32, 1, 1, n -> {
                int j = (int) (n % kvBlocks);
                int g = (int) (n / kvBlocks);
                int b = g / s.kvHeads();
                long keys = j == kvBlocks - 1 ? lastKeys : t.kv();
                List<Access> a = new ArrayList<>();
                for (int h = 0; h < s.heads(); h++) {
                    if (s.kvHeadOf(h) == g % s.kvHeads()) {
                        a.add(new Access(dkExp[b * s.heads() + h], j, keys * d * in, false, true));
                        a.add(new Access(dvExp[b * s.heads() + h], j, keys * dv * in, false, true));
                    }
                }
                a.add(new Access(dk[g], j, keys * d * in, true, false));
                a.add(new Access(dV[g], j, keys * dv * in, true, false));
                return new CtaProgram("b" + b + " g" + g % s.kvHeads() + " kv" + j, List.of(new Segment("sum", 1, sum, a)), 0);
            }));
        }
        return launches;
    }

    /**
     * The tensors both FlashAttention backwards read and write per (batch, head), in tiles of the
     * kernel's q and kv blocks: the forward's inputs and outputs, dO, D, the FP32 dQ accumulator, dQ.
     */
    record Inputs(int[] q, int[] k, int[] v, int[] o, int[] dO, int[] lse, int[] dot, int[] dqAcc, int[] dq) {
        static Inputs allocate(KernelSpec kernel, BlockMap map, AddressSpace space) {
            Shape s = kernel.shape();
            Tiles t = kernel.tiles();
            int bh = s.batch() * s.heads();
            int bkv = s.batch() * s.kvHeads();
            int in = kernel.dtype().bytes();
            int out = kernel.dtype().outputType().bytes();
            int d = s.headDim();
            int dv = s.vDim();
            int qBlocks = map.qBlocks();
            int kvBlocks = map.kvBlocks();
            return new Inputs(perHead(space, "Q", bh, (long) t.q() * d * in, qBlocks),
                    perHead(space, "K", bkv, (long) t.kv() * d * in, kvBlocks),
                    perHead(space, "V", bkv, (long) t.kv() * dv * in, kvBlocks),
                    perHead(space, "O", bh, (long) t.q() * dv * out, qBlocks),
                    perHead(space, "dO", bh, (long) t.q() * dv * out, qBlocks),
                    perHead(space, "LSE", bh, (long) t.q() * 4, qBlocks),
                    perHead(space, "D", bh, (long) t.q() * 4, qBlocks),
                    perHead(space, "dQaccum", bh, (long) t.q() * d * 4, qBlocks),
                    perHead(space, "dQ", bh, (long) t.q() * d * in, qBlocks));
        }
    }

    static int[] perHead(AddressSpace space, String name, int count, long pitch, long items) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = space.allocate(name + i, pitch, items);
        }
        return ids;
    }

    private static String label(int[] c) {
        return "b" + c[0] + " h" + c[1] + " " + c[2];
    }
}
