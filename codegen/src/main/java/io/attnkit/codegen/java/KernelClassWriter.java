package io.attnkit.codegen.java;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import io.attnkit.dsl.blocks.MaskText;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Writes the Java source of one kernel: a self-contained class (it needs only the JDK and {@code
 * jdk.incubator.vector}) with the shape, tiles and mask structure folded into constants, the
 * block schedules of its static patterns as tables, and the FlashAttention-2 tile program of
 * {@link TileCode}.
 */
final class KernelClassWriter {
    private static final ClassName VECTOR_SPECIES = ClassName.get("jdk.incubator.vector", "VectorSpecies");
    private static final ClassName VECTOR_MASK = ClassName.get("jdk.incubator.vector", "VectorMask");
    private static final TypeName INTS = ArrayTypeName.of(TypeName.INT);
    private static final TypeName INT_TABLES = ArrayTypeName.of(INTS);
    private static final TypeName FLOATS = ArrayTypeName.of(TypeName.FLOAT);
    /** Text constants stay well below the class-file limit of 65535 bytes. */
    private static final int CHUNK = 30_000;

    private final KernelPlan plan;
    private final KernelSpec kernel;
    private final Shape shape;
    private final TypeName in;
    private final TypeName out;
    private final MaskCode masks = new MaskCode();

    private KernelClassWriter(KernelPlan plan) {
        this.plan = plan;
        this.kernel = plan.kernel();
        this.shape = kernel.shape();
        this.in = StorageCode.inputArray(kernel.dtype());
        this.out = StorageCode.outputArray(kernel.dtype());
    }

    /** The source file of {@code plan}'s class, its header naming {@code origin}. */
    static JavaFile write(KernelPlan plan, Origin origin) {
        return new KernelClassWriter(plan).file(origin);
    }

    private JavaFile file(Origin origin) {
        TypeSpec.Builder type = TypeSpec.classBuilder(plan.className()).addModifiers(PUBLIC, FINAL)
                .addJavadoc(classDoc());
        constants(type);
        patterns(type);
        type.addMethod(MethodSpec.constructorBuilder().addModifiers(PRIVATE).build());
        runMethods(type);
        type.addType(launch());
        type.addType(worker());
        type.addMethods(TileCode.methods(plan));
        type.addMethod(maskDispatch());
        if (needsRowMasks()) {
            type.addMethod(maskRows());
        }
        type.addMethods(StorageCode.methods(kernel.dtype()));
        type.addFields(StorageCode.fields(kernel.dtype()));
        type.addFields(masks.fields());
        helpers(type);
        return JavaFile.builder(plan.packageName(), type.build())
                .addFileComment("$L\n", origin.describe())
                .addFileComment("Kernel $L: $L.\n", kernel.name(), describeShape())
                .addFileComment("Needs --add-modules jdk.incubator.vector to compile and run.")
                .addStaticImport(TileCode.VECTOR_OPERATORS, "EQ", "GE", "LT", "ULT", "LSHL")
                .skipJavaLangImports(true)
                .indent("    ")
                .build();
    }

    private String describeShape() {
        Tiles t = kernel.tiles();
        return "batch " + shape.batch() + ", heads " + shape.heads() + " (kv_heads " + shape.kvHeads() + "), q_len "
                + shape.qLen() + ", kv_len " + shape.kvLen() + ", head_dim " + shape.headDim() + ", v_dim " + shape.vDim()
                + "; " + kernel.dtype() + " storage, f32 compute; tiles q " + t.q() + ", kv " + t.kv();
    }

    private CodeBlock classDoc() {
        CodeBlock.Builder d = CodeBlock.builder()
                .add("Attention kernel {@code $L}, FlashAttention-2 with the Vector API: $L.\n\n", kernel.name(), describeShape())
                .add("<p>Work items are (batch, head, q-block), spread over threads. Each visits exactly the K/V tiles of\n")
                .add("its block schedule, applies the element mask on PARTIAL tiles only, keeps a running maximum and sum\n")
                .add("per query (online softmax, no N×N matrix) and returns the number of K/V tiles it loaded.\n")
                .add("A query that sees no key gets zeros. Inputs are {@code [batch, heads, len, dim]} row-major arrays of\n")
                .add("the storage type; O is written in $L.\n\n", kernel.dtype().outputType())
                .add("<p>Patterns:\n<ul>\n");
        for (int p = 0; p < plan.patterns().size(); p++) {
            KernelPlan.StaticPattern sp = plan.patterns().get(p);
            d.add("<li>$L: {@code $L}, $L K/V tiles per (batch, head)$L\n", p, escape(MaskText.of(sp.mask())),
                    sp.visitedTiles(), headsOf(p));
        }
        if (plan.needsInputDecisions()) {
            d.add("<li>patterns from {@code PATTERNS} on are decided on the input and passed to {@link #run(")
                    .add("$L, $L, $L, $L, int, int[], int[][], int[][])}\n", simple(in), simple(in), simple(in), simple(out));
        }
        return d.add("</ul>\n").build();
    }

