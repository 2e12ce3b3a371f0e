package io.attnkit.cli;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.source.Diagnostic;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.source.Span;
import io.attnkit.targets.BuiltinTargets;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** A checked input file, its diagnostics already printed. */
record Loaded(Path file, Frontend.Result result) {

    /** Checks {@code file} against the built-in targets, printing every diagnostic to {@code err}. */
    static Loaded check(Path file, Optional<String> target, PrintWriter err) throws InputException {
        return printed(file, Frontend.check(file, BuiltinTargets.library(), target), err);
    }

    /**
     * Checks {@code text} as the file at {@code file} (the sweep point {@code point}'s rewrite of
     * {@code original}), printing the diagnostics only when there are errors: the file's own
     * warnings were printed once already.
     */
    static Loaded checkVariant(Path file, byte[] text, SourceFile original, String point, Optional<String> target,
                               PrintWriter err) throws InputException {
        Frontend.Result result = Frontend.check(file, text, BuiltinTargets.library(), target);
        return result.ok() ? new Loaded(file, result) : printed(file, result, rewritten(original, point), err);
    }

    /**
     * Marks a sweep point's diagnostic that quotes a line the sweep rewrote: the line is shown
     * with the point's value but at the file's line and column, as if the user had written it
     * (the user's report: "q_len 0" quoted as line 7 of a file whose line 7 says "q_len 8000").
     * A sweep edits values in place and adds no line, so the file's line of the same number is
     * the one to compare; lines the sweep left alone (and imported files) are quoted as they are.
     */
    static UnaryOperator<Diagnostic> rewritten(SourceFile original, String point) {
        return d -> {
            Span at = d.span();
            if (!at.isKnown() || !at.source().name().equals(original.name()) || at.source().text().equals(original.text())) {
                return d;
            }
            int line = at.line();
            if (line <= original.lineCount() && original.line(line).equals(at.source().line(line))) {
                return d;
            }
            List<String> notes = new ArrayList<>(d.notes());
            notes.add("line " + line + " is shown as --sweep rewrote it for the point " + point
                    + ", not as the file has it");
            return new Diagnostic(d.severity(), d.code(), d.message(), at, notes);
        };
    }

    private static Loaded printed(Path file, Frontend.Result result, PrintWriter err) {
        return printed(file, result, UnaryOperator.identity(), err);
    }

    private static Loaded printed(Path file, Frontend.Result result, UnaryOperator<Diagnostic> mark, PrintWriter err) {
        for (Diagnostic d : result.diagnostics().sorted()) {
            err.print(DiagnosticRenderer.render(mark.apply(d)));
        }
        int errors = result.diagnostics().errorCount();
        if (errors > 0) {
            err.println(errors + " error" + (errors == 1 ? "" : "s") + " in " + file);
        }
        err.flush();
        return new Loaded(file, result);
    }

    /** Every file the check read (the file and its imports) and the router weights its kernels name. */
    List<Path> inputs() {
        List<Path> paths = new java.util.ArrayList<>();
        result.files().forEach(f -> paths.add(Path.of(f.source().name())));
        for (KernelSpec k : result.program().kernels()) {
            for (var g : k.groups()) {
                if (g.mode() instanceof io.attnkit.dsl.model.HeadGroup.HeadMode.Routed r) {
                    r.router().weights().map(Path::of).ifPresent(paths::add);
                }
            }
        }
        return paths;
    }

    /**
     * Checks {@code file} and picks one kernel from it: the one named, or the only one. Input
     * errors end the command with exit code 1.
     */
    static Loaded.One kernel(Path file, Optional<String> name, Optional<String> target, PrintWriter err)
            throws InputException {
        return pick(check(file, target, err), name);
    }

    /** How a sweep writes its first point into the root file's text, for kernel {@code kernel}. */
    interface FirstPoint {
        String rewrite(String fileName, String text, String kernel);
    }

