package io.attnkit.codegen.java;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;

/**
 * The execution side of a generated kernel: the public {@code run} methods, the launch (K/V
 * panels, work items grouped by K/V head and sorted by cost, a thread per core), the worker that runs one (batch, head,
 * q-block) over its tiles with the methods of {@link TileCode}, and the loads and stores around it.
 */
final class LaunchCode {
    private static final TypeName INTS = ArrayTypeName.of(TypeName.INT);
    private static final TypeName INT_TABLES = ArrayTypeName.of(INTS);
    private static final TypeName FLOATS = ArrayTypeName.of(TypeName.FLOAT);

    private final KernelPlan plan;
    private final KernelSpec kernel;
    private final TypeName in;
    private final TypeName out;
    private final boolean rowMasks;

    /** {@code rowMasks}: some pattern may be decided on the input, so PARTIAL tiles may need per-row key intervals. */
    LaunchCode(KernelPlan plan, boolean rowMasks) {
        this.plan = plan;
        this.kernel = plan.kernel();
        this.in = StorageCode.inputArray(kernel.dtype());
        this.out = StorageCode.outputArray(kernel.dtype());
        this.rowMasks = rowMasks;
    }

    void addTo(TypeSpec.Builder type) {
        runMethods(type);
        type.addType(launch());
        type.addType(worker());
        itemHelpers(type);
        threadHelpers(type);
    }

    private void runMethods(TypeSpec.Builder type) {
        MethodSpec.Builder simple = MethodSpec.methodBuilder("run").addModifiers(PUBLIC, STATIC).returns(long.class)
                .addParameter(in, "q").addParameter(in, "k").addParameter(in, "v").addParameter(out, "o")
                .addParameter(int.class, "threads");
        if (plan.defaultPattern().isPresent()) {
            simple.addJavadoc("Computes {@code o} from {@code q, k, v} on {@code threads} threads; returns the K/V tiles loaded.\n")
                    .addStatement("int[] patterns = new int[BATCH * HEADS]")
                    .beginControlFlow("for (int b = 0; b < BATCH; b++)")
                    .addStatement("System.arraycopy(HEAD_PATTERN, 0, patterns, b * HEADS, HEADS)")
                    .endControlFlow()
                    .addStatement("return run(q, k, v, o, threads, patterns, new int[0][], new int[0][])");
        } else {
            simple.addJavadoc("Not available: this kernel's patterns are decided on the input; use the other {@code run}.\n")
                    .addStatement("throw new $T($S)", UnsupportedOperationException.class, "kernel " + kernel.name()
                            + " decides its patterns on the input (routers with weights or data-dependent selectors); "
                            + "pass them to run(q, k, v, o, threads, headPattern, runs, rows)");
        }
        type.addMethod(simple.build());
        type.addMethod(workOrder());

        type.addMethod(MethodSpec.methodBuilder("run").addModifiers(PUBLIC, STATIC).returns(long.class)
                .addJavadoc("""
                        Computes {@code o} from {@code q, k, v} with patterns decided on the input.

                        @param headPattern the pattern of each (batch, head), {@code b * HEADS + h}: below {@code PATTERNS} \
                        a compiled pattern, else {@code PATTERNS + r} for run table {@code runs[r]}
                        @param runs        run tables (the layout of {@link #RUNS}) of patterns decided on the input
                        @param rows        per run table, the keys each query row sees: row i's intervals are \
                        {@code [t[i], t[i + 1])}, interval n is {@code start, end} at {@code Q_LEN + 1 + 2n}
                        @return the K/V tiles loaded
                        """)
                .addParameter(in, "q").addParameter(in, "k").addParameter(in, "v").addParameter(out, "o")
                .addParameter(int.class, "threads").addParameter(INTS, "headPattern")
                .addParameter(INT_TABLES, "runs").addParameter(INT_TABLES, "rows")
                .addStatement("require(q.length == BATCH * HEADS * Q_LEN * HEAD_DIM, $S)", "q must have BATCH·HEADS·Q_LEN·HEAD_DIM elements")
                .addStatement("require(k.length == BATCH * KV_HEADS * KV_LEN * HEAD_DIM, $S)", "k must have BATCH·KV_HEADS·KV_LEN·HEAD_DIM elements")
                .addStatement("require(v.length == BATCH * KV_HEADS * KV_LEN * V_DIM, $S)", "v must have BATCH·KV_HEADS·KV_LEN·V_DIM elements")
                .addStatement("require(o.length == BATCH * HEADS * Q_LEN * V_DIM, $S)", "o must have BATCH·HEADS·Q_LEN·V_DIM elements")
                .addStatement("requirePatterns(headPattern, runs)")
                .addStatement("require(runs.length == rows.length, $S)", "row masks for every run table")
                .beginControlFlow("for (int[] r : rows)")
                .addStatement("require(r.length >= Q_LEN + 1, $S)", "malformed row mask")
                .endControlFlow()
                .addStatement("Launch launch = new Launch(q, o, headPattern, runs, rows)")
                .addStatement("launch.pack(k, v, threads)")
                .addStatement("return launch.attend(threads)")
                .build());
    }

