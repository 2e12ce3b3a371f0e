package io.attnkit.codegen.java;

import io.attnkit.codegen.BackendException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles Java source in memory with {@code javax.tools} and loads the classes in a fresh class
 * loader, so that every kernel gets its own JIT-compiled code and can be unloaded.
 */
public final class InMemoryCompiler {
    private InMemoryCompiler() {
    }

    /**
     * Compiles the given sources (qualified class name → source) against {@code classPath} (may be
     * empty) and returns the loaded classes by name.
     */
    public static Map<String, Class<?>> compile(Map<String, String> sources, String classPath, ClassLoader parent)
            throws BackendException {
        requireVectorModule();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new BackendException("the java backend needs a JDK (javax.tools finds no Java compiler in this runtime)");
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Map<String, ByteArrayOutputStream> classes = new HashMap<>();
        StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, Locale.ROOT, null);
        JavaFileManager memory = new ForwardingJavaFileManager<>(standard) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                       FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        classes.put(className, bytes);
                        return bytes;
                    }
                };
            }
        };
        List<JavaFileObject> units = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            String source = e.getValue();
            units.add(new SimpleJavaFileObject(URI.create("mem:///" + e.getKey().replace('.', '/') + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            });
        }
        List<String> options = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector", "-proc:none",
                "-Xlint:-options", "-nowarn", "-g:none"));
        if (!classPath.isEmpty()) {
            options.addAll(List.of("-classpath", classPath));
        }
        boolean ok = javac.getTask(null, memory, diagnostics, options, null, units).call();
        if (!ok) {
            String first = diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .findFirst().map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                    .orElse("unknown error");
            // Our bug, not the user's input: reported as an internal error (exit 3)
            throw new IllegalStateException("generated Java does not compile: " + first.lines().findFirst().orElse(first));
        }
        Map<String, byte[]> bytes = new HashMap<>();
        classes.forEach((name, out) -> bytes.put(name, out.toByteArray()));
        ClassLoader loader = new ClassLoader(parent) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] b = bytes.get(name);
                if (b == null) {
                    throw new ClassNotFoundException(name);
                }
                return defineClass(name, b, 0, b.length);
            }
        };
        Map<String, Class<?>> loaded = new HashMap<>();
        for (String name : sources.keySet()) {
            try {
                loaded.put(name, Class.forName(name, true, loader));
            } catch (ClassNotFoundException | LinkageError e) {
                throw new BackendException("cannot load generated class " + name + ": " + e, e);
            }
        }
        return loaded;
    }

    /** The Vector API is an incubator module: the running JVM must have been started with it. */
    static void requireVectorModule() throws BackendException {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new BackendException("the java backend needs the Vector API: start the JVM with --add-modules jdk.incubator.vector");
        }
    }
}
