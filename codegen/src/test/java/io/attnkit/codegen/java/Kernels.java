package io.attnkit.codegen.java;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.source.DiagnosticRenderer;
import java.util.stream.Collectors;

/** Kernels for tests, written as users write them. */
final class Kernels {
    private Kernels() {
    }

    /** The only kernel of {@code text}; the test fails with the diagnostics if it does not check. */
    static KernelSpec parse(String text) {
        Frontend.Result r = Frontend.checkText("test.attn", text, Frontend.Library.EMPTY);
        if (!r.ok()) {
            throw new AssertionError(r.diagnostics().sorted().stream().map(DiagnosticRenderer::render)
                    .collect(Collectors.joining()) + "in:\n" + text);
        }
        return r.kernelsOfRoot().getFirst();
    }
}
