package io.attnkit.sim.gpu;

import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.sim.Raster;
import io.attnkit.sim.l2.AddressSpace;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernels unfused attention runs, over N x N matrices (one per (batch, head)) cut into
 * {@value #TILE} x {@value #TILE} tiles and over per-head panels of {@value #TILE} rows: GEMMs
 * with 128 x 128 output tiles (a CTA per output panel walking along it, so the other operand's
 * tiles are shared in the L2 the way a tiled GEMM shares them), elementwise passes over the
 * rows of the matrices, and copies of panels. Every access goes through the L2 as a possible reuse:
 * each launch reads what the one before wrote. A tile of a matrix is item {@code row * nk + col}
 * of its object.
 */
final class MatrixKernels {
    /** Output tile of the GEMMs (rows and columns), as cuBLAS picks for these shapes. */
    static final int TILE = 128;
    /** Warps of a GEMM CTA. */
    static final int GEMM_WARPS = 8;
    /** Registers per thread of a GEMM CTA. */
    static final int GEMM_REGISTERS = 128;
    /** Threads of an elementwise CTA (one 128-row block, a warp per row at a time). */
    static final int ROW_THREADS = 256;

    /** A matrix operand of an elementwise pass: one object per (batch, head), or one for all ({@code shared}). */
    record Operand(int[] objects, int elementBytes, boolean write) {
        int object(int head) {
            return objects[objects.length == 1 ? 0 : head];
        }
    }

    private final KernelSpec kernel;
    private final Machine machine;
    private final Raster raster;
    private final AddressSpace space;
    private final Shape s;
    final int nq;
    final int nk;
    final int bh;
    private final int lastKeys;
    private final int lastRows;
    private final StepCost start;

    MatrixKernels(KernelSpec kernel, Machine machine, Raster raster, AddressSpace space) {
        this.kernel = kernel;
        this.machine = machine;
        this.raster = raster;
        this.space = space;
        this.s = kernel.shape();
        this.nq = blocks(s.qLen());
        this.nk = blocks(s.kvLen());
        this.bh = s.batch() * s.heads();
        this.lastKeys = s.kvLen() - (nk - 1) * TILE;
        this.lastRows = s.qLen() - (nq - 1) * TILE;
        this.start = StepCost.delay(machine.micro().ctaLaunchCycles());
    }

    private static int blocks(int len) {
        return (int) ((len + (long) TILE - 1) / TILE);
    }

    /** Per-(batch, head) panels of {@code width} columns along the queries ({@code keys}: along the keys). */
    int[] panels(String name, int count, int width, int elementBytes, boolean keys) {
        return FlashBackwardSchedule.perHead(space, name, count, (long) TILE * width * elementBytes, keys ? nk : nq);
    }

    /** An N x N matrix per (batch, head); {@code shared}: one for all of them. */
    int[] matrix(String name, int elementBytes, boolean shared) {
        return FlashBackwardSchedule.perHead(space, name, shared ? 1 : bh, (long) TILE * TILE * elementBytes, (long) nq * nk);
    }

    private long rows(int qb) {
        return qb == nq - 1 ? lastRows : TILE;
    }

    private long keys(int kb) {
        return kb == nk - 1 ? lastKeys : TILE;
    }

    private int in() {
        return kernel.dtype().bytes();
    }

    /**
     * {@code out[i, j] = A_i B_j^T}: a CTA per row panel i loads A_i ({@code depth} wide), walks
     * the B panels along the keys and writes a tile of the N x N {@code out} for each.
     */
    Launch rowTimesPanels(String name, int[] a, int[] b, boolean bPerKvHead, int depth, int[] out, int outBytes) {
        StepCost step = gemmStep(2.0 * TILE * TILE * depth, 8.0 * TILE * depth * in(), (double) TILE * TILE,
                2.0 * TILE * TILE * outBytes);
        return gemm(name, nq, (i, g, qb) -> {
            List<Segment> segs = new ArrayList<>();
            segs.add(new Segment("prologue", 1, start, List.of(new Access(a[i], qb, rows(qb) * depth * in(), false, true))));
            sweep(segs, "tiles", step, nk, kb -> List.of(
                    new Access(b[bPerKvHead ? g : i], kb, keys(kb) * depth * in(), false, true),
                    new Access(out[i], (long) qb * nk + kb, rows(qb) * keys(kb) * outBytes, true, true)));
            return segs;
        });
    }

    /**
     * {@code out_i = sum_j X[i, j] B_j}: a CTA per row panel i walks row i of the N x N
     * {@code x} and the B panels ({@code width} wide) and writes {@code out_i}.
     */
    Launch rowTimesPanelsReduce(String name, int[] x, int xBytes, int[] b, boolean bPerKvHead, int width, int[] out,
                                int outBytes) {
        StepCost step = gemmStep(2.0 * TILE * TILE * width, 3.0 * TILE * TILE * xBytes + 5.0 * TILE * width * in(), 0, 0);
        return gemm(name, nq, (i, g, qb) -> {
            List<Segment> segs = new ArrayList<>();
            segs.add(new Segment("prologue", 1, start, List.of()));
            sweep(segs, "tiles", step, nk, kb -> List.of(
                    new Access(x[i], (long) qb * nk + kb, rows(qb) * keys(kb) * xBytes, false, true),
                    new Access(b[bPerKvHead ? g : i], kb, keys(kb) * width * in(), false, true)));
            segs.add(new Segment("epilogue", 1, store(width, outBytes),
                    List.of(new Access(out[i], qb, rows(qb) * width * outBytes, true, true))));
            return segs;
        });
    }

    /**
     * {@code out_j = sum_i X[i, j]^T B_i}: a CTA per key panel j walks column j of {@code x}
     * (a tile every {@code nk} items: a strided access) and the B panels along the queries, and
     * writes {@code out_j}.
     */
    Launch columnTimesPanelsReduce(String name, int[] x, int xBytes, int[] b, int width, int[] out, int outBytes) {
        StepCost step = gemmStep(2.0 * TILE * TILE * width, 3.0 * TILE * TILE * xBytes + 5.0 * TILE * width * in(), 0, 0);
        return gemm(name, nk, (i, g, kb) -> {
            List<Segment> segs = new ArrayList<>();
            segs.add(new Segment("prologue", 1, start, List.of()));
            sweep(segs, "tiles", step, nq, lastRows < TILE, qb -> List.of(
                    new Access(x[i], (long) qb * nk + kb, rows(qb) * keys(kb) * xBytes, false, true, false, nk),
                    new Access(b[i], qb, rows(qb) * width * in(), false, true)));
            segs.add(new Segment("epilogue", 1, store(width, outBytes),
                    List.of(new Access(out[i], kb, keys(kb) * width * outBytes, true, true))));
            return segs;
        });
    }

    /**
     * An elementwise pass over the rows of N x N matrices: a CTA per (batch, head, 128-row
     * block) walks the tiles of its rows, reading and writing each operand's tile;
     * {@code fma}, {@code alu}, {@code sfu} instructions per element.
     */
    Launch rowPass(String name, List<Operand> operands, double fma, double alu, double sfu, int shuffleRounds) {
        double elements = (double) TILE * TILE;
        StepCost step = new Work().fma(fma * elements).alu(alu * elements).sfu(sfu * elements).shuffleRounds(shuffleRounds)
                .barriers(1).pipelined().cost(machine, kernel.dtype());
        return new Launch(name, (long) bh * nq, ROW_THREADS, 8192, 32, 1, 2, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), nq);
            int i = c[0] * s.heads() + c[1];
            int qb = c[2];
            List<Segment> segs = new ArrayList<>();
            segs.add(new Segment("prologue", 1, start, List.of()));
            sweep(segs, "rows", step, nk, kb -> operands.stream().map(o -> new Access(o.object(i), (long) qb * nk + kb,
                    rows(qb) * keys(kb) * o.elementBytes(), o.write(), true)).toList());
            return new CtaProgram(label(c), segs, 0);
        });
    }

    /**
     * Copies of per-head panels to a new layout ({@code from} per KV head when {@code fromKv}, as
     * grouped heads are repeated), or their gradients back ({@code to} per KV head when
     * {@code toKv}: the group's gradients land on the same tile, which the L2 absorbs).
     */
    Launch copy(String name, int[] from, boolean fromKv, int[] to, boolean toKv, int width, int elementBytes, boolean keys) {
        StepCost step = new Work().alu((double) TILE * width).latency(machine.micro().ctaLaunchCycles())
                .cost(machine, kernel.dtype());
        int blocks = keys ? nk : nq;
        return new Launch(name, (long) bh * blocks, ROW_THREADS, 0, 32, 1, 1, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), blocks);
            int i = c[0] * s.heads() + c[1];
            int g = c[0] * s.kvHeads() + s.kvHeadOf(c[1]);
            long bytes = (keys ? keys(c[2]) : rows(c[2])) * width * elementBytes;
            return new CtaProgram(label(c), List.of(new Segment("copy", 1, step, List.of(
                    new Access(from[fromKv ? g : i], c[2], bytes, false, true),
                    new Access(to[toKv ? g : i], c[2], bytes, true, true)))), 0);
        });
    }

    private interface Panel {
        List<Segment> segments(int head, int kvHead, int block);
    }

    private Launch gemm(String name, int blocks, Panel panel) {
        long smem = 2L * (TILE * 64L * in()) * 2;
        return new Launch(name, (long) bh * blocks, GEMM_WARPS * 32, smem, GEMM_REGISTERS, 1, 2, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), blocks);
            int i = c[0] * s.heads() + c[1];
            int g = c[0] * s.kvHeads() + s.kvHeadOf(c[1]);
            return new CtaProgram(label(c), panel.segments(i, g, c[2]), 0);
        });
    }

    /** {@link #sweep(List, String, StepCost, int, boolean, java.util.function.IntFunction)} along a row of tiles. */
    private void sweep(List<Segment> out, String label, StepCost cost, int count,
                       java.util.function.IntFunction<List<Access>> accessesFor) {
        sweep(out, label, cost, count, lastKeys < TILE, accessesFor);
    }

    /**
     * Appends the segments of a sweep over {@code count} tiles: the full ones, then the ragged
     * last one ({@code raggedLast}) as a segment of its own so that its bytes are exact. The
     * accesses are built for the first tile of each segment.
     */
    private void sweep(List<Segment> out, String label, StepCost cost, int count, boolean raggedLast,
                       java.util.function.IntFunction<List<Access>> accessesFor) {
        int regular = raggedLast ? count - 1 : count;
        if (regular > 0) {
            out.add(new Segment(label, regular, cost, accessesFor.apply(0)));
        }
        if (regular < count) {
            out.add(new Segment(label, 1, cost, accessesFor.apply(regular)));
        }
    }

    /** Convert the accumulators of an output panel and stage them through shared memory. */
    private StepCost store(int width, int outBytes) {
        double bytes = (double) TILE * width * outBytes;
        return new Work().fma((double) TILE * width).exchange(2 * bytes).barriers(1).cost(machine, kernel.dtype());
    }

    /** One output tile of a GEMM: the MMAs with their operand reads, and an epilogue that converts and stages {@code epilogue} elements. */
    private StepCost gemmStep(double flops, double operandBytes, double epilogue, double stagedBytes) {
        return new Work().mma(flops).operands(operandBytes).alu(epilogue).exchange(stagedBytes).barriers(2).mmaWaits(1)
                .pipelined().cost(machine, kernel.dtype());
    }

    private static String label(int[] c) {
        return "b" + c[0] + " h" + c[1] + " " + c[2];
    }
}
