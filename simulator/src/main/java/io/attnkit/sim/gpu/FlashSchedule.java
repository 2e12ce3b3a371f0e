package io.attnkit.sim.gpu;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.dsl.model.WorkingSet;
import io.attnkit.sim.Raster;
import io.attnkit.sim.l2.AddressSpace;
import java.util.ArrayList;
import java.util.List;

/**
 * The fused FlashAttention-2 forward tile program, as AttnKit's kernels run it: one CTA per
 * (batch, head, q-block); a prologue loads the Q tile; then, for every run of K/V blocks in
 * the block map's row, one step per tile (QK^T on the tensor pipe, online softmax on the FMA
 * and special-function pipes, PV on the tensor pipe) with the next tiles' loads in flight;
 * an epilogue normalises and stores O and the log-sum-exp. Rows with no visible key store
 * zeros without loading anything.
 *
 * <p>Split-KV (Flash-Decoding, and FlashAttention-2's {@code num_splits} for decode): the keys of
 * every row are cut into {@code splits} ranges of whole K/V blocks, one CTA per (batch, head,
 * q-block, range); each stores its partial output in FP32 with its log-sum-exp, and a second
 * launch merges the partials of a row into O. Decode shapes (a handful of q-blocks) need it to
 * fill the SMs.
 *
 * <p>Warp-specialised (FlashAttention-3's forward on Hopper, {@link #warpSpecialized}): the same
 * tiles and accesses, but one producer warp group issues the loads (TMA) and one consumer warp
 * group per 64 query rows runs {@code wgmma} and the softmax; the consumers take turns on the
 * tensor pipe, so the launch's warp groups overlap their phases ({@link Launch#groupsPerCta}).
 */
public final class FlashSchedule {
    /** Name of the split-KV launch of the tile program. */
    public static final String SPLIT_LAUNCH = "flash_fwd_splitkv";
    /** Name of the launch that merges the partial outputs of the splits. */
    public static final String COMBINE_LAUNCH = "flash_fwd_combine";
    /** Extra instructions per element of a PARTIAL tile: index compare and select. */
    static final double MASK_OPS_PER_ELEMENT = 2;
    /** Barriers per tile: one after the K copy lands, one after V (FlashAttention-2's main loop). */
    static final int BARRIERS_PER_TILE = 2;
    /** Registers a thread needs besides its accumulators: addresses, loop state, softmax statistics. */
    static final int BASE_REGISTERS = 40;
    /** Query rows of one consumer warp group in FlashAttention-3: a {@code wgmma} is 64 rows tall. */
    public static final int WARP_GROUP_ROWS = 64;
    /** Name of FlashAttention-3's forward launch. */
    public static final String WARP_SPECIALIZED_LAUNCH = "flash3_fwd";
    /** Threads of a warp group: four warps, one per SM sub-partition. */
    static final int WARP_GROUP_THREADS = 128;

    private final KernelSpec kernel;
    private final BlockMap map;
    private final Machine machine;
    private final Raster raster;
    private final int[] qObject;
    private final int[] kObject;
    private final int[] vObject;
    private final int[] oObject;
    private final int[] lseObject;
    private final StepCost full;
    private final StepCost partial;
    private final StepCost prologue;
    private final StepCost epilogue;
    private final int splits;
    private final double dropout;
    private final int blocksPerSplit;
    private final int[] oAccObject;
    private final int[] lseAccObject;
    /** Consumer warp groups of the warp-specialised program; 0 for FlashAttention-2's. */
    private final int consumerGroups;

