package io.attnkit.cli;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Backends;
import io.attnkit.codegen.Runner;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.Npy;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.reference.Tolerance;
import io.attnkit.dsl.select.Decision;
import io.attnkit.dsl.select.Selector;
import io.attnkit.dsl.select.WeightsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code attnkit run}: runs a kernel on this machine, on {@code .npy} inputs or on random ones
 * checked against the float64 reference, and reports its time, GFLOP/s and, with {@code --stats},
 * the K/V tiles it loaded next to the BlockMap's count.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a kernel on this machine.",
                "Inputs are .npy files (--q --k --v, [batch, heads, len, dim], float32 or float16; the output goes to --out) "
                        + "or random normal values (--random --seed S), which are checked against the float64 reference: "
                        + "exit code 1 when an element is outside the tolerance of the kernel's dtype.",
                "GFLOP/s counts 2·(head_dim + v_dim) FLOPs per visible (query, key) pair, "
                        + "i.e. 4·batch·heads·q_len·kv_len·head_dim·density when v_dim = head_dim.",
                "Kernels with selectors or trained routers are decided on the input first, as the reference is."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = "--kernel", paramLabel = "NAME", description = "the kernel to run, when FILE declares several")
    Optional<String> kernel;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "java",
            description = "backend that runs the kernel (default: ${DEFAULT-VALUE}); one of: ${COMPLETION-CANDIDATES}",
            completionCandidates = RunnerNames.class)
    String backend;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "",
            description = "device index or name, for backends that have devices")
    String device;

    @Option(names = "--q", paramLabel = "Q.npy", description = "queries [batch, heads, q_len, head_dim]")
    Path q;

    @Option(names = "--k", paramLabel = "K.npy", description = "keys [batch, kv_heads, kv_len, head_dim]")
    Path k;

    @Option(names = "--v", paramLabel = "V.npy", description = "values [batch, kv_heads, kv_len, v_dim]")
    Path v;

    @Option(names = "--out", converter = OutputPaths.FileName.class, paramLabel = "O.npy",
            description = "output [batch, heads, q_len, v_dim]: float16 for f16 kernels, float32 otherwise")
    Path out;

    @Option(names = "--random", description = "run on random inputs and check the result against the float64 reference")
    boolean random;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of --random (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-check", description = "with --random: skip the reference (it is slow at large sizes)")
    boolean noCheck;

    @Option(names = "--stats", description = "print the K/V tiles the kernel loaded and the BlockMap's count")
    boolean stats;

    @Option(names = "--threads", paramLabel = "N", description = "threads (default: all cores)")
    Optional<Integer> threads;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "run N times and report the fastest (the first run includes JIT compilation)")
    int repeat;

    /**
     * The threads a run started and, where fewer than it was given, why: a thread takes one work
     * item at a time, so a kernel with 4 work items runs on 4 threads whatever {@code --threads}
     * says (the header used to say the number given).
     *
     * @param given what the threads came from: {@code --threads N} or the cores of this machine
     */
    static String threads(int used, int asked, String given) {
        String n = used + (used == 1 ? " thread" : " threads");
        return used < asked ? n + " (" + given + ", capped by the kernel's " + used + " work items)" : n;
    }

    @Override
    public Integer call() throws InputException, BackendException, IOException {
        PrintWriter o = spec.commandLine().getOut();
        boolean files = q != null || k != null || v != null || out != null;
        if (random == files) {
            throw new CliException(ExitCodes.USAGE, "give either --random or all of --q, --k, --v and --out");
        }
        if (files && (q == null || k == null || v == null || out == null)) {
            throw new CliException(ExitCodes.USAGE, "--q, --k, --v and --out go together");
        }
        if (files) {
            AtomicFiles.checkWritable(out);
        }
        if (repeat < 1 || threads.orElse(1) < 1) {
            throw new CliException(ExitCodes.USAGE, "--repeat and --threads must be at least 1");
        }
        Runner runner = Backends.runner(backend);
        if (threads.isPresent() && !runner.usesThreads()) { // as the java backend refuses --device
            throw new CliException(ExitCodes.USAGE, "the " + runner.backend() + " backend runs on a device (--device); "
                    + "it has no --threads");
        }
        Loaded.One one = Loaded.kernel(file, kernel, Optional.empty(), this.spec.commandLine().getErr());
        KernelSpec spec = one.kernel();
        if (files) {
            List<Path> inputs = new java.util.ArrayList<>(one.loaded().inputs());
            inputs.addAll(List.of(q, k, v));
            OutputPaths.notAnInput(out, "--out", inputs);
        }
        Shape s = spec.shape();
        int threadCount = threads.orElse(Runtime.getRuntime().availableProcessors());
        Runner.Execution best = null;
        Decision decision;
        Tensor tq;
        Tensor tk;
        Tensor tv;
        String where;
        try (Runner.CompiledKernel compiled = runner.compile(spec, new Runner.RunOptions(device, threadCount))) {
            where = compiled.device().isEmpty() ? threads(compiled.threadsUsed(), threadCount,
                    threads.isPresent() ? "--threads " + threadCount : threadCount + " cores") : "device " + compiled.device();
            requireMemory(spec, random && !noCheck);
            tq = random ? Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), seed) : read(q, "q", s.batch(), s.heads(), s.qLen(), s.headDim());
            tk = random ? Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), seed + 1) : read(k, "k", s.batch(), s.kvHeads(), s.kvLen(), s.headDim());
            tv = random ? Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), seed + 2) : read(v, "v", s.batch(), s.kvHeads(), s.kvLen(), s.vDim());
            try {
                decision = Selector.decide(spec, tq, tk);
            } catch (WeightsException e) {
                throw new CliException(ExitCodes.USAGE, e.getMessage());
            }
            Runner.Inputs inputs = new Runner.Inputs(tq, tk, tv, decision.masks(), decision.selection());
            for (int r = 0; r < repeat; r++) {
                Runner.Execution e = compiled.run(inputs);
                if (best == null || e.nanos() < best.nanos()) {
                    best = e;
                }
            }
        }
        BlockMap map = decision.blockMap();
        o.printf(Locale.ROOT, "kernel %s on %s, %s: batch %d, heads %d (kv_heads %d), q_len %d, kv_len %d, head_dim %d, v_dim %d, %s%n",
                spec.name(), backend, where, s.batch(), s.heads(), s.kvHeads(), s.qLen(),
                s.kvLen(), s.headDim(), s.vDim(), spec.dtype());
        double flops = 2.0 * map.visibleElements() * (s.headDim() + s.vDim());
        o.printf(Locale.ROOT, "time %.3f ms%s, %.2f GFLOP/s (%.4g GFLOP: 2·(head_dim + v_dim) per visible (query, key) pair, density %.4f)%n",
                best.nanos() / 1e6, repeat > 1 ? " (fastest of " + repeat + ")" : "", flops / best.nanos(), flops / 1e9,
                map.elementDensity());
        int code = ExitCodes.OK;
        if (stats) {
            boolean equal = best.kvTilesLoaded() == map.visitedTiles();
            o.printf(Locale.ROOT, "K/V tiles: %d loaded (counted by the kernel), %d in the BlockMap (%d FULL, %d PARTIAL): %s%n",
                    best.kvTilesLoaded(), map.visitedTiles(), map.fullTiles(), map.partialTiles(), equal ? "equal" : "DIFFERENT");
            if (!equal) {
                this.spec.commandLine().getErr().println("attnkit: internal error: the kernel loaded "
                        + best.kvTilesLoaded() + " K/V tiles, its BlockMap has " + map.visitedTiles());
                code = ExitCodes.INTERNAL;
            }
        }
        if (random && !noCheck) {
            ReferenceAttention.Result expected = ReferenceAttention.run(decision.masks(), decision.selection(), tq, tk, tv);
            Tolerance tolerance = Tolerance.of(spec.dtype());
            Comparison c = Comparison.of(best.out().data(), expected.out(), tolerance);
            o.printf(Locale.ROOT, "against the float64 reference: max abs error %.3g, max rel error %.3g; tolerance |o - ref| <= %.3g + %.3g·|ref| (%s): %s%n",
                    c.maxAbsError(), c.maxRelError(), tolerance.atol(), tolerance.rtol(), spec.dtype(),
                    c.passed() ? "ok" : c.violations() + " elements outside");
            if (!c.passed() && code == ExitCodes.OK) {
                code = ExitCodes.INPUT;
            }
        }
        if (out != null) {
            DType type = spec.dtype() == DType.F16 ? DType.F16 : DType.F32;
            Npy.write(out, best.out(), type);
            o.println("wrote " + out + " (" + (type == DType.F16 ? "float16 " : "float32 ") + Arrays.toString(best.out().shape()) + ")");
            long nonFinite = nonFinite(tv);
            if (nonFinite > 0) { // the kernels multiply a hidden key's V by 0, and 0 x NaN is NaN
                this.spec.commandLine().getErr().println("note: v has " + nonFinite + " non-finite values; each reaches every row "
                        + "of a query tile that visits its K/V tile, as NaN where the mask hides its key (0 x NaN), as in "
                        + "FlashAttention (docs/language.md, \"Non-finite values\")");
            }
        }
        o.flush();
        return code;
    }

    private static long nonFinite(Tensor t) {
        long n = 0;
        for (float x : t.data()) {
            n += Float.isFinite(x) ? 0 : 1;
        }
        return n;
    }

    /**
     * Refuses, in one line, a run whose tensors cannot fit in this JVM's heap: Q, K, V and O in
     * f32, the kernel's copies of them, and the reference's float64 copies when it checks.
     */
    private static void requireMemory(KernelSpec kernel, boolean reference) {
        Shape s = kernel.shape();
        double elements = (double) s.batch() * (s.heads() * (double) s.qLen() * (s.headDim() + s.vDim())
                + s.kvHeads() * (double) s.kvLen() * (s.headDim() + s.vDim()));
        double bytes = elements * (4 + 4 + kernel.dtype().bytes()) + (reference ? elements * 8 : 0);
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > 0.9 * heap) {
            throw new CliException(ExitCodes.USAGE, String.format(Locale.ROOT,
                    "kernel %s needs about %.1f GiB for its tensors%s, this JVM may use %.1f GiB; "
                            + "give it more with ATTNKIT_JVM_OPTS=-Xmx<size>, or run a smaller shape",
                    kernel.name(), bytes / (1L << 30), reference ? " and the reference" : "", heap / (double) (1L << 30)));
        }
    }

    private static Tensor read(Path file, String name, int batch, int heads, int length, int dim) throws IOException {
        Tensor t = Npy.read(file);
        try {
            t.requireShape(name, batch, heads, length, dim);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, file + ": " + e.getMessage());
        }
        return t;
    }

    /** The backend names for the help text. */
    static final class RunnerNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Backends.runners().iterator();
        }
    }
}
