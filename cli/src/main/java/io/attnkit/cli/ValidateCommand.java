package io.attnkit.cli;

import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.profile.ProfileException;
import io.attnkit.sim.validation.MeasuredGrid;
import io.attnkit.sim.validation.Validation;
import io.attnkit.sim.validation.ValidationTables;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attnkit validate}: the simulator against published FlashAttention numbers. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        header = "Set the simulator's predictions beside published or measured results.",
        description = {"Simulate the configurations of published FlashAttention results and print",
                "Markdown tables of predicted, published and error: FlashAttention's Table 18",
                "and Figure 2, Theorem 2 and Proposition 4 as fitted slopes, and",
                "FlashAttention-3's forward and backward figures and FlashAttention's",
                "Appendix E runtime tables, the Flash-Decoding post's decode step,",
                "flash-attention PR #1075's PyTorch forward on an H100 PCIe and xFormers",
                "PR #461's backward table (held out). About four minutes on two cores;",
                "--quick, about two.",
                "With --measured, instead: PyTorch attention timed on a GPU at hand",
                "(tools/torch_attention_measure.py) against the prediction for --target.",
                "With --cpu, instead: the Java backend run on this machine against the CPU",
                "model of --target (a CPU target that describes this machine)."})
final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "only the short rows (Table 18 and the fits up to 8K; held out: FlashAttention-3's forward up to 4K "
            + "and backward up to 2K, Appendix E up to 4K, the first row of flash-attention PR #1075 and of xFormers PR #461)")
    boolean quick;

    @Option(names = "--overlap-ctas", description = "simulate with co-resident CTAs overlapping their phases (the alternative model)")
    boolean overlapCtas;

    @Option(names = "--out", converter = OutputPaths.FileName.class, paramLabel = "FILE", description = "also write the tables to FILE")
    Optional<Path> out;

    @Option(names = "--measured", paramLabel = "FILE.jsonl", description = "timings of SDPA's FlashAttention-2 and "
            + "standard attention written by tools/torch_attention_measure.py, to compare with the simulator")
    Optional<Path> measured;

    @Option(names = "--cpu", description = "run the Java backend on this machine (dense, causal and window kernels; "
            + "with --quick, N 1024 only) and compare with the CPU model of --target")
    boolean cpu;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "7",
            description = "with --cpu: runs per kernel at least, more for short kernels (about 2 s each); "
                    + "the fastest counts (default: ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "1",
            description = "with --cpu: measure the kernels R times in turn, each keeping its fastest, so that a slow "
                    + "phase of a shared host spoils one round rather than every run (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--target", paramLabel = "NAME",
            description = "with --measured: the target that stands for the measured GPU (default: h200); "
                    + "with --cpu: the CPU target that describes this machine (required)")
    Optional<String> target;

    @Option(names = "--targets", paramLabel = "FILE.attn", description = "with --cpu or --measured: an .attn file "
            + "whose target declarations --target may name, such as your own machine's (docs/targets.md)")
    Optional<Path> targets;

    @Override
    public Integer call() throws IOException, InputException {
        PrintWriter w = spec.commandLine().getOut();
        if (cpu && measured.isPresent()) {
            throw new CliException(ExitCodes.USAGE, "give --cpu or --measured, not both");
        }
        var parsed = spec.commandLine().getParseResult();
        String mode = cpu ? "--cpu" : measured.isPresent() ? "--measured" : "";
        for (String option : cpu ? new String[] {"--overlap-ctas"} : measured.isPresent() ? new String[] {"--repeat", "--rounds", "--quick"}
                : new String[] {"--repeat", "--rounds", "--target", "--targets"}) {
            if (parsed.hasMatchedOption(option)) {
                throw new CliException(ExitCodes.USAGE, !mode.isEmpty() ? option + " does not apply to " + mode
                        : option + " goes with " + (option.startsWith("--r") ? "--cpu" : "--cpu or --measured"));
            }
        }
        if (out.isPresent()) {
            AtomicFiles.checkWritable(out.get()); // before minutes of simulation, not after
            OutputPaths.notAnInput(out.get(), "--out", measured.orElse(null), targets.orElse(null));
        }
        SimOptions options = SimOptions.defaults().withOverlapCtas(overlapCtas);
        String tables = cpu ? cpuTable() : measured.isPresent() ? measuredTable(options)
                : ValidationTables.markdown(Validation.run(quick, options));
        w.print(tables);
        w.flush();
        if (out.isPresent()) {
            AtomicFiles.write(out.get(), tables);
        }
        return ExitCodes.OK;
    }

    /** The target {@code name} of {@code kind}, from --targets when given, else a built-in one. */
    private TargetSpec target(String name, TargetSpec.Kind kind) throws InputException {
        Optional<TargetSpec> found;
        if (targets.isPresent()) {
            Loaded loaded = Loaded.check(targets.get(), Optional.empty(), spec.commandLine().getErr());
            if (!loaded.result().ok()) {
                throw new CliException(ExitCodes.INPUT, "'" + targets.get() + "' has errors");
            }
            found = loaded.result().program().target(name);
        } else {
            found = Validation.builtinTarget(name);
        }
        if (found.isPresent() && found.get().kind() != kind) { // it exists: say which kind it is, not that it is missing
            boolean gpu = kind == TargetSpec.Kind.GPU;
            throw new CliException(ExitCodes.USAGE, "'" + name + "' is a " + (gpu ? "CPU" : "GPU") + " target; "
                    + (gpu ? "--measured needs a GPU" : "--cpu needs a CPU") + " target");
        }
        return found.orElseThrow(() -> new CliException(ExitCodes.USAGE, "no "
                + (kind == TargetSpec.Kind.GPU ? "GPU" : "CPU") + " target '" + name + "'"
                + targets.map(f -> " in " + f).orElse("; see 'attnkit targets'")));
    }

    private String cpuTable() throws IOException, InputException {
        if (repeat < 1) {
            throw new CliException(ExitCodes.USAGE, "--repeat must be at least 1");
        }
        if (rounds < 1) {
            throw new CliException(ExitCodes.USAGE, "--rounds must be at least 1");
        }
        String name = target.orElseThrow(() -> new CliException(ExitCodes.USAGE,
                "--cpu needs --target NAME, the CPU target that describes this machine (host-zen4-2c, host-zen5-2c, "
                        + "host-epyc-2c, or your own; docs/targets.md)"));
        TargetSpec t = target(name, TargetSpec.Kind.CPU);
        Path scratch = Files.createTempDirectory("attnkit-validate-cpu");
        try {
            List<CpuValidation.Result> results = CpuValidation.run(quick ? CpuValidation.QUICK : CpuValidation.ROWS, t, repeat, rounds,
                    scratch);
            return CpuValidation.markdown(t, results, repeat, rounds, Runtime.getRuntime().availableProcessors());
        } finally {
            try (var files = Files.list(scratch)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(scratch);
        }
    }

    /**
     * Refuses, before anything is simulated, a row past the size {@code simulate} refuses by default
     * (its --max-ctas estimate): a shape such as standard attention at 1M tokens would otherwise
     * simulate for minutes, silently.
     */
    private static void requireSimulable(MeasuredGrid grid, SimOptions options) {
        for (MeasuredGrid.Timed t : grid.timings()) {
            Validation.Setup s = Validation.setup(t.config(), options);
            if (SimulationSize.ctas(s.kernel(), s.options()) > SimulationSize.DEFAULT_MAX_CTAS) {
                throw new CliException(ExitCodes.USAGE, String.format(Locale.ROOT,
                        "%s:%d: %s %s, more than %,d (simulate's --max-ctas default); too large to simulate, leave the row out",
                        grid.source(), t.line(), t.config().label(), SimulationSize.estimate(s.kernel(), s.options()),
                        SimulationSize.DEFAULT_MAX_CTAS));
            }
        }
    }

    private String measuredTable(SimOptions options) throws IOException, InputException {
        TargetSpec t = target(target.orElse("h200"), TargetSpec.Kind.GPU);
        try {
            MeasuredGrid grid = MeasuredGrid.read(measured.get());
            requireSimulable(grid, options);
            return grid.markdown(t, grid.compare(t, options));
        } catch (ProfileException e) {
            throw new CliException(ExitCodes.INPUT, e.getMessage());
        }
    }
}