    private FlashSchedule(KernelSpec kernel, BlockMap map, Machine machine, Raster raster, AddressSpace space, int splits,
                          double dropout, int consumerGroups) {
        this.kernel = kernel;
        this.consumerGroups = consumerGroups;
        this.map = map;
        this.machine = machine;
        this.raster = raster;
        this.splits = splits;
        this.dropout = dropout;
        this.blocksPerSplit = ceilDiv(map.kvBlocks(), splits);
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        int bh = s.batch() * s.heads();
        int bkv = s.batch() * s.kvHeads();
        int in = kernel.dtype().bytes();
        int out = kernel.dtype().outputType().bytes();
        qObject = new int[bh];
        oObject = new int[bh];
        lseObject = new int[bh];
        kObject = new int[bkv];
        vObject = new int[bkv];
        for (int i = 0; i < bh; i++) {
            qObject[i] = space.allocate("Q" + i, (long) t.q() * s.headDim() * in, map.qBlocks());
        }
        for (int i = 0; i < bkv; i++) {
            kObject[i] = space.allocate("K" + i, (long) t.kv() * s.headDim() * in, map.kvBlocks());
        }
        for (int i = 0; i < bkv; i++) {
            vObject[i] = space.allocate("V" + i, (long) t.kv() * s.vDim() * in, map.kvBlocks());
        }
        for (int i = 0; i < bh; i++) {
            oObject[i] = space.allocate("O" + i, (long) t.q() * s.vDim() * out, map.qBlocks());
        }
        for (int i = 0; i < bh; i++) {
            lseObject[i] = space.allocate("LSE" + i, (long) t.q() * 4, map.qBlocks());
        }
        oAccObject = new int[splits > 1 ? bh : 0];
        lseAccObject = new int[splits > 1 ? bh : 0];
        for (int i = 0; i < oAccObject.length; i++) {
            oAccObject[i] = space.allocate("Oaccum" + i, (long) t.q() * s.vDim() * 4, (long) map.qBlocks() * splits);
            lseAccObject[i] = space.allocate("LSEaccum" + i, (long) t.q() * 4, (long) map.qBlocks() * splits);
        }
        full = tileCost(false);
        partial = tileCost(true);
        prologue = prologueCost();
        epilogue = epilogueCost();
    }

    /** The launch of {@code kernel} over {@code map}, its tensors allocated in {@code space}. */
    public static Launch launch(KernelSpec kernel, BlockMap map, Machine machine, Raster raster, AddressSpace space) {
        return launches(kernel, map, machine, raster, space, 1, 0).getFirst();
    }

    /**
     * The launches of {@code kernel} with the keys of every row cut into {@code splits} ranges:
     * the tile program alone for one split; the split tile program and the merge for more.
     * With {@code dropout} above 0 each tile also draws its keep mask ({@link Dropout}).
     */
    public static List<Launch> launches(KernelSpec kernel, BlockMap map, Machine machine, Raster raster, AddressSpace space,
                                        int splits, double dropout) {
        if (splits < 1 || splits > map.kvBlocks()) {
            throw new IllegalArgumentException("kv splits must be in 1.." + map.kvBlocks() + " (the K/V blocks of a row), not "
                    + splits);
        }
        FlashSchedule f = new FlashSchedule(kernel, map, machine, raster, space, splits, dropout, 0);
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        long rows = rowCtas(kernel, map);
        long smem = WorkingSet.of(s, kernel.dtype(), kernel.accumulate(), t).bytes();
        if (splits == 1) {
            return List.of(new Launch("flash_fwd", rows, t.warps() * 32, smem, f.registers(), 1, t.stages(), f::program));
        }
        return List.of(new Launch(SPLIT_LAUNCH, rows * splits, t.warps() * 32, smem, f.registers(), 1, t.stages(),
                        f::program),
                new Launch(COMBINE_LAUNCH, rows, t.warps() * 32, 0, 32, 1, 1, f::combine));
    }

