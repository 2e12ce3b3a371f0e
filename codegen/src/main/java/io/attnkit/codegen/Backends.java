package io.attnkit.codegen;

import io.attnkit.codegen.cuda.CudaEmitter;
import io.attnkit.codegen.java.JavaEmitter;
import io.attnkit.codegen.java.JavaRunner;
import io.attnkit.codegen.opencl.OpenClEmitter;
import io.attnkit.codegen.opencl.OpenClRunner;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The backends AttnKit knows, by the name users pass to {@code --backend}. A backend may only
 * emit code (CUDA without a GPU) or also run it on this machine; each row of {@link #ALL} says
 * which. Adding a backend is adding a row.
 */
public final class Backends {

    /** One backend: its name, its code generator, and its runner when it can run here. */
    public record Backend(String name, Supplier<Emitter> emitter, Optional<Supplier<Runner>> runner) {
    }

    private static final List<Backend> ALL = List.of(
            new Backend("java", JavaEmitter::new, Optional.of(JavaRunner::new)),
            new Backend("opencl", OpenClEmitter::new, Optional.of(OpenClRunner::new)),
            new Backend("cuda", CudaEmitter::new, Optional.empty()));

    private Backends() {
    }

    public static List<Backend> all() {
        return ALL;
    }

    /** Names of the backends that generate code. */
    public static List<String> emitters() {
        return ALL.stream().map(Backend::name).toList();
    }

    /** Names of the backends that run kernels on this machine. */
    public static List<String> runners() {
        return ALL.stream().filter(b -> b.runner().isPresent()).map(Backend::name).toList();
    }

    public static Emitter emitter(String name) throws BackendException {
        return find(name).emitter().get();
    }

    public static Runner runner(String name) throws BackendException {
        Backend b = find(name);
        return b.runner().orElseThrow(() -> new BackendException("backend '" + name + "' only generates code; "
                + "backends that run: " + String.join(", ", runners()))).get();
    }

    private static Backend find(String name) throws BackendException {
        for (Backend b : ALL) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new BackendException("unknown backend '" + name + "'; backends: " + String.join(", ", emitters()));
    }
}
