package io.attnkit.dsl.check;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.model.TargetSpec.Backend;
import io.attnkit.dsl.model.TargetSpec.Kind;
import io.attnkit.dsl.model.TargetSpec.MemoryLevel;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.Decl.TargetDecl;
import io.attnkit.dsl.syntax.Property;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import io.attnkit.dsl.syntax.Printer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Turns a {@code target} declaration (after {@code extends} is applied) into a {@link TargetSpec},
 * checking that every figure the simulator needs is present, well-formed and plausible.
 */
final class TargetResolver {
    static final List<String> KEYS = List.of("backend", "arch", "sms", "cores", "clock", "tensor", "fma", "sfu", "smem",
            "regs", "threads", "blocks", "simd", "l1", "l2", "l3", "hbm", "dram", "launch");

    /** Properties that only GPU targets have, and only CPU targets. */
    static final List<String> GPU_ONLY = List.of("smem", "regs", "blocks");
    static final List<String> CPU_ONLY = List.of("simd", "l3");

    /*
     * Bounds on figures, far beyond any real machine either way (docs/targets.md, "Bounds"): a
     * 1e-12 B/s L2 or a 1e30 GHz clock made the simulator loop without end, and latencies of
     * 1e30 cycles printed times of 1e21 s.
     */
    static final double MIN_CLOCK = 1e6;
    static final double MAX_CLOCK = 100e9;
    static final double MIN_BANDWIDTH = 1e6;
    static final double MAX_BANDWIDTH = 1e18;
    static final double MIN_RATE = 1.0 / 1024;
    static final double MAX_RATE = 1 << 20;
    static final double MAX_LATENCY = 1e-3;
    static final double MAX_LAUNCH = 1;

    /**
     * The longest cache line: 64 sectors of 32 bytes, the granularity at which the exact L2 keeps
     * what a line holds and what in it is dirty (a longest line of 64 KiB had 1 KiB sectors,
     * which took one tile's log-sum-exp for another's).
     */
    private static final long MAX_LINE_BYTES = 2048;
    private static final Set<String> NONE = Set.of("");
    private static final Set<String> UNIT_OR_NONE = Set.of("", "sm", "core", "cu");

    private final Values values;
    private final Diagnostics diagnostics;

    TargetResolver(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
        this.values = new Values(diagnostics);
    }

    PropertyBag bag(TargetDecl decl) {
        return new PropertyBag(decl.properties(), KEYS, "target " + DiagnosticRenderer.quote(decl.name().text()), diagnostics);
    }