    /**
     * The order the work items run in. Grouped by (batch, K/V head), so that the threads work
     * on one head's K and V panels together while the caches hold them (ordered by cost alone,
     * a causal kernel's items alternate heads, and each head's panels are evicted from the
     * last-level cache before its next item); the groups with the most tiles first, and within
     * a group the q-blocks with the most tiles first, so that the long items start early and
     * the short ones fill the end.
     */
    private MethodSpec workOrder() {
        return MethodSpec.methodBuilder("workOrder").addModifiers(PUBLIC, STATIC).returns(INTS)
                .addJavadoc("""
                        The order in which {@code run} takes the work items: item {@code (b * HEADS + h) * Q_BLOCKS + qb} \
                        is q-block {@code qb} of head {@code h} in batch {@code b}. The items of one K/V head run \
                        together (its query heads share its panels in the caches), the heads with the most tiles \
                        first, and within one the q-blocks with the most tiles first.

                        @param headPattern and {@code runs}: as for {@code run}
                        """)
                .addParameter(INTS, "headPattern").addParameter(INT_TABLES, "runs")
                .addStatement("requirePatterns(headPattern, runs)")
                .addStatement("int items = BATCH * HEADS * Q_BLOCKS")
                .addStatement("int groups = BATCH * KV_HEADS")
                .addStatement("long[] keyed = new long[items]")
                .addStatement("long[] groupTiles = new long[groups]")
                .beginControlFlow("for (int t = 0; t < items; t++)")
                .addStatement("int p = headPattern[t / Q_BLOCKS]")
                .addStatement("int n = tiles(p < PATTERNS ? RUNS[p] : runs[p - PATTERNS], t % Q_BLOCKS)")
                .addStatement("keyed[t] = ((long) (Integer.MAX_VALUE - n) << 32) | t")
                .addStatement("groupTiles[kvHead(t / Q_BLOCKS)] += n")
                .endControlFlow()
                .addStatement("$T.sort(keyed)", Arrays.class)
                .addStatement("Integer[] byTiles = new Integer[groups]")
                .addStatement("$T.setAll(byTiles, g -> g)", Arrays.class)
                .addStatement("$T.sort(byTiles, (a, b) -> groupTiles[a] != groupTiles[b] ? $T.compare(groupTiles[b], groupTiles[a]) : a - b)",
                        Arrays.class, Long.class)
                .addComment("a stable bucket sort of the items, by the rank of their group")
                .addStatement("int[] next = new int[groups + 1]")
                .addStatement("int[] rank = new int[groups]")
                .beginControlFlow("for (int r = 0; r < groups; r++)")
                .addStatement("rank[byTiles[r]] = r")
                .endControlFlow()
                .beginControlFlow("for (int t = 0; t < items; t++)")
                .addStatement("next[rank[kvHead(t / Q_BLOCKS)] + 1]++")
                .endControlFlow()
                .beginControlFlow("for (int r = 0; r < groups; r++)")
                .addStatement("next[r + 1] += next[r]")
                .endControlFlow()
                .addStatement("int[] order = new int[items]")
                .beginControlFlow("for (long key : keyed)")
                .addStatement("int t = (int) key")
                .addStatement("order[next[rank[kvHead(t / Q_BLOCKS)]]++] = t")
                .endControlFlow()
                .addStatement("return order")
                .build();
    }

