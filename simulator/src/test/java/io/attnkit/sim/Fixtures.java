package io.attnkit.sim;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.targets.BuiltinTargets;

/** Kernels and targets for the simulator's tests, checked by the real front end. */
public final class Fixtures {
    private static final Frontend.Library LIBRARY = BuiltinTargets.library();

    private Fixtures() {
    }

    public static Frontend.Library library() {
        return LIBRARY;
    }

    /** The program of {@code text}, which must check cleanly. */
    public static Program program(String text) {
        Frontend.Result r = Frontend.checkText("<test>", text, LIBRARY);
        if (!r.ok()) {
            StringBuilder b = new StringBuilder("test input does not check:\n");
            r.diagnostics().sorted().forEach(d -> b.append(DiagnosticRenderer.render(d)).append('\n'));
            throw new AssertionError(b.toString());
        }
        return r.program();
    }

    /** The only kernel of {@code text}. */
    public static KernelSpec kernel(String text) {
        return program(text).kernels().getFirst();
    }

    public static TargetSpec target(String name) {
        return program("").target(name).orElseThrow();
    }
}
