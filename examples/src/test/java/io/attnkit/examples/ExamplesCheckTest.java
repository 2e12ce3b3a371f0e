package io.attnkit.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.targets.BuiltinTargets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example checks cleanly against the built-in targets, says where it comes from, and names its target. */
class ExamplesCheckTest {
    /** Maven runs tests in the module's directory, where the examples sit. */
    private static final Path EXAMPLES = Path.of("").toAbsolutePath();

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".attn")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void checksWithoutDiagnostics(Path example) throws InputException {
        Frontend.Result r = Frontend.check(example, BuiltinTargets.library(), Optional.empty());
        assertTrue(r.diagnostics().all().isEmpty(), () -> r.diagnostics().sorted().stream()
                .map(DiagnosticRenderer::render).collect(Collectors.joining("\n")));
        List<KernelSpec> kernels = r.kernelsOfRoot();
        assertFalse(kernels.isEmpty(), example + " declares no kernel");
        for (KernelSpec k : kernels) {
            assertTrue(k.target().isPresent(), () -> k.name() + " names no target");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void citesItsSourceConfiguration(Path example) throws IOException {
        assertTrue(Files.readString(example).contains("// Source:"), example + " has no '// Source:' comment");
    }

    @Test
    void thePaperConfigurationsAreAllThere() throws IOException {
        List<String> names = examples().map(p -> p.getFileName().toString()).toList();
        for (String required : List.of("flashattention-gpt2-medium.attn", "causal-prefill.attn",
                "ttt-e2e-sliding-window.attn", "streamingllm.attn", "duoattention.attn", "elastic-attention-fa-ssa.attn",
                "moba.attn", "xattention.attn", "nsa.attn")) {
            assertTrue(names.contains(required), () -> required + " is missing from " + names);
        }
    }
}