    private TypeSpec launch() {
        ClassName worker = ClassName.get("", "Worker");
        return TypeSpec.classBuilder("Launch").addModifiers(PRIVATE, STATIC, FINAL)
                .addJavadoc("One call of {@code run}: the inputs, the K/V panels and the order of the work items.\n")
                .addField(in, "q", FINAL).addField(out, "o", FINAL).addField(INTS, "headPattern", FINAL)
                .addField(INT_TABLES, "runs", FINAL).addField(INT_TABLES, "rows", FINAL)
                .addField(FieldSpec.builder(ArrayTypeName.of(FLOATS), "kPanels", FINAL).initializer("new float[BATCH * KV_HEADS][]").build())
                .addField(FieldSpec.builder(ArrayTypeName.of(FLOATS), "vPanels", FINAL).initializer("new float[BATCH * KV_HEADS][]").build())
                .addField(INTS, "order")
                .addMethod(MethodSpec.constructorBuilder()
                        .addParameter(in, "q").addParameter(out, "o").addParameter(INTS, "headPattern")
                        .addParameter(INT_TABLES, "runs").addParameter(INT_TABLES, "rows")
                        .addStatement("this.q = q").addStatement("this.o = o").addStatement("this.headPattern = headPattern")
                        .addStatement("this.runs = runs").addStatement("this.rows = rows").build())
                .addMethod(MethodSpec.methodBuilder("table").returns(INTS).addParameter(int.class, "pattern")
                        .addStatement("return pattern < PATTERNS ? RUNS[pattern] : runs[pattern - PATTERNS]").build())
                .addMethod(MethodSpec.methodBuilder("pack").addParameter(in, "k").addParameter(in, "v").addParameter(int.class, "threads")
                        .addJavadoc("Decodes each (batch, K/V head) of K and V into f32 panels, zero-padded at the end.\n")
                        .addStatement("forAll(threads, BATCH * KV_HEADS, () -> kv -> $>\n{\n$>"
                                + "kPanels[kv] = panel(k, kv * KV_LEN * HEAD_DIM, HEAD_DIM);\n"
                                + "vPanels[kv] = panel(v, kv * KV_LEN * V_DIM, V_DIM);\n"
                                + "return 0;\n$<}$<)")
                        .build())
                .addMethod(MethodSpec.methodBuilder("attend").returns(long.class).addParameter(int.class, "threads")
                        .addJavadoc("Runs every work item in {@link #workOrder} order; returns the K/V tiles loaded.\n")
                        .addStatement("order = workOrder(headPattern, runs)")
                        .addStatement("return forAll(threads, order.length, () -> new $T(this)::item)", worker)
                        .build())
                .build();
    }

    private TypeSpec worker() {
        return TypeSpec.classBuilder("Worker").addModifiers(PRIVATE, STATIC, FINAL)
                .addJavadoc("One thread's scratch: Qᵀ, the scores Sᵀ (then Pᵀ), Oᵀ, and the running max, sum and rescaling per query.\n")
                .addField(ClassName.get("", "Launch"), "launch", PRIVATE, FINAL)
                .addField(FieldSpec.builder(FLOATS, "qt", PRIVATE, FINAL).initializer("new float[HEAD_DIM * QP]").build())
                .addField(FieldSpec.builder(FLOATS, "s", PRIVATE, FINAL).initializer("new float[KP * QP]").build())
                .addField(FieldSpec.builder(FLOATS, "ot", PRIVATE, FINAL).initializer("new float[V_DIM * QP]").build())
                .addField(FieldSpec.builder(FLOATS, "m", PRIVATE, FINAL).initializer("new float[QP]").build())
                .addField(FieldSpec.builder(FLOATS, "l", PRIVATE, FINAL).initializer("new float[QP]").build())
                .addField(FieldSpec.builder(FLOATS, "alpha", PRIVATE, FINAL).initializer("new float[QP]").build())
                .addMethod(MethodSpec.constructorBuilder().addParameter(ClassName.get("", "Launch"), "launch")
                        .addStatement("this.launch = launch").build())
                .addMethod(MethodSpec.methodBuilder("item").returns(long.class).addParameter(int.class, "index")
                        .addJavadoc("Work item {@code order[index]}: one q-block of one (batch, head). Returns its K/V tiles.\n")
                        .addStatement("int item = launch.order[index]")
                        .addStatement("int qb = item % Q_BLOCKS")
                        .addStatement("int bh = item / Q_BLOCKS")
                        .addStatement("int kv = kvHead(bh)")
                        .addStatement("int pattern = launch.headPattern[bh]")
                        .addStatement("int[] table = launch.table(pattern)")
                        .addStatement("int[] rowTable = pattern < PATTERNS ? null : launch.rows[pattern - PATTERNS]")
                        .addStatement("int row0 = qb * Q_TILE")
                        .addStatement("int rows = Math.min(Q_TILE, Q_LEN - row0)")
                        .addStatement("float[] k = launch.kPanels[kv]")
                        .addStatement("float[] v = launch.vPanels[kv]")
                        .addStatement("loadQ(launch.q, (bh * Q_LEN + row0) * HEAD_DIM, rows, qt)")
                        .addStatement("$T.fill(m, Float.NEGATIVE_INFINITY)", Arrays.class)
                        .addStatement("$T.fill(l, 0f)", Arrays.class)
                        .addStatement("$T.fill(ot, 0f)", Arrays.class)
                        .addStatement("long tiles = 0")
                        .beginControlFlow("for (int r = table[qb]; r < table[qb + 1]; r++)")
                        .addStatement("int at = Q_BLOCKS + 1 + 3 * r")
                        .addStatement("boolean full = table[at + 2] != 0")
                        .beginControlFlow("for (int kb = table[at]; kb < table[at + 1]; kb++)")
                        .addStatement("int key0 = kb * KV_TILE")
                        .addStatement("int keys = Math.min(KV_TILE, KV_LEN - key0)")
                        .addStatement("qk(qt, k, key0 * HEAD_DIM, s)")
                        .beginControlFlow("if (keys < KT)")
                        .addComment("a ragged last tile: the keys past the end get no weight")
                        .addStatement("$T.fill(s, keys * QP, KT * QP, Float.NEGATIVE_INFINITY)", Arrays.class)
                        .endControlFlow()
                        .beginControlFlow("if (!full)")
                        .addStatement(rowMasks
                                ? "if (rowTable == null) mask(pattern, s, keys, row0, key0); else maskRows(rowTable, s, keys, row0, rows, key0)"
                                : "mask(pattern, s, keys, row0, key0)")
                        .endControlFlow()
                        .addStatement("softmax(s, m, l, alpha)")
                        .addStatement("pv(s, v, key0 * V_DIM, alpha, ot)")
                        .addStatement("tiles++")
                        .endControlFlow()
                        .endControlFlow()
                        .addStatement("store(launch.o, (bh * Q_LEN + row0) * V_DIM, rows, ot, l)")
                        .addStatement("return tiles")
                        .build())
                .build();
    }

