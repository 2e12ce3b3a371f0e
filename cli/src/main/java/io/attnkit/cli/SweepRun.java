package io.attnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.syntax.SourceParser;
import io.attnkit.sim.OptionsException;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Simulator;
import io.attnkit.sim.report.SimJson;
import io.attnkit.sim.report.SimText;
import io.attnkit.sim.report.SweepText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code attnkit simulate --sweep}: every point checked first, then simulated as many at once as
 * there are cores, then a table row (or a JSON object) each, in the order of the grid. What a
 * single run does with one kernel and one target, {@link SimulateCommand} supplies.
 */
final class SweepRun {
    /** What the command checks of a kernel on a target before simulating it (options, --max-ctas). */
    interface Check {
        void require(KernelSpec kernel, TargetSpec target);
    }

    /** One simulation as a single run makes it, its notes (how a data-dependent map was decided) to {@code notes}. */
    interface Simulation {
        SimulateCommand.Simulated run(KernelSpec kernel, TargetSpec target, PrintWriter notes) throws IOException;
    }

    /** The command line's settings a sweep reads. */
    record Settings(Path file, Optional<String> target, SimOptions options, Optional<Path> json, boolean bench,
                    boolean overlapCtas) {
    }

    private final Settings settings;
    private final List<Sweep> sweeps;
    private final List<List<String>> points;
    private final List<String> keys;

    SweepRun(Settings settings, List<Sweep> sweeps, List<List<String>> points) {
        this.settings = settings;
        this.sweeps = sweeps;
        this.points = points;
        this.keys = sweeps.stream().map(Sweep::key).toList();
    }

    /** A point of a sweep, checked: its values, its kernel as the values make it, the target it runs on. */
    private record Point(List<String> values, KernelSpec kernel, TargetSpec target) {
    }

    /** A point simulated: the simulation, its wall-clock, and the notes it printed (how its map was decided). */
    private record Done(SimulateCommand.Simulated simulated, double seconds, String notes) {
    }

    /**
     * One simulation per point of the sweeps, a table row each; the JSON holds every result,
     * with the values that made it.
     */
    int run(Loaded.One one, Check check, Simulation simulation, PrintWriter out, PrintWriter err, PrintWriter notes,
            boolean jsonToStdout) throws InputException, IOException {
        List<Point> checked = checkPoints(one, check, err);
        List<SimResult> results = new ArrayList<>();
        List<String> benches = new ArrayList<>();
        ObjectMapper mapper = SimJson.mapper();
        ObjectNode tree = mapper.createObjectNode();
        keys.forEach(tree.putArray("sweep")::add);
        var array = tree.putArray("points");
        List<Done> done = simulateAll(checked, simulation);
        for (int i = 0; i < checked.size(); i++) {
            Point p = checked.get(i);
            String label = label(p.values());
            SimulateCommand.Simulated simulated = done.get(i).simulated();
            notes.print(done.get(i).notes());
            SimResult r = simulated.run().result();
            results.add(r);
            if (settings.bench()) {
                benches.add(SimulateCommand.benchLine("  simulation   " + label + ": ", done.get(i).seconds(), r));
            }
            SimText.memoryWarning(r).ifPresent(w -> err.println("warning: " + label + ": " + w));
            SimText.l2ModelNote(r).ifPresent(n -> err.println("note: " + label + ": " + n));
            ObjectNode point = SimJson.tree(mapper, r);
            ObjectNode values = point.putObject("sweep_values");
            for (int j = 0; j < keys.size(); j++) {
                values.put(keys.get(j), p.values().get(j));
            }
            simulated.selection().ifPresent(how -> point.put("selection", how));
            array.add(point);
        }
        String jsonText = mapper.writeValueAsString(tree) + "\n";
        if (jsonToStdout) {
            out.print(jsonText);
        } else {
            out.print(SweepText.format(keys, points, results));
            if (settings.json().isPresent()) {
                AtomicFiles.write(settings.json().get(), jsonText);
            }
        }
        if (settings.overlapCtas() && results.stream().allMatch(SimulateCommand::neverPaired)) {
            notes.println("note: --overlap-ctas changed nothing: no SM ever held two CTAs at once");
        }
        if (settings.bench() && done.size() > 1) {
            benches.add("  (points simulated " + threads(done.size()) + " at a time: each time is its own wall-clock)");
        }
        benches.forEach(notes::println);
        out.flush();
        notes.flush();
        return ExitCodes.OK;
    }