    private static String simple(TypeName t) {
        return t.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace("@", "&#64;");
    }

    private String headsOf(int pattern) {
        if (plan.defaultPattern().isEmpty()) {
            return "";
        }
        int[] heads = plan.defaultPattern().get();
        String list = java.util.stream.IntStream.range(0, heads.length).filter(h -> heads[h] == pattern)
                .mapToObj(Integer::toString).collect(Collectors.joining(", "));
        return list.isEmpty() ? "" : "; heads " + list;
    }

    private void constants(TypeSpec.Builder type) {
        Tiles t = kernel.tiles();
        intConstant(type, "BATCH", shape.batch(), null);
        intConstant(type, "HEADS", shape.heads(), "Query heads.");
        intConstant(type, "KV_HEADS", shape.kvHeads(), "K/V heads; query head h reads K/V head h / GROUP.");
        intConstant(type, "GROUP", shape.groupSize(), "Query heads per K/V head.");
        intConstant(type, "Q_LEN", shape.qLen(), "Query rows; row i sits at key position i + KV_LEN - Q_LEN.");
        intConstant(type, "KV_LEN", shape.kvLen(), null);
        intConstant(type, "HEAD_DIM", shape.headDim(), null);
        intConstant(type, "V_DIM", shape.vDim(), null);
        intConstant(type, "Q_TILE", t.q(), "Query rows per q-block.");
        intConstant(type, "KV_TILE", t.kv(), "Keys per K/V tile.");
        intConstant(type, "Q_BLOCKS", t.qBlocks(shape.qLen()), null);
        intConstant(type, "KV_BLOCKS", t.kvBlocks(shape.kvLen()), null);
        intConstant(type, "PATTERNS", plan.patterns().size(), "Patterns compiled into this class.");
        type.addField(FieldSpec.builder(float.class, "SCALE_LOG2E", PRIVATE, STATIC, FINAL)
                .addJavadoc("Softmax scale $L times log2(e): scores are kept in base 2.\n", kernel.scale())
                .initializer("$Lf", (float) (kernel.scale() / Math.log(2))).build());
        type.addField(FieldSpec.builder(ParameterizedTypeName.get(VECTOR_SPECIES, ClassName.get(Float.class)), "F",
                PRIVATE, STATIC, FINAL).initializer("$T.SPECIES_PREFERRED", TileCode.FLOAT_VECTOR).build());
        type.addField(FieldSpec.builder(ParameterizedTypeName.get(VECTOR_SPECIES, ClassName.get(Integer.class)), "I",
                PRIVATE, STATIC, FINAL).initializer("$T.SPECIES_PREFERRED", TileCode.INT_VECTOR).build());
        type.addField(FieldSpec.builder(int.class, "L", PRIVATE, STATIC, FINAL)
                .addJavadoc("Lanes per vector: queries run along the lanes.\n").initializer("F.length()").build());
        type.addField(FieldSpec.builder(int.class, "QP", PRIVATE, STATIC, FINAL)
                .addJavadoc("Query rows of a q-block, padded to whole register blocks of 2 vectors.\n")
                .initializer("(Math.min(Q_TILE, Q_LEN) + 2 * L - 1) / (2 * L) * (2 * L)").build());
        type.addField(FieldSpec.builder(int.class, "QK_ROWS", PRIVATE, STATIC, FINAL)
                .addJavadoc("Keys per register block of the score micro-kernel.\n").initializer("$L", plan.qkRows()).build());
        type.addField(FieldSpec.builder(int.class, "KT", PRIVATE, STATIC, FINAL)
                .addJavadoc("Keys every tile step computes (a constant trip count for the JIT); a ragged last tile masks the rest.\n")
                .initializer("Math.min(KV_TILE, KV_LEN)").build());
        type.addField(FieldSpec.builder(int.class, "KP", PRIVATE, STATIC, FINAL)
                .addJavadoc("Keys of a tile step, padded to whole register blocks.\n")
                .initializer("(KT + QK_ROWS - 1) / QK_ROWS * QK_ROWS").build());
        type.addField(FieldSpec.builder(int.class, "K_ROWS", PRIVATE, STATIC, FINAL)
                .addJavadoc("Rows of a K/V panel: the keys, then zero rows so that every tile step reads whole blocks.\n")
                .initializer("(KV_BLOCKS - 1) * KV_TILE + KP").build());
        type.addField(FieldSpec.builder(ParameterizedTypeName.get(VECTOR_MASK, ClassName.get(Integer.class)), "ALL",
                PRIVATE, STATIC, FINAL).initializer("I.maskAll(true)").build());
        type.addField(FieldSpec.builder(ParameterizedTypeName.get(VECTOR_MASK, ClassName.get(Integer.class)), "NONE",
                PRIVATE, STATIC, FINAL).initializer("I.maskAll(false)").build());
        type.addField(FieldSpec.builder(TileCode.INT_VECTOR, "IOTA", PRIVATE, STATIC, FINAL)
                .addJavadoc("0, 1, 2, ...: the lane of each query.\n")
                .initializer("$T.zero(I).addIndex(1)", TileCode.INT_VECTOR).build());
    }

