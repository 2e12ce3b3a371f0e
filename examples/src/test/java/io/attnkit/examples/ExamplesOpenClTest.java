package io.attnkit.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.opencl.OpenClCheck;
import io.attnkit.codegen.opencl.OpenClEmitter;
import io.attnkit.codegen.testing.ShapeShrinker;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.targets.BuiltinTargets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example on OpenCL (PoCL in CI): each kernel with static masks, at every shrunk shape
 * ShapeShrinker makes of it (ragged tails, q_len on either side of kv_len, GQA, two batch
 * elements), against the float64 reference and the BlockMap's tile count. Kernels whose masks
 * are decided on the data are refused in one line. Skipped, with the reason printed, only where
 * no OpenCL platform is installed.
 */
class ExamplesOpenClTest {

    static java.util.stream.Stream<Path> examples() throws java.io.IOException {
        return ExamplesCheckTest.examples();
    }

    @BeforeEach
    void requireOpenCl() {
        OpenClCheck.requirePlatform(getClass());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void staticKernelsAgreeWithTheReferenceAtEveryShrunkShape(Path example) throws InputException, BackendException {
        Frontend.Result r = Frontend.check(example, BuiltinTargets.library(), Optional.empty());
        Origin origin = Origin.of(example.getFileName().toString(), Frontend.read(example));
        for (KernelSpec kernel : r.kernelsOfRoot()) {
            if (!HeadMasks.of(kernel).isStatic()) {
                BackendException e = assertThrows(BackendException.class, () -> new OpenClEmitter().emit(kernel, origin));
                assertTrue(e.getMessage().contains("static masks only"), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                continue;
            }
            assertFalse(new OpenClEmitter().emit(kernel, origin).isEmpty(), "the full-size kernel is emitted");
            List<ShapeShrinker.Variant> variants = ShapeShrinker.variants(kernel);
            assertTrue(variants.size() >= 2, kernel.name() + " is tested at several shapes");
            long seed = 1;
            for (ShapeShrinker.Variant v : variants) {
                OpenClCheck.againstReference(v.kernel(), seed += 3);
            }
        }
    }
}
