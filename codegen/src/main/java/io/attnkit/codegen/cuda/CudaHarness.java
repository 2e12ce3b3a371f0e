package io.attnkit.codegen.cuda;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.c.CTemplates;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.reference.Tolerance;
import java.util.List;

/**
 * A self-checking harness for one CUDA kernel: the kernel, {@code attn_npy.h}, {@code harness.cu}
 * (reads q, k, v and expected .npy files, checks O with the dtype's tolerance and the tile
 * counters against the BlockMap, times launches with CUDA events) and {@code build.sh} with the
 * one nvcc command that builds it.
 */
public final class CudaHarness {
    /** What harness.cu and build.sh need beyond the kernel's model. */
    public record Model(String kernelFile, String arch, String nvcc, double atol, double rtol, long expectedTiles,
                        String flops) {
    }

    private CudaHarness() {
    }

    /** The arch of kernels without a GPU target. */
    public static final String DEFAULT_ARCH = "sm_90";

    /**
     * The GPU target's arch (sm_80 on A100s, sm_90 on H100/H200), else sm_80 for A100 targets and
     * sm_90 for others. A CPU target has none: guessing one built the harness for a GPU the kernel
     * was never checked against.
     */
    public static String arch(TargetSpec t) {
        if (t.kind() != TargetSpec.Kind.GPU) {
            throw new IllegalArgumentException("target '" + t.name() + "' is a CPU target; the cuda backend needs a GPU target");
        }
        if (t.arch() != null && t.arch().matches("sm_\\d+a?")) {
            return t.arch();
        }
        return t.name().contains("a100") ? "sm_80" : "sm_90";
    }

    /** The oldest compute capability the generated kernels build for: cp.async and bf16 mma.sync m16n8k16 are sm_80's. */
    public static final int OLDEST_ARCH = 80;

    /** Refuses an arch older than {@link #OLDEST_ARCH}, which nvcc would reject only after the files are written. */
    public static void requireSupported(String arch) throws BackendException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("sm_(\\d+)a?").matcher(arch);
        if (m.matches() && Integer.parseInt(m.group(1)) < OLDEST_ARCH) {
            throw new BackendException("the CUDA backend's kernels need sm_" + OLDEST_ARCH + " or later (cp.async, "
                    + "ldmatrix, mma.sync m16n8k16 in f16 and bf16); the target is " + arch);
        }
    }

    /** The nvcc command that builds the harness in its directory. */
    public static String nvccCommand(String arch) {
        return "nvcc -O3 -std=c++17 -arch=" + arch + " -o harness harness.cu";
    }

    /** The harness files of {@code kernel}, built for {@code arch}. */
    public static List<GeneratedFile> files(KernelSpec kernel, Origin origin, String arch) throws BackendException {
        requireSupported(arch);
        CudaKernelModel c = CudaKernelModel.of(kernel, origin);
        BlockMap map = BlockMap.of(kernel);
        Shape s = kernel.shape();
        Tolerance tolerance = Tolerance.of(kernel.dtype());
        double flops = 2.0 * s.batch() * s.heads() * s.qLen() * (double) s.kvLen() * (s.headDim() + s.vDim())
                * map.elementDensity();
        Model h = new Model(CudaEmitter.fileName(c), arch, nvccCommand(arch), tolerance.atol(), tolerance.rtol(),
                map.visitedTiles(), String.format(java.util.Locale.ROOT, "%.6e", flops));
        CTemplates group = CTemplates.load(CudaEmitter.GROUP);
        return List.of(new GeneratedFile(CudaEmitter.fileName(c), CudaEmitter.source(c)),
                new GeneratedFile("attn_npy.h", CudaEmitter.npyReader()),
                new GeneratedFile("harness.cu", render(group, "harness", c, h)),
                new GeneratedFile("build.sh", render(group, "buildScript", c, h)));
    }

    /** The two models a harness template reads, as its one argument. */
    record Parts(CudaKernelModel c, Model h) {
    }

    private static String render(CTemplates group, String template, CudaKernelModel c, Model h) throws BackendException {
        return group.render(template, "x", new Parts(c, h));
    }
}
