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
import io.attnkit.dsl.syntax.Property;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import io.attnkit.dsl.syntax.Printer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The rules that tie a target's properties to one another rather than to a unit: properties that
 * exclude each other, a backend and an arch that fit the kind of target, Tensor Cores the arch
 * has, and what {@code extends} changes in what a target inherits. Each rule reports where the
 * user can fix it, at the target's own line or at its base's; {@link TargetResolver} says when
 * each applies.
 */
final class TargetRules {
    private final Diagnostics diagnostics;

    TargetRules(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    /**
     * Reports {@code a} and {@code b}, which exclude each other. When the target sets one and
     * inherits the other, the error is at the one it sets, the user's line, and names the base
     * the other comes from ({@code whyInherited} says what to do); else at {@code b}.
     */
    void conflict(PropertyBag props, String where, String a, String b, String why, String whyInherited) {
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
    void backendOfKind(PropertyBag props, String where, Backend backend, Word.Ident word, Kind kind) {
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
    OptionalInt arch(Word.Ident arch, Kind kind, String where, boolean counted) {
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
    void tensorCores(PropertyBag props, String where, Word.Ident arch, boolean archOwn, int cc, Set<DType> types) {
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
    static Optional<Span> typeSpan(Property rates, DType type) {
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
    void inheritedBandwidths(PropertyBag props, TargetSpec base, TargetSpec spec) {
        Optional<Property> changed = chipChange(props, base, spec);
        if (changed.isEmpty()) {
            return;
        }
        Map<String, Optional<MemoryLevel>> levels = Map.of("l1", spec.l1(), "l2", Optional.of(spec.l2()));
        for (String key : List.of("l1", "l2")) {
            Optional<MemoryLevel> level = levels.get(key);
            Optional<String> from = props.inheritedFrom(key);
            Optional<Word.Quantity> written = props.get(key).flatMap(TargetRules::bandwidthOf);
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

    /**
     * The first of a GPU's own {@code sms} and {@code clock} that changes what its base had: what
     * turns an inherited chip total into another figure per SM and per cycle.
     */
    private static Optional<Property> chipChange(PropertyBag props, TargetSpec base, TargetSpec spec) {
        if (spec.kind() != Kind.GPU || spec.units() == base.units() && spec.clockHz() == base.clockHz()) {
            return Optional.empty();
        }
        return Stream.of("sms", "clock").filter(props::own).map(k -> props.get(k).get())
                .min(Comparator.comparingInt(p -> p.span().start()));
    }

    /**
     * As {@link #inheritedBandwidths}, for the rates ({@code tensor}, {@code fma}, {@code sfu}) a
     * GPU inherits written as chip totals ({@code TFLOP/s}): an SM's pipes do so many operations
     * per cycle, and a total is divided anew by the child's SMs and clock.
     */
    void inheritedRates(PropertyBag props, TargetSpec base, TargetSpec spec) {
        Optional<Property> changed = chipChange(props, base, spec);
        if (changed.isEmpty()) {
            return;
        }
        for (String key : List.of("tensor", "fma", "sfu")) {
            Optional<String> from = props.inheritedFrom(key);
            Optional<Property> property = props.get(key);
            if (from.isEmpty() || property.isEmpty()) {
                continue;
            }
            List<String> restated = new ArrayList<>();
            boolean total = false;
            for (Item item : property.get().items()) {
                List<Word> words = item.words();
                OptionalDouble was = words.getLast() instanceof Word.Quantity q && !q.unit().contains("/cycle")
                        ? perCycle(base, key, words) : OptionalDouble.empty();
                total |= was.isPresent();
                String type = words.size() == 2 && words.getFirst() instanceof Word.Ident id ? id.text() + " " : "";
                restated.add(was.isEmpty() ? Printer.itemText(item) : type + figure(was.getAsDouble())
                        + (key.equals("sfu") ? " op/cycle/sm" : " flop/cycle/sm"));
            }
            if (total) {
                diagnostics.warning(ErrorCode.W001, changed.get().key().span(), "'" + changed.get().key().text()
                                + "' changes the rate per SM and cycle of '" + key + "': its chip totals, inherited from "
                                + DiagnosticRenderer.quote(from.get()) + ", were divided by " + chip(base)
                                + " and are now divided by " + chip(spec),
                        "an SM's pipes do so many operations per cycle; to keep the base's, restate them per cycle: "
                                + key + " " + String.join(", ", restated) + ";");
            }
        }
    }

    /** The base's rate per SM and cycle that an item of {@code key} ({@code bf16 989 TFLOP/s}) stands for. */
    private static OptionalDouble perCycle(TargetSpec base, String key, List<Word> words) {
        if (key.equals("sfu")) {
            return words.size() == 1 ? OptionalDouble.of(base.sfuOps()) : OptionalDouble.empty();
        }
        Optional<DType> type = words.size() == 2 && words.getFirst() instanceof Word.Ident id ? DType.parse(id.text())
                : Optional.empty();
        Map<DType, Double> rates = key.equals("tensor") ? base.tensorFlops() : base.vectorFlops();
        return type.filter(rates::containsKey).map(t -> OptionalDouble.of(rates.get(t))).orElse(OptionalDouble.empty());
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
}
