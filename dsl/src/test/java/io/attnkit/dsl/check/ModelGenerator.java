package io.attnkit.dsl.check;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.model.TargetSpec.MemoryLevel;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.dsl.model.WorkingSet;
import io.attnkit.dsl.source.Span;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * Random checked models: programs whose every kernel, target and router the front end would
 * accept (selectors that fit their shape, routed heads in whole GQA groups, tiles that fit the
 * target), with doubles of full precision, so that writing and reading them back must be exact.
 */
final class ModelGenerator {
    private static final Span S = Span.NONE;
    private final SplittableRandom random;

    ModelGenerator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    Program program() {
        List<TargetSpec> targets = new ArrayList<>();
        int t = 1 + random.nextInt(3);
        for (int i = 0; i < t; i++) {
            targets.add(random.nextBoolean() ? gpu("gpu_" + i) : cpu("cpu-" + i));
        }
        List<RouterSpec> routers = new ArrayList<>();
        int r = random.nextInt(3);
        for (int i = 0; i < r; i++) {
            routers.add(router("router_" + i));
        }
        List<KernelSpec> kernels = new ArrayList<>();
        int k = 1 + random.nextInt(4);
        for (int i = 0; i < k; i++) {
            kernels.add(kernel("kernel_" + i, targets, routers));
        }
        return new Program(kernels, targets, routers);
    }

    // ---- targets ----------------------------------------------------------------------------

    private TargetSpec gpu(String name) {
        // cuda and opencl run on GPUs; an arch with Tensor Cores for every type
        TargetSpec.Backend backend = pick(new TargetSpec.Backend[] {TargetSpec.Backend.CUDA, TargetSpec.Backend.OPENCL});
        String arch = backend == TargetSpec.Backend.CUDA || random.nextBoolean()
                ? pick(new String[] {"sm_89", "sm_90", "sm_90a", "sm_100", "sm_100a", "sm_103", "sm_120", "sm_121a"}) : "";
        long smem = 1024L * (16 + random.nextInt(240));
        long perBlock = random.nextBoolean() ? smem - 1024L * random.nextInt(16) : 0;
        return new TargetSpec(name, TargetSpec.Kind.GPU, backend, arch, 1 + random.nextInt(200), hz(), rates(true),
                rates(false), positive(64), smem, perBlock, 1 + random.nextInt(1 << 20), 1 + random.nextInt(4096),
                1 + random.nextInt(64), 0, random.nextBoolean() ? Optional.of(level(true)) : Optional.empty(),
                withBandwidth(level(random.nextBoolean())), Optional.empty(), dram(), random.nextBoolean() ? 0 : positive(1e-5), S);
    }

    private TargetSpec cpu(String name) {
        Map<DType, Double> tensor = random.nextInt(4) == 0 ? rates(true) : Map.of();
        Map<DType, Double> fma = rates(false);
        // java and opencl run on CPUs; an arch is a -march name
        TargetSpec.Backend backend = pick(new TargetSpec.Backend[] {TargetSpec.Backend.JAVA, TargetSpec.Backend.OPENCL});
        String arch = random.nextBoolean() ? pick(new String[] {"znver4", "sapphirerapids", "x86-64-v4", "neoverse_v2"}) : "";
        return new TargetSpec(name, TargetSpec.Kind.CPU, backend, arch,
                1 + random.nextInt(256), hz(), tensor, fma, random.nextBoolean() ? 0 : positive(16), 0, 0, 0,
                1 + random.nextInt(64), 1, 64 << random.nextInt(5), random.nextBoolean() ? Optional.of(level(true)) : Optional.empty(),
                level(random.nextBoolean()), random.nextBoolean() ? Optional.of(level(false)) : Optional.empty(), dram(),
                random.nextBoolean() ? 0 : positive(1e-6), S);
    }

    private double hz() {
        return random.nextDouble(0.5e9, 4e9);
    }

    private Map<DType, Double> rates(boolean mayBeEmpty) {
        Map<DType, Double> out = new EnumMap<>(DType.class);
        for (DType d : DType.values()) {
            if (random.nextInt(3) == 0) {
                out.put(d, positive(8192));
            }
        }
        if (!mayBeEmpty) { // an FMA pipe always has an f32 rate
            out.put(DType.F32, positive(512));
        }
        return out;
    }

    private MemoryLevel level(boolean perUnit) {
        int ways = random.nextBoolean() ? 0 : 1 + random.nextInt(1024);
        int line = 1 << random.nextInt(12); // up to 2 KiB
        long set = (long) (ways > 0 ? ways : MemoryLevel.DEFAULT_WAYS) * line; // a cache holds at least one set
        return new MemoryLevel(set + random.nextLong(1L << 40), random.nextBoolean() ? 0 : positive(1e13),
                random.nextBoolean() ? 0 : positive(1e-6), ways, line, perUnit);
    }

    private MemoryLevel dram() {
        return withBandwidth(level(false));
    }

    private MemoryLevel withBandwidth(MemoryLevel l) {
        return new MemoryLevel(l.bytes(), positive(1e13), l.latency(), l.ways(), l.lineBytes(), l.perUnit());
    }

    private double positive(double scale) {
        double v = random.nextDouble() * scale;
        return v > 0 ? v : scale / 2;
    }

    // ---- routers ----------------------------------------------------------------------------

    private RouterSpec router(String name) {
        boolean weights = random.nextBoolean();
        return new RouterSpec(name, 1 + random.nextInt(1000), positive(16),
                weights ? Optional.of("weights/" + name + ".safetensors") : Optional.empty(),
                weights ? OptionalDouble.empty() : OptionalDouble.of(random.nextInt(5) == 0 ? 1.0 : random.nextDouble()), S);
    }