    /**
     * Resolves {@code props}, the merged properties of {@code decl} and its bases; {@code base} is
     * the target {@code decl} extends, resolved, when it extends one.
     */
    Optional<TargetSpec> resolve(TargetDecl decl, PropertyBag props, Optional<TargetSpec> base) {
        int before = diagnostics.errorCount();
        String where = "target " + DiagnosticRenderer.quote(decl.name().text());
        Span at = decl.name().span();

        Optional<Item> written = props.require("backend", where, at, "backend cuda;", diagnostics).flatMap(this::single);
        // 'backend cuda sm_90' is short for 'backend cuda; arch sm_90'
        Optional<Word.Ident> archInBackend = written.filter(i -> i.words().size() == 2)
                .flatMap(i -> i.words().get(1) instanceof Word.Ident second ? Optional.of(second) : Optional.empty());
        Optional<Item> backendItem = archInBackend.isEmpty() ? written
                : written.map(i -> new Item(List.of(i.words().getFirst()), i.words().getFirst().span()));
        // Given in both, the target's own one replaces the one it inherits; given twice by the target itself, it is an error.
        boolean archFromBackend = archInBackend.isPresent() && (!props.has("arch") || props.own("backend") && !props.own("arch"));
        if (archInBackend.isPresent() && props.has("arch") && props.own("backend") == props.own("arch")) {
            diagnostics.error(ErrorCode.E012, archInBackend.get().span(), where + " gives its arch twice, in 'backend' and in 'arch'",
                    "'arch' is set at " + props.get("arch").get().span().location());
        }
        Optional<Word.Ident> backendWord = backendItem.flatMap(i -> values.name(i, "a backend (cuda, opencl or java)"));
        Backend backend = backendWord.flatMap(id -> {
                    for (Backend b : Backend.values()) {
                        if (b.spelling().equals(id.text())) {
                            return Optional.of(b);
                        }
                    }
                    diagnostics.error(ErrorCode.E015, id.span(), "unknown backend " + DiagnosticRenderer.quote(id.text())
                            + Suggest.hint(id.text(), List.of("cuda", "opencl", "java")), "backends: cuda, opencl, java");
                    return Optional.empty();
                }).orElse(null);
        Optional<Word.Ident> arch = archFromBackend ? archInBackend
                : props.get("arch").flatMap(p -> single(p).flatMap(i -> values.name(i, "an architecture name")));
        boolean archOwn = props.own(archFromBackend ? "backend" : "arch");
        if (backend == Backend.CUDA && !props.has("arch") && archInBackend.isEmpty()) {
            diagnostics.error(ErrorCode.E014, at, where + " has backend cuda but no 'arch'", "add, for example: arch sm_90;");
        }

        if (props.has("sms") && props.has("cores")) {
            conflict(props, where, "sms", "cores", "a GPU target counts SMs, a CPU target counts cores",
                    "a target is of the kind of the target it extends: extend one of the other kind, or declare it whole");
            return Optional.empty();
        }
        // Without 'sms' or 'cores' the kind is taken from the backend, then from 'simd', so that one error
        // is reported rather than one per property of the other kind.
        boolean counted = props.has("cores") || props.has("sms");
        Kind kind = props.has("cores") ? Kind.CPU : props.has("sms") ? Kind.GPU
                : backend != null ? (backend == Backend.JAVA ? Kind.CPU : Kind.GPU)
                : props.has("simd") ? Kind.CPU : Kind.GPU;
        if (counted && backend != null && backendWord.isPresent()) {
            backendOfKind(props, where, backend, backendWord.get(), kind);
        }
        for (String key : kind == Kind.CPU ? GPU_ONLY : CPU_ONLY) {
            props.get(key).ifPresent(p -> diagnostics.error(ErrorCode.E013, p.key().span(), "'" + key + "' does not apply to "
                    + where + ", a " + (kind == Kind.CPU ? "CPU target" + (counted ? " (it counts 'cores')" : "")
                    : "GPU target" + (counted ? " (it counts 'sms')" : "")),
                    kind == Kind.CPU ? "GPU-only properties: " + String.join(", ", GPU_ONLY)
                            : "CPU-only properties: " + String.join(", ", CPU_ONLY) + " (a GPU's last cache level is its 'l2')"));
        }
        OptionalLong units;
        if (props.has("cores")) {
            units = count(props.get("cores").get(), "cores", 1, 1 << 20, NONE);
        } else if (props.has("sms")) {
            units = count(props.get("sms").get(), "sms", 1, 1 << 20, NONE);
        } else {
            diagnostics.error(ErrorCode.E014, at, where + " has neither 'sms' (a GPU) nor 'cores' (a CPU)",
                    "add, for example: " + (kind == Kind.CPU ? "cores 56;" : "sms 132;"));
            units = OptionalLong.empty();
        }
        OptionalDouble clock = props.require("clock", where, at, "clock 1.83 GHz;", diagnostics)
                .flatMap(this::single).flatMap(i -> values.quantity(i, "a clock frequency"))
                .map(q -> within(values.positive(q, Dimension.FREQUENCY, "clock", NONE), q, "clock", MIN_CLOCK, MAX_CLOCK,
                        "between 1 MHz and 100 GHz")).orElse(OptionalDouble.empty());
        OptionalInt computeCapability = arch.map(a -> arch(a, kind, where, counted)).orElse(OptionalInt.empty());

        String per = kind == Kind.GPU ? "sm" : "core";
        Map<DType, Double> tensor = rates(props.get("tensor"), "tensor", units, clock);
        Map<DType, Double> vector = rates(props.get("fma"), "fma", units, clock);
        if (computeCapability.isPresent()) {
            tensorCores(props, where, arch.get(), archOwn, computeCapability.getAsInt(), tensor.keySet());
        }
        if (!props.has("fma")) {
            diagnostics.error(ErrorCode.E014, at, where + " has no 'fma'", "the softmax and f32 kernels run on the FMA pipe; "
                    + "add its f32 rate, for example: fma f32 " + (kind == Kind.GPU ? 256 : 64) + " flop/cycle/" + per + ";");
        } else if (typeSpan(props.get("fma").get(), DType.F32).isEmpty()) {
            Property fma = props.get("fma").get();
            diagnostics.error(ErrorCode.E014, props.own("fma") ? fma.span() : at, where + " has no f32 rate in 'fma'",
                    "the softmax and f32 kernels run on the FMA pipe; add, for example: fma f32 " + (kind == Kind.GPU ? 256 : 64)
                            + " flop/cycle/" + per + ", " + Printer.itemText(fma.items().getFirst()) + ";");
        }
        double sfu = 0;
        if (kind == Kind.GPU) {
            sfu = props.require("sfu", where, at, "sfu 16 op/cycle/sm;", diagnostics)
                    .flatMap(this::single).flatMap(i -> values.quantity(i, "a special-function rate"))
                    .map(q -> perCycle(q, "sfu", units, clock)).orElse(OptionalDouble.empty()).orElse(0);
        } else if (props.has("sfu")) {
            sfu = props.get("sfu").flatMap(this::single).flatMap(i -> values.quantity(i, "a special-function rate"))
                    .map(q -> perCycle(q, "sfu", units, clock)).orElse(OptionalDouble.empty()).orElse(0);
        }

        long smemUnit = 0;
        long smemBlock = 0;
        long regs = 0;
        long threads = 1;
        long blocks = 1;
        long simd = 0;
        if (kind == Kind.GPU) {
            Optional<Property> smem = props.require("smem", where, at, "smem 228 KiB/sm, 227 KiB/block;", diagnostics);
            if (smem.isPresent()) {
                long[] s = sharedMemory(smem.get());
                smemUnit = s[0];
                smemBlock = s[1];
            }
            regs = props.require("regs", where, at, "regs 64 Ki/sm;", diagnostics)
                    .map(p -> count(p, "regs", 1, 1L << 30, UNIT_OR_NONE)).orElse(OptionalLong.empty()).orElse(0);
            threads = props.require("threads", where, at, "threads 2048/sm;", diagnostics)
                    .map(p -> count(p, "threads", 1, 1 << 20, UNIT_OR_NONE)).orElse(OptionalLong.empty()).orElse(0);
            blocks = props.require("blocks", where, at, "blocks 32/sm;", diagnostics)
                    .map(p -> count(p, "blocks", 1, 1 << 20, UNIT_OR_NONE)).orElse(OptionalLong.empty()).orElse(0);
        } else {
            simd = props.require("simd", where, at, "simd 512 bit;", diagnostics)
                    .flatMap(this::single).flatMap(i -> values.quantity(i, "a vector width"))
                    .map(q -> values.positive(q, Dimension.BITS, "simd", NONE)).orElse(OptionalDouble.empty())
                    .stream().mapToLong(d -> (long) d).findFirst().orElse(0);
            if (simd != 0 && (simd % 64 != 0 || Long.bitCount(simd) != 1)) {
                diagnostics.error(ErrorCode.E017, props.get("simd").get().span(), "simd must be a power of two of at least 64 bits, got " + simd);
            }
            threads = props.get("threads").map(p -> count(p, "threads", 1, 64, UNIT_OR_NONE))
                    .orElse(OptionalLong.of(1)).orElse(1);
        }

        Chip chip = new Chip(kind, units, clock);
        Optional<MemoryLevel> l1 = props.get("l1").flatMap(p -> memory(p, "l1", chip, true));
        Optional<MemoryLevel> l2 = props.require("l2", where, at, "l2 50 MiB, 5.5 TB/s;", diagnostics)
                .flatMap(p -> memory(p, "l2", chip, false));
        if (kind == Kind.GPU && l2.isPresent() && l2.get().bytesPerSecond() <= 0) {
            // The simulator has no L2 bandwidth of its own: without one, every L2 hit was free.
            diagnostics.error(ErrorCode.E014, props.get("l2").get().span(), "l2 needs a bandwidth on a GPU target",
                    "for example: l2 50 MiB, 12 TB/s; or per cycle of the clock: l2 50 MiB, 5120 B/cycle;");
            l2 = Optional.empty();
        }
        Optional<MemoryLevel> l3 = kind == Kind.GPU ? Optional.empty() : props.get("l3").flatMap(p -> memory(p, "l3", chip, false));
        Optional<MemoryLevel> dram;
        if (props.has("hbm") && props.has("dram")) {
            conflict(props, where, "hbm", "dram", "a target has one main memory, 'hbm' or 'dram'",
                    "'extends' replaces a property of the same key: to replace the base's memory, restate it under its key");
            dram = Optional.empty();
        } else {
            String key = props.has("dram") || kind == Kind.CPU && !props.has("hbm") ? "dram" : "hbm";
            dram = props.require(key, where, at, key + " 80 GiB, 3.35 TB/s, latency 600 ns;", diagnostics)
                    .flatMap(p -> memory(p, key, chip, false));
            dram.ifPresent(d -> {
                if (d.bytesPerSecond() <= 0) {
                    diagnostics.error(ErrorCode.E014, props.get(key).get().span(), key + " needs a bandwidth",
                            "for example: " + key + " 80 GiB, 3.35 TB/s;");
                }
            });
        }
        double launch = props.get("launch").flatMap(this::single).flatMap(i -> values.quantity(i, "a launch overhead"))
                .map(q -> {
                    OptionalDouble v = values.measure(q, Dimension.TIME, "launch", NONE);
                    if (v.isPresent() && v.getAsDouble() < 0) {
                        diagnostics.error(ErrorCode.E017, q.span(), "launch overhead must not be negative, got " + Values.shown(q));
                        return OptionalDouble.empty();
                    }
                    return within(v, q, "launch overhead", 0, MAX_LAUNCH, "at most 1 s");
                }).orElse(OptionalDouble.empty()).orElse(0);

        if (diagnostics.errorCount() != before || backend == null || units.isEmpty() || clock.isEmpty()
                || l2.isEmpty() || dram.isEmpty()) {
            return Optional.empty();
        }
        TargetSpec spec = new TargetSpec(decl.name().text(), kind, backend, arch.map(Word.Ident::text).orElse(""),
                (int) units.getAsLong(), clock.getAsDouble(), tensor, vector, sfu, smemUnit, smemBlock, regs, (int) threads,
                (int) blocks, (int) simd, l1, l2.get(), l3, dram.get(), launch, decl.span());
        base.ifPresent(b -> inheritedBandwidths(props, b, spec));
        return Optional.of(spec);
    }

