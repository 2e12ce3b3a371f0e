package io.attnkit.codegen;

import io.attnkit.dsl.model.KernelSpec;
import java.util.List;

/** A code generator for one target language. */
public interface Emitter {
    /** The name users pass to {@code --backend}: java, opencl, cuda. */
    String backend();

    /** The readable source of {@code kernel}, with a header naming {@code origin}. */
    List<GeneratedFile> emit(KernelSpec kernel, Origin origin) throws BackendException;
}
