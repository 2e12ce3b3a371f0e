package io.attnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attnkit.codegen.BackendException;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.OptionsException;
import io.attnkit.sim.Pass;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.profile.NcuProfile;
import io.attnkit.sim.profile.ProfileComparison;
import io.attnkit.sim.profile.ProfileException;
import io.attnkit.sim.Simulator;
import io.attnkit.sim.report.SimJson;
import io.attnkit.sim.report.SimText;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code attnkit simulate}: predict time and traffic of a kernel on a hardware target. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Simulate a kernel on a target: time, cycles, TFLOP/s, bytes per memory level, pipe activity.",
                "On a GPU the schedule's launches; on a CPU the Java backend's kernel, one worker per core.",
                "Data-dependent kernels (selectors, trained routers) are decided on --q/--k inputs or on random ones (--seed)."})
final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = "--kernel", paramLabel = "NAME", description = "the kernel to simulate, when the file declares several")
    Optional<String> kernel;

    @Option(names = "--target", paramLabel = "NAME", description = "the target (default: the kernel's own)")
    Optional<String> target;

    @Option(names = "--json", converter = OutputPaths.FileName.class, paramLabel = "FILE", description = "write the result as JSON, counters named as Nsight Compute names them ('-': standard output)")
    Optional<Path> json;

    @Option(names = "--trace", converter = OutputPaths.FileName.class, paramLabel = "FILE", description = "write a Chrome trace (open it in Perfetto)")
    Optional<Path> trace;

    @Option(names = "--trace-ctas", paramLabel = "N", defaultValue = "256", description = "CTAs per launch the trace samples (default 256)")
    int traceCtas;

    @Option(names = "--occupancy-from-ptxas", description = "take registers and shared memory from ptxas: emit the "
            + "CUDA kernel for the target's arch and compile it with nvcc (instead of --registers and --smem)")
    boolean occupancyFromPtxas;

    @Option(names = "--q", paramLabel = "Q.npy", description = "queries, to decide data-dependent patterns")
    Optional<Path> q;

    @Option(names = "--k", paramLabel = "K.npy", description = "keys, to decide data-dependent patterns")
    Optional<Path> k;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of the random Q and K that decide data-dependent patterns (default 1)")
    long seed;

    @Option(names = "--synthetic-selection", description = "draw data-dependent selections at random with the selector's "
            + "structure (seeded by --seed) instead of deciding them on Q and K; the default when Q or K would be too large to draw")
    boolean syntheticSelection;

    @Option(names = "--compare", paramLabel = "PROFILE.csv", description = "set a measured Nsight Compute profile "
            + "(ncu --csv --metrics ...) beside the simulation, metric by metric; totals over launches for bytes, time and cycles, "
            + "and launch by launch, in order, where both sides have as many launches")
    Optional<Path> compare;

    @Option(names = "--max-ctas", paramLabel = "N", defaultValue = "" + SimulationSize.DEFAULT_MAX_CTAS,
            description = "refuse shapes that would launch more CTAs than N (batch x heads x blocks of queries, forward; "
                    + "of keys, backward; with --schedule standard, 128 x 128 tiles of S, with flash1 blocks of keys, once per pass), "
                    + "before simulating; "
                    + "time and memory grow with them (default ${DEFAULT-VALUE})")
    long maxCtas;

    @Mixin
    LaunchOptions launch;

    @Option(names = "--bench", description = "also print how long the simulation itself took and its events per second")
    boolean bench;

    @Option(names = "--sweep", paramLabel = "KEY=V1,V2,...", description = "simulate the kernel once per value of a "
            + "shape setting (batch, heads, kv_heads, q_len, kv_len, head_dim, v_dim) or tile setting (tile.q, tile.kv, "
            + "tile.stages, tile.warps), written into its source and checked again, or of target, and print a row each; "
            + "repeated, every combination (at most 64); with --json, one result per point")
    List<String> sweep = new ArrayList<>();

    @Override
    public Integer call() throws InputException, IOException, BackendException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (traceCtas < 1) {
            throw new CliException(ExitCodes.USAGE, "--trace-ctas must be at least 1");
        }
        if (trace.isEmpty() && spec.commandLine().getParseResult().hasMatchedOption("--trace-ctas")) {
            throw new CliException(ExitCodes.USAGE, "--trace-ctas sizes the trace; give --trace FILE too");
        }
        if (maxCtas < 1) {
            throw new CliException(ExitCodes.USAGE, "--max-ctas must be at least 1");
        }
        SimOptions options = launch.simOptions(trace.isPresent() ? traceCtas : 0);
        List<Sweep> sweeps = sweep.stream().map(Sweep::parse).toList();
        List<List<String>> points = Sweep.grid(sweeps);
        if (!sweeps.isEmpty() && (trace.isPresent() || compare.isPresent() || q.isPresent() || k.isPresent()
                || occupancyFromPtxas)) {
            throw new CliException(ExitCodes.USAGE, "--sweep runs one shape per value: --trace, --compare, --q/--k and "
                    + "--occupancy-from-ptxas describe a single run");
        }
        if (target.isPresent() && sweeps.stream().anyMatch(x -> x.key().equals("target"))) {
            throw new CliException(ExitCodes.USAGE, "--sweep target chooses the targets; drop --target");
        }
        Optional<Sweep> tileSweep = sweeps.stream().filter(x -> x.property().equals("tile")).findFirst();
        if (options.schedule() == Schedule.FLASH3 && tileSweep.isPresent()) {
            throw new CliException(ExitCodes.USAGE, "--schedule flash3 blocks every point at FlashAttention-3's own tiles: "
                    + "--sweep " + tileSweep.get().key() + " would simulate the same kernel at every value");
        }
        // A sweep checks the file against its first target, as --target would (the kernel's own may
        // be one the file's tiles do not fit), and with its first values when its own do not fit.
        Optional<String> firstTarget = Sweep.target(sweeps, points.getFirst()).or(() -> target);
        List<String> keys = sweeps.stream().map(Sweep::key).toList();
        Loaded.One one = sweeps.isEmpty() ? Loaded.kernel(file, kernel, firstTarget, err)
                : Loaded.kernelOfSweep(file, kernel, firstTarget, target,
                        (name, text, k) -> Sweep.rewrite(name, text, k, sweeps, points.getFirst()),
                        SweepRun.label(keys, points.getFirst()), SweepRun.hasErrors(file, keys, points.getFirst()), err);
        checkOutputs(one.loaded().inputs());
        boolean jsonToStdout = json.isPresent() && json.get().toString().equals("-");
        PrintWriter notes = jsonToStdout ? err : out; // standard output carries the JSON alone
        if (!sweeps.isEmpty()) {
            SweepRun.Settings settings = new SweepRun.Settings(file, target, options, json, bench, launch.overlapCtas);
            SimOptions chosen = options;
            return new SweepRun(settings, sweeps, points).run(one, (k, t) -> requireRunnable(k, t, chosen),
                    (k, t, pointNotes) -> simulate(k, t, chosen, pointNotes), out, err, notes, jsonToStdout);
        }
        KernelSpec k = one.kernel();
        TargetSpec t = targetOf(one.loaded(), k, target);
        requireRunnable(k, t, options); // before ptxas compiles anything
        if (occupancyFromPtxas) {
            options = options.withResources(PtxasResources.of(k, t, file, launch.registers.isPresent(), err));
        }
        Optional<NcuProfile> measured = Optional.empty();
        if (compare.isPresent()) {
            try {
                measured = Optional.of(NcuProfile.read(compare.get()));
            } catch (ProfileException e) {
                throw new CliException(ExitCodes.INPUT, e.getMessage());
            }
        }
        long start = System.nanoTime();
        Simulated simulated = simulate(k, t, options, notes);
        double seconds = (System.nanoTime() - start) / 1e9;
        Simulator.Run run = simulated.run();
        SimResult r = run.result();
        ObjectMapper mapper = SimJson.mapper();
        ObjectNode tree = SimJson.tree(mapper, r);
        simulated.selection().ifPresent(how -> tree.put("selection", how));
        Optional<ProfileComparison> comparison = measured.map(m -> ProfileComparison.of(tree, m));
        comparison.ifPresent(c -> putComparison(tree, c));
        String jsonText = mapper.writeValueAsString(tree) + "\n";
        Map<Path, AtomicFiles.Writer> files = new LinkedHashMap<>();
        if (jsonToStdout) {
            out.print(jsonText);
            SimText.memoryWarning(r).ifPresent(w -> err.println("warning: " + w));
            SimText.l2ModelNote(r).ifPresent(n -> err.println("note: " + n)); // the JSON has no notes; the text would
        } else {
            out.print(SimText.format(r));
            simulated.selection().ifPresent(how -> out.println("  selection    " + how));
            comparison.ifPresent(c -> out.print(c.format(compare.get().toString())));
            json.ifPresent(f -> files.put(f, stream -> stream.write(jsonText.getBytes(StandardCharsets.UTF_8))));
        }
        if (trace.isPresent()) {
            ObjectMapper plain = new ObjectMapper();
            byte[] bytes = plain.writeValueAsString(run.trace().orElseThrow().toJson(plain, r.sms()))
                    .getBytes(StandardCharsets.UTF_8);
            files.put(trace.get(), stream -> stream.write(bytes));
        }
        AtomicFiles.writeAll(files); // the JSON and the trace: both or neither
        if (launch.overlapCtas && neverPaired(r)) {
            notes.println("note: --overlap-ctas changed nothing: no SM ever held two CTAs at once");
        }
        if (bench) {
            notes.println(benchLine("  simulation   ", seconds, r));
        }
        out.flush();
        notes.flush();
        return ExitCodes.OK;
    }

    /** The target {@code k} runs on: {@code chosen} (--target's, or a sweep's), or the kernel's own. */
    static TargetSpec targetOf(Loaded loaded, KernelSpec k, Optional<String> chosen) {
        String targetName = chosen.or(k::target).orElseThrow(() -> new CliException(ExitCodes.USAGE,
                "kernel '" + k.name() + "' names no target; choose one with --target (see 'attnkit targets')"));
        return loaded.result().program().target(targetName).orElseThrow(() -> new CliException(
                ExitCodes.USAGE, "no target '" + targetName + "'; see 'attnkit targets'"));
    }

    /** A simulation, and how its block map was decided (empty for static kernels). */
    record Simulated(Simulator.Run run, Optional<String> selection) {
    }

    /** Refuses what {@code t} cannot run and shapes past --max-ctas, before anything is simulated. */
    private void requireRunnable(KernelSpec k, TargetSpec t, SimOptions options) {
        if (t.kind() == TargetSpec.Kind.CPU && (options.schedule() != Schedule.FLASH || options.pass() != Pass.FWD)) {
            throw new CliException(ExitCodes.USAGE, "target '" + t.name() + "' is a CPU: it runs the Java backend's kernel, "
                    + "schedule flash, forward only");
        }
        if (t.kind() == TargetSpec.Kind.CPU && options.dropout() > 0) {
            throw new CliException(ExitCodes.USAGE, "--dropout applies to GPU targets: '" + t.name()
                    + "' is a CPU, and the Java backend's kernel has no dropout");
        }
        SimulationSize.require(k, options, maxCtas);
    }

    /** {@link #requireRunnable}, then the simulation. */
    private Simulated simulate(KernelSpec k, TargetSpec t, SimOptions options, PrintWriter notes) throws IOException {
        requireRunnable(k, t, options);
        DecidedMap decided = DecidedMap.of(k, new DecidedMap.Inputs(q, this.k, seed, syntheticSelection), notes);
        BlockMap map = decided.map();
        BackwardFit.require(k, t, map, options);
        try {
            return new Simulated(Simulator.run(k, t, map, options), decided.selection());
        } catch (OptionsException e) {
            throw new CliException(ExitCodes.USAGE, e.getMessage());
        } catch (IllegalArgumentException e) { // the kernel does not fit its target
            throw new CliException(ExitCodes.INPUT, e.getMessage());
        }
    }

    /** Refuses output paths that cannot be written before the simulation runs, not after. */
    private void checkOutputs(List<Path> read) throws IOException {
        List<Path> inputs = new ArrayList<>(read);
        inputs.addAll(java.util.Arrays.asList(q.orElse(null), k.orElse(null), compare.orElse(null)));
        boolean jsonToFile = json.isPresent() && !json.get().toString().equals("-");
        if (trace.isPresent() && trace.get().toString().equals("-")) {
            throw new CliException(ExitCodes.USAGE, "--trace writes a file; only --json can go to standard output ('-')");
        }
        // first what each names (a device, /dev/stdout), before comparing them with other files
        if (jsonToFile) {
            AtomicFiles.checkWritable(json.get());
        }
        if (trace.isPresent()) {
            AtomicFiles.checkWritable(trace.get());
        }
        if (jsonToFile && trace.isPresent() && OutputPaths.same(json.get(), trace.get())) {
            throw new CliException(ExitCodes.USAGE, "--json and --trace name the same file");
        }
        if (jsonToFile) {
            OutputPaths.notAnInput(json.get(), "--json", inputs);
        }
        if (trace.isPresent()) {
            OutputPaths.notAnInput(trace.get(), "--trace", inputs);
        }
    }

    /**
     * The comparison in the JSON: one object per metric, the error relative to the measured value;
     * with as many launches on each side (more than one), {@code launches} pairs them in order.
     */
    private static void putComparison(ObjectNode tree, ProfileComparison c) {
        ObjectNode node = tree.putObject("comparison");
        node.put("measured_launches", c.measuredLaunches());
        node.put("simulated_launches", c.simulatedLaunches());
        putRows(node, c.rows(), c.unmeasured());
        if (!c.launches().isEmpty()) {
            var launches = node.putArray("launches");
            for (ProfileComparison.LaunchPair l : c.launches()) {
                ObjectNode o = launches.addObject();
                o.put("launch", l.number());
                o.put("simulated", l.simulated());
                o.put("measured", l.measured());
                o.put("measured_id", l.measuredId());
                putRows(o, l.rows(), l.unmeasured());
            }
        }
    }

    private static void putRows(ObjectNode node, List<ProfileComparison.Row> rows, List<String> unmeasured) {
        var array = node.putArray("metrics");
        for (ProfileComparison.Row row : rows) {
            ObjectNode o = array.addObject();
            o.put("metric", row.metric());
            o.put("simulated", row.simulated());
            o.put("measured", row.measured());
            if (!Double.isNaN(row.error())) {
                o.put("error", row.error());
            }
        }
        unmeasured.forEach(node.putArray("not_measured")::add);
    }

    /** No SM held two CTAs at once: the engine fills every SM's first slot before any second one. */
    static boolean neverPaired(SimResult r) {
        return r.launches().stream().allMatch(l -> l.occupancy().ctasPerSm() == 1 || l.grid() <= r.sms());
    }

    /** The --bench line: the simulation's own wall-clock, events and tiles, and their rates. */
    static String benchLine(String head, double seconds, SimResult r) {
        return String.format(Locale.ROOT, "%s%.3f s wall-clock (block map included), %d events, %.3g events/s, %d tiles, "
                + "%.3g tiles/s", head, seconds, r.events(), r.events() / seconds, r.visitedTiles(), r.visitedTiles() / seconds);
    }
}
