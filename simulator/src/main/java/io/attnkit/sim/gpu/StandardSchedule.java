package io.attnkit.sim.gpu;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.sim.Raster;
import io.attnkit.sim.l2.AddressSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Unfused attention, FlashAttention's Algorithm 0: a GEMM writes {@code S = QK^T} to memory,
 * a softmax kernel reads S, applies the mask and writes {@code P}, a GEMM reads P and V and
 * writes O. The GEMMs use 128 x 128 output tiles; each CTA owns a 128-row panel of S and walks
 * along it, so K and V tiles are shared in the L2 by the CTAs of a head, as a tiled GEMM
 * shares them. No tile is skipped: the mask is applied elementwise by the softmax.
 */
public final class StandardSchedule {
    /** Output tile of the GEMMs (rows and columns), as cuBLAS picks for these shapes. */
    public static final int TILE = 128;
    /** Warps of a GEMM CTA. */
    static final int GEMM_WARPS = 8;
    /** Registers per thread of a GEMM CTA. */
    static final int GEMM_REGISTERS = 128;
    /** Threads of a softmax CTA (one 128-row block, a warp per row at a time). */
    static final int SOFTMAX_THREADS = 256;
    /** FP32 operations per element of the softmax kernel: mask, max, subtract, sum, scale, convert. */
    static final double SOFTMAX_OPS_PER_ELEMENT = 6;

    private StandardSchedule() {
    }

