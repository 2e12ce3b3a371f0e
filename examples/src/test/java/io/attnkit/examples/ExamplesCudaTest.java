package io.attnkit.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.cuda.CudaKernelModel;
import io.attnkit.codegen.cuda.KernelResources;
import io.attnkit.codegen.cuda.Ptxas;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.targets.BuiltinTargets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kernel of every example, emitted for CUDA and compiled by nvcc for sm_80 and sm_90 (in
 * parallel, one nvcc per kernel and arch): ptxas must report no spills. Kernels whose masks are
 * decided on the input (MoBA, XAttention, NSA selectors) are refused in one line.
 */
class ExamplesCudaTest {
    private static final List<String> ARCHS = List.of("sm_80", "sm_90");

    @TempDir
    Path dir;

    @Test
    void everyStaticKernelCompilesWithoutSpillsAndTheOthersAreRefusedInOneLine() throws Exception {
        assumeTrue(Ptxas.available(), "SKIPPED: nvcc is not on the PATH; the CUDA kernels were not compiled");
        List<CudaKernelModel> models = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (Path example : ExamplesCheckTest.examples().toList()) {
            Frontend.Result r = Frontend.check(example, BuiltinTargets.library(), Optional.empty());
            Origin origin = Origin.of(example.getFileName().toString(), Files.readAllBytes(example));
            for (KernelSpec k : r.kernelsOfRoot()) {
                try {
                    models.add(CudaKernelModel.of(k, origin));
                } catch (BackendException e) {
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                    assertTrue(e.getMessage().contains("decided on the input"), e.getMessage());
                    refused.add(k.name());
                }
            }
        }
        assertTrue(refused.containsAll(List.of("moba_llama8b_1m", "xattention_llama8b_128k", "nsa_64k")), refused::toString);
        assertTrue(models.size() >= 10, () -> models.size() + " kernels compiled");

        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        List<Future<KernelResources>> results = new ArrayList<>();
        for (CudaKernelModel m : models) {
            for (String arch : ARCHS) {
                Path work = Files.createDirectories(dir.resolve(arch + "-" + m.base().function()));
                results.add(pool.submit(() -> Ptxas.compile(m, arch, work)));
            }
        }
        pool.shutdown();
        List<String> spills = new ArrayList<>();
        for (Future<KernelResources> f : results) {
            KernelResources r = f.get();
            System.out.println("ptxas " + r.describe());
            assertTrue(r.registers() > 0 && r.registers() <= 255, r::describe);
            if (r.spills()) {
                spills.add(r.describe());
            }
        }
        System.out.printf("nvcc: %d kernels x %d archs in %.1f s%n", models.size(), ARCHS.size(),
                (System.nanoTime() - start) / 1e9);
        assertTrue(spills.isEmpty(), () -> "kernels spill registers:\n" + String.join("\n", spills));
    }
}
