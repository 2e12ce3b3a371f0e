package io.attnkit.cli;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Backends;
import io.attnkit.codegen.Emitter;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.cuda.CudaHarness;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.dsl.model.KernelSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code attnkit emit}: the readable source of a file's kernels for one backend, written atomically. */
@Command(name = "emit", mixinStandardHelpOptions = true,
        description = {"Generate kernel source for a backend.",
                "Every file names the .attn file and its sha256 in its header. Without --kernel, every kernel of FILE is emitted.",
                "All files are written to temporary files first and moved into place only when all were written."})
final class EmitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "java",
            description = "code generator (default: ${DEFAULT-VALUE}); one of: ${COMPLETION-CANDIDATES}",
            completionCandidates = EmitterNames.class)
    String backend;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true, description = "directory to write into")
    Path output;

    @Option(names = "--kernel", paramLabel = "NAME", description = "emit only this kernel")
    Optional<String> kernel;

    @Option(names = "--target", paramLabel = "NAME", description = "check the kernels against this target instead of "
            + "their own; with --backend cuda a GPU, whose arch the harness is built for (default: the kernel's own, "
            + "else " + CudaHarness.DEFAULT_ARCH + ")")
    Optional<String> target;

    @Option(names = "--harness", description = "with --backend cuda: also write a self-checking host program "
            + "(harness.cu, attn_npy.h) and build.sh with its nvcc command; one kernel per directory")
    boolean harness;

    @Option(names = "--write-inputs", description = "with --harness: write q.npy, k.npy, v.npy (random normal values, "
            + "--seed) and expected.npy (the float64 reference rounded to float32, which the harness reads) for the harness; "
            + "all float32")
    boolean writeInputs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of --write-inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-expected", description = "with --write-inputs: skip expected.npy (the float64 reference is slow "
            + "at long contexts); the harness then checks the tile counters only")
    boolean noExpected;

    @Override
    public Integer call() throws InputException, BackendException, IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Emitter emitter = Backends.emitter(backend);
        AtomicFiles.checkDirectory(output); // before any work
        if (harness) {
            HarnessFiles.write(backend, Loaded.kernel(file, kernel, target, err), target, output,
                    new HarnessFiles.Inputs(writeInputs, seed, !noExpected), out, err);
            return ExitCodes.OK;
        }
        Loaded.Some some = Loaded.kernels(file, kernel, target, err);
        Origin origin = Origin.of(file.toString(), Frontend.read(file));
        if (writeInputs || noExpected) {
            throw new CliException(ExitCodes.USAGE, "--write-inputs and --no-expected go with --harness");
        }
        if (backend.equals("cuda")) {
            for (KernelSpec k : some.kernels()) { // refuses CPU targets before anything is written
                CudaTargets.of(some.loaded(), k, target);
            }
        }
        List<GeneratedFile> files = new ArrayList<>();
        for (KernelSpec k : some.kernels()) {
            files.addAll(emitter.emit(k, origin));
        }
        write(output, files, some.loaded().inputs(), out);
        return ExitCodes.OK;
    }

    /**
     * Writes generated files under {@code output}, all or none, and names each on {@code out};
     * refused, before anything is written, when one of them is one of {@code inputs}.
     */
    static void write(Path output, List<GeneratedFile> generated, List<Path> inputs, PrintWriter out) throws IOException {
        write(staged(output, generated), inputs, out);
    }

    /** Each generated file's place under {@code output} and what writes it; two files in one place are refused. */
    static Map<Path, AtomicFiles.Writer> staged(Path output, List<GeneratedFile> generated) throws IOException {
        Map<Path, AtomicFiles.Writer> files = new LinkedHashMap<>();
        for (GeneratedFile f : generated) {
            byte[] bytes = f.content().getBytes(StandardCharsets.UTF_8);
            AtomicFiles.under(output, f.path()); // refuses a path that leaves output
            if (files.put(output.resolve(f.path()), stream -> stream.write(bytes)) != null) {
                throw new CliException(ExitCodes.USAGE, "two kernels generate " + f.path() + "; emit them one at a time with --kernel");
            }
        }
        return files;
    }

    /**
     * Writes {@code files}, all or none, and names each on {@code out}; refused, before anything
     * is written, when one of them is one of {@code inputs} (a generated k.cu over the k.cu read).
     */
    static void write(Map<Path, AtomicFiles.Writer> files, List<Path> inputs, PrintWriter out) throws IOException {
        notOverInputs(files.keySet(), inputs);
        AtomicFiles.writeAll(files);
        for (Path path : files.keySet()) {
            out.println("wrote " + path);
        }
        out.flush();
    }

    /** Refuses the generated {@code paths} when one of them is one of the command's {@code inputs}. */
    static void notOverInputs(java.util.Collection<Path> paths, List<Path> inputs) throws IOException {
        for (Path path : paths) {
            OutputPaths.notAnInput(path, "the generated", inputs);
        }
    }

    /** The backend names for the help text. */
    static final class EmitterNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Backends.emitters().iterator();
        }
    }
}
