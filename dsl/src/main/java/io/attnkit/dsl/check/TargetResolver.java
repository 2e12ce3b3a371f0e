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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Turns a {@code target} declaration (after {@code extends} is applied) into a {@link TargetSpec},
 * checking that every figure the simulator needs is present, well-formed and plausible. It decides
 * the target's kind and which properties it needs; {@link TargetFigures} reads each figure and
 * {@link TargetRules} checks how the properties fit together.
 */
final class TargetResolver {
    static final List<String> KEYS = List.of("backend", "arch", "sms", "cores", "clock", "tensor", "fma", "sfu", "smem",
            "regs", "threads", "blocks", "simd", "l1", "l2", "l3", "hbm", "dram", "launch");

    /** Properties that only GPU targets have, and only CPU targets. */
    static final List<String> GPU_ONLY = List.of("smem", "regs", "blocks");
    static final List<String> CPU_ONLY = List.of("simd", "l3");

    private final Values values;
    private final Diagnostics diagnostics;
    private final TargetFigures figures;
    private final TargetRules rules;

    TargetResolver(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
        this.values = new Values(diagnostics);
        this.figures = new TargetFigures(values);
        this.rules = new TargetRules(diagnostics);
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

        Optional<Item> written = props.require("backend", where, at, "backend cuda;", diagnostics).flatMap(figures::single);
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
                : props.get("arch").flatMap(p -> figures.single(p).flatMap(i -> values.name(i, "an architecture name")));
        boolean archOwn = props.own(archFromBackend ? "backend" : "arch");
        if (backend == Backend.CUDA && !props.has("arch") && archInBackend.isEmpty()) {
            diagnostics.error(ErrorCode.E014, at, where + " has backend cuda but no 'arch'", "add, for example: arch sm_90;");
        }

        if (props.has("sms") && props.has("cores")) {
            rules.conflict(props, where, "sms", "cores", "a GPU target counts SMs, a CPU target counts cores",
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
            rules.backendOfKind(props, where, backend, backendWord.get(), kind);
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
            units = figures.count(props.get("cores").get(), "cores", 1, 1 << 20, TargetFigures.NONE);
        } else if (props.has("sms")) {
            units = figures.count(props.get("sms").get(), "sms", 1, 1 << 20, TargetFigures.NONE);
        } else {
            diagnostics.error(ErrorCode.E014, at, where + " has neither 'sms' (a GPU) nor 'cores' (a CPU)",
                    "add, for example: " + (kind == Kind.CPU ? "cores 56;" : "sms 132;"));
            units = OptionalLong.empty();
        }
        OptionalDouble clock = props.require("clock", where, at, "clock 1.83 GHz;", diagnostics)
                .flatMap(figures::single).flatMap(i -> values.quantity(i, "a clock frequency"))
                .map(figures::clock).orElse(OptionalDouble.empty());
        OptionalInt computeCapability = arch.map(a -> rules.arch(a, kind, where, counted)).orElse(OptionalInt.empty());

        String per = kind == Kind.GPU ? "sm" : "core";
        Map<DType, Double> tensor = figures.rates(props.get("tensor"), "tensor", units, clock);
        Map<DType, Double> vector = figures.rates(props.get("fma"), "fma", units, clock);
        if (computeCapability.isPresent()) {
            rules.tensorCores(props, where, arch.get(), archOwn, computeCapability.getAsInt(), tensor.keySet());
        }
        if (!props.has("fma")) {
            diagnostics.error(ErrorCode.E014, at, where + " has no 'fma'", "the softmax and f32 kernels run on the FMA pipe; "
                    + "add its f32 rate, for example: fma f32 " + (kind == Kind.GPU ? 256 : 64) + " flop/cycle/" + per + ";");
        } else if (TargetRules.typeSpan(props.get("fma").get(), DType.F32).isEmpty()) {
            Property fma = props.get("fma").get();
            diagnostics.error(ErrorCode.E014, props.own("fma") ? fma.span() : at, where + " has no f32 rate in 'fma'",
                    "the softmax and f32 kernels run on the FMA pipe; add, for example: fma f32 " + (kind == Kind.GPU ? 256 : 64)
                            + " flop/cycle/" + per + ", " + Printer.itemText(fma.items().getFirst()) + ";");
        }
        double sfu = 0;
        if (kind == Kind.GPU) {
            sfu = props.require("sfu", where, at, "sfu 16 op/cycle/sm;", diagnostics)
                    .flatMap(figures::single).flatMap(i -> values.quantity(i, "a special-function rate"))
                    .map(q -> figures.perCycle(q, "sfu", units, clock)).orElse(OptionalDouble.empty()).orElse(0);
        } else if (props.has("sfu")) {
            sfu = props.get("sfu").flatMap(figures::single).flatMap(i -> values.quantity(i, "a special-function rate"))
                    .map(q -> figures.perCycle(q, "sfu", units, clock)).orElse(OptionalDouble.empty()).orElse(0);
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
                long[] s = figures.sharedMemory(smem.get());
                smemUnit = s[0];
                smemBlock = s[1];
            }
            regs = props.require("regs", where, at, "regs 64 Ki/sm;", diagnostics)
                    .map(p -> figures.count(p, "regs", 1, 1L << 30, TargetFigures.UNIT_OR_NONE)).orElse(OptionalLong.empty()).orElse(0);
            threads = props.require("threads", where, at, "threads 2048/sm;", diagnostics)
                    .map(p -> figures.count(p, "threads", 1, 1 << 20, TargetFigures.UNIT_OR_NONE)).orElse(OptionalLong.empty()).orElse(0);
            blocks = props.require("blocks", where, at, "blocks 32/sm;", diagnostics)
                    .map(p -> figures.count(p, "blocks", 1, 1 << 20, TargetFigures.UNIT_OR_NONE)).orElse(OptionalLong.empty()).orElse(0);
        } else {
            simd = props.require("simd", where, at, "simd 512 bit;", diagnostics)
                    .flatMap(figures::single).flatMap(i -> values.quantity(i, "a vector width"))
                    .map(q -> values.positive(q, Dimension.BITS, "simd", TargetFigures.NONE)).orElse(OptionalDouble.empty())
                    .stream().mapToLong(d -> (long) d).findFirst().orElse(0);
            if (simd != 0 && (simd % 64 != 0 || Long.bitCount(simd) != 1)) {
                diagnostics.error(ErrorCode.E017, props.get("simd").get().span(), "simd must be a power of two of at least 64 bits, got " + simd);
            }
            threads = props.get("threads").map(p -> figures.count(p, "threads", 1, 64, TargetFigures.UNIT_OR_NONE))
                    .orElse(OptionalLong.of(1)).orElse(1);
        }

        TargetFigures.Chip chip = new TargetFigures.Chip(kind, units, clock);
        Optional<MemoryLevel> l1 = props.get("l1").flatMap(p -> figures.memory(p, "l1", chip, true));
        Optional<MemoryLevel> l2 = props.require("l2", where, at, "l2 50 MiB, 5.5 TB/s;", diagnostics)
                .flatMap(p -> figures.memory(p, "l2", chip, false));
        if (kind == Kind.GPU && l2.isPresent() && l2.get().bytesPerSecond() <= 0) {
            // The simulator has no L2 bandwidth of its own: without one, every L2 hit was free.
            diagnostics.error(ErrorCode.E014, props.get("l2").get().span(), "l2 needs a bandwidth on a GPU target",
                    "for example: l2 50 MiB, 12 TB/s; or per cycle of the clock: l2 50 MiB, 5120 B/cycle;");
            l2 = Optional.empty();
        }
        Optional<MemoryLevel> l3 = kind == Kind.GPU ? Optional.empty() : props.get("l3").flatMap(p -> figures.memory(p, "l3", chip, false));
        Optional<MemoryLevel> dram;
        if (props.has("hbm") && props.has("dram")) {
            rules.conflict(props, where, "hbm", "dram", "a target has one main memory, 'hbm' or 'dram'",
                    "'extends' replaces a property of the same key: to replace the base's memory, restate it under its key");
            dram = Optional.empty();
        } else {
            String key = props.has("dram") || kind == Kind.CPU && !props.has("hbm") ? "dram" : "hbm";
            dram = props.require(key, where, at, key + " 80 GiB, 3.35 TB/s, latency 600 ns;", diagnostics)
                    .flatMap(p -> figures.memory(p, key, chip, false));
            dram.ifPresent(d -> {
                if (d.bytesPerSecond() <= 0) {
                    diagnostics.error(ErrorCode.E014, props.get(key).get().span(), key + " needs a bandwidth",
                            "for example: " + key + " 80 GiB, 3.35 TB/s;");
                }
            });
        }
        double launch = props.get("launch").flatMap(figures::single).flatMap(i -> values.quantity(i, "a launch overhead"))
                .map(figures::launch).orElse(OptionalDouble.empty()).orElse(0);

        if (diagnostics.errorCount() != before || backend == null || units.isEmpty() || clock.isEmpty()
                || l2.isEmpty() || dram.isEmpty()) {
            return Optional.empty();
        }
        TargetSpec spec = new TargetSpec(decl.name().text(), kind, backend, arch.map(Word.Ident::text).orElse(""),
                (int) units.getAsLong(), clock.getAsDouble(), tensor, vector, sfu, smemUnit, smemBlock, regs, (int) threads,
                (int) blocks, (int) simd, l1, l2.get(), l3, dram.get(), launch, decl.span());
        base.ifPresent(b -> {
            rules.inheritedBandwidths(props, b, spec);
            rules.inheritedRates(props, b, spec);
        });
        return Optional.of(spec);
    }
}
