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
import io.attnkit.dsl.blocks.BlockMapRenderer;
import io.attnkit.dsl.blocks.MaskText;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import java.util.Arrays;
import java.util.List;
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
        new LaunchCode(plan, needsRowMasks()).addTo(type);
        type.addMethods(TileCode.methods(plan));
        maskMethods(type);
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
            d.add("<li>$L: $L, $L K/V tiles per (batch, head)$L\n", p, code(MaskText.of(sp.mask())),
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

    /**
     * Text as Javadoc code. Inside {@code {@code ...}} nothing is decoded, so {@code &} goes in as
     * it is ({@code &amp;} would be shown as written); text that tag cannot hold (braces, {@code @},
     * the end of a comment) goes in {@code <code>} with HTML entities instead.
     */
    private static String code(String s) {
        if (s.matches(".*[{}@].*") || s.contains("*/")) {
            return "<code>" + s.replace("&", "&amp;").replace("<", "&lt;").replace("@", "&#64;").replace("*/", "*&#47;") + "</code>";
        }
        return "{@code " + s + "}";
    }

    private String headsOf(int pattern) {
        if (plan.defaultPattern().isEmpty()) {
            return "";
        }
        int[] heads = plan.defaultPattern().get();
        List<Integer> mine = java.util.stream.IntStream.range(0, heads.length).filter(h -> heads[h] == pattern).boxed().toList();
        return mine.isEmpty() ? "" : "; heads " + BlockMapRenderer.ranges(mine);
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
                    .addJavadoc("Block schedule of pattern $L, $L: $L segments, $L tiles.\n"
                                    + "Per line: q-blocks {@code first end}, then per run {@code F|P from fromStep to toStep}.\n",
                            p, code(MaskText.of(sp.mask())), sp.schedule().segments().size(), sp.visitedTiles())
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

    /**
     * The dispatch on the pattern, and one method per pattern: a kernel with hundreds of distinct
     * head masks would otherwise put every body in one method, past the JVM's 64 KB of bytecode.
     */
    private void maskMethods(TypeSpec.Builder type) {
        MethodSpec.Builder dispatch = MethodSpec.methodBuilder("mask").addModifiers(PRIVATE, STATIC)
                .addJavadoc("Sets the scores of keys that compiled pattern {@code pattern} hides to -∞ (PARTIAL tiles only).\n")
                .addParameter(int.class, "pattern").addParameter(FLOATS, "s").addParameter(int.class, "keys")
                .addParameter(int.class, "row0").addParameter(int.class, "key0")
                .beginControlFlow("switch (pattern)");
        for (int p = 0; p < plan.patterns().size(); p++) {
            Mask mask = plan.patterns().get(p).mask();
            MaskCode.Predicate pred = masks.of(mask);
            type.addMethod(MethodSpec.methodBuilder("maskPattern" + p).addModifiers(PRIVATE, STATIC)
                    .addJavadoc("Pattern $L: $L.\n", p, code(MaskText.of(mask)))
                    .addParameter(FLOATS, "s").addParameter(int.class, "keys")
                    .addParameter(int.class, "row0").addParameter(int.class, "key0")
                    .beginControlFlow("for (int j = 0; j < keys; j++)")
                    .addStatement("int key = key0 + j")
                    .addCode(pred.perKey())
                    .beginControlFlow("for (int i = 0; i < QP; i += L)")
                    .addStatement("$T p = $T.broadcast(I, row0 + i + (KV_LEN - Q_LEN)).add(IOTA)", TileCode.INT_VECTOR, TileCode.INT_VECTOR)
                    .addStatement("$T<Float> hidden = $L.not().cast(F)", VECTOR_MASK, pred.expression())
                    .addStatement("$T.fromArray(F, s, j * QP + i).blend(Float.NEGATIVE_INFINITY, hidden).intoArray(s, j * QP + i)",
                            TileCode.FLOAT_VECTOR)
                    .endControlFlow()
                    .endControlFlow()
                    .build());
            dispatch.addStatement("case $L -> maskPattern$L(s, keys, row0, key0)", p, p);
        }
        type.addMethod(dispatch.addStatement("default -> throw new $T(\"no compiled pattern \" + pattern)", IllegalArgumentException.class)
                .endControlFlow().build());
    }

    private MethodSpec maskRows() {
        return MethodSpec.methodBuilder("maskRows").addModifiers(PRIVATE, STATIC)
                .addJavadoc("Sets the scores of keys outside each row's visible intervals to -∞ (patterns decided on the input).\n")
                .addParameter(INTS, "rowTable").addParameter(FLOATS, "s").addParameter(int.class, "keys")
                .addParameter(int.class, "row0").addParameter(int.class, "rows").addParameter(int.class, "key0")
                .addStatement("int end = key0 + keys")
                .beginControlFlow("for (int i = 0; i < rows; i++)")
                .addStatement("int cursor = key0")
                .addStatement("int last = rowTable[row0 + i + 1]")
                .addComment("the row's first interval that ends after key0 (their ends ascend): a row of many")
                .addComment("intervals would otherwise walk all those of the earlier tiles on every tile")
                .addStatement("int first = rowTable[row0 + i]")
                .addStatement("int high = last")
                .beginControlFlow("while (first < high)")
                .addStatement("int middle = (first + high) >>> 1")
                .beginControlFlow("if (rowTable[Q_LEN + 2 + 2 * middle] <= key0)")
                .addStatement("first = middle + 1")
                .nextControlFlow("else")
                .addStatement("high = middle")
                .endControlFlow()
                .endControlFlow()
                .beginControlFlow("for (int n = first; n < last && cursor < end; n++)")
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
                    .addParameter(String[].class, "parts").varargs()
                    .addStatement("return $T.stream(String.join(\" \", parts).split(\" \")).mapToInt(Integer::parseInt).toArray()",
                            Arrays.class)
                    .build());
        }
    }
}
