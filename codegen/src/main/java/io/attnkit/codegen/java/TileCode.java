package io.attnkit.codegen.java;

import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-tile work of the generated kernels, FlashAttention-2 on one (q-block, kv-block) tile:
 * scores {@code Sᵀ = K·Qᵀ} by a register-tiled micro-kernel, the element mask on PARTIAL tiles,
 * the online softmax with rescaling, and {@code Oᵀ += Vᵀ·Pᵀ} by a second micro-kernel.
 *
 * <p>Layouts keep every reduction vertical: queries run along vector lanes. {@code qt} is Qᵀ
 * ({@code HEAD_DIM × QP}, pre-scaled by {@code scale·log2 e}), {@code s} is Sᵀ then Pᵀ ({@code KP ×
 * QP}), {@code ot} is Oᵀ ({@code V_DIM × QP}); row maxima, sums and rescaling factors are vectors
 * over queries, so the softmax needs no horizontal reduction. K and V stay row-major; the
 * micro-kernels broadcast their scalars.
 */
final class TileCode {
    static final ClassName FLOAT_VECTOR = ClassName.get("jdk.incubator.vector", "FloatVector");
    static final ClassName INT_VECTOR = ClassName.get("jdk.incubator.vector", "IntVector");
    static final ClassName VECTOR_OPERATORS = ClassName.get("jdk.incubator.vector", "VectorOperators");

    private static final TypeName FLOATS = TypeName.get(float[].class);

    private TileCode() {
    }

    /** Every method of the tile program for {@code plan}. */
    static List<MethodSpec> methods(KernelPlan plan) {
        List<MethodSpec> out = new ArrayList<>();
        out.add(qk(plan));
        out.add(qkBlock(plan.qkRows()));
        out.add(softmax());
        out.add(exp2());
        out.add(pv(plan));
        int vDim = plan.kernel().shape().vDim();
        if (vDim >= plan.pvRows()) {
            out.add(pvBlock(plan.pvRows()));
        }
        if (vDim % plan.pvRows() != 0) {
            out.add(pvBlock(vDim % plan.pvRows()));
        }
        return out;
    }

    private static MethodSpec qk(KernelPlan plan) {
        return MethodSpec.methodBuilder("qk").addModifiers(PRIVATE, STATIC)
                .addJavadoc("Scores of one tile: {@code s[j][i] = Σx k[j][x]·qt[x][i]} for keys {@code j < KT}, in blocks of $L keys.\n",
                        plan.qkRows())
                .addParameter(FLOATS, "qt").addParameter(FLOATS, "k").addParameter(int.class, "kOff")
                .addParameter(FLOATS, "s")
                .beginControlFlow("for (int i = 0; i < QP; i += 2 * L)")
                .beginControlFlow("for (int j = 0; j < KT; j += QK_ROWS)")
                .addStatement("qk$L(qt, i, k, kOff + j * HEAD_DIM, s, j * QP + i)", plan.qkRows())
                .endControlFlow()
                .endControlFlow()
                .build();
    }

    /** The Q·Kᵀ micro-kernel: {@code rows} keys × 2 query vectors of accumulators, reduced over the head dimension. */
    private static MethodSpec qkBlock(int rows) {
        CodeBlock.Builder b = CodeBlock.builder();
        for (int r = 0; r < rows; r++) {
            b.addStatement("$T c$L0 = $T.zero(F), c$L1 = $T.zero(F)", FLOAT_VECTOR, r, FLOAT_VECTOR, r, FLOAT_VECTOR);
        }
        b.beginControlFlow("for (int x = 0; x < HEAD_DIM; x++)");
        b.addStatement("$T q0 = $T.fromArray(F, qt, x * QP + i)", FLOAT_VECTOR, FLOAT_VECTOR);
        b.addStatement("$T q1 = $T.fromArray(F, qt, x * QP + i + L)", FLOAT_VECTOR, FLOAT_VECTOR);
        for (int r = 0; r < rows; r++) {
            accumulate(b, r, "k[kOff + " + (r == 0 ? "" : r + " * HEAD_DIM + ") + "x]", "q0", "q1");
        }
        b.endControlFlow();
        storeAccumulators(b, rows, "s", "sOff");
        return MethodSpec.methodBuilder("qk" + rows).addModifiers(PRIVATE, STATIC)
                .addJavadoc("Scores of $L keys (rows {@code kOff / HEAD_DIM ..} of k) for queries {@code i .. i + 2L}.\n", rows)
                .addParameter(FLOATS, "qt").addParameter(int.class, "i").addParameter(FLOATS, "k")
                .addParameter(int.class, "kOff").addParameter(FLOATS, "s").addParameter(int.class, "sOff")
                .addCode(b.build())
                .build();
    }