    /**
     * FlashAttention-3's forward (arXiv 2407.08608; its {@code hopper/} kernels of July 2024) over
     * {@code kernel} blocked as {@link #warpSpecializedTiles} chose: a CTA per (batch, head,
     * q-block) in the same order, of one producer warp group and one consumer warp group per 64
     * query rows; Q and {@code stages} K and V tiles in shared memory (S and O stay in registers,
     * O leaves through V's buffers); the register file reallocated between the groups
     * ({@code setmaxnreg}), so one CTA per SM.
     *
     * @throws IllegalArgumentException when {@link #warpSpecializedProblem} names a problem
     */
    public static Launch warpSpecialized(KernelSpec kernel, BlockMap map, Machine machine, Raster raster, AddressSpace space) {
        Tiles t = kernel.tiles();
        Shape s = kernel.shape();
        String problem = warpSpecializedProblem(kernel, machine);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        int groups = t.q() / WARP_GROUP_ROWS;
        FlashSchedule f = new FlashSchedule(kernel, map, machine, raster, space, 1, 0, groups);
        int threads = (groups + 1) * WARP_GROUP_THREADS;
        long smem = ((long) t.q() * s.headDim() + (long) t.stages() * t.kv() * (s.headDim() + s.vDim())) * kernel.dtype().bytes();
        long registerFile = machine.target().registersPerUnit() > 0 ? machine.target().registersPerUnit() : 65536;
        // Registers are granted per warp in whole units; the groups share out the whole file.
        int unit = Math.max(1, machine.micro().registerAllocationUnit() / 32);
        int registers = (int) Math.min(machine.micro().maxRegistersPerThread(), registerFile / threads / unit * unit);
        return new Launch(WARP_SPECIALIZED_LAUNCH, rowCtas(kernel, map), threads, smem, registers, groups, t.stages(),
                f::program);
    }

    /**
     * FlashAttention-3's blocking for {@code kernel}, from its July 2024 launch templates: 192 x 128
     * (three consumer groups) up to head dimension 64; 128 x 176 up to 128 without a mask, 128 x 128
     * with one (its causal kernel); 128 x 80 up to 256; two K/V stages. {@code unmasked}: every key
     * is visible to every query.
     */
    public static Tiles warpSpecializedTiles(KernelSpec kernel, boolean unmasked) {
        int d = Math.max(kernel.shape().headDim(), kernel.shape().vDim());
        int q = d <= 64 ? 3 * WARP_GROUP_ROWS : 2 * WARP_GROUP_ROWS;
        int kv = d <= 64 ? 128 : d <= 128 ? (unmasked ? 176 : 128) : 80;
        int groups = q / WARP_GROUP_ROWS;
        return new Tiles(q, kv, 2, 4 * (groups + 1), kernel.tiles().span());
    }

    /** Why FlashAttention-3's forward cannot run {@code kernel} on {@code machine}, or null when it can. */
    public static String warpSpecializedProblem(KernelSpec kernel, Machine machine) {
        Shape s = kernel.shape();
        if (!machine.micro().warpGroupMma()) {
            return "the flash3 schedule needs warp-group MMAs (wgmma, sm_90 and later); " + machine.target().name() + " is "
                    + machine.micro().arch();
        }
        if (kernel.dtype() != DType.F16 && kernel.dtype() != DType.BF16) {
            return "the flash3 schedule models FlashAttention-3's f16 and bf16 kernels (its FP8 kernels block and "
                    + "transpose differently), not " + kernel.dtype().spelling();
        }
        if (s.headDim() % 16 != 0 || s.headDim() > 256 || s.vDim() != s.headDim()) {
            return "the flash3 schedule models FlashAttention-3's kernels for head_dim a multiple of 16 up to 256, with "
                    + "v_dim equal to it; this kernel has head_dim " + s.headDim() + ", v_dim " + s.vDim();
        }
        return null;
    }

    /** The number of CTAs of the unsplit launch: one per (batch, head, q-block). */
    public static long rowCtas(KernelSpec kernel, BlockMap map) {
        return (long) kernel.shape().batch() * kernel.shape().heads() * map.qBlocks();
    }

    /** Registers per thread: the O and S accumulators spread over the CTA's threads, plus the rest. */
    int registers() {
        Tiles t = kernel.tiles();
        long acc = (long) t.q() * (kernel.shape().vDim() + t.kv()) * kernel.accumulate().bytes() / 4;
        long perThread = acc / (t.warps() * 32L) + BASE_REGISTERS;
        return (int) Math.min(machine.micro().maxRegistersPerThread(), perThread);
    }

