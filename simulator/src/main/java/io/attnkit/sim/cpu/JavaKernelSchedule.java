package io.attnkit.sim.cpu;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.sim.gpu.Access;
import io.attnkit.sim.gpu.CtaProgram;
import io.attnkit.sim.gpu.Launch;
import io.attnkit.sim.gpu.Machine;
import io.attnkit.sim.gpu.Segment;
import io.attnkit.sim.gpu.StepCost;
import io.attnkit.sim.gpu.Work;
import io.attnkit.sim.l2.AddressSpace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The kernels of AttnKit's Java backend on a CPU, one worker thread per core, as its generated
 * code runs them: a first pass decodes K and V of every (batch, KV head) into f32 panels; then
 * the work items, one q-block of one (batch, head) each, grouped by K/V head and costliest
 * first within a group ({@link #workOrder}), are taken by the workers from a shared counter.
 * An item loads Q transposed and pre-scaled, and for every visited tile runs the Q·K^T
 * micro-kernel (6 keys by 2 query vectors of accumulators, one broadcast and two FMAs per key
 * and dimension), the element mask on PARTIAL tiles ({@code maskRows} for masks decided on the
 * input), the online
 * softmax (queries along the vector lanes, exp2 by a degree-5 polynomial) and the P·V
 * micro-kernel; then it normalises and stores O.
 */
public final class JavaKernelSchedule {
    /** Keys per register block of the score micro-kernel, and output columns of the P·V one (the backend's choice). */
    static final int MICRO_ROWS = 6;
    /** Query vectors per register block. */
    static final int QUERY_VECTORS = 2;
    /** Tiles the hardware prefetchers keep in flight ahead of a stream: enough that no latency shows. */
    static final int PREFETCH_TILES = 64;
    /** Vector instructions per score element of the softmax on the FMA pipes: the polynomial's 5 FMAs and a multiply. */
    static final double SOFTMAX_FMA = 6;
    /**
     * Other vector instructions per score element: the maximum pass (compare, blend), the
     * exponent pass (subtract; add and two subtracts for rounding; an integer add and shift; the
     * underflow's compare and blend) and the sum.
     */
    static final double SOFTMAX_ALU = 11;
    /** Vector instructions per element of a PARTIAL tile's mask: position, compare, blend. */
    static final double MASK_ALU = 4;
    /** Scalar instructions per element that Q and O cost on the way in and out: load, convert, scale, store. */
    static final double SCALAR_PER_ELEMENT = 4;
    /**
     * Scalar instructions per hidden element of a PARTIAL tile under a mask decided on the input
     * ({@code maskRows}: the scores of one row are a column of Sᵀ, so each hidden key is a store
     * of its own): address, store, increment, compare and branch.
     */
    static final double ROW_MASK_PER_HIDDEN = 4;
    /** Scalar instructions per row of such a tile: the binary search for its first interval, the interval loop's bounds. */
    static final double ROW_MASK_PER_ROW = 24;

    private JavaKernelSchedule() {
    }

    /** The two launches: decoding K and V into panels, then the work items. */
    public static List<Launch> launches(KernelSpec kernel, BlockMap map, Machine machine, AddressSpace space) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        int lanes = Math.max(1, machine.target().simdBits() / 32);
        int in = kernel.dtype().bytes();
        int out = kernel.dtype().outputType().bytes();
        int qp = roundUp(Math.min(t.q(), s.qLen()), QUERY_VECTORS * lanes);
        int kt = Math.min(t.kv(), s.kvLen());
        int kp = roundUp(kt, MICRO_ROWS);
        int bh = s.batch() * s.heads();
        int bkv = s.batch() * s.kvHeads();
        int[] q = new int[bh];
        int[] o = new int[bh];
        int[] k = new int[bkv];
        int[] v = new int[bkv];
        int[] kPanel = new int[bkv];
        int[] vPanel = new int[bkv];
        int kvBlocks = map.kvBlocks();
        for (int i = 0; i < bkv; i++) {
            k[i] = space.allocate("K" + i, (long) t.kv() * s.headDim() * in, kvBlocks);
            v[i] = space.allocate("V" + i, (long) t.kv() * s.vDim() * in, kvBlocks);
            kPanel[i] = space.allocate("Kpanel" + i, (long) t.kv() * s.headDim() * 4, kvBlocks + 1);
            vPanel[i] = space.allocate("Vpanel" + i, (long) t.kv() * s.vDim() * 4, kvBlocks + 1);
        }
        for (int i = 0; i < bh; i++) {
            q[i] = space.allocate("Q" + i, (long) t.q() * s.headDim() * in, map.qBlocks());
            o[i] = space.allocate("O" + i, (long) t.q() * s.vDim() * out, map.qBlocks());
        }
        DType f32 = DType.F32;
        double decodeOps = kernel.dtype() == DType.F32 ? 2.0 / lanes : SCALAR_PER_ELEMENT;
        double panelElements = (double) t.kv() * (s.headDim() + s.vDim());
        StepCost decode = new Work().alu(decodeOps * lanes * panelElements).pipelined().cost(machine, f32);
        StepCost start = StepCost.delay(machine.micro().ctaLaunchCycles());
        int lastKeys = s.kvLen() - (kvBlocks - 1) * t.kv();
        Launch pack = new Launch("pack_kv", bkv, 1, 0, 1, 1, PREFETCH_TILES, n -> {
            int i = (int) n;
            List<Segment> segments = new ArrayList<>();
            segments.add(new Segment("start", 1, start, List.of()));
            int regular = lastKeys < t.kv() ? kvBlocks - 1 : kvBlocks;
            if (regular > 0) {
                segments.add(packSegment(decode, regular, 0, t.kv(), s, in, k[i], v[i], kPanel[i], vPanel[i]));
            }
            if (regular < kvBlocks) {
                segments.add(packSegment(decode, 1, regular, lastKeys, s, in, k[i], v[i], kPanel[i], vPanel[i]));
            }
            return new CtaProgram("b" + i / s.kvHeads() + " kv" + i % s.kvHeads(), segments, 0);
        });

        StepCost full = tile(kernel, machine, qp, kp, false);
        StepCost partial = tile(kernel, machine, qp, kp, true);
        // Patterns decided on the input mask their PARTIAL tiles row by row, at a cost that grows with the keys
        // they hide: their average over the pattern's PARTIAL tiles, from its exact visible count.
        StepCost[] partialOf = new StepCost[map.patterns().size()];
        for (int i = 0; i < partialOf.length; i++) {
            BlockMap.Pattern p = map.patterns().get(i);
            partialOf[i] = p.mask().isStatic() || p.partialTiles() == 0 ? partial
                    : rowMaskedTile(kernel, machine, qp, kp, Math.min(t.q(), s.qLen()), hiddenPerPartialTile(p, s, t));
        }
        int[] order = workOrder(map);
        Launch attend = new Launch("attend", order.length, 1, 0, 1, 1, PREFETCH_TILES, n -> {
            int item = order[(int) n];
            int qb = item % map.qBlocks();
            int i = item / map.qBlocks();
            int b = i / s.heads();
            int h = i % s.heads();
            int kv = b * s.kvHeads() + s.kvHeadOf(h);
            int rows = (int) Math.min(t.q(), s.qLen() - (long) qb * t.q());
            BlockMap.Pattern p = map.pattern(b, h);
            StepCost partialTile = partialOf[map.patternIndex(b, h)];
            List<Segment> segments = new ArrayList<>();
            StepCost loadQ = new Work().alu(SCALAR_PER_ELEMENT * lanes * rows * s.headDim())
                    .latency(machine.micro().ctaLaunchCycles()).cost(machine, f32);
            segments.add(new Segment("load Q", 1, loadQ, List.of(new Access(q[i], qb, (long) rows * s.headDim() * in, false, false))));
            long tiles = 0;
            for (int r = 0; r < p.runs(qb); r++) {
                int from = p.runFrom(qb, r);
                int to = p.runTo(qb, r);
                boolean isFull = p.runKind(qb, r) == BlockMap.Kind.FULL;
                tiles += to - from;
                // Every tile step reads whole register blocks of the panel: KP rows, zero-padded at the end.
                segments.add(new Segment(isFull ? "FULL" : "PARTIAL", to - from, isFull ? full : partialTile, List.of(
                        new Access(kPanel[kv], from, (long) kp * s.headDim() * 4, false, true),
                        new Access(vPanel[kv], from, (long) kp * s.vDim() * 4, false, true, true))));
            }
            StepCost store = new Work().alu(SCALAR_PER_ELEMENT * lanes * rows * s.vDim()).cost(machine, f32);
            segments.add(new Segment("store O", 1, store, List.of(new Access(o[i], qb, (long) rows * s.vDim() * out, true, false))));
            return new CtaProgram("b" + b + " h" + h + " q" + qb, segments, tiles);
        });
        return List.of(pack, attend);
    }

    private static Segment packSegment(StepCost decode, int steps, int first, int keys, Shape s, int in, int k, int v,
                                       int kPanel, int vPanel) {
        return new Segment("decode", steps, decode, List.of(
                new Access(k, first, (long) keys * s.headDim() * in, false, false),
                new Access(v, first, (long) keys * s.vDim() * in, false, false),
                new Access(kPanel, first, (long) keys * s.headDim() * 4, true, true),
                new Access(vPanel, first, (long) keys * s.vDim() * 4, true, true, true)));
    }

    /**
     * One tile step on the padded {@code qp x kp} score tile, as the generated code runs it: the
     * Q·Kᵀ micro-kernel, the mask on PARTIAL tiles, the softmax, then the P·V micro-kernel with
     * the rescale of O. Each is a loop of its own that needs the whole result of the one
     * before, so the phases follow one another; within a phase the out-of-order core overlaps
     * the loads from the L1 with the arithmetic, so a phase costs the larger of the two.
     * (Measured on the Zen 5 host, {@code tools/tile_phases.py}: the two micro-kernels run at
     * the FMA peak with their loads hidden, and the three phases add up to the tile.)
     */
    static StepCost tile(KernelSpec kernel, Machine machine, int qp, int kp, boolean masked) {
        Shape s = kernel.shape();
        int lanes = Math.max(1, machine.target().simdBits() / 32);
        double elements = (double) qp * kp;
        double blocks = (double) qp / (QUERY_VECTORS * lanes) * kp / MICRO_ROWS;
        double loadsPerDim = QUERY_VECTORS * lanes * 4.0 + MICRO_ROWS * 4.0;
        double scores = elements * 4;
        List<StepCost> phases = new ArrayList<>();
        // Q·Kᵀ writes the scores once; the softmax reads them twice and writes P.
        phases.add(new Work().fma(elements * s.headDim()).operands(blocks * s.headDim() * loadsPerDim + scores)
                .cost(machine, DType.F32));
        if (masked) {
            phases.add(new Work().alu(MASK_ALU * elements).operands(2 * scores).cost(machine, DType.F32));
        }
        phases.add(new Work().fma(SOFTMAX_FMA * elements).alu(SOFTMAX_ALU * elements).operands(3 * scores)
                .cost(machine, DType.F32));
        phases.add(new Work().fma(elements * s.vDim() + (double) qp * s.vDim()).operands(blocks * s.vDim() * loadsPerDim)
                .cost(machine, DType.F32));
        return inSequence(phases);
    }

    /**
     * A PARTIAL tile under a mask decided on the input: the tile with the mask phase replaced by
     * {@code maskRows}, scalar code over {@code rows} rows that stores -∞ over each of the
     * {@code hidden} keys it hides.
     */
    static StepCost rowMaskedTile(KernelSpec kernel, Machine machine, int qp, int kp, int rows, double hidden) {
        int lanes = Math.max(1, machine.target().simdBits() / 32);
        StepCost unmasked = tile(kernel, machine, qp, kp, false);
        StepCost mask = new Work().alu(lanes * (ROW_MASK_PER_HIDDEN * hidden + ROW_MASK_PER_ROW * rows)).cost(machine, DType.F32);
        return inSequence(List.of(unmasked, mask));
    }

    /** The keys a PARTIAL tile of {@code p} hides on average: its visited tiles' elements, less the visible ones. */
    static double hiddenPerPartialTile(BlockMap.Pattern p, Shape s, Tiles t) {
        double elements = 0;
        for (int qb = 0; qb < p.qBlocks(); qb++) {
            long rows = Math.min(t.q(), s.qLen() - (long) qb * t.q());
            for (int r = 0; r < p.runs(qb); r++) {
                long keys = Math.min((long) p.runTo(qb, r) * t.kv(), s.kvLen()) - (long) p.runFrom(qb, r) * t.kv();
                elements += (double) rows * keys;
            }
        }
        return Math.max(0, elements - p.visibleElements()) / p.partialTiles();
    }

    /** Phases that run one after the other, each overlapping its loads with its arithmetic. */
    static StepCost inSequence(List<StepCost> phases) {
        double cycles = 0;
        double bytes = 0;
        double fmaCycles = 0;
        for (StepCost p : phases) {
            cycles += Math.max(p.matrixPhase(), p.vectorPhase()) + p.fixedCycles();
            bytes += p.smemBytes();
            fmaCycles += p.fmaCycles();
        }
        return new StepCost(0, 0, cycles, 0, 0, true, bytes, 0, fmaCycles, 0);
    }

    /**
     * Work items ({@code (b * heads + h) * qBlocks + qb}) in the order the backend's {@code
     * workOrder} runs them: grouped by (batch, K/V head), the groups with the most visited tiles
     * first; within a group the items with the most tiles first; ties by index.
     */
    public static int[] workOrder(BlockMap map) {
        Shape s = map.shape();
        int qBlocks = map.qBlocks();
        int items = s.batch() * s.heads() * qBlocks;
        long[] keyed = new long[items];
        long[] groupTiles = new long[s.batch() * s.kvHeads()];
        int[] group = new int[items];
        for (int t = 0; t < items; t++) {
            int bh = t / qBlocks;
            int b = bh / s.heads();
            int h = bh % s.heads();
            int tiles = map.pattern(b, h).visitedTiles(t % qBlocks);
            keyed[t] = ((long) (Integer.MAX_VALUE - tiles) << 32) | t;
            group[t] = b * s.kvHeads() + s.kvHeadOf(h);
            groupTiles[group[t]] += tiles;
        }
        Arrays.sort(keyed);
        Comparator<Integer> mostTilesFirst = Comparator.<Integer>comparingLong(g -> -groupTiles[g]).thenComparingInt(g -> g);
        List<Integer> groups = IntStream.range(0, groupTiles.length).boxed().sorted(mostTilesFirst).toList();
        int[] rank = new int[groupTiles.length];
        for (int r = 0; r < rank.length; r++) {
            rank[groups.get(r)] = r;
        }
        int[] order = new int[items];
        long[] byGroup = new long[items];
        for (int i = 0; i < items; i++) {
            // the stable second key: the group's rank above the position in the cost order
            byGroup[i] = ((long) rank[group[(int) keyed[i]]] << 32) | i;
        }
        Arrays.sort(byGroup);
        for (int i = 0; i < items; i++) {
            order[i] = (int) keyed[(int) byGroup[i]];
        }
        return order;
    }

    private static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }
}
