package io.attnkit.codegen.java;

import io.attnkit.codegen.BackendException;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.Routing;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.source.Span;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the Java backend generates for one kernel, decided before any code is written: the
 * static patterns compiled into the class (every mask a head can compute that does not depend
 * on the data, with its block schedule), the default pattern of each head, and the register
 * tiles of the micro-kernels.
 *
 * <p>Masks that depend on the data (selectors) and routers with trained weights are decided at
 * run time: the runner passes the pattern of each (batch, head) and, for data-dependent masks,
 * their run tables and per-row visible keys.
 *
 * @param patterns       the static patterns; index {@code p} is pattern {@code p} of the class
 * @param defaultPattern the pattern of each head when no input is needed to decide it, else empty
 * @param qkRows         keys per register block of the Q·Kᵀ micro-kernel
 * @param pvRows         output columns per register block of the P·V micro-kernel
 */
public record KernelPlan(KernelSpec kernel, String packageName, String className, List<StaticPattern> patterns,
                         Optional<int[]> defaultPattern, int qkRows, int pvRows) {

    /** The package of generated classes unless the user names another. */
    public static final String DEFAULT_PACKAGE = "io.attnkit.generated";

    /**
     * Distinct static masks one class compiles: each is a method and a schedule table, and javac
     * refuses a class whose static initializer or constant pool outgrows the JVM's limits (near 4,000).
     */
    public static final int MAX_PATTERNS = 2048;
    /** Mask terms over all of a class's patterns: each becomes code and constants, of which a class holds 65535. */
    public static final int MAX_TERMS = 8192;

    /** Queries per register block, in vectors: the micro-kernels hold rows × 2 accumulators. */
    public static final int QUERY_VECTORS = 2;

    /** A mask compiled into the class, and its tiles. */
    public record StaticPattern(Mask mask, BlockSchedule schedule, long visitedTiles) {
    }

    public static KernelPlan of(KernelSpec kernel, String packageName) throws BackendException {
        Shape s = kernel.shape();
        if ((long) s.qLen() + s.kvLen() >= 1L << 30) {
            throw new BackendException("kernel '" + kernel.name() + "': q_len + kv_len must stay below 2^30 for the java backend");
        }
        for (long elements : new long[] {(long) s.batch() * s.heads() * s.qLen() * Math.max(s.headDim(), s.vDim()),
                (long) s.batch() * s.kvHeads() * s.kvLen() * Math.max(s.headDim(), s.vDim())}) {
            if (elements >= Integer.MAX_VALUE - 64) {
                throw new BackendException("kernel '" + kernel.name() + "' has tensors of " + elements
                        + " elements; the java backend holds each tensor in one Java array (at most 2^31 - 1)");
            }
        }
        List<Mask> statics = staticMasks(kernel);
        if (statics.size() > MAX_PATTERNS) {
            throw new BackendException("kernel '" + kernel.name() + "' has " + statics.size() + " distinct head masks; "
                    + "the java backend compiles at most " + MAX_PATTERNS + " in one kernel");
        }
        int terms = statics.stream().mapToInt(KernelPlan::terms).sum();
        if (terms > MAX_TERMS) {
            throw new BackendException("kernel '" + kernel.name() + "' has " + terms + " mask terms over its " + statics.size()
                    + " distinct head masks; the java backend compiles at most " + MAX_TERMS + " in one kernel");
        }
        List<StaticPattern> patterns = new ArrayList<>();
        for (Mask m : statics) {
            BlockMap.Pattern p = patternOf(kernel, m);
            patterns.add(new StaticPattern(m, BlockSchedule.of(p), p.visitedTiles()));
        }
        return new KernelPlan(kernel, packageName, className(kernel.name()), List.copyOf(patterns),
                defaultPattern(kernel, statics), 6, 6);
    }

    /** The leaves of {@code mask}: the masks it combines. */
    static int terms(Mask mask) {
        return switch (mask) {
            case Mask.And a -> a.operands().stream().mapToInt(KernelPlan::terms).sum();
            case Mask.Or o -> o.operands().stream().mapToInt(KernelPlan::terms).sum();
            case Mask.Not n -> terms(n.operand());
            default -> 1;
        };
    }

    /** Every mask a head of {@code kernel} may compute, the kernel-wide mask included, without repeats. */
    public static List<Mask> candidateMasks(KernelSpec kernel) {
        Set<Mask> out = new LinkedHashSet<>();
        for (HeadGroup g : kernel.groups()) {
            switch (g.mode()) {
                case HeadMode.Fixed f -> out.add(Mask.and(kernel.mask(), f.mask()));
                case HeadMode.Routed r -> {
                    out.add(Mask.and(kernel.mask(), r.full()));
                    out.add(Mask.and(kernel.mask(), r.sparse()));
                }
            }
        }
        return List.copyOf(out);
    }

    /** The masks compiled into a kernel's class, in pattern order: the static ones of {@link #candidateMasks}. */
    public static List<Mask> staticMasks(KernelSpec kernel) {
        return candidateMasks(kernel).stream().filter(Mask::isStatic).toList();
    }

    private static Optional<int[]> defaultPattern(KernelSpec kernel, List<Mask> statics) {
        if (!Routing.fixed(kernel).isStatic()) {
            return Optional.empty();
        }
        HeadMasks masks = HeadMasks.of(kernel);
        int[] pattern = new int[kernel.shape().heads()];
        for (int h = 0; h < pattern.length; h++) {
            pattern[h] = statics.indexOf(masks.maskOf(0, h));
            if (pattern[h] < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(pattern);
    }

    /** The block pattern of {@code mask} at the kernel's lengths and tiles. */
    static BlockMap.Pattern patternOf(KernelSpec kernel, Mask mask) {
        Shape s = kernel.shape();
        Shape one = new Shape(1, 1, 1, s.qLen(), s.kvLen(), s.headDim(), s.vDim(), s.span());
        KernelSpec single = new KernelSpec(kernel.name(), one, kernel.dtype(), kernel.accumulate(), kernel.scale(),
                kernel.tiles(), kernel.target(), mask,
                List.of(new HeadGroup(List.of(0), new HeadMode.Fixed(new Mask.Dense(Span.NONE)), Span.NONE)), kernel.span());
        return BlockMap.of(single).pattern(0, 0);
    }

    /** {@code llama8b_elastic} → {@code Llama8bElasticKernel}. */
    public static String className(String kernelName) {
        StringBuilder b = new StringBuilder();
        for (String part : kernelName.split("[-_]+")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        if (b.isEmpty() || !Character.isJavaIdentifierStart(b.charAt(0))) {
            b.insert(0, 'K');
        }
        return b.append("Kernel").toString();
    }

    public String qualifiedName() {
        return packageName.isEmpty() ? className : packageName + "." + className;
    }

    /** True when some head's pattern must be decided on the input. */
    public boolean needsInputDecisions() {
        return defaultPattern.isEmpty();
    }
}