    private CtaProgram program(long n) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        // The splits of one row are launched side by side, so they share the row's Q tile in the L2.
        int split = (int) (n % splits);
        int lo = split * blocksPerSplit;
        int hi = Math.min(map.kvBlocks(), lo + blocksPerSplit);
        int[] c = rowCoordinates(n / splits);
        int b = c[0];
        int h = c[1];
        int qb = c[2];
        int bh = b * s.heads() + h;
        int bkv = b * s.kvHeads() + s.kvHeadOf(h);
        int rows = (int) Math.min(t.q(), s.qLen() - (long) qb * t.q());
        int in = kernel.dtype().bytes();
        int out = kernel.dtype().outputType().bytes();
        BlockMap.Pattern p = map.pattern(b, h);
        int runs = p.runs(qb);
        List<Segment> segments = new ArrayList<>(runs + 3);
        long tiles = 0;
        boolean any = false;
        for (int r = 0; r < runs && !any; r++) {
            any = p.runFrom(qb, r) < hi && p.runTo(qb, r) > lo;
        }
        if (any) {
            // Read by each split of the row, side by side: reused when there are several.
            segments.add(new Segment("prologue", 1, prologue,
                    List.of(new Access(qObject[bh], qb, (long) rows * s.headDim() * in, false, splits > 1))));
        }
        int kvBlocks = map.kvBlocks();
        int lastKeys = s.kvLen() - (kvBlocks - 1) * t.kv();
        for (int r = 0; r < runs; r++) {
            int from = Math.max(lo, p.runFrom(qb, r));
            int to = Math.min(hi, p.runTo(qb, r));
            if (from >= to) {
                continue;
            }
            boolean isFull = p.runKind(qb, r) == BlockMap.Kind.FULL;
            String label = isFull ? "FULL" : "PARTIAL";
            StepCost cost = isFull ? full : partial;
            tiles += to - from;
            int regular = to == kvBlocks && lastKeys < t.kv() ? to - 1 : to;
            if (regular > from) {
                segments.add(tileSegment(label, from, regular - from, t.kv(), cost, bkv));
            }
            if (regular < to) {
                segments.add(tileSegment(label, regular, 1, lastKeys, cost, bkv));
            }
        }
        if (splits == 1) {
            segments.add(new Segment("epilogue", 1, epilogue, List.of(
                    new Access(oObject[bh], qb, (long) rows * s.vDim() * out, true, true),
                    new Access(lseObject[bh], qb, (long) rows * 4, true, true))));
            return new CtaProgram("b" + b + " h" + h + " q" + qb, segments, tiles);
        }
        long item = (long) qb * splits + split;
        segments.add(new Segment("epilogue", 1, epilogue, List.of(
                new Access(oAccObject[bh], item, (long) rows * s.vDim() * 4, true, true),
                new Access(lseAccObject[bh], item, (long) rows * 4, true, true))));
        return new CtaProgram("b" + b + " h" + h + " q" + qb + " split" + split, segments, tiles);
    }

    /**
     * The {@code {batch, head, qBlock}} of the {@code n}-th row CTA. FlashAttention-2's split-KV
     * grid is {@code (m_blocks, splits, batch x heads)} with the head fastest in the last
     * dimension, so under the default raster the query heads of a KV head run side by side and
     * share its K/V ranges in the L2; other rasters keep their order.
     */
    private int[] rowCoordinates(long n) {
        Shape s = kernel.shape();
        if (splits == 1 || raster != Raster.Q_MAJOR) {
            return raster.coordinates(n, s.batch(), s.heads(), map.qBlocks());
        }
        int q = (int) (n % map.qBlocks());
        long bh = n / map.qBlocks();
        return new int[] {(int) (bh / s.heads()), (int) (bh % s.heads()), q};
    }

    /**
     * The merge of a row's partial outputs: read every split's log-sum-exp and FP32 output, scale
     * each by {@code exp(lse_i - lse)}, sum, store O in the storage type and the row's log-sum-exp.
     */
    private CtaProgram combine(long n) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        int[] c = rowCoordinates(n);
        int bh = c[0] * s.heads() + c[1];
        int qb = c[2];
        long rows = Math.min(t.q(), s.qLen() - (long) qb * t.q());
        List<Access> a = new ArrayList<>(2 * splits + 2);
        for (int i = 0; i < splits; i++) {
            a.add(new Access(lseAccObject[bh], (long) qb * splits + i, rows * 4, false, true));
            a.add(new Access(oAccObject[bh], (long) qb * splits + i, rows * s.vDim() * 4, false, true));
        }
        a.add(new Access(oObject[bh], qb, rows * s.vDim() * kernel.dtype().outputType().bytes(), true, true));
        a.add(new Access(lseObject[bh], qb, rows * 4, true, true));
        StepCost merge = new Work().fma((double) splits * rows * s.vDim() + 2.0 * splits * rows).sfu(2.0 * splits * rows)
                .alu((double) rows * s.vDim()).shuffleRounds(2).barriers(1).latency(machine.micro().ctaLaunchCycles())
                .cost(machine, kernel.dtype());
        return new CtaProgram("b" + c[0] + " h" + c[1] + " q" + qb, List.of(new Segment("combine", 1, merge, a)), 0);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private Segment tileSegment(String label, int from, int count, int keys, StepCost cost, int bkv) {
        Shape s = kernel.shape();
        int in = kernel.dtype().bytes();
        return new Segment(label, count, cost, List.of(
                new Access(kObject[bkv], from, (long) keys * s.headDim() * in, false, true),
                new Access(vObject[bkv], from, (long) keys * s.vDim() * in, false, true, true)));
    }

    /**
     * One K/V tile of FlashAttention-2's main loop, per element of the score tile: a scale and
     * subtract (FFMA), the row maximum (FMNMX), exp2, the row sum (FADD) and half a packing
     * conversion to the storage type; per row, the rescale of the output accumulator and one
     * exp2 for the correction. Every warp reads the whole K and V tiles, and its Q rows, from
     * shared memory; the copies of the next tiles land there. Two barriers (K, V), the two
     * shuffle levels of the row-maximum all-reduce, and the waits for the two MMAs' results.
     */
    private StepCost tileCost(boolean masked) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        int in = kernel.dtype().bytes();
        double elements = (double) t.q() * t.kv();
        double kv = (double) t.kv() * (s.headDim() + s.vDim()) * in;
        // FlashAttention-2: every warp reads the whole K and V tiles; FlashAttention-3: every consumer warp group.
        double readers = consumerGroups > 0 ? consumerGroups : t.warps();
        Work w = new Work()
                .mma(2 * elements * (s.headDim() + s.vDim()))
                .fma(2 * elements + (double) t.q() * s.vDim())
                .alu(1.5 * elements + (masked ? MASK_OPS_PER_ELEMENT * elements : 0)
                        + Dropout.aluOps(dropout, elements, Dropout.FLASH2_BITS))
                .sfu(elements + t.q())
                .operands(readers * kv + kv + (double) t.q() * s.headDim() * in)
                .barriers(BARRIERS_PER_TILE)
                .shuffleRounds(2)
                .mmaWaits(2)
                .pipelined();
        if (consumerGroups > 0) {
            w.warpGroupMma();
        }
        return w.cost(machine, kernel.dtype());
    }

    /** CTA start and the Q tile: its load latency is exposed (the first K/V loads are issued with it). */
    private StepCost prologueCost() {
        Tiles t = kernel.tiles();
        return new Work().operands((double) t.q() * kernel.shape().headDim() * kernel.dtype().bytes())
                .alu(4.0 * t.q()).barriers(1).latency(machine.micro().ctaLaunchCycles())
                .cost(machine, kernel.dtype());
    }

    /** Normalise O by the softmax sum, convert, stage through shared memory, store O and the log-sum-exp. */
    private StepCost epilogueCost() {
        Tiles t = kernel.tiles();
        int dv = kernel.shape().vDim();
        double o = (double) t.q() * dv * kernel.dtype().outputType().bytes();
        return new Work().fma((double) t.q() * dv).alu(0.5 * t.q() * dv).sfu(t.q()).exchange(2 * o)
                .shuffleRounds(2).barriers(1).cost(machine, kernel.dtype());
    }
}
