package io.attnkit.cli;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.cuda.CudaHarness;
import io.attnkit.codegen.cuda.CudaKernelModel;
import io.attnkit.codegen.cuda.KernelResources;
import io.attnkit.codegen.cuda.Ptxas;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.SimOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** {@code simulate --occupancy-from-ptxas}: the CUDA kernel's registers and shared memory, as ptxas reports them. */
final class PtxasResources {
    private PtxasResources() {
    }

    static SimOptions.Resources of(KernelSpec kernel, TargetSpec target, Path file, boolean givenByHand, PrintWriter err)
            throws BackendException, IOException, InputException {
        if (givenByHand) {
            throw new CliException(ExitCodes.USAGE, "give either --occupancy-from-ptxas or --registers and --smem");
        }
        if (target.kind() != TargetSpec.Kind.GPU) {
            throw new CliException(ExitCodes.USAGE, "--occupancy-from-ptxas needs a GPU target; '" + target.name()
                    + "' is a CPU");
        }
        if (!Ptxas.available()) {
            throw new CliException(ExitCodes.USAGE, "--occupancy-from-ptxas needs nvcc on the PATH (the CUDA toolkit); "
                    + "without it give --registers and --smem");
        }
        CudaKernelModel model = CudaKernelModel.of(kernel, Origin.of(file.toString(), Frontend.read(file)));
        Path dir = Files.createTempDirectory("attnkit-ptxas");
        try {
            KernelResources r = Ptxas.compile(model, CudaHarness.arch(target), dir);
            err.println("ptxas: " + r.describe());
            err.flush();
            return new SimOptions.Resources(r.registers(), r.sharedMemory());
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
