package io.attnkit.dsl.reference;

import io.attnkit.dsl.model.DType;

/**
 * How close a kernel's output must be to the float64 reference: {@code |o - ref| <= atol + rtol *
 * |ref|} elementwise. Kernels round their inputs like the reference, compute in f32 and store O in
 * the output type ({@link DType#outputType()}), so the bound is set by f32 accumulation and the rounding of O.
 */
public record Tolerance(double atol, double rtol) {

    public static Tolerance of(DType storage) {
        return switch (storage) {
            case F32 -> new Tolerance(2e-5, 2e-4);
            case F16 -> new Tolerance(2e-3, 4e-3);
            case BF16 -> new Tolerance(1.6e-2, 1.6e-2);
            case FP8_E4M3 -> of(storage.outputType());
        };
    }

    public boolean accepts(double actual, double expected) {
        return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected) && !Double.isNaN(actual);
    }
}
