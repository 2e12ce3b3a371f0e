package io.attnkit.cli;

import io.attnkit.codegen.cuda.CudaHarness;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.TargetSpec;
import java.util.Optional;
import java.util.stream.Collectors;

/** The GPU the cuda backend generates a kernel for: --target's, else the kernel's own. */
final class CudaTargets {
    private CudaTargets() {
    }

    /**
     * The target {@code kernel} is generated for, empty when neither {@code chosen} nor the kernel
     * names one. A CPU target is refused: the kernel's tiles were checked against a CPU's caches,
     * not a GPU's shared memory, and it has no arch to build for.
     */
    static Optional<TargetSpec> of(Loaded loaded, KernelSpec kernel, Optional<String> chosen) {
        Program program = loaded.result().program();
        Optional<TargetSpec> target = chosen.or(kernel::target).flatMap(program::target);
        if (target.isPresent() && target.get().kind() == TargetSpec.Kind.CPU) {
            String gpus = program.targets().stream().filter(t -> t.kind() == TargetSpec.Kind.GPU).map(TargetSpec::name)
                    .collect(Collectors.joining(", "));
            String choices = gpus.isEmpty() ? "see 'attnkit targets'" : gpus;
            String name = target.get().name();
            throw new CliException(ExitCodes.USAGE, chosen.isPresent()
                    ? "target '" + name + "' is a CPU target; the cuda backend needs a GPU target (" + choices + ")"
                    : "kernel '" + kernel.name() + "' names target '" + name + "', a CPU target; the cuda backend needs "
                            + "a GPU target: choose one with --target (" + choices + ")");
        }
        return target;
    }

    /** The arch a harness is built for, and a note when it was assumed rather than given by the target. */
    record Arch(String arch, Optional<String> note) {
    }

    /** {@link #of}'s target's arch; {@link CudaHarness#DEFAULT_ARCH} without a target, with a note saying so. */
    static Arch arch(Loaded loaded, KernelSpec kernel, Optional<String> chosen) {
        Optional<TargetSpec> target = of(loaded, kernel, chosen);
        if (target.isEmpty()) {
            return new Arch(CudaHarness.DEFAULT_ARCH, Optional.of("note: kernel '" + kernel.name() + "' names no target: "
                    + "the harness is built for " + CudaHarness.DEFAULT_ARCH + " (H100, H200); for another GPU choose its "
                    + "target with --target (see 'attnkit targets')"));
        }
        TargetSpec t = target.get();
        String arch = CudaHarness.arch(t);
        return new Arch(arch, arch.equals(t.arch()) ? Optional.empty() : Optional.of("note: target '" + t.name()
                + "' gives no sm_ arch: the harness is built for " + arch));
    }
}
