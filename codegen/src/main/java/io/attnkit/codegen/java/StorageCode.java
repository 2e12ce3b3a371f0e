package io.attnkit.codegen.java;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import io.attnkit.dsl.model.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * How a generated kernel reads its inputs and writes its output in the kernel's storage type:
 * Java arrays of {@code float} (f32), {@code short} holding IEEE half or bfloat16 bits, or
 * {@code byte} holding FP8 E4M3 codes. Compute is f32 throughout; O is written in
 * {@link DType#outputType()} (bf16 for fp8 inputs), rounded to nearest even.
 */
final class StorageCode {
    private StorageCode() {
    }

    /** The Java element type of Q, K and V in storage type {@code dtype}. */
    static TypeName inputElement(DType dtype) {
        return switch (dtype) {
            case F32 -> TypeName.FLOAT;
            case F16, BF16 -> TypeName.SHORT;
            case FP8_E4M3 -> TypeName.BYTE;
        };
    }

    static TypeName inputArray(DType dtype) {
        return ArrayTypeName.of(inputElement(dtype));
    }

    static TypeName outputArray(DType dtype) {
        return ArrayTypeName.of(inputElement(dtype.outputType()));
    }

    /** {@code in(x)}: a stored input element as f32, and {@code out(x)}: f32 to the output's storage. */
    static List<MethodSpec> methods(DType dtype) {
        List<MethodSpec> out = new ArrayList<>();
        MethodSpec.Builder in = MethodSpec.methodBuilder("in").addModifiers(PRIVATE, STATIC).returns(float.class)
                .addParameter(inputElement(dtype), "x");
        switch (dtype) {
            case F32 -> in.addJavadoc("An input element (f32: as is).\n").addStatement("return x");
            case F16 -> in.addJavadoc("An input element from IEEE half bits.\n").addStatement("return Float.float16ToFloat(x)");
            case BF16 -> in.addJavadoc("An input element from bfloat16 bits (the upper half of an f32).\n")
                    .addStatement("return Float.intBitsToFloat(x << 16)");
            case FP8_E4M3 -> in.addJavadoc("An input element from its FP8 E4M3 code.\n").addStatement("return FP8[x & 0xff]");
        }
        out.add(in.build());
        MethodSpec.Builder o = MethodSpec.methodBuilder("out").addModifiers(PRIVATE, STATIC)
                .returns(inputElement(dtype.outputType())).addParameter(float.class, "x");
        switch (dtype.outputType()) {
            case F32 -> o.addJavadoc("An output element (f32: as is).\n").addStatement("return x");
            case F16 -> o.addJavadoc("An output element as IEEE half bits, rounded to nearest even.\n")
                    .addStatement("return Float.floatToFloat16(x)");
            case BF16 -> o.addJavadoc("An output element as bfloat16 bits, rounded to nearest even.\n")
                    .addStatement("int bits = Float.floatToRawIntBits(x)")
                    .beginControlFlow("if (Float.isNaN(x))")
                    .addStatement("return (short) ((bits >>> 16) | 0x40)")
                    .endControlFlow()
                    .addStatement("return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16)");
            case FP8_E4M3 -> throw new IllegalStateException("fp8 outputs are stored as bf16");
        }
        out.add(o.build());
        if (dtype == DType.FP8_E4M3) {
            out.add(MethodSpec.methodBuilder("fp8Values").addModifiers(PRIVATE, STATIC).returns(float[].class)
                    .addJavadoc("The value of each FP8 E4M3 code: sign, 4 exponent bits (bias 7), 3 mantissa bits; 0x7f and 0xff are NaN.\n")
                    .addStatement("float[] values = new float[256]")
                    .beginControlFlow("for (int c = 0; c < 256; c++)")
                    .addStatement("int exp = (c >>> 3) & 0xf")
                    .addStatement("int man = c & 0x7")
                    .addStatement("float magnitude = exp == 0 ? man * 0x1p-9f : (1 + man / 8f) * (float) Math.scalb(1.0, exp - 7)")
                    .addStatement("values[c] = exp == 0xf && man == 0x7 ? Float.NaN : (c & 0x80) != 0 ? -magnitude : magnitude")
                    .endControlFlow()
                    .addStatement("return values")
                    .build());
        }
        return out;
    }

    static List<FieldSpec> fields(DType dtype) {
        if (dtype != DType.FP8_E4M3) {
            return List.of();
        }
        return List.of(FieldSpec.builder(float[].class, "FP8", PRIVATE, STATIC, FINAL).initializer("fp8Values()").build());
    }
}