    // ---- kernels ----------------------------------------------------------------------------

    private KernelSpec kernel(String name, List<TargetSpec> targets, List<RouterSpec> routers) {
        int kvHeads = 1 + random.nextInt(8);
        int heads = kvHeads * (1 + random.nextInt(4));
        int headDim = 1 + random.nextInt(256);
        Shape shape = new Shape(1 + random.nextInt(8), heads, kvHeads, 1 + random.nextInt(100_000), 1 + random.nextInt(100_000),
                headDim, random.nextBoolean() ? headDim : 1 + random.nextInt(256), S);
        DType dtype = pick(DType.values());
        Tiles tiles = new Tiles(1 + random.nextInt(256), 1 + random.nextInt(256), 1 + random.nextInt(4),
                1 << random.nextInt(6), S);
        Optional<String> target = Optional.empty();
        if (random.nextInt(4) != 0) {
            TargetSpec t = targets.get(random.nextInt(targets.size()));
            long budget = t.sharedMemoryBudget();
            if (budget <= 0 || WorkingSet.of(shape, dtype, DType.F32, tiles).bytes() <= budget) {
                target = Optional.of(t.name());
            }
        }
        double scale = random.nextBoolean() ? KernelSpec.defaultScale(headDim) : positive(2);
        return new KernelSpec(name, shape, dtype, DType.F32, scale, tiles, target, mask(shape, 2, false), groups(shape, routers),
                S);
    }

    private List<HeadGroup> groups(Shape shape, List<RouterSpec> routers) {
        int n = 1 + random.nextInt(3);
        List<List<Integer>> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(new ArrayList<>());
        }
        // Whole GQA groups go together, so any group may be routed.
        for (int kv = 0; kv < shape.kvHeads(); kv++) {
            List<Integer> group = members.get(random.nextInt(n));
            for (int h = kv * shape.groupSize(); h < (kv + 1) * shape.groupSize(); h++) {
                group.add(h);
            }
        }
        List<HeadGroup> out = new ArrayList<>();
        for (List<Integer> m : members) {
            if (m.isEmpty()) {
                continue;
            }
            HeadMode mode = !routers.isEmpty() && random.nextBoolean()
                    ? new HeadMode.Routed(routers.get(random.nextInt(routers.size())), mask(shape, 1, false), mask(shape, 1, false))
                    : new HeadMode.Fixed(mask(shape, 2, false));
            out.add(new HeadGroup(m, mode, S));
        }
        return out;
    }

    /** A mask that fits {@code shape}; {@code negated} keeps selectors out from under a '!'. */
    private Mask mask(Shape shape, int depth, boolean negated) {
        int pick = random.nextInt(depth > 0 ? 12 : 9);
        int kv = shape.kvLen();
        return switch (pick) {
            case 0 -> new Mask.Dense(S);
            case 1 -> new Mask.Causal(S);
            case 2 -> new Mask.Window(1 + random.nextInt(4096), S);
            case 3 -> new Mask.Sink(1 + random.nextInt(256), S);
            case 4 -> new Mask.Prefix(1 + random.nextInt(kv), S);
            case 5 -> document(kv);
            case 6 -> negated ? new Mask.Causal(S) : topK(kv);
            case 7 -> negated ? new Mask.Dense(S) : xattention(shape);
            case 8 -> negated ? new Mask.Sink(4, S) : nsa(kv);
            case 9 -> new Mask.Not(mask(shape, depth - 1, true), S);
            case 10 -> new Mask.And(operands(shape, depth, negated, Mask.And.class), S);
            default -> new Mask.Or(operands(shape, depth, negated, Mask.Or.class), S);
        };
    }

    private List<Mask> operands(Shape shape, int depth, boolean negated, Class<?> same) {
        List<Mask> out = new ArrayList<>();
        int n = 2 + random.nextInt(2);
        while (out.size() < n) {
            Mask m = mask(shape, depth - 1, negated);
            if (!same.isInstance(m)) { // the syntax flattens a chain inside a chain of the same operator
                out.add(m);
            }
        }
        return out;
    }

    private Mask document(int kv) {
        List<Integer> lengths = new ArrayList<>();
        int left = kv;
        while (left > 0) {
            int len = lengths.size() == 5 ? left : 1 + random.nextInt(left);
            lengths.add(len);
            left -= len;
        }
        return new Mask.Document(lengths, S);
    }

    private Mask topK(int kv) {
        int block = 1 + random.nextInt(Math.min(kv, 8192));
        int blocks = (kv + block - 1) / block;
        return new Mask.TopKBlocks(block, 1 + random.nextInt(Math.min(blocks, 64)), S);
    }

    private Mask xattention(Shape shape) {
        int stride = 1 + random.nextInt(32);
        int max = Math.max(shape.qLen(), shape.kvLen()) / stride;
        int block = stride * (1 + random.nextInt(Math.max(1, Math.min(max, 16))));
        if (block > Math.max(shape.qLen(), shape.kvLen())) {
            block = stride;
            stride = 1;
            block = Math.min(block, Math.max(shape.qLen(), shape.kvLen()));
        }
        double threshold = random.nextInt(5) == 0 ? 1.0 : Math.max(Double.MIN_VALUE, random.nextDouble());
        return new Mask.XAttention(block, stride, threshold, S);
    }

    private Mask nsa(int kv) {
        int stride = 1 + random.nextInt(Math.min(kv, 32));
        int compress = stride * (1 + random.nextInt(Math.max(1, Math.min(kv / stride, 4))));
        int select = stride * (1 + random.nextInt(8));
        int blocks = (kv + select - 1) / select;
        return new Mask.Nsa(compress, stride, select, 1 + random.nextInt(Math.min(blocks, 32)), random.nextInt(2048), S);
    }

    private <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }
}
