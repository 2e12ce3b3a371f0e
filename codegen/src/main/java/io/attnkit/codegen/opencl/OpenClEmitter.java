package io.attnkit.codegen.opencl;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Emitter;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.c.CKernelModel;
import io.attnkit.codegen.c.CTemplates;
import io.attnkit.dsl.model.KernelSpec;
import java.util.List;

/**
 * The OpenCL backend's code generator: one {@code <kernel>.cl} per kernel, rendered by the
 * {@code opencl.stg} group over the shared C99 core. The entry point has the kernel's name and
 * takes {@code q, k, v, o, tiles_loaded}; launch it with {@link #globalSize} and {@link #localSize}.
 */
public final class OpenClEmitter implements Emitter {
    static final String GROUP = "io/attnkit/codegen/opencl/opencl.stg";

    @Override
    public String backend() {
        return "opencl";
    }

    @Override
    public List<GeneratedFile> emit(KernelSpec kernel, Origin origin) throws BackendException {
        CKernelModel model = CKernelModel.of(kernel, origin, backend());
        return List.of(new GeneratedFile(model.function() + ".cl", source(model)));
    }

    /** The OpenCL C source of a kernel's model. */
    static String source(CKernelModel model) throws BackendException {
        return CTemplates.load(GROUP).render("file", "m", model);
    }

    /** The NDRange: q-blocks × heads × batch work-groups of {@link #localSize} threads. */
    static long[] globalSize(CKernelModel m) {
        return new long[] {(long) m.qBlocks() * m.qTile(), m.heads(), m.batch()};
    }

    static long[] localSize(CKernelModel m) {
        return new long[] {m.qTile(), 1, 1};
    }
}
