package io.attnkit.dsl.select;

import io.attnkit.dsl.model.RouterSpec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * A router's MLP, {@code score(x) = w2 · silu(w1 · x + b1) + b2}, with {@code silu(z) = z /
 * (1 + e^-z)}. Its input is the {@code 2 · head_dim} boundary features of a KV head (see
 * {@link Router}); its hidden width is {@code round(hidden × 2 · head_dim)}.
 *
 * @param w1 {@code [hidden, inputs]}, row-major
 * @param b1 {@code [hidden]}
 * @param w2 {@code [1, hidden]}
 * @param b2 the output bias
 */
public record RouterWeights(int inputs, int hidden, double[] w1, double[] b1, double[] w2, double b2) {

    public RouterWeights {
        if (w1.length != (long) hidden * inputs || b1.length != hidden || w2.length != hidden) {
            throw new IllegalArgumentException("router weights do not match " + hidden + " x " + inputs);
        }
        w1 = w1.clone();
        b1 = b1.clone();
        w2 = w2.clone();
    }

    /**
     * Reads tensors {@code w1, b1, w2, b2} (F32, F16 or BF16) from a safetensors file and checks
     * their shapes against the router and the kernel's head dimension.
     */
    public static RouterWeights load(Path file, RouterSpec router, int headDim) throws WeightsException {
        int inputs = 2 * headDim;
        long hidden = Math.round(router.hidden() * inputs);
        String name = file.toString();
        String why = String.format(Locale.ROOT, "for router '%s': input width %d = 2 x head_dim %d, hidden %s x %d = %d",
                router.name(), inputs, headDim, number(router.hidden()), inputs, hidden);
        if (hidden < 1 || hidden > 1 << 20) {
            throw new WeightsException(name + ": no MLP fits " + why);
        }
        Safetensors tensors = Safetensors.read(file);
        int h = (int) hidden;
        double[] w1 = tensor(tensors, name, "w1", new long[] {h, inputs}, why);
        double[] b1 = tensor(tensors, name, "b1", new long[] {h}, why);
        double[] w2 = tensor(tensors, name, "w2", new long[] {1, h}, why);
        double[] b2 = tensor(tensors, name, "b2", new long[] {1}, why);
        return new RouterWeights(inputs, h, w1, b1, w2, b2[0]);
    }

    /** The router's score for boundary features {@code x}: positive sends the KV head to its sparse pattern. */
    public double score(double[] x) {
        if (x.length != inputs) {
            throw new IllegalArgumentException("router input has " + x.length + " features, expected " + inputs);
        }
        double out = b2;
        for (int j = 0; j < hidden; j++) {
            double z = b1[j];
            for (int i = 0; i < inputs; i++) {
                z += w1[j * inputs + i] * x[i];
            }
            out += w2[j] * (z / (1 + Math.exp(-z)));
        }
        return out;
    }

    private static double[] tensor(Safetensors tensors, String name, String tensor, long[] expected, String why) throws WeightsException {
        long[] shape = tensors.shape(tensor);
        if (!Arrays.equals(shape, expected)) {
            throw new WeightsException(name + ": tensor '" + tensor + "' has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expected) + " (" + why + ")");
        }
        double[] values = tensors.values(tensor);
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) { // a NaN score is never > 0: every head would go dense without a word
                throw new WeightsException(name + ": tensor '" + tensor + "' holds " + values[i] + " at " + index(i, shape)
                        + "; router weights must be finite");
            }
        }
        return values;
    }

    /** The row-major element {@code i} of {@code shape} as an index such as [3, 17]. */
    private static String index(int i, long[] shape) {
        long[] at = new long[shape.length];
        long rest = i;
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = shape[d] == 0 ? 0 : rest % shape[d];
            rest = shape[d] == 0 ? rest : rest / shape[d];
        }
        return Arrays.toString(at);
    }

    private static String number(double x) {
        return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
    }
}