    private static void intConstant(TypeSpec.Builder type, String name, int value, String doc) {
        FieldSpec.Builder f = FieldSpec.builder(int.class, name, PUBLIC, STATIC, FINAL).initializer("$L", value);
        if (doc != null) {
            f.addJavadoc("$L\n", doc);
        }
        type.addField(f.build());
    }

    private void patterns(TypeSpec.Builder type) {
        CodeBlock.Builder runs = CodeBlock.builder().add("{");
        for (int p = 0; p < plan.patterns().size(); p++) {
            KernelPlan.StaticPattern sp = plan.patterns().get(p);
            List<String> chunks = sp.schedule().text(CHUNK);
            CodeBlock.Builder init = CodeBlock.builder().add("{");
            for (int c = 0; c < chunks.size(); c++) {
                init.add(c == 0 ? "\n" : ",\n").add("$S", chunks.get(c));
            }
            type.addField(FieldSpec.builder(String[].class, "SCHEDULE_" + p, PRIVATE, STATIC, FINAL)
                    .addJavadoc("Block schedule of pattern $L, {@code $L}: $L segments, $L tiles.\n"
                                    + "Per line: q-blocks {@code first end}, then per run {@code F|P from fromStep to toStep}.\n",
                            p, escape(MaskText.of(sp.mask())), sp.schedule().segments().size(), sp.visitedTiles())
                    .initializer(init.add("}").build()).build());
            runs.add(p == 0 ? "" : ", ").add("runs(SCHEDULE_$L)", p);
        }
        type.addField(FieldSpec.builder(INT_TABLES, "RUNS", PRIVATE, STATIC, FINAL)
                .addJavadoc("Run tables of the patterns: runs of q-block qb are {@code [t[qb], t[qb + 1])}; run r is "
                        + "{@code from, to, full} at {@code Q_BLOCKS + 1 + 3r}.\n")
                .initializer(runs.add("}").build()).build());
        if (plan.defaultPattern().isPresent()) {
            String heads = Arrays.stream(plan.defaultPattern().get()).mapToObj(Integer::toString).collect(Collectors.joining(", "));
            type.addField(FieldSpec.builder(INTS, "HEAD_PATTERN", PRIVATE, STATIC, FINAL)
                    .addJavadoc("The pattern of each head.\n").initializer("{$L}", heads).build());
        }
    }