    /** Row {@code r} of a micro-kernel: broadcast one scalar, two FMAs into the row's accumulators. */
    private static void accumulate(CodeBlock.Builder b, int r, String scalar, String vector0, String vector1) {
        b.addStatement("$T e$L = $T.broadcast(F, $L)", FLOAT_VECTOR, r, FLOAT_VECTOR, scalar);
        b.addStatement("c$L0 = e$L.fma($L, c$L0)", r, r, vector0, r);
        b.addStatement("c$L1 = e$L.fma($L, c$L1)", r, r, vector1, r);
    }

    /** Stores the accumulators: row r at {@code offset + r·QP}, its two vectors side by side. */
    private static void storeAccumulators(CodeBlock.Builder b, int rows, String array, String offset) {
        for (int r = 0; r < rows; r++) {
            String at = r == 0 ? offset : offset + " + " + r + " * QP";
            b.addStatement("c$L0.intoArray($L, $L)", r, array, at);
            b.addStatement("c$L1.intoArray($L, $L + L)", r, array, at);
        }
    }

    /**
     * Two query vectors at a time, with the maximum over even and odd keys apart, so that the
     * maximum runs as four independent dependency chains and the sum as two (the maximum's
     * compare and blend are its chain's latency; one chain made the softmax 20% slower). The
     * maximum is a compare and a blend, not {@code FloatVector.max}: that one keeps Java's rules
     * for NaN and -0.0 and costs several instructions on x86 (it made the softmax twice as slow);
     * a NaN score still gives a NaN output through the exponent pass.
     */
    private static MethodSpec softmax() {
        CodeBlock.Builder b = CodeBlock.builder();
        b.beginControlFlow("for (int i = 0; i < QP; i += 2 * L)");
        for (int c = 0; c < 2; c++) {
            b.addStatement("$T old$L = $T.fromArray(F, m, $L)", FLOAT_VECTOR, c, FLOAT_VECTOR, column(c));
            b.addStatement("$T max$L = old$L", FLOAT_VECTOR, c, c);
        }
        b.add("// even keys in max0 and max1, odd keys in max2 and max3: four dependency chains\n");
        b.addStatement("$T max2 = old0, max3 = old1", FLOAT_VECTOR);
        b.beginControlFlow("for (int j = 0; j + 1 < KT; j += 2)");
        for (int c = 0; c < 2; c++) {
            maxStep(b, c, "j * QP + " + column(c));
            maxStep(b, c + 2, "(j + 1) * QP + " + column(c));
        }
        b.endControlFlow();
        b.beginControlFlow("if (KT % 2 != 0)");
        for (int c = 0; c < 2; c++) {
            maxStep(b, c, "(KT - 1) * QP + " + column(c));
        }
        b.endControlFlow();
        for (int c = 0; c < 2; c++) {
            b.addStatement("max$L = max$L.blend(max$L, max$L.lt(max$L))", c, c, c + 2, c, c + 2);
        }
        b.add("// rows that saw no key yet subtract 0, so that 2^(-∞ - 0) = 0 instead of NaN\n");
        for (int c = 0; c < 2; c++) {
            b.addStatement("$T base$L = max$L.blend(0f, max$L.compare(EQ, Float.NEGATIVE_INFINITY))", FLOAT_VECTOR, c, c, c);
            b.addStatement("$T sum$L = $T.zero(F)", FLOAT_VECTOR, c, FLOAT_VECTOR);
        }
        b.beginControlFlow("for (int j = 0; j < KT; j++)");
        for (int c = 0; c < 2; c++) {
            b.addStatement("$T e$L = exp2($T.fromArray(F, s, j * QP + $L).sub(base$L))", FLOAT_VECTOR, c, FLOAT_VECTOR, column(c), c);
            b.addStatement("e$L.intoArray(s, j * QP + $L)", c, column(c));
            b.addStatement("sum$L = sum$L.add(e$L)", c, c, c);
        }
        b.endControlFlow();
        b.add("// exactly 1 where the maximum did not move: exp2(0) is 1 + 2^-23, which compounded over the\n");
        b.add("// tiles would weigh early keys more (1.2e-4 of O after 4096 tiles)\n");
        for (int c = 0; c < 2; c++) {
            b.addStatement("$T a$L = exp2(old$L.sub(base$L)).blend(1f, old$L.compare(EQ, max$L))", FLOAT_VECTOR, c, c, c, c, c);
            b.addStatement("a$L.intoArray(alpha, $L)", c, column(c));
            b.addStatement("$T.fromArray(F, l, $L).fma(a$L, sum$L).intoArray(l, $L)", FLOAT_VECTOR, column(c), c, c, column(c));
            b.addStatement("max$L.intoArray(m, $L)", c, column(c));
        }
        b.endControlFlow();
        return MethodSpec.methodBuilder("softmax").addModifiers(PRIVATE, STATIC)
                .addJavadoc("""
                        Online softmax over one tile, per query: the new running maximum {@code m}, \
                        {@code s[j][i] ← 2^(s[j][i] - m)}, the factor {@code alpha = 2^(m_old - m)} that rescales what \
                        was accumulated, and {@code l ← l·alpha + Σj s[j][i]}. A query that has seen only masked \
                        keys keeps {@code m = -∞} and contributes nothing.
                        """)
                .addParameter(FLOATS, "s").addParameter(FLOATS, "m")
                .addParameter(FLOATS, "l").addParameter(FLOATS, "alpha")
                .addCode(b.build())
                .build();
    }

