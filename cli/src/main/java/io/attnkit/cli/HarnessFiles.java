package io.attnkit.cli;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.cuda.CudaHarness;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.io.AtomicFiles;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Npy;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code attnkit emit --backend cuda --harness}: the harness of one kernel and, on request, its inputs. */
final class HarnessFiles {
    private HarnessFiles() {
    }

    /** What to write besides the code: inputs for {@code seed}, and the reference's O when {@code expected}. */
    record Inputs(boolean write, long seed, boolean expected) {
    }

    /**
     * Writes the harness of {@code one}'s kernel, built for the arch of {@code target} or the
     * kernel's own (sm_90 without either, noted on {@code err}); a CPU target is refused.
     */
    static void write(String backend, Loaded.One one, Optional<String> target, Path output, Inputs inputs,
                      PrintWriter out, PrintWriter err) throws BackendException, IOException, InputException {
        if (!backend.equals("cuda")) {
            throw new CliException(ExitCodes.USAGE, "--harness is for --backend cuda");
        }
        KernelSpec kernel = one.kernel();
        Path file = one.loaded().file();
        Origin origin = Origin.of(file.toString(), Frontend.read(file));
        CudaTargets.Arch chosen = CudaTargets.arch(one.loaded(), kernel, target);
        String arch = chosen.arch();
        if (!inputs.write() && !inputs.expected()) {
            throw new CliException(ExitCodes.USAGE, "--no-expected goes with --write-inputs");
        }
        Map<Path, AtomicFiles.Writer> files = EmitCommand.staged(output, CudaHarness.files(kernel, origin, arch));
        List<Path> read = one.loaded().inputs();
        Path stale = output.resolve("expected.npy");
        if (inputs.write()) { // checked before the reference runs, which takes long at long contexts
            List<Path> npy = new ArrayList<>(List.of(output.resolve("q.npy"), output.resolve("k.npy"), output.resolve("v.npy")));
            if (inputs.expected()) {
                npy.add(stale);
            }
            EmitCommand.notOverInputs(npy, read);
        }
        EmitCommand.notOverInputs(files.keySet(), read);
        Path input = inputs.write() && !inputs.expected() ? OutputPaths.inputAt(stale, read) : null;
        if (input != null) { // removed below, after the writes: refused now, as a write over an input is
            throw new CliException(ExitCodes.USAGE, "--no-expected would remove " + stale + ", which is the input " + input);
        }
        if (inputs.write()) {
            files.putAll(inputFiles(kernel, output, inputs));
        }
        EmitCommand.write(files, read, out); // code and inputs together: all or none
        if (inputs.write() && !inputs.expected() && java.nio.file.Files.deleteIfExists(stale)) {
            // the harness checks O whenever expected.npy exists: an earlier one belongs to other inputs
            out.println("removed " + stale + " (it belonged to earlier inputs)");
        }
        chosen.note().ifPresent(err::println); // after the writes: a refused command prints its error alone
        err.flush();
        out.println("build: cd " + shellQuoted(output.toString()) + " && " + CudaHarness.nvccCommand(arch));
        out.println("run:   ./harness . [REPEATS]   (reads q.npy k.npy v.npy and, to check O, expected.npy: --write-inputs)");
        out.println("       ./harness --random [REPEATS]   (makes its own inputs, checks the tiles only)");
        out.flush();
    }

    /**
     * {@code word} as one POSIX shell word, so that the printed command can be pasted: as it is when
     * it holds only characters the shell leaves alone, else in single quotes, each embedded ' as '\''.
     */
    static String shellQuoted(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_./:@%+=,-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Random normal q, k, v (seeds S, S+1, S+2, as {@code attnkit run --random}) and the float64 reference's O. */
    private static Map<Path, AtomicFiles.Writer> inputFiles(KernelSpec kernel, Path output, Inputs inputs) {
        long seed = inputs.seed();
        Shape s = kernel.shape();
        long elements = (long) s.batch() * s.heads() * s.qLen() * Math.max(s.headDim(), s.vDim());
        if (elements >= Integer.MAX_VALUE || (long) s.batch() * s.kvHeads() * s.kvLen() * Math.max(s.headDim(), s.vDim())
                >= Integer.MAX_VALUE) {
            throw new CliException(ExitCodes.INPUT, "kernel '" + kernel.name() + "' has tensors past 2^31 elements; "
                    + "--write-inputs holds each in one array");
        }
        Tensor q = Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), seed);
        Tensor k = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), seed + 1);
        Tensor v = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), seed + 2);
        List<Named> files = new ArrayList<>(List.of(new Named("q.npy", q), new Named("k.npy", k), new Named("v.npy", v)));
        if (inputs.expected()) {
            double[] o = ReferenceAttention.run(kernel, q, k, v).out();
            float[] expected = new float[o.length];
            for (int i = 0; i < o.length; i++) {
                expected[i] = (float) o[i];
            }
            files.add(new Named("expected.npy", new Tensor(s.batch(), s.heads(), s.qLen(), s.vDim(), expected)));
        }
        Map<Path, AtomicFiles.Writer> writers = new LinkedHashMap<>();
        for (Named file : files) {
            writers.put(output.resolve(file.name()), Npy.writer(file.tensor(), DType.F32));
        }
        return writers;
    }

    private record Named(String name, Tensor tensor) {
    }
}