    private boolean needsRowMasks() {
        return KernelPlan.candidateMasks(kernel).stream().anyMatch(m -> !m.isStatic());
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
                .addStatement("require(headPattern.length == BATCH * HEADS && runs.length == rows.length, $S)",
                        "one pattern per (batch, head), and row masks for every run table")
                .beginControlFlow("for (int p : headPattern)")
                .addStatement("require(p >= 0 && p < PATTERNS + runs.length, $S)", "pattern index out of range")
                .endControlFlow()
                .beginControlFlow("for (int r = 0; r < runs.length; r++)")
                .addStatement("require(runs[r].length >= Q_BLOCKS + 1 && rows[r].length >= Q_LEN + 1, $S)", "malformed run table")
                .endControlFlow()
                .addStatement("Launch launch = new Launch(q, o, headPattern, runs, rows)")
                .addStatement("launch.pack(k, v, threads)")
                .addStatement("return launch.attend(threads)")
                .build());
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
                        .addJavadoc("Runs every work item, the costliest first; returns the K/V tiles loaded.\n")
                        .addStatement("int items = BATCH * HEADS * Q_BLOCKS")
                        .addStatement("long[] keyed = new long[items]")
                        .beginControlFlow("for (int t = 0; t < items; t++)")
                        .addStatement("int[] table = table(headPattern[t / Q_BLOCKS])")
                        .addStatement("keyed[t] = ((long) (Integer.MAX_VALUE - tiles(table, t % Q_BLOCKS)) << 32) | t")
                        .endControlFlow()
                        .addStatement("$T.sort(keyed)", Arrays.class)
                        .addStatement("order = new int[items]")
                        .beginControlFlow("for (int t = 0; t < items; t++)")
                        .addStatement("order[t] = (int) keyed[t]")
                        .endControlFlow()
                        .addStatement("return forAll(threads, items, () -> new $T(this)::item)", worker)
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
                        .addStatement("int kv = bh / HEADS * KV_HEADS + bh % HEADS / GROUP")
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
                        .addStatement(needsRowMasks()
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

    private MethodSpec maskDispatch() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("mask").addModifiers(PRIVATE, STATIC)
                .addJavadoc("Sets the scores of keys that compiled pattern {@code pattern} hides to -∞ (PARTIAL tiles only).\n")
                .addParameter(int.class, "pattern").addParameter(FLOATS, "s").addParameter(int.class, "keys")
                .addParameter(int.class, "row0").addParameter(int.class, "key0")
                .beginControlFlow("switch (pattern)");
        for (int p = 0; p < plan.patterns().size(); p++) {
            MaskCode.Predicate pred = masks.of(plan.patterns().get(p).mask());
            CodeBlock.Builder body = CodeBlock.builder()
                    .add("// $L\n", MaskText.of(plan.patterns().get(p).mask()))
                    .beginControlFlow("for (int j = 0; j < keys; j++)")
                    .addStatement("int key = key0 + j")
                    .add(pred.perKey())
                    .beginControlFlow("for (int i = 0; i < QP; i += L)")
                    .addStatement("$T p = $T.broadcast(I, row0 + i + (KV_LEN - Q_LEN)).add(IOTA)", TileCode.INT_VECTOR, TileCode.INT_VECTOR)
                    .addStatement("$T<Float> hidden = $L.not().cast(F)", VECTOR_MASK, pred.expression())
                    .addStatement("$T.fromArray(F, s, j * QP + i).blend(Float.NEGATIVE_INFINITY, hidden).intoArray(s, j * QP + i)",
                            TileCode.FLOAT_VECTOR)
                    .endControlFlow()
                    .endControlFlow();
            m.beginControlFlow("case $L ->", p).addCode(body.build()).endControlFlow();
        }
        return m.addStatement("default -> throw new $T(\"no compiled pattern \" + pattern)", IllegalArgumentException.class)
                .endControlFlow().build();
    }

    private MethodSpec maskRows() {
        return MethodSpec.methodBuilder("maskRows").addModifiers(PRIVATE, STATIC)
                .addJavadoc("Sets the scores of keys outside each row's visible intervals to -∞ (patterns decided on the input).\n")
                .addParameter(INTS, "rowTable").addParameter(FLOATS, "s").addParameter(int.class, "keys")
                .addParameter(int.class, "row0").addParameter(int.class, "rows").addParameter(int.class, "key0")
                .addStatement("int end = key0 + keys")
                .beginControlFlow("for (int i = 0; i < rows; i++)")
                .addStatement("int cursor = key0")
                .beginControlFlow("for (int n = rowTable[row0 + i]; n < rowTable[row0 + i + 1] && cursor < end; n++)")
                .addStatement("int start = rowTable[Q_LEN + 1 + 2 * n]")
                .addStatement("int stop = rowTable[Q_LEN + 2 + 2 * n]")
                .beginControlFlow("for (int j = cursor; j < Math.min(start, end); j++)")
                .addStatement("s[(j - key0) * QP + i] = Float.NEGATIVE_INFINITY")
                .endControlFlow()
                .addStatement("cursor = Math.max(cursor, stop)")
                .endControlFlow()
                .beginControlFlow("for (int j = cursor; j < end; j++)")
                .addStatement("s[(j - key0) * QP + i] = Float.NEGATIVE_INFINITY")
                .endControlFlow()
                .endControlFlow()
                .build();
    }