    /** The line of a memory level that does not give one: 128 B in a GPU's caches (NVIDIA's L1 and L2 lines), else 64 B. */
    static int defaultLine(Kind kind, String key) {
        return kind == Kind.GPU && !key.equals("hbm") && !key.equals("dram") ? 128 : 64;
    }

    /**
     * Reports {@code a} and {@code b}, which exclude each other. When the target sets one and
     * inherits the other, the error is at the one it sets, the user's line, and names the base
     * the other comes from ({@code whyInherited} says what to do); else at {@code b}.
     */
    private void conflict(PropertyBag props, String where, String a, String b, String why, String whyInherited) {
        Optional<String> baseOfA = props.inheritedFrom(a);
        Optional<String> baseOfB = props.inheritedFrom(b);
        if (baseOfA.isPresent() == baseOfB.isPresent()) {
            diagnostics.error(ErrorCode.E015, props.get(b).get().span(), where + " sets both '" + a + "' and '" + b + "'", why);
            return;
        }
        String own = baseOfA.isPresent() ? b : a;
        String inherited = baseOfA.isPresent() ? a : b;
        String base = baseOfA.or(() -> baseOfB).get();
        diagnostics.error(ErrorCode.E015, props.get(own).get().key().span(), where + " sets '" + own + "', which conflicts with '"
                        + inherited + "' of " + DiagnosticRenderer.quote(base) + ", the target it extends",
                "'" + inherited + "' is set at " + props.get(inherited).get().span().location(), why + "; " + whyInherited);
    }