    /**
     * {@link #kernel} for a sweep: a file whose own values {@code target} refuses (tiles too large
     * for the first swept target, say) is taken as its first point makes it, since each point is
     * checked as its values make it; a file that fails either way reports its own errors, unless
     * it passes without the sweep (against {@code ownTarget}, --target or its own): then the first
     * point is at fault and is named, in {@code pointHasErrors}, as a later point would be.
     */
    static Loaded.One kernelOfSweep(Path file, Optional<String> name, Optional<String> target, Optional<String> ownTarget,
                                    FirstPoint first, String firstLabel, String pointHasErrors, PrintWriter err)
            throws InputException {
        Frontend.Result own = Frontend.check(file, BuiltinTargets.library(), target);
        Optional<String> kernel = name.or(() -> own.rootKernels().size() == 1
                ? Optional.of(own.rootKernels().getFirst()) : Optional.empty());
        if (!own.ok() && kernel.isPresent() && own.rootKernels().contains(kernel.get())) {
            var root = own.files().getFirst().source();
            Frontend.Result firstPoint;
            try {
                String text = first.rewrite(root.name(), root.text(), kernel.get());
                firstPoint = Frontend.check(file, text.getBytes(StandardCharsets.UTF_8), BuiltinTargets.library(), target);
            } catch (CliException e) { // a kernel the sweep cannot write into: its own errors say more
                firstPoint = own;
            }
            if (firstPoint.ok()) {
                return pick(printed(file, firstPoint, rewritten(root, firstLabel), err), name);
            }
            if (Frontend.check(file, BuiltinTargets.library(), ownTarget).ok()) {
                printed(file, firstPoint, rewritten(root, firstLabel), err);
                throw new CliException(ExitCodes.INPUT, pointHasErrors);
            }
        }
        return pick(printed(file, own, err), name);
    }

    /** The kernel named, or the only one the file declares; a file with errors ends the command. */
    private static Loaded.One pick(Loaded loaded, Optional<String> name) {
        Path file = loaded.file();
        if (!loaded.result().ok()) {
            throw new CliException(ExitCodes.INPUT, "'" + file + "' has errors");
        }
        List<KernelSpec> kernels = loaded.result().kernelsOfRoot();
        KernelSpec kernel;
        if (name.isPresent()) {
            kernel = loaded.result().program().kernel(name.get()).orElseThrow(() -> new CliException(ExitCodes.USAGE,
                    "no kernel '" + name.get() + "' in " + file + "; it declares " + names(kernels)));
        } else if (kernels.size() == 1) {
            kernel = kernels.getFirst();
        } else if (kernels.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "'" + file + "' declares no kernel" + imported(loaded));
        } else {
            throw new CliException(ExitCodes.USAGE, "'" + file + "' declares " + kernels.size() + " kernels ("
                    + names(kernels) + "); choose one with --kernel");
        }
        return new One(loaded, kernel);
    }

    /** "; it imports a, b: choose one with --kernel", for a file whose kernels all come from its imports. */
    private static String imported(Loaded loaded) {
        List<KernelSpec> all = loaded.result().program().kernels();
        return all.isEmpty() ? "" : " of its own; it imports " + names(all) + ": choose one with --kernel";
    }

    /**
     * Checks {@code file} (against {@code target} when given) and returns the kernel named, or
     * every kernel it declares, with the checked file (whose {@link #inputs()} a command must not
     * write over). Input errors end the command with exit code 1.
     */
    static Some kernels(Path file, Optional<String> name, Optional<String> target, PrintWriter err) throws InputException {
        if (name.isPresent()) {
            One one = kernel(file, name, target, err);
            return new Some(one.loaded(), List.of(one.kernel()));
        }
        Loaded loaded = check(file, target, err);
        if (!loaded.result().ok()) {
            throw new CliException(ExitCodes.INPUT, "'" + file + "' has errors");
        }
        if (loaded.result().kernelsOfRoot().isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "'" + file + "' declares no kernel" + imported(loaded));
        }
        return new Some(loaded, loaded.result().kernelsOfRoot());
    }

    private static String names(List<KernelSpec> kernels) {
        return String.join(", ", kernels.stream().map(KernelSpec::name).toList());
    }

    /** One kernel of a checked file. */
    record One(Loaded loaded, KernelSpec kernel) {
    }

    /** Kernels of a checked file: the one named, or all it declares. */
    record Some(Loaded loaded, List<KernelSpec> kernels) {
    }
}