    private void itemHelpers(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.methodBuilder("loadQ").addModifiers(PRIVATE, STATIC)
                .addJavadoc("Qᵀ of a q-block, scaled by {@code SCALE_LOG2E}; padding rows are zero.\n")
                .addParameter(in, "q").addParameter(int.class, "base").addParameter(int.class, "rows").addParameter(FLOATS, "qt")
                .beginControlFlow("for (int i = 0; i < QP; i++)")
                .beginControlFlow("for (int x = 0; x < HEAD_DIM; x++)")
                .addStatement("qt[x * QP + i] = i < rows ? in(q[base + i * HEAD_DIM + x]) * SCALE_LOG2E : 0f")
                .endControlFlow()
                .endControlFlow()
                .build());
        type.addMethod(MethodSpec.methodBuilder("store").addModifiers(PRIVATE, STATIC)
                .addJavadoc("Writes {@code O = Oᵀ / l} for the real rows of a q-block; rows that saw no key get zeros.\n")
                .addParameter(out, "o").addParameter(int.class, "base").addParameter(int.class, "rows")
                .addParameter(FLOATS, "ot").addParameter(FLOATS, "l")
                .beginControlFlow("for (int i = 0; i < rows; i++)")
                .addStatement("float inverse = l[i] == 0f ? 0f : 1f / l[i]")
                .beginControlFlow("for (int x = 0; x < V_DIM; x++)")
                .addStatement("o[base + i * V_DIM + x] = out(ot[x * QP + i] * inverse)")
                .endControlFlow()
                .endControlFlow()
                .build());
        MethodSpec.Builder panel = MethodSpec.methodBuilder("panel").addModifiers(PRIVATE, STATIC).returns(FLOATS)
                .addJavadoc("Rows {@code [0, KV_LEN)} of one K or V head as f32, then zero rows up to {@code K_ROWS}.\n")
                .addParameter(in, "x").addParameter(int.class, "base").addParameter(int.class, "dim")
                .addStatement("float[] panel = new float[K_ROWS * dim]");
        if (kernel.dtype() == DType.F32) {
            panel.addStatement("System.arraycopy(x, base, panel, 0, KV_LEN * dim)");
        } else {
            panel.beginControlFlow("for (int n = 0; n < KV_LEN * dim; n++)")
                    .addStatement("panel[n] = in(x[base + n])")
                    .endControlFlow();
        }
        type.addMethod(panel.addStatement("return panel").build());
        type.addMethod(MethodSpec.methodBuilder("kvHead").addModifiers(PRIVATE, STATIC).returns(int.class)
                .addJavadoc("The (batch, K/V head) whose panels (batch, head) {@code bh} reads.\n")
                .addParameter(int.class, "bh")
                .addStatement("return bh / HEADS * KV_HEADS + bh % HEADS / GROUP")
                .build());
        type.addMethod(MethodSpec.methodBuilder("tiles").addModifiers(PRIVATE, STATIC).returns(int.class)
                .addJavadoc("K/V tiles q-block {@code qb} visits under run table {@code table}.\n")
                .addParameter(INTS, "table").addParameter(int.class, "qb")
                .addStatement("int n = 0")
                .beginControlFlow("for (int r = table[qb]; r < table[qb + 1]; r++)")
                .addStatement("n += table[Q_BLOCKS + 2 + 3 * r] - table[Q_BLOCKS + 1 + 3 * r]")
                .endControlFlow()
                .addStatement("return n")
                .build());
    }

    private void threadHelpers(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.methodBuilder("forAll").addModifiers(PRIVATE, STATIC).returns(long.class)
                .addJavadoc("Runs items {@code 0 .. count-1} on up to {@code threads} threads (the caller is one), each thread "
                        + "with its own body; returns the sum of what the bodies return.\n")
                .addParameter(int.class, "threads").addParameter(int.class, "count")
                .addParameter(ParameterizedTypeName.get(ClassName.get(Supplier.class), ClassName.get(IntToLongFunction.class)), "bodies")
                .addStatement("int n = Math.max(1, Math.min(threads, count))")
                .addStatement("$T next = new $T()", AtomicInteger.class, AtomicInteger.class)
                .addStatement("$T<Throwable> failure = new $T<>()", AtomicReference.class, AtomicReference.class)
                .addStatement("long[] sums = new long[n]")
                .addStatement("Thread[] helpers = new Thread[n - 1]")
                .beginControlFlow("for (int t = 0; t < n; t++)")
                .addStatement("int id = t")
                .addStatement("Runnable work = () -> $>\n{\n$>"
                        + "try {\n$>"
                        + "IntToLongFunction body = bodies.get();\n"
                        + "long sum = 0;\n"
                        + "for (int i; failure.get() == null && (i = next.getAndIncrement()) < count; ) {\n$>"
                        + "sum += body.applyAsLong(i);\n$<"
                        + "}\n"
                        + "sums[id] = sum;\n$<"
                        + "} catch (Throwable e) {\n$>"
                        + "failure.compareAndSet(null, e);\n$<"
                        + "}\n$<}$<")
                .beginControlFlow("if (id == n - 1)")
                .addStatement("work.run()")
                .nextControlFlow("else")
                .addStatement("helpers[id] = new Thread(work, \"attnkit-\" + id)")
                .addStatement("helpers[id].start()")
                .endControlFlow()
                .endControlFlow()
                .beginControlFlow("for (Thread h : helpers)")
                .beginControlFlow("try")
                .addStatement("h.join()")
                .nextControlFlow("catch ($T e)", InterruptedException.class)
                .addStatement("Thread.currentThread().interrupt()")
                .addStatement("throw new $T(\"interrupted\", e)", IllegalStateException.class)
                .endControlFlow()
                .endControlFlow()
                .beginControlFlow("if (failure.get() instanceof RuntimeException e)")
                .addStatement("throw e")
                .nextControlFlow("else if (failure.get() instanceof Error e)")
                .addStatement("throw e")
                .nextControlFlow("else if (failure.get() != null)")
                .addStatement("throw new $T(failure.get())", IllegalStateException.class)
                .endControlFlow()
                .addStatement("return $T.stream(sums).sum()", Arrays.class)
                .build());
        type.addMethod(MethodSpec.methodBuilder("requirePatterns").addModifiers(PRIVATE, STATIC)
                .addParameter(INTS, "headPattern").addParameter(INT_TABLES, "runs")
                .addStatement("require(headPattern.length == BATCH * HEADS, $S)", "one pattern per (batch, head)")
                .beginControlFlow("for (int p : headPattern)")
                .addStatement("require(p >= 0 && p < PATTERNS + runs.length, $S)", "pattern index out of range")
                .endControlFlow()
                .beginControlFlow("for (int[] r : runs)")
                .addStatement("require(r.length >= Q_BLOCKS + 1, $S)", "malformed run table")
                .endControlFlow()
                .build());
        type.addMethod(MethodSpec.methodBuilder("require").addModifiers(PRIVATE, STATIC)
                .addParameter(boolean.class, "condition").addParameter(String.class, "message")
                .beginControlFlow("if (!condition)")
                .addStatement("throw new $T(\"$L: \" + message)", IllegalArgumentException.class, kernel.name())
                .endControlFlow()
                .build());
    }
}