    /**
     * A backend runs on one kind of target: cuda on GPUs, java on CPUs (opencl on either). A
     * {@code backend java} on a GPU target was simulated as a GPU all the same.
     */
    private void backendOfKind(PropertyBag props, String where, Backend backend, Word.Ident word, Kind kind) {
        Kind runsOn = switch (backend) {
            case CUDA -> Kind.GPU;
            case JAVA -> Kind.CPU;
            case OPENCL -> kind;
        };
        if (runsOn == kind) {
            return;
        }
        String units = kind == Kind.GPU ? "sms" : "cores";
        String kindName = kind == Kind.GPU ? "a GPU" : "a CPU";
        String runs = "backend " + backend.spelling() + " runs on " + (runsOn == Kind.GPU ? "GPUs" : "CPUs");
        Optional<String> base = props.inheritedFrom(units);
        if (base.isPresent()) {
            diagnostics.error(ErrorCode.E015, word.span(), runs + ", but " + where + " extends " + DiagnosticRenderer.quote(base.get())
                            + ", " + kindName + " target (it counts '" + units + "')",
                    "'" + units + "' is set at " + props.get(units).get().span().location(),
                    "a target is of the kind of the target it extends: extend " + (kind == Kind.GPU ? "a CPU" : "a GPU")
                            + " target, or declare it whole");
        } else {
            diagnostics.error(ErrorCode.E015, word.span(), runs + ", but " + where + " counts '" + units + "', as " + kindName + " does",
                    "cuda runs on GPUs, java on CPUs, opencl on either");
        }
    }

    /**
     * Checks an {@code arch} against the kind of the target: on a GPU, {@code sm_} and a compute
     * capability NVIDIA has shipped (the simulator reads the microarchitecture from it, and took
     * any other name for Ampere); on a CPU, a {@code -march} name.
     */
    private OptionalInt arch(Word.Ident arch, Kind kind, String where, boolean counted) {
        String name = arch.text();
        if (kind == Kind.GPU) {
            OptionalInt cc = Archs.computeCapability(name);
            if (cc.isEmpty()) {
                String lower = name.toLowerCase(Locale.ROOT);
                String hint = Archs.computeCapability(lower).isPresent() ? "; did you mean '" + lower + "'?"
                        : Suggest.hint(name, Archs.gpuNames());
                diagnostics.error(ErrorCode.E015, arch.span(), "unknown GPU arch " + DiagnosticRenderer.quote(name) + hint,
                        "a GPU's arch is sm_ and a compute capability NVIDIA has shipped: " + Archs.shipped()
                                + "; sm_90a and the like for Hopper and later");
            }
            return cc;
        }
        if (Archs.gpuLike(name)) {
            diagnostics.error(ErrorCode.E015, arch.span(), "arch " + DiagnosticRenderer.quote(name) + " is a GPU's, but " + where
                    + " is a CPU target" + (counted ? " (it counts 'cores')" : ""), "a CPU's arch is its -march name, such as znver5 or sapphirerapids");
        } else if (!Archs.cpuSpelling(name)) {
            String lower = name.toLowerCase(Locale.ROOT);
            diagnostics.error(ErrorCode.E015, arch.span(), "arch " + DiagnosticRenderer.quote(name) + " is not a -march name"
                            + (Archs.cpuSpelling(lower) ? "; did you mean '" + lower + "'?" : ""),
                    "-march names are lowercase letters, digits, '_' and '-', such as znver5, sapphirerapids or x86-64-v4");
        }
        return OptionalInt.empty();
    }

