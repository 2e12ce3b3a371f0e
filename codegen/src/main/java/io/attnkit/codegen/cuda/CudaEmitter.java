package io.attnkit.codegen.cuda;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Emitter;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.c.CTemplates;
import io.attnkit.dsl.model.KernelSpec;
import java.util.List;

/**
 * The CUDA backend's code generator: one {@code <kernel>.cu} per kernel, rendered by {@code
 * cuda.stg} over the shared C99 core. The entry point is {@code extern "C"}, named after the
 * kernel, and takes {@code q, k, v, o, tiles_loaded}; launch it on a grid of (q-blocks, heads,
 * batch) blocks of {@code ATTN_THREADS} threads with {@code ATTN_SMEM_BYTES} of dynamic shared
 * memory (both defined in the file). Code only: there is no CUDA runner.
 */
public final class CudaEmitter implements Emitter {
    static final String GROUP = "io/attnkit/codegen/cuda/cuda.stg";

    @Override
    public String backend() {
        return "cuda";
    }

    @Override
    public List<GeneratedFile> emit(KernelSpec kernel, Origin origin) throws BackendException {
        CudaKernelModel model = CudaKernelModel.of(kernel, origin);
        return List.of(new GeneratedFile(fileName(model), source(model)));
    }

    /** {@code <function>.cu}. */
    public static String fileName(CudaKernelModel model) {
        return model.base().function() + ".cu";
    }

    /** {@code attn_npy.h}: the harness's .npy reader, plain C++17. */
    public static String npyReader() throws BackendException {
        return CTemplates.load(GROUP).render("npyReader", "unused", null);
    }

    /** The CUDA source of a kernel's model. */
    public static String source(CudaKernelModel model) throws BackendException {
        return CTemplates.load(GROUP).render("cudaFile", "c", model);
    }
}
