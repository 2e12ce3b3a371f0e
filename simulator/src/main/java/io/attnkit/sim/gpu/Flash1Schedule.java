package io.attnkit.sim.gpu;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.sim.l2.AddressSpace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * FlashAttention-1's forward kernel (arXiv 2205.14135, Algorithm 1, as its CUDA code runs it):
 * one CTA per (batch, head); the outer loop loads a block of {@code kv} keys and values into
 * registers and shared memory, the inner loop walks the blocks of {@code q} query rows that see
 * that block, reading Q, the partial output and its log-sum-exp from memory and writing them
 * back (in FP32 until the row's last block, then O in the storage type). The four warps split
 * the keys of a block, so the softmax statistics and the partial outputs are reduced across
 * warps through shared memory, behind barriers. The traffic follows {@code fmha_fprop_kernel_1xN.h}
 * of Dao-AILab/flash-attention (mid-2022, commit 0d85469); docs/validation.md, Figure 2.
 */
public final class Flash1Schedule {
    /** Instructions per output element to merge the partial output with the stored one: two rescales, add, divide. */
    static final double MERGE_OPS_PER_OUTPUT = 4;
    /** Barriers per row block: two reductions of the softmax statistics, the output reduction, the next Q buffer. */
    static final int BARRIERS_PER_STEP = 4;
    /**
     * Dependent shuffle or shared-memory rounds per row block: each of the two cross-warp
     * reductions (maximum, sum) is two quad shuffles, a store and a load.
     */
    static final int SHUFFLE_ROUNDS_PER_STEP = 8;

    private Flash1Schedule() {
    }

    /** The launch of {@code kernel} over {@code map}; {@code tiles.q} rows by {@code tiles.kv} keys per step. */
    public static Launch launch(KernelSpec kernel, BlockMap map, Machine machine, AddressSpace space, double dropout) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        int in = kernel.dtype().bytes();
        int out = kernel.dtype().outputType().bytes();
        int bh = s.batch() * s.heads();
        int bkv = s.batch() * s.kvHeads();
        int[] q = new int[bh];
        int[] k = new int[bkv];
        int[] v = new int[bkv];
        int[] acc = new int[bh];
        int[] lse = new int[bh];
        int[] o = new int[bh];
        for (int i = 0; i < bh; i++) {
            q[i] = space.allocate("Q" + i, (long) t.q() * s.headDim() * in, map.qBlocks());
        }
        for (int i = 0; i < bkv; i++) {
            k[i] = space.allocate("K" + i, (long) t.kv() * s.headDim() * in, map.kvBlocks());
            v[i] = space.allocate("V" + i, (long) t.kv() * s.vDim() * in, map.kvBlocks());
        }
        for (int i = 0; i < bh; i++) {
            acc[i] = space.allocate("Otmp" + i, (long) t.q() * s.vDim() * 4, map.qBlocks());
            lse[i] = space.allocate("LSE" + i, (long) t.q() * 4, map.qBlocks());
            o[i] = space.allocate("O" + i, (long) t.q() * s.vDim() * out, map.qBlocks());
        }
        StepCost full = stepCost(kernel, machine, false, dropout);
        StepCost partial = stepCost(kernel, machine, true, dropout);
        double kvBytes = (double) t.kv() * (s.headDim() + s.vDim()) * in;
        // The K/V block goes to shared memory, then to the registers where it stays for the inner loop.
        StepCost loadKv = new Work().exchange(2 * kvBytes).barriers(2).cost(machine, kernel.dtype());
        StepCost start = StepCost.delay(machine.micro().ctaLaunchCycles());
        StepCost store = new Work().barriers(1).cost(machine, kernel.dtype());
        Map<Integer, Columns> columns = new HashMap<>();
        int warps = t.warps();
        long smem = 2L * t.q() * s.headDim() * in + (long) t.kv() * (s.headDim() + s.vDim()) * in
                + (long) t.q() * s.vDim() * 4 + 8L * t.q() * warps;
        long regs = (long) t.kv() * (s.headDim() + s.vDim()) * in / 4 / (warps * 32L)
                + (long) t.q() * t.kv() / (warps * 32L) + (long) t.q() * s.vDim() / 32 + FlashSchedule.BASE_REGISTERS;
        int registers = (int) Math.min(machine.micro().maxRegistersPerThread(), regs);
        int kvBlocks = map.kvBlocks();
        int lastKeys = s.kvLen() - (kvBlocks - 1) * t.kv();
        return new Launch("flash1_fwd", bh, warps * 32, smem, registers, 1, 2, n -> {
            int b = (int) (n % s.batch());
            int h = (int) (n / s.batch());
            int i = b * s.heads() + h;
            int kv = b * s.kvHeads() + s.kvHeadOf(h);
            Columns cols = columns.computeIfAbsent(map.patternIndex(b, h), x -> Columns.of(map.pattern(b, h)));
            List<Segment> segments = new ArrayList<>();
            segments.add(new Segment("prologue", 1, start, List.of()));
            long tiles = 0;
            for (int j = 0; j < kvBlocks; j++) {
                long visits = cols.tiles(j);
                if (visits == 0) {
                    continue;
                }
                int keys = j == kvBlocks - 1 ? lastKeys : t.kv();
                segments.add(new Segment("K/V block", 1, loadKv, List.of(
                        new Access(k[kv], j, (long) keys * s.headDim() * in, false, true),
                        new Access(v[kv], j, (long) keys * s.vDim() * in, false, true, true))));
                tiles += visits;
                for (Columns.Piece piece : cols.pieces(j, rowKey(cols, j, s, t))) {
                    segments.add(rowSegment(cols, piece, j, s, t, in, out, q[i], acc[i], lse[i], o[i],
                            piece.full() ? full : partial));
                }
            }
            // Rows that see no key still produce their output: zeros, and a log-sum-exp of negative infinity.
            segments.addAll(unseenRows(cols, map.qBlocks(), s, t, store,
                    (row, rows) -> List.of(new Access(o[i], row, rows * s.vDim() * out, true, true),
                            new Access(lse[i], row, rows * 4, true, true))));
            return new CtaProgram("b" + b + " h" + h, segments, tiles);
        });
    }

    /** What sets a row block's step apart in K/V block {@code j}: its first block, its last block, a ragged row count. */
    static java.util.function.IntUnaryOperator rowKey(Columns cols, int j, Shape s, Tiles t) {
        return row -> (cols.first(row) == j ? 1 : 0) | (cols.last(row) == j ? 2 : 0) | (rows(s, t, row) < t.q() ? 4 : 0);
    }

    /**
     * The stores of the row blocks that visit no K/V block, which the loop over K/V blocks never
     * reaches: one segment per run of such blocks with the same row count, {@code accesses}
     * giving a step's accesses from its first row block and its rows.
     */
    static List<Segment> unseenRows(Columns cols, int qBlocks, Shape s, Tiles t, StepCost cost,
                                    BiFunction<Integer, Long, List<Access>> accesses) {
        List<Segment> out = new ArrayList<>();
        int row = 0;
        while (row < qBlocks) {
            if (cols.first(row) >= 0) {
                row++;
                continue;
            }
            int end = row + 1;
            while (end < qBlocks && cols.first(end) < 0 && rows(s, t, end) == rows(s, t, row)) {
                end++;
            }
            out.add(new Segment("rows unseen", end - row, cost, accesses.apply(row, (long) rows(s, t, row))));
            row = end;
        }
        return out;
    }

    static int rows(Shape s, Tiles t, int qb) {
        return (int) Math.min(t.q(), s.qLen() - (long) qb * t.q());
    }

    private static Segment rowSegment(Columns cols, Columns.Piece piece, int j, Shape s, Tiles t, int in, int out, int q,
                                      int acc, int lse, int o, StepCost cost) {
        int row = piece.from();
        int count = piece.count();
        boolean first = cols.first(row) == j;
        boolean last = cols.last(row) == j;
        long rows = rows(s, t, row);
        List<Access> a = new ArrayList<>();
        a.add(new Access(q, row, rows * s.headDim() * in, false, true));
        if (!first) {
            a.add(new Access(acc, row, rows * s.vDim() * 4, false, true));
            a.add(new Access(lse, row, rows * 4, false, true));
        }
        a.add(last ? new Access(o, row, rows * s.vDim() * out, true, true)
                : new Access(acc, row, rows * s.vDim() * 4, true, true));
        a.add(new Access(lse, row, rows * 4, true, true));
        return new Segment(piece.full() ? "rows FULL" : "rows PARTIAL", count, cost, a);
    }

    /**
     * One block of query rows against one block of keys. The warps split the keys, so each
     * computes a partial score tile and a partial output: the row statistics and the partial
     * outputs are reduced across warps through shared memory, and the output is merged with
     * the one stored by the previous K/V block.
     */
    private static StepCost stepCost(KernelSpec kernel, Machine machine, boolean masked, double dropout) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        int in = kernel.dtype().bytes();
        double elements = (double) t.q() * t.kv();
        double q = (double) t.q() * s.headDim() * in;
        return new Work()
                .mma(2 * elements * (s.headDim() + s.vDim()))
                .fma(2 * elements + MERGE_OPS_PER_OUTPUT * t.q() * s.vDim())
                .alu(1.5 * elements + (masked ? FlashSchedule.MASK_OPS_PER_ELEMENT * elements : 0)
                        + Dropout.aluOps(dropout, elements, Dropout.FLASH1_BITS))
                .sfu(elements + 2.0 * t.q())
                .operands(t.warps() * q + q)
                .exchange(2.0 * t.warps() * t.q() * s.vDim() * 4 + 4.0 * t.q() * t.warps() * 4)
                .barriers(BARRIERS_PER_STEP)
                .shuffleRounds(SHUFFLE_ROUNDS_PER_STEP)
                .mmaWaits(2)
                .pipelined()
                .cost(machine, kernel.dtype());
    }
}
