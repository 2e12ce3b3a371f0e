package io.attnkit.cli;

import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.validation.Validation;
import io.attnkit.sim.validation.ValidationTables;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attnkit validate}: the simulator against published FlashAttention numbers. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Simulate the configurations of published FlashAttention results and print, as Markdown tables,",
                "predicted, published and error: FlashAttention's Table 18 and Figure 2, Theorem 2 and Proposition 4",
                "as fitted slopes, and FlashAttention-3's Figure 5 (held out). Takes a minute or two; --quick, seconds."})
final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "only the short rows (sequence lengths up to 8K, held-out set up to 4K)")
    boolean quick;

    @Option(names = "--overlap-ctas", description = "simulate with co-resident CTAs overlapping their phases (the alternative model)")
    boolean overlapCtas;

    @Option(names = "--out", paramLabel = "FILE", description = "also write the tables to FILE")
    Optional<Path> out;

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        String tables = ValidationTables.markdown(Validation.run(quick, SimOptions.defaults().withOverlapCtas(overlapCtas)));
        w.print(tables);
        w.flush();
        if (out.isPresent()) {
            AtomicFiles.write(out.get(), tables);
        }
        return ExitCodes.OK;
    }
}
