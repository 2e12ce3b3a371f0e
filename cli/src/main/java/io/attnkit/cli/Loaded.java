package io.attnkit.cli;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.source.Diagnostic;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.targets.BuiltinTargets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A checked input file, its diagnostics already printed. */
record Loaded(Path file, Frontend.Result result) {

    /** Checks {@code file} against the built-in targets, printing every diagnostic to {@code err}. */
    static Loaded check(Path file, Optional<String> target, PrintWriter err) throws InputException {
        return printed(file, Frontend.check(file, BuiltinTargets.library(), target), err);
    }

    /**
     * Checks {@code text} as the file at {@code file} (a variant of it, such as a sweep's), printing
     * the diagnostics only when there are errors: the file's own warnings were printed once already.
     */
    static Loaded checkVariant(Path file, byte[] text, Optional<String> target, PrintWriter err) throws InputException {
        Frontend.Result result = Frontend.check(file, text, BuiltinTargets.library(), target);
        return result.ok() ? new Loaded(file, result) : printed(file, result, err);
    }

    private static Loaded printed(Path file, Frontend.Result result, PrintWriter err) {
        for (Diagnostic d : result.diagnostics().sorted()) {
            err.print(DiagnosticRenderer.render(d));
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
        Loaded loaded = check(file, target, err);
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
            throw new CliException(ExitCodes.USAGE, "'" + file + "' declares no kernel");
        } else {
            throw new CliException(ExitCodes.USAGE, "'" + file + "' declares " + kernels.size() + " kernels ("
                    + names(kernels) + "); choose one with --kernel");
        }
        return new One(loaded, kernel);
    }

    /**
     * Checks {@code file} and returns the kernel named, or every kernel it declares. Input errors
     * end the command with exit code 1.
     */
    static List<KernelSpec> kernels(Path file, Optional<String> name, PrintWriter err) throws InputException {
        if (name.isPresent()) {
            return List.of(kernel(file, name, Optional.empty(), err).kernel());
        }
        Loaded loaded = check(file, Optional.empty(), err);
        if (!loaded.result().ok()) {
            throw new CliException(ExitCodes.INPUT, "'" + file + "' has errors");
        }
        if (loaded.result().kernelsOfRoot().isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "'" + file + "' declares no kernel");
        }
        return loaded.result().kernelsOfRoot();
    }

    private static String names(List<KernelSpec> kernels) {
        return String.join(", ", kernels.stream().map(KernelSpec::name).toList());
    }

    /** One kernel of a checked file. */
    record One(Loaded loaded, KernelSpec kernel) {
    }
}
