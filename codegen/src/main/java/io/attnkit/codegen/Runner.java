package io.attnkit.codegen;

import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.reference.Tensor;

/** A backend that runs kernels on this machine. */
public interface Runner {
    /** The name users pass to {@code --backend}. */
    String backend();

    /**
     * Whether {@link RunOptions#threads()} applies: a backend that runs on a device (OpenCL) sets
     * its own parallelism, and a {@code --threads} given to it would be ignored without a word.
     */
    default boolean usesThreads() {
        return true;
    }

    /** Generates and compiles {@code kernel}; the result runs any number of inputs. */
    CompiledKernel compile(KernelSpec kernel, RunOptions options) throws BackendException;

    /** Backend settings: {@code device} selects an OpenCL device by index or name, when it applies. */
    record RunOptions(String device, int threads) {
        public static final RunOptions DEFAULT = new RunOptions("", Runtime.getRuntime().availableProcessors());
    }

    /** The input of one run. For data-dependent kernels, {@code masks} and {@code selection} hold this input's decisions. */
    record Inputs(Tensor q, Tensor k, Tensor v, HeadMasks masks, Selection selection) {
        /** Inputs of a kernel whose masks do not depend on the data. */
        public static Inputs of(KernelSpec kernel, Tensor q, Tensor k, Tensor v) {
            return new Inputs(q, k, v, HeadMasks.of(kernel), Selection.NONE);
        }
    }

    /**
     * What a run produced. {@code kvTilesLoaded} is counted by the kernel itself, one per K/V
     * tile it loads: it must equal the BlockMap's visited tiles, which the simulator charges.
     */
    record Execution(Tensor out, long kvTilesLoaded, long nanos) {
    }

    /** A compiled kernel, ready to run. */
    interface CompiledKernel extends AutoCloseable {
        KernelSpec kernel();

        /** The device it runs on, for backends that choose one ({@code --device}); empty for the JVM. */
        default String device() {
            return "";
        }

        /**
         * The threads one run starts, for a backend that runs on this machine's cores: those asked
         * for ({@link RunOptions#threads()}), capped by the work items there are to share out (a
         * thread with no item is never started). 0 for a backend that runs on a device.
         */
        default int threadsUsed() {
            return 0;
        }

        Execution run(Inputs inputs) throws BackendException;

        @Override
        default void close() {
        }
    }
}
