package io.attnkit.cli;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.testing.TestSuiteEmitter;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code attnkit testgen}: a JUnit 5 suite checking the Java kernels of a file against the float64 reference. */
@Command(name = "testgen", mixinStandardHelpOptions = true,
        description = {"Generate JUnit 5 tests for a file's kernels.",
                "For each kernel: the Java kernels of smaller variants of it (ragged lengths, q_len below and above kv_len, "
                        + "GQA, two batch elements; windows, sinks, documents and selector blocks scaled with the lengths) "
                        + "and a test class that runs each on random inputs against the float64 reference, "
                        + "with the tolerance of the kernel's dtype, and checks its K/V tile count against the BlockMap.",
                "The tests need JUnit 5, attnkit-dsl and attnkit-codegen on the test class path, "
                        + "and --add-modules jdk.incubator.vector."})
final class TestgenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true, description = "test source root to write into")
    Path output;

    @Option(names = "--kernel", paramLabel = "NAME", description = "only this kernel")
    Optional<String> kernel;

    @Override
    public Integer call() throws InputException, BackendException, IOException {
        PrintWriter out = spec.commandLine().getOut();
        Loaded.Some some = Loaded.kernels(file, kernel, spec.commandLine().getErr());
        Origin origin = Origin.of(file.toString(), Frontend.read(file));
        List<GeneratedFile> files = new ArrayList<>();
        List<String> summaries = new ArrayList<>();
        TestSuiteEmitter emitter = new TestSuiteEmitter();
        for (KernelSpec k : some.kernels()) {
            List<GeneratedFile> suite = emitter.emit(k, origin);
            files.addAll(suite);
            summaries.add(k.name() + ": " + (suite.size() - 1) + " variants, " + output.resolve(suite.getLast().path()));
        }
        EmitCommand.write(output, files, some.loaded().inputs(), out);
        summaries.forEach(out::println);
        out.flush();
        return ExitCodes.OK;
    }
}
