package io.attnkit.codegen.testing;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.Storage;
import io.attnkit.codegen.java.InputDecisions;
import io.attnkit.codegen.java.JavaEmitter;
import io.attnkit.codegen.java.KernelPlan;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.reference.Tolerance;
import io.attnkit.dsl.select.Decision;
import io.attnkit.dsl.select.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The test suite of a kernel ({@code attnkit testgen}): the Java kernels generated for smaller
 * variants of it ({@link ShapeShrinker}) and a JUnit 5 class that runs each on random inputs and
 * checks it against the float64 reference, within the tolerance of the kernel's dtype, and its
 * K/V tile count against the BlockMap. Data-dependent kernels are decided on each input with
 * {@code Selector.decide}, as {@code attnkit run} does.
 *
 * <p>The suite needs JUnit 5, {@code attnkit-dsl} and {@code attnkit-codegen} on the test class
 * path, and {@code --add-modules jdk.incubator.vector}.
 */
public final class TestSuiteEmitter {
    private static final ClassName TEST = ClassName.get("org.junit.jupiter.api", "Test");
    private static final ClassName DISPLAY_NAME = ClassName.get("org.junit.jupiter.api", "DisplayName");
    private static final ClassName ASSERTIONS = ClassName.get("org.junit.jupiter.api", "Assertions");

    private final String packageName;

    public TestSuiteEmitter() {
        this(KernelPlan.DEFAULT_PACKAGE);
    }

    public TestSuiteEmitter(String packageName) {
        this.packageName = packageName;
    }

    /** The variants' kernels and the test class, paths relative to a source root. */
    public List<GeneratedFile> emit(KernelSpec kernel, Origin origin) throws BackendException {
        List<ShapeShrinker.Variant> variants = ShapeShrinker.variants(kernel);
        if (variants.isEmpty()) {
            throw new BackendException("kernel '" + kernel.name() + "' has no smaller variant that checks; nothing to test");
        }
        JavaEmitter emitter = new JavaEmitter(packageName);
        List<GeneratedFile> files = new ArrayList<>();
        String testName = KernelPlan.className(kernel.name()) + "Test";
        TypeSpec.Builder test = TypeSpec.classBuilder(testName)
                .addJavadoc("Checks the Java kernels AttnKit generates for {@code $L} against the float64 reference\n", kernel.name())
                .addJavadoc("on random inputs, at shapes derived from the kernel; each test also checks that the kernel\n")
                .addJavadoc("loaded exactly the K/V tiles of its BlockMap. Tolerance: $L.\n", tolerance(kernel.dtype()));
        int seed = 1;
        for (ShapeShrinker.Variant v : variants) {
            KernelPlan plan = emitter.plan(v.kernel());
            files.addAll(emitter.emit(v.kernel(), origin));
            String field = v.name().toUpperCase(Locale.ROOT);
            test.addField(FieldSpec.builder(String.class, field, PRIVATE, STATIC, FINAL)
                    .addJavadoc("Variant $L: $L.\n", v.name(), v.purpose())
                    .initializer("$S", ShapeShrinker.source(v.kernel())).build());
            test.addMethod(MethodSpec.methodBuilder(camel(v.name()))
                    .addAnnotation(TEST)
                    .addAnnotation(com.palantir.javapoet.AnnotationSpec.builder(DISPLAY_NAME)
                            .addMember("value", "$S", v.name() + ": " + v.purpose()).build())
                    .addException(Exception.class)
                    .addStatement("check($L, $L, $L)", field, seed++, call(plan, v.kernel().dtype()))
                    .build());
        }
        test.addType(TypeSpec.interfaceBuilder("KernelCall").addModifiers(PRIVATE)
                .addAnnotation(FunctionalInterface.class)
                .addJavadoc("A generated kernel's {@code run}, its arrays typed as objects.\n")
                .addMethod(MethodSpec.methodBuilder("run").addModifiers(javax.lang.model.element.Modifier.PUBLIC,
                                javax.lang.model.element.Modifier.ABSTRACT).returns(long.class)
                        .addParameter(Object.class, "q").addParameter(Object.class, "k").addParameter(Object.class, "v")
                        .addParameter(Object.class, "o").addParameter(int.class, "threads").addParameter(int[].class, "heads")
                        .addParameter(int[][].class, "runs").addParameter(int[][].class, "rows").build())
                .build());
        test.addMethod(checkMethod());
        JavaFile file = JavaFile.builder(packageName, test.build())
                .addFileComment("$L\n", origin.describe())
                .addFileComment("Test suite of kernel $L. Needs JUnit 5, attnkit-dsl and attnkit-codegen on the test class path,\n", kernel.name())
                .addFileComment("and --add-modules jdk.incubator.vector.")
                .addStaticImport(ASSERTIONS, "assertEquals", "assertTrue")
                .skipJavaLangImports(true).indent("    ").build();
        files.add(new GeneratedFile((packageName.isEmpty() ? "" : packageName.replace('.', '/') + "/") + testName + ".java",
                file.toString()));
        return files;
    }