    /** The three launches, with every tensor allocated in {@code space}. */
    public static List<Launch> launches(KernelSpec kernel, BlockMap map, Machine machine, Raster raster, AddressSpace space) {
        Shape s = kernel.shape();
        int in = kernel.dtype().bytes();
        int sBytes = Math.max(2, in);
        int out = kernel.dtype().outputType().bytes();
        int nq = (int) ((s.qLen() + (long) TILE - 1) / TILE);
        int nk = (int) ((s.kvLen() + (long) TILE - 1) / TILE);
        int bh = s.batch() * s.heads();
        int bkv = s.batch() * s.kvHeads();
        int[] q = new int[bh];
        int[] k = new int[bkv];
        int[] v = new int[bkv];
        int[] sm = new int[bh];
        int[] p = new int[bh];
        int[] o = new int[bh];
        long tilePitch = (long) TILE * TILE * sBytes;
        for (int i = 0; i < bh; i++) {
            q[i] = space.allocate("Q" + i, (long) TILE * s.headDim() * in, nq);
        }
        for (int i = 0; i < bkv; i++) {
            k[i] = space.allocate("K" + i, (long) TILE * s.headDim() * in, nk);
        }
        for (int i = 0; i < bkv; i++) {
            v[i] = space.allocate("V" + i, (long) TILE * s.vDim() * in, nk);
        }
        for (int i = 0; i < bh; i++) {
            sm[i] = space.allocate("S" + i, tilePitch, (long) nq * nk);
        }
        for (int i = 0; i < bh; i++) {
            p[i] = space.allocate("P" + i, tilePitch, (long) nq * nk);
        }
        for (int i = 0; i < bh; i++) {
            o[i] = space.allocate("O" + i, (long) TILE * s.vDim() * out, nq);
        }
        long grid = (long) bh * nq;
        double sTile = (double) TILE * TILE * sBytes;
        double kTile = (double) TILE * s.headDim() * in;
        double vTile = (double) TILE * s.vDim() * in;
        double elements = (double) TILE * TILE;
        // Each of the 2 x 4 warps reads its 64 rows of A and 32 columns of B; the copies land in shared memory.
        StepCost qkStep = gemmStep(machine, kernel, 2.0 * TILE * TILE * s.headDim(), 2 * kTile + 4 * kTile + 2 * kTile,
                elements, 2 * sTile);
        StepCost pvStep = gemmStep(machine, kernel, 2.0 * TILE * TILE * s.vDim(), 2 * sTile + 4 * vTile + sTile + vTile,
                0, 0);
        // Per element: the mask's compare and select, the maximum, subtract, exp2, sum, scale, convert.
        StepCost softmaxStep = new Work().fma(3 * elements).alu(4 * elements).sfu(elements).barriers(1).pipelined()
                .cost(machine, kernel.dtype());
        StepCost start = StepCost.delay(machine.micro().ctaLaunchCycles());
        double oTile = (double) TILE * s.vDim() * out;
        StepCost store = new Work().fma((double) TILE * s.vDim()).exchange(2 * oTile).barriers(1)
                .cost(machine, kernel.dtype());
        long gemmSmem = 2L * (TILE * 64L * in) * 2;

        int lastKeys = s.kvLen() - (nk - 1) * TILE;
        Launch first = new Launch("qk_gemm", grid, GEMM_WARPS * 32, gemmSmem, GEMM_REGISTERS, 1, 2, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), nq);
            int i = c[0] * s.heads() + c[1];
            int kv = c[0] * s.kvHeads() + s.kvHeadOf(c[1]);
            int rows = rows(s.qLen(), c[2]);
            List<Segment> segments = new ArrayList<>();
            segments.add(new Segment("prologue", 1, start,
                    List.of(new Access(q[i], c[2], (long) rows * s.headDim() * in, false, false))));
            sweep(segments, "S tiles", qkStep, nk, lastKeys, keys -> List.of(
                    new Access(k[kv], 0, (long) keys * s.headDim() * in, false, true),
                    new Access(sm[i], (long) c[2] * nk, (long) rows * keys * sBytes, true, true)));
            return new CtaProgram(label(c), segments, 0);
        });
        Launch second = new Launch("softmax", grid, SOFTMAX_THREADS, 8192, 32, 1, 2, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), nq);
            int i = c[0] * s.heads() + c[1];
            int rows = rows(s.qLen(), c[2]);
            List<Segment> segments = new ArrayList<>();
            segments.add(new Segment("prologue", 1, start, List.of()));
            sweep(segments, "rows", softmaxStep, nk, lastKeys, keys -> List.of(
                    new Access(sm[i], (long) c[2] * nk, (long) rows * keys * sBytes, false, true),
                    new Access(p[i], (long) c[2] * nk, (long) rows * keys * sBytes, true, true)));
            return new CtaProgram(label(c), segments, 0);
        });
        Launch third = new Launch("pv_gemm", grid, GEMM_WARPS * 32, gemmSmem, GEMM_REGISTERS, 1, 2, n -> {
            int[] c = raster.coordinates(n, s.batch(), s.heads(), nq);
            int i = c[0] * s.heads() + c[1];
            int kv = c[0] * s.kvHeads() + s.kvHeadOf(c[1]);
            int rows = rows(s.qLen(), c[2]);
            List<Segment> segments = new ArrayList<>();
            segments.add(new Segment("prologue", 1, start, List.of()));
            sweep(segments, "O tiles", pvStep, nk, lastKeys, keys -> List.of(
                    new Access(p[i], (long) c[2] * nk, (long) rows * keys * sBytes, false, true),
                    new Access(v[kv], 0, (long) keys * s.vDim() * in, false, true)));
            segments.add(new Segment("epilogue", 1, store,
                    List.of(new Access(o[i], c[2], (long) rows * s.vDim() * out, true, false))));
            return new CtaProgram(label(c), segments, 0);
        });
        return List.of(first, second, third);
    }

    /**
     * Appends the segments of a sweep over {@code count} column tiles: the full ones, then the
     * ragged last one (fewer keys) as a segment of its own so that its bytes are exact. The
     * accesses are built for the first item of each segment.
     */
    private static void sweep(List<Segment> out, String label, StepCost cost, int count, int lastKeys,
                              IntFunction<List<Access>> accessesFor) {
        int regular = lastKeys < TILE ? count - 1 : count;
        if (regular > 0) {
            out.add(new Segment(label, regular, cost, accessesFor.apply(TILE)));
        }
        if (regular < count) {
            out.add(new Segment(label, 1, cost, shift(accessesFor.apply(lastKeys), regular)));
        }
    }

    private static List<Access> shift(List<Access> accesses, long by) {
        return accesses.stream().map(a -> a.shifted(by)).toList();
    }

    private static String label(int[] c) {
        return "b" + c[0] + " h" + c[1] + " q" + c[2];
    }

    private static int rows(int len, int block) {
        return (int) Math.min(TILE, len - (long) block * TILE);
    }

    /** One output tile of a GEMM: the MMAs with their operand reads, and an epilogue that converts and stages {@code epilogue} elements. */
    private static StepCost gemmStep(Machine machine, KernelSpec kernel, double flops, double operandBytes,
                                     double epilogue, double stagedBytes) {
        return new Work().mma(flops).operands(operandBytes).alu(epilogue).exchange(stagedBytes).barriers(2).mmaWaits(1)
                .pipelined().cost(machine, kernel.dtype());
    }
}
