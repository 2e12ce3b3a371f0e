package io.attnkit.cli;

import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attnkit check}: report every problem in the files, and summarise each kernel's sparsity. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check .attn files and print each kernel's block-sparsity summary.",
                "Diagnostics go to standard error; exit code 1 when any file has errors."})
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = ".attn files to check")
    List<Path> files;

    @Option(names = "--target", paramLabel = "NAME", description = "check every kernel against this target (overrides the kernel's own)")
    Optional<String> target;

    @Option(names = "--blocks", description = "also draw each head group's block map (# full, + partial, . skipped; : some visited, in a downsampled cell)")
    boolean blocks;

    @Option(names = {"-q", "--quiet"}, description = "print diagnostics only, no summaries")
    boolean quiet;

    /** Past this many kernels in one file, only their names are listed (summaries build block maps). */
    static final int MAX_SUMMARIES = 32;

    @Override
    public Integer call() throws InputException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean failed = false;
        boolean refused = false; // a file that cannot be read, or a summary too large to build: exit 2
        for (Path file : files) {
            Loaded loaded;
            try {
                loaded = Loaded.check(file, target, err);
            } catch (InputException e) { // reported, and the other files are still checked
                Failures.reportAndGoOn(e, err);
                refused = true;
                continue;
            }
            if (!loaded.result().ok()) {
                failed = true;
                continue;
            }
            if (quiet) {
                continue;
            }
            List<KernelSpec> kernels = loaded.result().kernelsOfRoot();
            out.println(file + ": ok, " + kernels.size() + " kernel" + (kernels.size() == 1 ? "" : "s"));
            for (KernelSpec k : kernels.subList(0, Math.min(kernels.size(), MAX_SUMMARIES))) {
                try {
                    KernelSummary.print(k, target.or(k::target).flatMap(loaded.result().program()::target), blocks, out);
                } catch (CliException e) { // a summary too large to build: the other kernels are still summarised
                    out.flush();
                    Failures.reportAndGoOn(e, err);
                    refused = true;
                }
            }
            if (kernels.size() > MAX_SUMMARIES) {
                out.println("... and " + (kernels.size() - MAX_SUMMARIES) + " more kernels, not summarised: "
                        + String.join(", ", kernels.subList(MAX_SUMMARIES, Math.min(kernels.size(), MAX_SUMMARIES + 8))
                        .stream().map(KernelSpec::name).toList()) + (kernels.size() > MAX_SUMMARIES + 8 ? ", ..." : ""));
            }
            out.flush();
        }
        err.flush();
        return refused ? ExitCodes.USAGE : failed ? ExitCodes.INPUT : ExitCodes.OK;
    }
}