    /** A lambda calling the variant's kernel class with its storage arrays. */
    private static CodeBlock call(KernelPlan plan, DType dtype) {
        String in = switch (dtype) {
            case F32 -> "float[]";
            case F16, BF16 -> "short[]";
            case FP8_E4M3 -> "byte[]";
        };
        String out = dtype.outputType() == DType.F32 ? "float[]" : "short[]";
        return CodeBlock.of("(q, k, v, o, t, h, r, w) -> $T.run(($L) q, ($L) k, ($L) v, ($L) o, t, h, r, w)",
                ClassName.get(plan.packageName(), plan.className()), in, in, in, out);
    }

    private static MethodSpec checkMethod() {
        return MethodSpec.methodBuilder("check").addModifiers(PRIVATE, STATIC).addException(Exception.class)
                .addJavadoc("Runs the kernel of {@code source} on random inputs drawn from {@code seed}; compares it with the reference.\n")
                .addParameter(String.class, "source").addParameter(long.class, "seed").addParameter(ClassName.get("", "KernelCall"), "call")
                .addStatement("$T parsed = $T.checkText($S, source, $T.Library.EMPTY)", Frontend.Result.class, Frontend.class,
                        "variant.attn", Frontend.class)
                .addStatement("assertTrue(parsed.ok(), () -> parsed.diagnostics().sorted().toString())")
                .addStatement("$T kernel = parsed.kernelsOfRoot().getFirst()", KernelSpec.class)
                .addStatement("$T s = kernel.shape()", Shape.class)
                .addStatement("$T q = $T.random(s.batch(), s.heads(), s.qLen(), s.headDim(), seed)", Tensor.class, Tensor.class)
                .addStatement("$T k = $T.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), seed + 1)", Tensor.class, Tensor.class)
                .addStatement("$T v = $T.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), seed + 2)", Tensor.class, Tensor.class)
                .addComment("static kernels get their own masks; data-dependent ones are decided on this input")
                .addStatement("$T decision = $T.decide(kernel, q, k)", Decision.class, Selector.class)
                .addStatement("$T tables = $T.of(decision.masks(), decision.selection())", InputDecisions.class, InputDecisions.class)
                .addStatement("Object o = $T.newOutput(kernel.dtype(), s.batch() * s.heads() * s.qLen() * s.vDim())", Storage.class)
                .addStatement("long tiles = call.run($T.encode(q, kernel.dtype()), $T.encode(k, kernel.dtype()), "
                        + "$T.encode(v, kernel.dtype()), o, 2, tables.headPattern(), tables.runs(), tables.rows())",
                        Storage.class, Storage.class, Storage.class)
                .addStatement("$T out = $T.decode(o, kernel.dtype(), s.batch(), s.heads(), s.qLen(), s.vDim())", Tensor.class, Storage.class)
                .addStatement("$T expected = $T.run(decision.masks(), decision.selection(), q, k, v)",
                        ReferenceAttention.Result.class, ReferenceAttention.class)
                .addStatement("$T c = $T.of(out.data(), expected.out(), $T.of(kernel.dtype()))", Comparison.class, Comparison.class,
                        Tolerance.class)
                .addStatement("assertTrue(c.passed(), () -> kernel.name() + \" differs from the reference: \" + c)")
                .addStatement("assertEquals(decision.blockMap().visitedTiles(), tiles, $S)", "K/V tiles loaded by the kernel vs its BlockMap")
                .build();
    }

    private static String tolerance(DType dtype) {
        Tolerance t = Tolerance.of(dtype);
        return "|o - ref| <= " + t.atol() + " + " + t.rtol() + "·|ref| (" + dtype + ")";
    }

    private static String camel(String name) {
        String c = KernelPlan.className(name);
        return Character.toLowerCase(c.charAt(0)) + c.substring(1, c.length() - "Kernel".length());
    }
}