    /**
     * Tensor rates for types the arch has no Tensor Cores for ({@code tensor f16} on sm_60): at
     * the arch, unless the target inherits it and gives the rates itself.
     */
    private void tensorCores(PropertyBag props, String where, Word.Ident arch, boolean archOwn, int cc, Set<DType> types) {
        List<DType> missing = types.stream().filter(d -> cc < Archs.TENSOR_SINCE.get(d)).sorted().toList();
        if (missing.isEmpty()) {
            return;
        }
        String which = String.join(", ", missing.stream().map(d -> d.spelling() + " (from sm_" + Archs.TENSOR_SINCE.get(d) + ")").toList());
        String fix = "leave " + (missing.size() == 1 ? "it" : "them") + " out of 'tensor' (the FMA pipe then does the matrix "
                + "products), or give a later arch";
        Property tensor = props.get("tensor").get();
        if (!archOwn && props.own("tensor")) {
            diagnostics.error(ErrorCode.E015, typeSpan(tensor, missing.getFirst()).orElse(tensor.span()), where + " gives 'tensor' rates for "
                    + which + ", but its arch " + arch.text() + " has no Tensor Cores for " + (missing.size() == 1 ? "it" : "them"),
                    "'arch' is set at " + arch.span().location(), fix);
        } else {
            diagnostics.error(ErrorCode.E015, arch.span(), "arch " + arch.text() + " has no Tensor Cores for " + which + ", but "
                    + where + " gives 'tensor' rates for " + (missing.size() == 1 ? "it" : "them"),
                    "'tensor' is set at " + tensor.span().location(), fix);
        }
    }

    /** Where {@code rates} (a {@code tensor} or {@code fma} property) names {@code type}. */
    private static Optional<Span> typeSpan(Property rates, DType type) {
        return rates.items().stream().filter(i -> !i.words().isEmpty() && i.words().getFirst() instanceof Word.Ident id
                && id.text().equals(type.spelling())).map(i -> i.words().getFirst().span()).findFirst();
    }

    /**
     * Warns where a GPU target changes its SMs or clock but inherits a per-SM level (its l1, the
     * shared memory) whose bandwidth its base gave as a chip total: shared memory delivers bytes
     * per cycle per SM, and the total kept the base's, so that {@code clock 1.6 GHz} on h100-sxm
     * made 128 B/cycle per SM into 146. CPU targets are left alone: their figures are what a
     * probe measured, and {@code extends host-zen5-2c { clock ... }} is how a user fits them.
     */
    private void inheritedBandwidths(PropertyBag props, TargetSpec base, TargetSpec spec) {
        if (spec.kind() != Kind.GPU) {
            return;
        }
        Optional<Property> changed = java.util.stream.Stream.of("sms", "clock").filter(props::own).map(k -> props.get(k).get())
                .min(java.util.Comparator.comparingInt(p -> p.span().start()));
        if (changed.isEmpty() || spec.units() == base.units() && spec.clockHz() == base.clockHz()) {
            return;
        }
        Map<String, Optional<MemoryLevel>> levels = Map.of("l1", spec.l1(), "l2", Optional.of(spec.l2()));
        for (String key : List.of("l1", "l2")) {
            Optional<MemoryLevel> level = levels.get(key);
            Optional<String> from = props.inheritedFrom(key);
            Optional<Word.Quantity> written = props.get(key).flatMap(TargetResolver::bandwidthOf);
            if (level.isEmpty() || !level.get().perUnit() || from.isEmpty() || written.isEmpty()
                    || written.get().unit().startsWith("B/cycle")) {
                continue;
            }
            double was = level.get().bytesPerSecond() / base.units() / base.clockHz();
            double now = level.get().bytesPerSecond() / spec.units() / spec.clockHz();
            List<String> restated = new ArrayList<>();
            for (Item item : props.get(key).get().items()) {
                restated.add(item.words().getLast() != written.get() ? Printer.itemText(item)
                        : (item.words().size() == 2 ? "bandwidth " : "") + figure(was) + " B/cycle/sm");
            }
            diagnostics.warning(ErrorCode.W001, changed.get().key().span(), "'" + changed.get().key().text()
                            + "' changes the bandwidth per SM of '" + key + "': the " + Values.shown(written.get()) + " inherited from "
                            + DiagnosticRenderer.quote(from.get()) + " was " + figure(was) + " B/cycle per SM with " + chip(base)
                            + ", and is " + figure(now) + " B/cycle per SM with " + chip(spec),
                    "a cache private to each SM delivers so many bytes per cycle per SM; to keep the base's, restate it per cycle: "
                            + key + " " + String.join(", ", restated) + ";");
        }
    }

    /** The bandwidth a memory level's property gives: its second plain figure, or {@code bandwidth X}. */
    private static Optional<Word.Quantity> bandwidthOf(Property p) {
        int plain = 0;
        for (Item item : p.items()) {
            List<Word> w = item.words();
            if (w.size() == 1 && w.getFirst() instanceof Word.Quantity q && plain++ == 1) {
                return Optional.of(q);
            }
            if (w.size() == 2 && w.get(0) instanceof Word.Ident name && name.text().equals("bandwidth")
                    && w.get(1) instanceof Word.Quantity q) {
                return Optional.of(q);
            }
        }
        return Optional.empty();
    }

