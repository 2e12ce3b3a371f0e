package io.attnkit.cli;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.dsl.source.Diagnostic;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.syntax.Formatter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attnkit fmt}: the canonical layout of .attn files, comments kept. */
@Command(name = "fmt", mixinStandardHelpOptions = true,
        description = {"Format .attn files canonically (comments are kept).",
                "Prints the formatted text unless --write or --check is given.",
                "A file with syntax errors is never rewritten."})
final class FmtCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = ".attn files to format")
    List<Path> files;

    @Option(names = {"-w", "--write"}, description = "rewrite files in place (atomically)")
    boolean write;

    @Option(names = "--check", description = "list files that are not formatted; exit code 1 if any")
    boolean check;

    @Override
    public Integer call() throws InputException, IOException {
        if (write && check) {
            throw new CliException(ExitCodes.USAGE, "--write and --check cannot be combined");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int status = ExitCodes.OK;
        boolean unreadable = false; // a file that could not be read or written: exit 2
        for (Path file : files) {
            byte[] text;
            try {
                text = Frontend.read(file);
            } catch (InputException e) { // reported, and the other files are still formatted
                Failures.reportAndGoOn(e, err);
                unreadable = true;
                continue;
            }
            Formatter.Result result = Formatter.format(file.toString(), text);
            if (result.formatted().isEmpty()) {
                for (Diagnostic d : result.diagnostics().sorted()) {
                    err.print(DiagnosticRenderer.render(d));
                }
                err.println(file + ": not formatted: fix the syntax errors first");
                status = ExitCodes.INPUT;
                continue;
            }
            String formatted = result.formatted().get();
            boolean same = !result.changed();
            if (check) {
                if (!same) {
                    out.println(file);
                    status = ExitCodes.INPUT;
                }
            } else if (write) {
                if (!same) {
                    try {
                        AtomicFiles.write(file, formatted); // through a symbolic link, not over it
                    } catch (IOException e) { // reported, and the other files are still formatted
                        Failures.reportAndGoOn(e, err);
                        unreadable = true;
                    }
                }
            } else {
                out.print(formatted);
            }
        }
        out.flush();
        err.flush();
        return unreadable ? ExitCodes.USAGE : status;
    }
}
