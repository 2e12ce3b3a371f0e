package io.attnkit.codegen.testing;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.java.InMemoryCompiler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Compiles what {@code testgen} emits (the variants' kernels and the JUnit class) with javax.tools
 * against this JVM's class path, and runs the test classes on the JUnit Platform, as a user's
 * build would.
 */
public final class GeneratedSuites {
    private GeneratedSuites() {
    }

    /** What running a suite gave: tests found, tests failed, and one line per failure. */
    public record Outcome(long found, long failed, List<String> failures) {
    }

    public static Outcome compileAndRun(List<GeneratedFile> files) throws BackendException {
        Map<String, String> sources = new LinkedHashMap<>();
        for (GeneratedFile f : files) {
            sources.put(f.path().replaceAll("\\.java$", "").replace('/', '.'), f.content());
        }
        Map<String, Class<?>> classes = InMemoryCompiler.compile(sources, System.getProperty("java.class.path"),
                GeneratedSuites.class.getClassLoader());
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        classes.forEach((name, type) -> {
            if (name.endsWith("Test")) {
                request.selectors(selectClass(type));
            }
        });
        LauncherDiscoveryRequest built = request.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(built, listener);
        TestExecutionSummary summary = listener.getSummary();
        List<String> failures = new ArrayList<>();
        for (TestExecutionSummary.Failure f : summary.getFailures()) {
            failures.add(f.getTestIdentifier().getDisplayName() + ": " + f.getException());
        }
        return new Outcome(summary.getTestsFoundCount(), summary.getTotalFailureCount(), failures);
    }
}
