package io.attnkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.testing.GeneratedSuites;
import io.attnkit.codegen.testing.TestSuiteEmitter;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.targets.BuiltinTargets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code attnkit testgen} on every example, and what it emits executed: the variants' Java
 * kernels and the JUnit class are compiled with javax.tools and run on the JUnit Platform, as in
 * a user's build. Every test of every suite must pass.
 */
class ExamplesTestgenTest {

    static java.util.stream.Stream<Path> examples() throws java.io.IOException {
        return ExamplesCheckTest.examples();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void theEmittedSuitePasses(Path example) throws InputException, BackendException {
        Frontend.Result r = Frontend.check(example, BuiltinTargets.library(), Optional.empty());
        Origin origin = Origin.of(example.getFileName().toString(), Frontend.read(example));
        for (KernelSpec kernel : r.kernelsOfRoot()) {
            List<GeneratedFile> files = new TestSuiteEmitter().emit(kernel, origin);
            GeneratedSuites.Outcome outcome = GeneratedSuites.compileAndRun(files);
            assertEquals(files.size() - 1, outcome.found(), kernel.name() + ": one test per variant");
            assertTrue(outcome.found() >= 2, kernel.name() + " is tested at several shapes");
            assertEquals(0, outcome.failed(), () -> kernel.name() + ":\n" + String.join("\n", outcome.failures()));
        }
    }
}