    private void helpers(TypeSpec.Builder type) {
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
        if (kernel.dtype() == io.attnkit.dsl.model.DType.F32) {
            panel.addStatement("System.arraycopy(x, base, panel, 0, KV_LEN * dim)");
        } else {
            panel.beginControlFlow("for (int n = 0; n < KV_LEN * dim; n++)")
                    .addStatement("panel[n] = in(x[base + n])")
                    .endControlFlow();
        }
        type.addMethod(panel.addStatement("return panel").build());
        type.addMethod(MethodSpec.methodBuilder("tiles").addModifiers(PRIVATE, STATIC).returns(int.class)
                .addJavadoc("K/V tiles q-block {@code qb} visits under run table {@code table}.\n")
                .addParameter(INTS, "table").addParameter(int.class, "qb")
                .addStatement("int n = 0")
                .beginControlFlow("for (int r = table[qb]; r < table[qb + 1]; r++)")
                .addStatement("n += table[Q_BLOCKS + 2 + 3 * r] - table[Q_BLOCKS + 1 + 3 * r]")
                .endControlFlow()
                .addStatement("return n")
                .build());
        type.addMethod(MethodSpec.methodBuilder("runs").addModifiers(PRIVATE, STATIC).returns(INTS)
                .addJavadoc("Expands a block schedule into a run table.\n")
                .addParameter(String[].class, "schedule").varargs(false)
                .addStatement("int[] offsets = new int[Q_BLOCKS + 1]")
                .addStatement("int[] runs = new int[48]")
                .addStatement("int n = 0")
                .beginControlFlow("for (String line : String.join(\"\", schedule).split(\"\\n\"))")
                .addStatement("String[] t = line.trim().split(\" +\")")
                .addStatement("int first = Integer.parseInt(t[0])")
                .beginControlFlow("for (int qb = first; qb < Integer.parseInt(t[1]); qb++)")
                .addStatement("offsets[qb] = n / 3")
                .beginControlFlow("for (int i = 2; i < t.length; i += 5)")
                .beginControlFlow("if (n + 3 > runs.length)")
                .addStatement("runs = $T.copyOf(runs, 2 * runs.length)", Arrays.class)
                .endControlFlow()
                .addStatement("runs[n++] = Integer.parseInt(t[i + 1]) + Integer.parseInt(t[i + 2]) * (qb - first)")
                .addStatement("runs[n++] = Integer.parseInt(t[i + 3]) + Integer.parseInt(t[i + 4]) * (qb - first)")
                .addStatement("runs[n++] = t[i].equals(\"F\") ? 1 : 0")
                .endControlFlow()
                .endControlFlow()
                .endControlFlow()
                .addStatement("offsets[Q_BLOCKS] = n / 3")
                .addStatement("int[] table = $T.copyOf(offsets, Q_BLOCKS + 1 + n)", Arrays.class)
                .addStatement("System.arraycopy(runs, 0, table, Q_BLOCKS + 1, n)")
                .addStatement("return table")
                .build());
        if (masks.hasDocuments()) {
            type.addMethod(MethodSpec.methodBuilder("document").addModifiers(PRIVATE, STATIC).returns(int.class)
                    .addJavadoc("The document holding {@code key}: the d with {@code bounds[d] <= key < bounds[d + 1]}.\n")
                    .addParameter(INTS, "bounds").addParameter(int.class, "key")
                    .addStatement("int d = $T.binarySearch(bounds, key)", Arrays.class)
                    .addStatement("return d >= 0 ? d : -d - 2")
                    .build());
        }
        if (masks.needsIntParser()) {
            type.addMethod(MethodSpec.methodBuilder("ints").addModifiers(PRIVATE, STATIC).returns(INTS)
                    .addParameter(String.class, "text")
                    .addStatement("return $T.stream(text.split(\" \")).mapToInt(Integer::parseInt).toArray()", Arrays.class)
                    .build());
        }
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
        type.addMethod(MethodSpec.methodBuilder("require").addModifiers(PRIVATE, STATIC)
                .addParameter(boolean.class, "condition").addParameter(String.class, "message")
                .beginControlFlow("if (!condition)")
                .addStatement("throw new $T(\"$L: \" + message)", IllegalArgumentException.class, kernel.name())
                .endControlFlow()
                .build());
    }
}