    /** Running maximum {@code chain} ← max(itself, the scores at {@code offset}), by a compare and a blend. */
    private static void maxStep(CodeBlock.Builder b, int chain, String offset) {
        b.addStatement("$T x$L = $T.fromArray(F, s, $L)", FLOAT_VECTOR, chain, FLOAT_VECTOR, offset);
        b.addStatement("max$L = max$L.blend(x$L, max$L.lt(x$L))", chain, chain, chain, chain, chain);
    }

    /** The offset of query vector {@code c} of the pair that starts at {@code i}. */
    private static String column(int c) {
        return c == 0 ? "i" : "i + L";
    }

    /**
     * 2^x for x ≤ 0: x = n + f with n = round(x), 2^f by a degree-5 polynomial fitted for
     * relative error (2.4e-7 on [-1/2, 1/2]), 2^n built in the exponent bits. Below -127 the
     * exponent bits would wrap, so those lanes are set to exactly 0 (so -∞ gives 0); a blend,
     * like the maximum above, is cheaper than {@code max(-127)}.
     */
    private static MethodSpec exp2() {
        return MethodSpec.methodBuilder("exp2").addModifiers(PRIVATE, STATIC)
                .addJavadoc("""
                        {@code 2^x} for {@code x <= 0}, relative error below 3e-7; {@code -∞} and anything below \
                        {@code -127} give exactly 0. {@code x = n + f}, {@code n = round(x)}: {@code 2^f} by a \
                        degree-5 polynomial, {@code 2^n} written into the exponent bits.
                        """)
                .returns(FLOAT_VECTOR).addParameter(FLOAT_VECTOR, "x")
                .addComment("adding 1.5·2^23 rounds to an integer n, which lands in the low mantissa bits")
                .addStatement("$T shifted = x.add(12582912f)", FLOAT_VECTOR)
                .addStatement("$T f = x.sub(shifted.sub(12582912f))", FLOAT_VECTOR)
                .addStatement("$T pow2n = shifted.reinterpretAsInts().add(127 - 0x4B400000).lanewise(LSHL, 23)", INT_VECTOR)
                .addStatement("$T poly = f.fma(0.00133143098f, 0.00967316329f)", FLOAT_VECTOR)
                .addStatement("poly = poly.fma(f, $T.broadcast(F, 0.0555057302f))", FLOAT_VECTOR)
                .addStatement("poly = poly.fma(f, $T.broadcast(F, 0.240221620f))", FLOAT_VECTOR)
                .addStatement("poly = poly.fma(f, $T.broadcast(F, 0.693147063f))", FLOAT_VECTOR)
                .addStatement("poly = poly.fma(f, $T.broadcast(F, 1.00000012f))", FLOAT_VECTOR)
                .addStatement("return poly.mul(pow2n.reinterpretAsFloats()).blend(0f, x.lt(-127f))")
                .build();
    }

