package io.attnkit.codegen.java;

import com.palantir.javapoet.JavaFile;
import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Emitter;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.model.KernelSpec;
import java.util.List;

/**
 * The Java Vector API backend's code generator: one self-contained class per kernel, written by
 * JavaPoet (see {@link KernelClassWriter} for what the class holds).
 */
public final class JavaEmitter implements Emitter {
    private final String packageName;

    public JavaEmitter() {
        this(KernelPlan.DEFAULT_PACKAGE);
    }

    /** An emitter that puts the generated classes in {@code packageName} (empty: the unnamed package). */
    public JavaEmitter(String packageName) {
        if (!packageName.isEmpty() && !packageName.matches("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*")) {
            throw new IllegalArgumentException("not a Java package name: " + packageName);
        }
        this.packageName = packageName;
    }

    @Override
    public String backend() {
        return "java";
    }

    @Override
    public List<GeneratedFile> emit(KernelSpec kernel, Origin origin) throws BackendException {
        JavaFile file = javaFile(plan(kernel), origin);
        String path = (packageName.isEmpty() ? "" : packageName.replace('.', '/') + "/") + file.typeSpec().name() + ".java";
        return List.of(new GeneratedFile(path, file.toString()));
    }

    /** The plan of {@code kernel} in this emitter's package. */
    public KernelPlan plan(KernelSpec kernel) throws BackendException {
        return KernelPlan.of(kernel, packageName);
    }

    /** The source of a planned kernel. */
    public static JavaFile javaFile(KernelPlan plan, Origin origin) {
        return KernelClassWriter.write(plan, origin);
    }
}
