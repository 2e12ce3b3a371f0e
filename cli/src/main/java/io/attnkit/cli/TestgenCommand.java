package io.attnkit.cli;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.testing.TestSuiteEmitter;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.select.RouterWeights;
import io.attnkit.dsl.select.WeightsException;
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
                        + "and --add-modules jdk.incubator.vector.",
                "Router weights are read (and refused, as run refuses them) before anything is written; the tests name "
                        + "them relative to the directory testgen runs in, and read them relative to the one they run in."})
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
        AtomicFiles.checkDirectory(output); // before any work
        Loaded.Some some = Loaded.kernels(file, kernel, Optional.empty(), spec.commandLine().getErr());
        Origin origin = Origin.of(file.toString(), Frontend.read(file));
        List<GeneratedFile> files = new ArrayList<>();
        List<String> summaries = new ArrayList<>();
        TestSuiteEmitter emitter = new TestSuiteEmitter();
        Path here = Path.of("").toAbsolutePath();
        for (KernelSpec k : some.kernels()) {
            List<GeneratedFile> suite = emitter.emit(withWeightsFrom(k, here, summaries), origin);
            files.addAll(suite);
            summaries.add(k.name() + ": " + (suite.size() - 1) + " variants, " + output.resolve(suite.getLast().path()));
        }
        EmitCommand.write(output, files, some.loaded().inputs(), out);
        summaries.forEach(out::println);
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * {@code kernel} with each router's weights read as run reads them (a missing, malformed or
     * non-finite file ends the command with exit 2, before anything is written) and named relative
     * to {@code here}. The front end resolves a weights path against the .attn file's directory,
     * an absolute path that would tie the generated test to this machine; the test's variants are
     * checked relative to the directory the test runs in, which for a build tool is the project
     * directory testgen is run from.
     */
    private static KernelSpec withWeightsFrom(KernelSpec kernel, Path here, List<String> notes) {
        List<HeadGroup> groups = new ArrayList<>();
        for (HeadGroup g : kernel.groups()) {
            if (g.mode() instanceof HeadMode.Routed r && r.router().weights().isPresent()) {
                RouterSpec router = r.router();
                Path weights = Path.of(router.weights().get());
                try {
                    RouterWeights.load(weights, router, kernel.shape().headDim());
                } catch (WeightsException e) {
                    throw new CliException(ExitCodes.USAGE, e.getMessage());
                }
                Path relative = weights.isAbsolute() && weights.getRoot().equals(here.getRoot()) ? here.relativize(weights) : weights;
                RouterSpec named = new RouterSpec(router.name(), router.pool(), router.hidden(), Optional.of(relative.toString()),
                        router.sparseRatio(), router.span());
                groups.add(new HeadGroup(g.heads(), new HeadMode.Routed(named, r.full(), r.sparse()), g.span()));
            } else {
                groups.add(g);
            }
        }
        if (groups.equals(kernel.groups())) {
            return kernel;
        }
        groups.stream().map(HeadGroup::mode)
                .flatMap(m -> m instanceof HeadMode.Routed r ? r.router().weights().stream() : java.util.stream.Stream.empty())
                .distinct().forEach(w -> notes.add("note: the tests of kernel " + kernel.name() + " read router weights '" + w
                        + "' relative to the directory they run in; run them from " + here));
        return new KernelSpec(kernel.name(), kernel.shape(), kernel.dtype(), kernel.accumulate(), kernel.scale(), kernel.tiles(),
                kernel.target(), kernel.mask(), groups, kernel.span());
    }
}
