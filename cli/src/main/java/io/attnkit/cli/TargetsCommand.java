package io.attnkit.cli;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.model.WorkingSet;
import io.attnkit.dsl.source.Diagnostic;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.targets.BuiltinTargets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attnkit targets}: the built-in hardware targets, and those a file declares, with their key figures. */
@Command(name = "targets", mixinStandardHelpOptions = true,
        description = "List the built-in hardware targets with their key figures, or every figure of one target; "
                + "with --targets, also the targets an .attn file declares.")
final class TargetsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "a target to describe in full")
    Optional<String> name;

    @Option(names = "--targets", paramLabel = "FILE.attn", description = "an .attn file whose target declarations "
            + "(its own and its imports') are listed after the built-in ones, such as your own machine's (docs/targets.md)")
    Optional<Path> file;

    @Override
    public Integer call() throws InputException {
        PrintWriter out = spec.commandLine().getOut();
        if (file.isPresent()) { // the file's targets are checked as simulate would check them
            Loaded loaded = Loaded.check(file.get(), Optional.empty(), spec.commandLine().getErr());
            if (!loaded.result().ok()) {
                throw new CliException(ExitCodes.INPUT, "'" + file.get() + "' has errors");
            }
            show(loaded.result().program().targets(), out);
            return ExitCodes.OK;
        }
        Frontend.Result result = Frontend.checkText("<targets>", "", BuiltinTargets.library());
        if (!result.ok()) {
            PrintWriter err = spec.commandLine().getErr();
            for (Diagnostic d : result.diagnostics().sorted()) {
                err.print(DiagnosticRenderer.render(d));
            }
            throw new CliException(ExitCodes.INTERNAL, "the built-in targets have errors");
        }
        show(result.program().targets(), out);
        return ExitCodes.OK;
    }

    /** The target named, in full, or the table of all of {@code targets}. */
    private void show(List<TargetSpec> targets, PrintWriter out) {
        if (name.isPresent()) {
            TargetSpec t = targets.stream().filter(x -> x.name().equals(name.get())).findFirst()
                    .orElseThrow(() -> new CliException(ExitCodes.USAGE, "unknown target '" + name.get() + "'; known: "
                            + String.join(", ", targets.stream().map(TargetSpec::name).toList())));
            describe(t, out);
        } else {
            list(targets, out);
        }
        out.flush();
    }

    private static void list(List<TargetSpec> targets, PrintWriter out) {
        List<String[]> rows = new java.util.ArrayList<>();
        rows.add(new String[] {"name", "kind", "backend", "units", "clock", "bf16 TFLOP/s", "f32 TFLOP/s", "on-chip", "L2", "DRAM"});
        for (TargetSpec t : targets) {
            rows.add(new String[] {t.name(), t.kind().name().toLowerCase(Locale.ROOT),
                    t.backend().spelling() + (t.arch().isEmpty() ? "" : " " + t.arch()), Integer.toString(t.units()),
                    String.format(Locale.ROOT, "%.2f GHz", t.clockHz() / 1e9), tflops(t, DType.BF16), tflops(t, DType.F32),
                    t.sharedMemoryBudget() > 0 ? WorkingSet.human(t.sharedMemoryBudget()) : "-",
                    WorkingSet.human(t.l2().bytes()) + (t.l2().perUnit() ? "/" + unit(t) : ""),
                    WorkingSet.human(t.dram().bytes()) + String.format(Locale.ROOT, " %.3g TB/s", t.dram().bytesPerSecond() / 1e12)});
        }
        int[] width = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) { // names left-aligned, figures right-aligned, columns as wide as their widest cell
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                line.append(c == 0 ? "" : "  ").append(String.format(Locale.ROOT, "%" + (c < 3 ? "-" : "") + width[c] + "s", row[c]));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String tflops(TargetSpec t, DType d) {
        double f = t.peakFlops(d);
        return f > 0 ? String.format(Locale.ROOT, "%.1f", f / 1e12) : "-";
    }

    private static String unit(TargetSpec t) {
        return t.kind() == TargetSpec.Kind.GPU ? "sm" : "core";
    }

    private static void describe(TargetSpec t, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"kind", t.kind().name().toLowerCase(Locale.ROOT)});
        rows.add(new String[] {"backend", t.backend().spelling() + (t.arch().isEmpty() ? "" : " " + t.arch())});
        rows.add(new String[] {t.kind() == TargetSpec.Kind.GPU ? "sms" : "cores", String.valueOf(t.units())});
        rows.add(new String[] {"clock", String.format(Locale.ROOT, "%.4g GHz", t.clockHz() / 1e9)});
        for (DType d : DType.values()) {
            if (t.tensorFlops().containsKey(d)) {
                rows.add(new String[] {"tensor " + d, String.format(Locale.ROOT, "%.0f flop/cycle/%s = %.1f TFLOP/s",
                        t.tensorFlops().get(d), unit(t), t.tensorFlops().get(d) * t.units() * t.clockHz() / 1e12)});
            }
        }
        for (DType d : DType.values()) {
            if (t.vectorFlops().containsKey(d)) {
                rows.add(new String[] {"fma " + d, String.format(Locale.ROOT, "%.0f flop/cycle/%s = %.2f TFLOP/s",
                        t.vectorFlops().get(d), unit(t), t.vectorFlops().get(d) * t.units() * t.clockHz() / 1e12)});
            }
        }
        if (t.sfuOps() > 0) {
            rows.add(new String[] {"sfu", String.format(Locale.ROOT, "%.0f op/cycle/%s", t.sfuOps(), unit(t))});
        }
        if (t.kind() == TargetSpec.Kind.GPU) {
            rows.add(new String[] {"smem", WorkingSet.human(t.sharedMemPerUnit()) + "/sm, " + WorkingSet.human(t.sharedMemPerBlock()) + "/block"});
            rows.add(new String[] {"regs", t.registersPerUnit() + "/sm"});
            rows.add(new String[] {"threads", t.maxThreadsPerUnit() + "/sm"});
            rows.add(new String[] {"blocks", t.maxBlocksPerUnit() + "/sm"});
        } else {
            rows.add(new String[] {"simd", t.simdBits() + " bit"});
        }
        t.l1().ifPresent(m -> rows.add(new String[] {"l1", memory(m, t)}));
        rows.add(new String[] {"l2", memory(t.l2(), t)});
        t.l3().ifPresent(m -> rows.add(new String[] {"l3", memory(m, t)}));
        rows.add(new String[] {t.kind() == TargetSpec.Kind.GPU ? "hbm" : "dram", memory(t.dram(), t)});
        if (t.launchOverhead() > 0) {
            rows.add(new String[] {"launch", String.format(Locale.ROOT, "%.3g us", t.launchOverhead() * 1e6)});
        }
        out.println("target " + t.name() + " (" + t.span().location() + ")");
        for (String[] r : rows) {
            out.printf(Locale.ROOT, "  %-14s %s%n", r[0], r[1]);
        }
    }

    private static String memory(TargetSpec.MemoryLevel m, TargetSpec t) {
        StringBuilder b = new StringBuilder(WorkingSet.human(m.bytes()));
        if (m.perUnit()) {
            b.append('/').append(unit(t));
        }
        if (m.bytesPerSecond() > 0) {
            b.append(String.format(Locale.ROOT, ", %.4g TB/s", m.bytesPerSecond() / 1e12));
        }
        if (m.latency() > 0) {
            b.append(String.format(Locale.ROOT, ", latency %.4g ns", m.latency() * 1e9));
        }
        if (m.ways() > 0) {
            b.append(", ").append(m.ways()).append("-way");
        }
        b.append(", line ").append(m.lineBytes()).append(" B");
        return b.toString();
    }
}
