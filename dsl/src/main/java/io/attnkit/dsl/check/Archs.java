package io.attnkit.dsl.check;

import io.attnkit.dsl.model.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names a target's {@code arch} may take: on a GPU an NVIDIA compute capability
 * ({@code sm_90}, {@code sm_90a}), which the simulator reads its microarchitecture from; on a CPU
 * a {@code -march} name ({@code znver5}, {@code sapphirerapids}, {@code x86-64-v4}).
 */
final class Archs {
    /**
     * Compute capabilities of the GPUs NVIDIA has shipped, Fermi (2.0) to Blackwell (12.1), as
     * {@code nvcc --list-gpu-arch} and LLVM's NVPTX back end list them.
     */
    static final List<Integer> SHIPPED = List.of(20, 21, 30, 32, 35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87,
            88, 89, 90, 100, 101, 103, 110, 120, 121);

    /** Those with an architecture-specific variant ({@code sm_90a}): Hopper and later. */
    static final Set<Integer> ARCH_SPECIFIC = Set.of(90, 100, 101, 103, 110, 120, 121);

    /**
     * The first compute capability with Tensor Cores for each input type: f16 with Volta (7.0),
     * bf16 and TF32 ({@code tensor f32}) with Ampere (8.0), FP8 with Ada (8.9).
     */
    static final Map<DType, Integer> TENSOR_SINCE = Map.of(DType.F16, 70, DType.BF16, 80, DType.F32, 80, DType.FP8_E4M3, 89);

    private static final Pattern GPU = Pattern.compile("sm_(\\d{2,3})(a?)");
    private static final Pattern CPU = Pattern.compile("[a-z][a-z0-9_]*(-[a-z0-9_]+)*");
    private static final Pattern GPU_LIKE = Pattern.compile("(sm|compute)_.*|gfx\\d.*", Pattern.CASE_INSENSITIVE);

    private Archs() {
    }

    /** The compute capability of a GPU arch name NVIDIA has shipped ({@code sm_90a}: 90); empty otherwise. */
    static OptionalInt computeCapability(String arch) {
        Matcher m = GPU.matcher(arch);
        if (!m.matches()) {
            return OptionalInt.empty();
        }
        int cc = Integer.parseInt(m.group(1));
        boolean specific = !m.group(2).isEmpty();
        return SHIPPED.contains(cc) && (!specific || ARCH_SPECIFIC.contains(cc)) ? OptionalInt.of(cc) : OptionalInt.empty();
    }

    /** Every GPU arch name, for a "did you mean". */
    static List<String> gpuNames() {
        List<String> names = new ArrayList<>();
        for (int cc : SHIPPED) {
            names.add("sm_" + cc);
            if (ARCH_SPECIFIC.contains(cc)) {
                names.add("sm_" + cc + "a");
            }
        }
        return names;
    }

    /** The shipped compute capabilities, for a note: "50, 52, ..., 121". */
    static String shipped() {
        return String.join(", ", SHIPPED.stream().map(String::valueOf).toList());
    }

    /** Whether {@code arch} is spelt as a {@code -march} name is: lowercase, digits, {@code _} and {@code -}. */
    static boolean cpuSpelling(String arch) {
        return CPU.matcher(arch).matches();
    }

    /** Whether {@code arch} names a GPU architecture ({@code sm_90}, {@code compute_80}, {@code gfx90a}). */
    static boolean gpuLike(String arch) {
        return GPU_LIKE.matcher(arch).matches();
    }
}
