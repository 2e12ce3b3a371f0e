package io.attnkit.cli;

import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code attnkit} command. Exit codes: 0 success, 1 errors in the input (diagnostics, a
 * failed check against the reference), 2 usage or I/O errors. Whatever happens, the user sees
 * one-line messages, never a stack trace (set {@code ATTNKIT_DEBUG=1} to get one).
 */
@Command(name = "attnkit",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Attention kernels on accelerators: check .attn files, generate and run kernels, simulate them.",
        subcommands = {
                CheckCommand.class,
                FmtCommand.class,
                TargetsCommand.class,
                EmitCommand.class,
                RunCommand.class,
                TestgenCommand.class,
                SimulateCommand.class,
                ValidateCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code;
        try {
            code = execute(args, out, err);
        } catch (OutOfMemoryError e) { // a shape too big for the heap is not a bug: say how to get more
            err.println("attnkit: error: out of memory: the JVM's heap of " + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB is full; give it more (ATTNKIT_JVM_OPTS=-Xmx8g attnkit ...) or try a smaller shape");
            code = ExitCodes.USAGE;
        } catch (Throwable t) { // an Error escaping picocli: still one line
            err.println("attnkit: internal error: " + Failures.describe(t));
            Failures.debugTrace(t, err);
            code = ExitCodes.INTERNAL;
        }
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the command line, writing to the given streams; returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // mixinStandardHelpOptions gives every subcommand -V; without a provider it printed nothing
        cli.getSubcommands().values().forEach(c -> c.getCommandSpec().versionProvider(new Version()));
        cli.setParameterExceptionHandler((ex, argv) -> {
            CommandLine cmd = ex.getCommandLine();
            String message = dashedFile(cmd, argv).map(f -> "'" + f + "' is read as an option; to name the file, write ./"
                    + f + " or put -- before it").orElse(ex.getMessage().strip().replaceAll("\\s*\\R\\s*", "; "));
            cmd.getErr().println("attnkit: error: " + message + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> Failures.report(ex, cmd.getErr()));
        return cli.execute(args);
    }

    /** An argument that looks like an option, is none of the command's, and names an existing file. */
    private static Optional<String> dashedFile(CommandLine cmd, String[] argv) {
        return java.util.Arrays.stream(argv).filter(a -> a.length() > 1 && a.startsWith("-") && !a.startsWith("--"))
                .filter(a -> cmd.getCommandSpec().findOption(a) == null && java.nio.file.Files.exists(java.nio.file.Path.of(a)))
                .findFirst();
    }
}
