package io.attnkit.codegen.cuda;

import io.attnkit.codegen.BackendException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compiles generated kernels with {@code nvcc -Xptxas -v} and reads ptxas's resource report:
 * registers, shared memory, stack frame and spills per entry function.
 */
public final class Ptxas {
    private static final Pattern ENTRY = Pattern.compile("Compiling entry function '([^']+)' for '(sm_\\w+)'");
    private static final Pattern FRAME = Pattern.compile(
            "(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");
    private static final int TIMEOUT_SECONDS = 600;

    private Ptxas() {
    }

    /** The resources of every entry function in ptxas's verbose output (dynamic shared memory 0). */
    public static List<KernelResources> parse(String output) {
        List<KernelResources> out = new ArrayList<>();
        String function = null;
        String arch = null;
        long[] frame = {0, 0, 0};
        for (String line : output.split("\\R")) {
            Matcher m = ENTRY.matcher(line);
            if (m.find()) {
                function = m.group(1);
                arch = m.group(2);
                frame = new long[] {0, 0, 0};
                continue;
            }
            m = FRAME.matcher(line);
            if (m.find() && function != null) {
                frame = new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
                continue;
            }
            m = USED.matcher(line);
            if (m.find() && function != null) {
                Matcher smem = SMEM.matcher(line);
                out.add(new KernelResources(function, arch, Integer.parseInt(m.group(1)),
                        smem.find() ? Long.parseLong(smem.group(1)) : 0, 0, frame[0], frame[1], frame[2]));
                function = null;
            }
        }
        return List.copyOf(out);
    }

    /** The nvcc command that compiles {@code source} to an object for {@code arch} and prints the report. */
    public static List<String> command(Path source, String arch) {
        return List.of("nvcc", "-arch=" + arch, "-O3", "-c", "-Xptxas", "-v", source.getFileName().toString(), "-o",
                source.getFileName() + "." + arch + ".o");
    }

    /**
     * Compiles {@code model}'s source in {@code dir} for {@code arch} (sm_80, sm_90) and returns the
     * kernel's resources. One-line errors when nvcc is missing or the compilation fails.
     */
    public static KernelResources compile(CudaKernelModel model, String arch, Path dir) throws BackendException {
        CudaHarness.requireSupported(arch);
        try {
            Path source = dir.resolve(CudaEmitter.fileName(model));
            Files.writeString(source, CudaEmitter.source(model));
            String output = run(dir, command(source, arch));
            String function = model.base().function();
            KernelResources r = parse(output).stream().filter(k -> k.function().equals(function)).findFirst()
                    .orElseThrow(() -> new BackendException("ptxas printed no resources for " + function));
            return new KernelResources(r.function(), r.arch(), r.registers(), r.staticSmem(), model.smemBytes(),
                    r.stackFrame(), r.spillStores(), r.spillLoads());
        } catch (IOException e) {
            throw new BackendException("cannot compile with nvcc: " + e.getMessage(), e);
        }
    }

    /** True when {@code nvcc} runs from the PATH. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String run(Path dir, List<String> command) throws IOException, BackendException {
        Path log = Files.createTempFile(dir, "nvcc", ".log");
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new BackendException("nvcc is not on the PATH; install the CUDA toolkit to compile CUDA kernels");
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BackendException("nvcc ran past " + TIMEOUT_SECONDS + " s");
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                Optional<String> error = output.lines().filter(l -> l.contains("error")).findFirst();
                throw new BackendException("nvcc failed: " + error.orElse("exit code " + p.exitValue()));
            }
            return output;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while nvcc ran");
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
