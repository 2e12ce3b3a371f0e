package io.attnkit.dsl.model;

/**
 * OCP FP8 E4M3 ("fn" variant): 1 sign, 4 exponent (bias 7) and 3 mantissa bits, no infinities,
 * largest finite 448, subnormals down to 2^-9. Conversion saturates to ±448, as NVIDIA's
 * {@code __nv_cvt_float_to_fp8(..., __NV_SATFINITE, __NV_E4M3)} does.
 */
public final class Fp8E4M3 {
    public static final double MAX = 448.0;
    private static final float[] DECODE = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            DECODE[b] = decode((byte) b);
        }
    }

    private Fp8E4M3() {
    }

    private static float decode(byte b) {
        int sign = (b & 0x80) != 0 ? -1 : 1;
        int exp = (b >>> 3) & 0xf;
        int man = b & 0x7;
        if (exp == 0xf && man == 0x7) {
            return Float.NaN;
        }
        if (exp == 0) {
            return sign * man * 0x1p-9f;
        }
        return sign * (1 + man / 8f) * (float) Math.scalb(1.0, exp - 7);
    }

    public static float toFloat(byte b) {
        return DECODE[b & 0xff];
    }

    /** Encodes with round-to-nearest-even and saturation. */
    public static byte fromDouble(double x) {
        if (Double.isNaN(x)) {
            return 0x7f;
        }
        int sign = x < 0 || (x == 0 && 1 / x < 0) ? 0x80 : 0;
        double a = Math.min(Math.abs(x), MAX);
        // Scan the 127 non-negative finite codes for the nearest; ties go to the even code.
        int best = 0;
        double bestErr = Double.POSITIVE_INFINITY;
        int lo = 0;
        int hi = 0x7e;
        while (lo < hi) { // binary search for the first code whose value >= a
            int mid = (lo + hi) >>> 1;
            if (DECODE[mid] < a) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int c = Math.max(0, lo - 1); c <= Math.min(0x7e, lo); c++) {
            double err = Math.abs(DECODE[c] - a);
            if (err < bestErr || (err == bestErr && (c & 1) == 0)) {
                best = c;
                bestErr = err;
            }
        }
        return (byte) (sign | best);
    }

    public static double round(double x) {
        return toFloat(fromDouble(x));
    }
}
