package io.attnkit.codegen.java;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.Runner;
import io.attnkit.codegen.Storage;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs kernels in this JVM: generates the kernel's class, compiles it in memory and calls it.
 * Classes are cached by source text, so compiling the same kernel twice reuses the loaded class
 * (and its JIT-compiled code).
 */
public final class JavaRunner implements Runner {
    private static final int CACHED_CLASSES = 32;
    private static final Map<String, Class<?>> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Class<?>> eldest) {
            return size() > CACHED_CLASSES;
        }
    };

    @Override
    public String backend() {
        return "java";
    }

    @Override
    public CompiledKernel compile(KernelSpec kernel, RunOptions options) throws BackendException {
        if (!options.device().isEmpty()) {
            throw new BackendException("the java backend runs on this machine's CPU cores (--threads); it has no device '"
                    + options.device() + "'");
        }
        KernelPlan plan = KernelPlan.of(kernel, KernelPlan.DEFAULT_PACKAGE);
        String source = JavaEmitter.javaFile(plan, new Origin("<in memory>", "-")).toString();
        Class<?> type = load(plan.qualifiedName(), source);
        try {
            MethodType signature = MethodType.methodType(long.class, Object.class, Object.class, Object.class, Object.class,
                    int.class, int[].class, int[][].class, int[][].class);
            Class<?> in = Storage.encode(Tensor.zeros(1, 1, 1, 1), kernel.dtype()).getClass();
            Class<?> out = Storage.newOutput(kernel.dtype(), 0).getClass();
            MethodHandle run = MethodHandles.publicLookup().findStatic(type, "run", MethodType.methodType(long.class,
                    in, in, in, out, int.class, int[].class, int[][].class, int[][].class)).asType(signature);
            return new JavaKernel(plan, run, Math.max(1, options.threads()));
        } catch (ReflectiveOperationException e) {
            throw new BackendException("generated class " + plan.qualifiedName() + " has no run method: " + e.getMessage(), e);
        }
    }

    private static Class<?> load(String name, String source) throws BackendException {
        synchronized (CACHE) {
            Class<?> known = CACHE.get(source);
            if (known != null) {
                return known;
            }
        }
        Class<?> type = InMemoryCompiler.compile(Map.of(name, source), "", JavaRunner.class.getClassLoader()).get(name);
        synchronized (CACHE) {
            CACHE.put(source, type);
        }
        return type;
    }

    /**
     * The work items the generated {@code run} shares out among its threads: one per (batch,
     * head, q-block), as its {@code workOrder} numbers them. Its {@code forAll} starts no more
     * threads than that (packing K and V has fewer items, (batch, K/V head), so never more).
     */
    static long workItems(KernelSpec kernel) {
        Shape s = kernel.shape();
        return (long) s.batch() * s.heads() * kernel.tiles().qBlocks(s.qLen());
    }

    /** A compiled kernel: converts tensors to the storage type, passes the input's decisions, times the call. */
    private record JavaKernel(KernelPlan plan, MethodHandle run, int threads) implements CompiledKernel {
        @Override
        public KernelSpec kernel() {
            return plan.kernel();
        }

        @Override
        public int threadsUsed() {
            return (int) Math.max(1, Math.min(threads, workItems(plan.kernel()))); // as forAll's Math.min(threads, count)
        }

        @Override
        public Execution run(Inputs inputs) throws BackendException {
            Shape s = plan.kernel().shape();
            check("q", inputs.q(), s.batch(), s.heads(), s.qLen(), s.headDim());
            check("k", inputs.k(), s.batch(), s.kvHeads(), s.kvLen(), s.headDim());
            check("v", inputs.v(), s.batch(), s.kvHeads(), s.kvLen(), s.vDim());
            if (inputs.masks().kernel() != plan.kernel() && !inputs.masks().kernel().equals(plan.kernel())) {
                throw new BackendException("the inputs' masks belong to kernel " + inputs.masks().kernel().name()
                        + ", not " + plan.kernel().name());
            }
            InputDecisions decisions;
            if (plan.defaultPattern().isPresent() && inputs.masks().isStatic()) {
                int[] pattern = new int[s.batch() * s.heads()];
                for (int b = 0; b < s.batch(); b++) {
                    System.arraycopy(plan.defaultPattern().get(), 0, pattern, b * s.heads(), s.heads());
                }
                decisions = new InputDecisions(pattern, new int[0][], new int[0][]);
            } else {
                decisions = InputDecisions.of(inputs.masks(), inputs.selection());
            }
            Object q = Storage.encode(inputs.q(), plan.kernel().dtype());
            Object k = Storage.encode(inputs.k(), plan.kernel().dtype());
            Object v = Storage.encode(inputs.v(), plan.kernel().dtype());
            Object o = Storage.newOutput(plan.kernel().dtype(), s.batch() * s.heads() * s.qLen() * s.vDim());
            long start = System.nanoTime();
            long tiles;
            try {
                tiles = (long) run.invokeExact(q, k, v, o, threads, decisions.headPattern(), decisions.runs(), decisions.rows());
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
            long nanos = System.nanoTime() - start;
            return new Execution(Storage.decode(o, plan.kernel().dtype(), s.batch(), s.heads(), s.qLen(), s.vDim()), tiles, nanos);
        }

        private static void check(String name, Tensor t, int batch, int heads, int length, int dim) throws BackendException {
            try {
                t.requireShape(name, batch, heads, length, dim);
            } catch (IllegalArgumentException e) {
                throw new BackendException(e.getMessage());
            }
        }
    }
}