    private static MethodSpec pv(KernelPlan plan) {
        int rows = plan.pvRows();
        int vDim = plan.kernel().shape().vDim();
        MethodSpec.Builder m = MethodSpec.methodBuilder("pv").addModifiers(PRIVATE, STATIC)
                .addJavadoc("{@code ot[x][i] ← alpha[i]·ot[x][i] + Σj v[j][x]·s[j][i]} for keys {@code j < KT}, in blocks of $L output columns.\n",
                        rows)
                .addParameter(FLOATS, "s").addParameter(FLOATS, "v")
                .addParameter(int.class, "vOff").addParameter(FLOATS, "alpha").addParameter(FLOATS, "ot")
                .beginControlFlow("for (int i = 0; i < QP; i += 2 * L)");
        if (vDim >= rows) {
            m.beginControlFlow("for (int x = 0; x + $L <= V_DIM; x += $L)", rows, rows)
                    .addStatement("pv$L(s, i, v, vOff + x, alpha, ot, x * QP + i)", rows)
                    .endControlFlow();
        }
        if (vDim % rows != 0) {
            int x0 = vDim - vDim % rows;
            m.addStatement("pv$L(s, i, v, vOff + $L, alpha, ot, $L * QP + i)", vDim % rows, x0, x0);
        }
        return m.endControlFlow().build();
    }

    /** The P·V micro-kernel: {@code rows} output columns × 2 query vectors, reduced over the tile's keys. */
    private static MethodSpec pvBlock(int rows) {
        CodeBlock.Builder b = CodeBlock.builder();
        b.addStatement("$T a0 = $T.fromArray(F, alpha, i)", FLOAT_VECTOR, FLOAT_VECTOR);
        b.addStatement("$T a1 = $T.fromArray(F, alpha, i + L)", FLOAT_VECTOR, FLOAT_VECTOR);
        for (int r = 0; r < rows; r++) {
            String at = r == 0 ? "oOff" : "oOff + " + r + " * QP";
            b.addStatement("$T c$L0 = $T.fromArray(F, ot, $L).mul(a0)", FLOAT_VECTOR, r, FLOAT_VECTOR, at);
            b.addStatement("$T c$L1 = $T.fromArray(F, ot, $L + L).mul(a1)", FLOAT_VECTOR, r, FLOAT_VECTOR, at);
        }
        b.beginControlFlow("for (int j = 0; j < KT; j++)");
        b.addStatement("$T p0 = $T.fromArray(F, s, j * QP + i)", FLOAT_VECTOR, FLOAT_VECTOR);
        b.addStatement("$T p1 = $T.fromArray(F, s, j * QP + i + L)", FLOAT_VECTOR, FLOAT_VECTOR);
        b.addStatement("int row = vOff + j * V_DIM");
        for (int r = 0; r < rows; r++) {
            accumulate(b, r, "v[row" + (r == 0 ? "" : " + " + r) + "]", "p0", "p1");
        }
        b.endControlFlow();
        storeAccumulators(b, rows, "ot", "oOff");
        return MethodSpec.methodBuilder("pv" + rows).addModifiers(PRIVATE, STATIC)
                .addJavadoc("Output columns {@code vOff % V_DIM ..} + $L for queries {@code i .. i + 2L}.\n", rows)
                .addParameter(FLOATS, "s").addParameter(int.class, "i").addParameter(FLOATS, "v").addParameter(int.class, "vOff").addParameter(FLOATS, "alpha")
                .addParameter(FLOATS, "ot").addParameter(int.class, "oOff")
                .addCode(b.build())
                .build();
    }
}