    /**
     * Every point of the sweeps checked before any is simulated, so that a bad one is reported
     * before minutes of simulation: the file with the values written in, the target, --max-ctas,
     * and for static block maps the options and the backward's fit (a data-dependent map is
     * decided only when simulated).
     */
    private List<Point> checkPoints(Loaded.One one, Check check, PrintWriter err) throws InputException {
        String name = one.kernel().name();
        // The file as written, not as the first point rewrote it (when its own values did not fit).
        String fileName = settings.file().toString();
        SourceFile original = SourceParser.parse(fileName, Frontend.read(settings.file()), new Diagnostics()).source();
        String root = original.text();
        if (Sweep.target(sweeps, points.getFirst()).or(settings::target).isEmpty()) {
            SimulateCommand.targetOf(one.loaded(), one.kernel(), Optional.empty()); // no target, whatever the point
        }
        List<Point> checked = new ArrayList<>();
        for (List<String> values : points) {
            String text = Sweep.rewrite(fileName, root, name, sweeps, values);
            Optional<String> chosen = Sweep.target(sweeps, values).or(settings::target);
            Loaded variant;
            try {
                variant = Loaded.checkVariant(settings.file(), text.getBytes(StandardCharsets.UTF_8), original, label(values),
                        chosen, err);
            } catch (InputException e) { // an unknown target
                throw new CliException(ExitCodes.USAGE, "--sweep " + label(values) + ": " + e.getMessage());
            }
            if (!variant.result().ok()) {
                throw new CliException(ExitCodes.INPUT, hasErrors(settings.file(), keys, values));
            }
            try {
                KernelSpec k = variant.result().program().kernel(name).orElseThrow();
                TargetSpec t = SimulateCommand.targetOf(variant, k, chosen);
                check.require(k, t);
                if (HeadMasks.of(k).isStatic()) {
                    BlockMap map = BlockMap.of(k);
                    BackwardFit.require(k, t, map, settings.options());
                    Simulator.check(k, t, map, settings.options());
                }
                checked.add(new Point(values, k, t));
            } catch (CliException e) {
                throw new CliException(e.exitCode(), "--sweep " + label(values) + ": " + e.getMessage());
            } catch (OptionsException e) {
                throw new CliException(ExitCodes.USAGE, "--sweep " + label(values) + ": " + e.getMessage());
            }
        }
        return checked;
    }

    private static int threads(int points) {
        return Math.max(1, Math.min(points, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Simulates the points, as many at once as there are cores: each is independent and
     * deterministic, so the results are those of one at a time (a test compares them), in order.
     */
    private List<Done> simulateAll(List<Point> checked, Simulation simulation) throws IOException {
        try (ExecutorService pool = Executors.newFixedThreadPool(threads(checked.size()))) {
            List<Future<Done>> futures = new ArrayList<>();
            for (Point p : checked) {
                futures.add(pool.submit(() -> {
                    StringWriter text = new StringWriter();
                    PrintWriter notes = new PrintWriter(text);
                    long start = System.nanoTime();
                    SimulateCommand.Simulated simulated = simulation.run(p.kernel(), p.target(), notes);
                    notes.flush();
                    return new Done(simulated, (System.nanoTime() - start) / 1e9, text.toString());
                }));
            }
            List<Done> done = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    done.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    for (Future<Done> f : futures) {
                        f.cancel(false); // the points not started yet
                    }
                    // what only a decided block map shows, a kernel too large for its target
                    if (e.getCause() instanceof CliException c) {
                        throw new CliException(c.exitCode(), "--sweep " + label(checked.get(i).values()) + ": "
                                + c.getMessage());
                    }
                    switch (e.getCause()) {
                        case IOException io -> throw io;
                        case RuntimeException r -> throw r;
                        case Error error -> throw error;
                        default -> throw new IllegalStateException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            return done;
        }
    }

    /** "q_len 4K, tile.q 64": the point a message or a line is about. */
    private String label(List<String> point) {
        return label(keys, point);
    }

    /** The message of a point whose values make {@code file} fail its check; the first point's too (Loaded). */
    static String hasErrors(Path file, List<String> keys, List<String> point) {
        return "--sweep " + label(keys, point) + ": '" + file + "' has errors with "
                + (keys.size() == 1 ? "that value" : "those values");
    }

    static String label(List<String> keys, List<String> point) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            b.append(i > 0 ? ", " : "").append(keys.get(i)).append(' ').append(point.get(i));
        }
        return b.toString();
    }
}