    /** Four significant digits, without trailing zeros: 128, 146.3. */
    private static String figure(double v) {
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** "132 SMs at 1.83 GHz" */
    private static String chip(TargetSpec t) {
        return t.units() + (t.units() == 1 ? " SM" : " SMs") + " at " + figure(t.clockHz() / 1e9) + " GHz";
    }

    private Optional<Item> single(Property p) {
        if (p.items().size() != 1) {
            diagnostics.error(ErrorCode.E015, p.items().get(1).span(), "'" + p.key().text() + "' takes one value");
            return Optional.empty();
        }
        return Optional.of(p.items().getFirst());
    }

    private OptionalLong count(Property p, String what, long min, long max, Set<String> per) {
        return single(p).flatMap(i -> values.quantity(i, "a count"))
                .map(q -> values.count(q, what, min, max, per)).orElse(OptionalLong.empty());
    }

    /** {@code smem 228 KiB/sm, 227 KiB/block}: per SM, and optionally per thread block. */
    private long[] sharedMemory(Property p) {
        long[] out = new long[2];
        for (Item item : p.items()) {
            Optional<Word.Quantity> q = values.quantity(item, "a size such as 228 KiB/sm or 227 KiB/block");
            if (q.isEmpty()) {
                continue;
            }
            Optional<Values.Measured> m = values.split(q.get());
            if (m.isEmpty()) {
                continue;
            }
            boolean perBlock = m.get().per().equals(Values.PER_BLOCK);
            Set<String> allowed = perBlock ? Set.of(Values.PER_BLOCK) : UNIT_OR_NONE;
            OptionalLong v = values.bytes(q.get(), "smem", 1, 1L << 40, allowed);
            if (v.isPresent()) {
                out[perBlock ? 1 : 0] = v.getAsLong();
            }
        }
        if (out[1] > out[0] && out[0] > 0) {
            diagnostics.error(ErrorCode.E017, p.span(), "shared memory per block (" + out[1]
                    + " B) exceeds shared memory per SM (" + out[0] + " B)");
        }
        return out;
    }

    /**
     * {@code tensor bf16 4096 flop/cycle/sm, f16 989.4 TFLOP/s}: per-type rates, per unit and
     * cycle, or for the whole chip per second.
     */
    private Map<DType, Double> rates(Optional<Property> property, String what, OptionalLong units, OptionalDouble clock) {
        Map<DType, Double> out = new EnumMap<>(DType.class);
        if (property.isEmpty()) {
            return out;
        }
        for (Item item : property.get().items()) {
            if (item.words().size() != 2 || !(item.words().get(0) instanceof Word.Ident type)
                    || !(item.words().get(1) instanceof Word.Quantity q)) {
                diagnostics.error(ErrorCode.E015, item.span(), "expected a type and a rate, such as 'bf16 4096 flop/cycle/sm', found "
                        + Values.describe(item));
                continue;
            }
            Optional<DType> dtype = DType.parse(type.text());
            if (dtype.isEmpty()) {
                diagnostics.error(ErrorCode.E015, type.span(), "unknown type " + DiagnosticRenderer.quote(type.text())
                        + Suggest.hint(type.text(), dtypeNames()), "types: " + String.join(", ", dtypeNames()));
                continue;
            }
            if (out.containsKey(dtype.get())) {
                diagnostics.error(ErrorCode.E012, type.span(), "'" + what + "' gives " + type.text() + " twice");
                continue;
            }
            perCycle(q, what + " " + type.text(), units, clock).ifPresent(v -> out.put(dtype.get(), v));
        }
        return out;
    }

    static List<String> dtypeNames() {
        return java.util.Arrays.stream(DType.values()).map(DType::spelling).toList();
    }

    private static final Map<String, Double> TOTAL_RATES = Map.of("FLOP/s", 1.0, "GFLOP/s", 1e9, "TFLOP/s", 1e12,
            "PFLOP/s", 1e15, "op/s", 1.0, "Gop/s", 1e9, "Top/s", 1e12);

    /** Every unit a rate takes, for messages. */
    private static final List<String> RATE_UNITS = List.of("flop/cycle/sm", "flop/cycle/core", "flop/cycle/cu", "flop/cycle",
            "op/cycle/sm", "op/cycle/core", "op/cycle/cu", "op/cycle", "FLOP/s", "GFLOP/s", "TFLOP/s", "PFLOP/s", "op/s", "Gop/s",
            "Top/s");

    /** A rate in operations per cycle per unit: {@code 4096 flop/cycle/sm}, or a chip total per second. */
    private OptionalDouble perCycle(Word.Quantity q, String what, OptionalLong units, OptionalDouble clock) {
        Optional<Values.Measured> m = values.split(q);
        if (m.isEmpty()) {
            return OptionalDouble.empty();
        }
        String unit = m.get().unit();
        double value = m.get().value().doubleValue();
        if (!(value > 0) || Double.isInfinite(value)) {
            diagnostics.error(ErrorCode.E017, q.span(), what + " must be positive and finite, got " + Values.shown(q));
            return OptionalDouble.empty();
        }
        String range = "between 1/1024 and 1048576 per cycle and unit";
        if ((unit.equals("flop/cycle") || unit.equals("op/cycle")) && !m.get().per().equals(Values.PER_BLOCK)) {
            return within(OptionalDouble.of(value), q, what, MIN_RATE, MAX_RATE, range);
        }
        Double total = TOTAL_RATES.get(unit);
        if (total != null && m.get().per().isEmpty()) {
            if (units.isEmpty() || clock.isEmpty()) {
                return OptionalDouble.empty();
            }
            double perCycle = value * total / units.getAsLong() / clock.getAsDouble();
            return within(OptionalDouble.of(perCycle), q, what, MIN_RATE, MAX_RATE,
                    range + String.format(java.util.Locale.ROOT, " (here %.3g)", perCycle));
        }
        values.unknownUnit(q.span(), q.unit(), what, "a rate per cycle and SM or core, or a chip total", RATE_UNITS, "");
        return OptionalDouble.empty();
    }

    /**
     * {@code l2 50 MiB, 5.5 TB/s, latency 260 cycles, ways 16, line 128 B}: the first plain
     * figure is the capacity, the second the bandwidth; the rest are named.
     */
    private Optional<MemoryLevel> memory(Property p, String key, Chip chip, boolean perUnitDefault) {
        OptionalDouble clock = chip.clock();
        long bytes = -1;
        double bandwidth = 0;
        double latency = 0;
        long ways = 0;
        long line = defaultLine(chip.kind(), key);
        boolean shaped = false; // ways or line given
        boolean perUnit = perUnitDefault;
        boolean ok = true;
        int plain = 0;
        for (Item item : p.items()) {
            List<Word> w = item.words();
            if (w.size() == 1 && w.getFirst() instanceof Word.Quantity q) {
                if (plain == 0) {
                    Optional<Values.Measured> m = values.split(q);
                    if (m.isEmpty()) {
                        ok = false;
                        continue;
                    }
                    perUnit = perUnitDefault || !m.get().per().isEmpty();
                    OptionalLong v = values.bytes(q, key + " size", 1, Long.MAX_VALUE, UNIT_OR_NONE);
                    ok &= v.isPresent();
                    bytes = v.orElse(-1);
                } else if (plain == 1) {
                    OptionalDouble v = bandwidth(q, key, chip);
                    ok &= v.isPresent();
                    bandwidth = v.orElse(0);
                } else {
                    diagnostics.error(ErrorCode.E015, item.span(), "'" + key + "' takes a size and a bandwidth; name the rest "
                            + "(latency, ways, line)");
                    ok = false;
                }
                plain++;
            } else if (w.size() == 2 && w.get(0) instanceof Word.Ident name && w.get(1) instanceof Word.Quantity q) {
                switch (name.text()) {
                    case "latency" -> {
                        OptionalDouble v = latency(q, key, clock);
                        ok &= v.isPresent();
                        latency = v.orElse(0);
                    }
                    case "ways" -> {
                        OptionalLong v = values.count(q, key + " ways", 1, 1024, NONE);
                        ok &= v.isPresent();
                        ways = v.orElse(0);
                        shaped = true;
                    }
                    case "line" -> {
                        OptionalLong v = values.bytes(q, key + " line", 1, MAX_LINE_BYTES, NONE);
                        ok &= v.isPresent();
                        line = v.orElse(line);
                        shaped = true;
                        if (v.isPresent() && Long.bitCount(line) != 1) {
                            diagnostics.error(ErrorCode.E017, q.span(), key + " line must be a power of two, got " + line);
                            ok = false;
                        }
                    }
                    case "bandwidth" -> {
                        OptionalDouble v = bandwidth(q, key, chip);
                        ok &= v.isPresent();
                        bandwidth = v.orElse(0);
                    }
                    default -> {
                        diagnostics.error(ErrorCode.E013, name.span(), "unknown " + key + " setting "
                                + DiagnosticRenderer.quote(name.text()) + Suggest.hint(name.text(), List.of("latency", "ways", "line", "bandwidth")),
                                "settings: latency, ways, line, bandwidth");
                        ok = false;
                    }
                }
            } else {
                diagnostics.error(ErrorCode.E015, item.span(), "expected a size, a bandwidth or 'latency', 'ways', 'line' "
                        + "with a value, found " + Values.describe(item));
                ok = false;
            }
        }
        if (bytes < 0) {
            if (ok) {
                diagnostics.error(ErrorCode.E014, p.span(), "'" + key + "' needs a size first, such as '" + key + " 50 MiB'");
            }
            return Optional.empty();
        }
        // A cache whose ways or line are given holds at least one set: a smaller one was simulated
        // as that one set, silently larger.
        boolean cache = !key.equals("hbm") && !key.equals("dram");
        long set = Math.max(1, ways) * line;
        if (ok && cache && shaped && bytes < set) {
            diagnostics.error(ErrorCode.E017, p.span(), String.format(Locale.ROOT, "%s of %d B cannot hold %s of %d B lines "
                    + "(%d B)", key, bytes, ways > 0 ? "one set of " + ways + " ways" : "one", line, set));
            ok = false;
        }
        return ok ? Optional.of(new MemoryLevel(bytes, bandwidth, latency, (int) ways, (int) line, perUnit)) : Optional.empty();
    }

    /** The kind, units and clock of the target a memory level belongs to: per-cycle figures are resolved with them. */
    record Chip(Kind kind, OptionalLong units, OptionalDouble clock) {
    }

    /**
     * A bandwidth per second, or, for a cache, per cycle of the target's clock: {@code 5120 B/cycle}
     * for the whole level, {@code 128 B/cycle/sm} per SM or core. A per-cycle figure is resolved
     * with the target's final units and clock, so that a target that extends another and changes
     * them keeps the bytes per cycle.
     */
    private OptionalDouble bandwidth(Word.Quantity q, String key, Chip chip) {
        Optional<Values.Measured> m = values.split(q);
        if (m.isEmpty()) {
            return OptionalDouble.empty();
        }
        boolean cache = !key.equals("hbm") && !key.equals("dram");
        String what = key + " bandwidth";
        String range = "between 1 MB/s and 1000000 TB/s";
        String unit = m.get().unit();
        if (unit.equals("B/cycle") && cache && !m.get().per().equals(Values.PER_BLOCK)) {
            double value = m.get().value().doubleValue();
            if (!(value > 0) || Double.isInfinite(value)) {
                diagnostics.error(ErrorCode.E017, q.span(), what + " must be positive and finite, got " + Values.shown(q));
                return OptionalDouble.empty();
            }
            if (chip.units().isEmpty() || chip.clock().isEmpty()) {
                return OptionalDouble.empty(); // reported already
            }
            double total = value * (m.get().per().isEmpty() ? 1 : chip.units().getAsLong()) * chip.clock().getAsDouble();
            return within(OptionalDouble.of(total), q, what, MIN_BANDWIDTH, MAX_BANDWIDTH,
                    range + String.format(Locale.ROOT, " (here %.3g B/s)", total));
        }
        if (Dimension.BANDWIDTH.factor(unit).isEmpty() || !m.get().per().isEmpty()) {
            List<String> units = new ArrayList<>(Dimension.BANDWIDTH.units());
            if (cache) {
                units.addAll(List.of("B/cycle", "B/cycle/sm", "B/cycle/core", "B/cycle/cu"));
            }
            values.unknownUnit(q.span(), q.unit(), what, "a bandwidth" + (cache ? ", per second or per cycle of the clock"
                    + " (B/cycle for the whole level, B/cycle/sm per SM or core)" : " per second (memory does not run at the target's "
                    + "clock)"), units, "");
            return OptionalDouble.empty();
        }
        return within(values.positive(q, Dimension.BANDWIDTH, what, NONE), q, what, MIN_BANDWIDTH, MAX_BANDWIDTH, range);
    }

    private OptionalDouble latency(Word.Quantity q, String key, OptionalDouble clock) {
        OptionalDouble seconds;
        if (q.unit().equals("cycles") || q.unit().equals("cycle")) {
            Optional<Values.Measured> m = values.split(q);
            if (m.isEmpty()) {
                return OptionalDouble.empty();
            }
            BigDecimal cycles = m.get().value();
            if (cycles.signum() < 0) {
                diagnostics.error(ErrorCode.E017, q.span(), key + " latency must not be negative");
                return OptionalDouble.empty();
            }
            seconds = clock.isPresent() ? OptionalDouble.of(cycles.doubleValue() / clock.getAsDouble()) : OptionalDouble.empty();
        } else if (Dimension.TIME.factor(q.unit()).isEmpty()) {
            List<String> units = new ArrayList<>(Dimension.TIME.units());
            units.addAll(List.of("cycles", "cycle"));
            values.unknownUnit(q.span(), q.unit(), key + " latency", "a time, or cycles of the target's clock", units, "");
            return OptionalDouble.empty();
        } else {
            seconds = values.measure(q, Dimension.TIME, key + " latency", NONE);
            if (seconds.isPresent() && seconds.getAsDouble() < 0) {
                diagnostics.error(ErrorCode.E017, q.span(), key + " latency must not be negative");
                return OptionalDouble.empty();
            }
        }
        return within(seconds, q, key + " latency", 0, MAX_LATENCY, "at most 1 ms");
    }

    /** {@code v} when it lies in [min, max]; else an error that says {@code what} must be {@code range}. */
    private OptionalDouble within(OptionalDouble v, Word.Quantity q, String what, double min, double max, String range) {
        if (v.isPresent() && !(v.getAsDouble() >= min && v.getAsDouble() <= max)) {
            diagnostics.error(ErrorCode.E017, q.span(), what + " must be " + range + ", got " + Values.shown(q));
            return OptionalDouble.empty();
        }
        return v;
    }
}
