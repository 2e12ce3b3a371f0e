package io.attnkit.dsl.check;

import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.AttnFile;
import io.attnkit.dsl.syntax.Decl;
import io.attnkit.dsl.syntax.Decl.KernelDecl;
import io.attnkit.dsl.syntax.Decl.RouterDecl;
import io.attnkit.dsl.syntax.Decl.TargetDecl;
import io.attnkit.dsl.syntax.SourceParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.InvalidPathException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The language front end: reads a file and its imports, resolves names against them and the
 * built-in library, and checks every declaration. All problems of all files are reported in one
 * run; only an unreadable root file stops it ({@link InputException}).
 */
public final class Frontend {
    /** Inputs larger than this are refused before reading. */
    public static final long MAX_FILE_BYTES = 64L << 20;

    /** Declarations available without an import: the built-in targets. */
    public record Library(List<SourceText> sources) {
        public static final Library EMPTY = new Library(List.of());

        public Library {
            sources = List.copyOf(sources);
        }
    }

    /** A named source text, such as a built-in target file read from the class path. */
    public record SourceText(String name, String text) {
    }

    /**
     * The outcome of a check.
     *
     * @param program     every declaration that checked cleanly, imports and library included
     * @param rootKernels the names of the kernels declared in the root file, in order
     * @param files       the parsed user files, root first
     */
    public record Result(Program program, List<String> rootKernels, Diagnostics diagnostics,
                         List<SourceParser.Result> files) {
        public boolean ok() {
            return !diagnostics.hasErrors();
        }

        public List<KernelSpec> kernelsOfRoot() {
            return rootKernels.stream().map(program::kernel).flatMap(Optional::stream).toList();
        }
    }

    private final Library library;
    private final Diagnostics diagnostics = new Diagnostics();
    private final List<SourceParser.Result> files = new ArrayList<>();
    /** The files in declaration order: a file's imports before the file, as if their text came first. */
    private final List<SourceParser.Result> declarationOrder = new ArrayList<>();
    private final Map<SourceFile, Path> directories = new HashMap<>();

    private Frontend(Library library) {
        this.library = library;
    }

    /** Checks the file at {@code root}; {@code targetOverride} replaces every kernel's own target. */
    public static Result check(Path root, Library library, Optional<String> targetOverride) throws InputException {
        return check(root, read(root), library, targetOverride);
    }

    /**
     * Checks {@code bytes} as if they were the file at {@code root} (its imports resolve beside it):
     * a variant of the file, such as a sweep's, reported under the file's name.
     */
    public static Result check(Path root, byte[] bytes, Library library, Optional<String> targetOverride)
            throws InputException {
        Frontend f = new Frontend(library);
        Path dir = parentOf(root);
        f.load(root.toString(), bytes, dir, new ArrayList<>(List.of(realPath(root))), new LinkedHashSet<>());
        return f.resolve(targetOverride);
    }

    /** Checks source text given directly; imports resolve against the working directory. */
    public static Result checkText(String name, String text, Library library) {
        Frontend f = new Frontend(library);
        f.load(name, text.getBytes(StandardCharsets.UTF_8), Path.of(""), new ArrayList<>(), new LinkedHashSet<>());
        try {
            return f.resolve(Optional.empty());
        } catch (InputException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path parentOf(Path p) {
        Path parent = p.toAbsolutePath().getParent();
        return parent == null ? Path.of("") : parent;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** Reads an input, turning every I/O failure into a one-line message. */
    public static byte[] read(Path file) throws InputException {
        try {
            if (Files.isDirectory(file)) {
                throw failure(file, "is a directory, not an .attn file");
            }
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw failure(file, "is not a regular file");
            }
            // Bounded, so that a file growing while it is read cannot exhaust memory.
            try (InputStream in = Files.newInputStream(file)) {
                byte[] bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
                if (bytes.length > MAX_FILE_BYTES) {
                    throw failure(file, "is larger than " + MAX_FILE_BYTES + " bytes, the most an input may be");
                }
                return bytes;
            }
        } catch (NoSuchFileException e) {
            throw failure(file, "no such file");
        } catch (AccessDeniedException e) {
            throw failure(file, "permission denied");
        } catch (FileSystemException e) {
            throw failure(file, e.getReason() == null ? e.getClass().getSimpleName() : e.getReason());
        } catch (IOException | SecurityException | InvalidPathException | OutOfMemoryError e) {
            throw failure(file, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    private static InputException failure(Path file, String reason) {
        boolean sentence = reason.startsWith("is ");
        return new InputException((sentence ? "'" + file + "' " : "cannot read '" + file + "': ") + reason,
                sentence ? reason.substring(3) : reason);
    }

    private void load(String name, byte[] bytes, Path dir, List<Path> stack, Set<Path> loaded) {
        SourceParser.Result parsed = SourceParser.parse(name, bytes, diagnostics);
        files.add(parsed);
        directories.put(parsed.source(), dir);
        for (AttnFile.Import imp : parsed.file().imports()) {
            Path target;
            try {
                target = dir.resolve(imp.path()).normalize();
            } catch (InvalidPathException e) {
                diagnostics.error(ErrorCode.E050, imp.span(), "cannot import " + DiagnosticRenderer.quote(imp.path())
                        + ": not a valid path");
                continue;
            }
            Path real = realPath(target);
            int onStack = stack.indexOf(real);
            if (onStack >= 0) {
                List<String> cycle = new ArrayList<>();
                for (Path p : stack.subList(onStack, stack.size())) {
                    cycle.add(p.getFileName().toString());
                }
                cycle.add(real.getFileName().toString());
                diagnostics.error(ErrorCode.E051, imp.span(), "import cycle: " + String.join(" -> ", cycle));
                continue;
            }
            if (!loaded.add(real)) {
                continue; // already loaded through another import
            }
            byte[] content;
            try {
                content = read(target);
            } catch (InputException e) {
                diagnostics.error(ErrorCode.E050, imp.span(), "cannot import " + DiagnosticRenderer.quote(imp.path()) + ": "
                        + DiagnosticRenderer.clip(e.reason(), 200), "imports are read relative to the importing file, so this one names "
                        + DiagnosticRenderer.clip(target.toAbsolutePath().normalize().toString(), 200));
                continue;
            }
            stack.add(real);
            String display = Path.of(name).getParent() == null ? imp.path()
                    : Path.of(name).getParent().resolve(imp.path()).normalize().toString();
            load(display, content, target.toAbsolutePath().getParent(), stack, loaded);
            stack.removeLast();
        }
        declarationOrder.add(parsed);
    }

    /** A declaration and the file it came from. */
    private record Declared<D extends Decl>(D decl, SourceFile file) {
    }

    private Result resolve(Optional<String> targetOverride) throws InputException {
        Map<String, Declared<TargetDecl>> targets = new LinkedHashMap<>();
        Map<String, Declared<RouterDecl>> routers = new LinkedHashMap<>();
        Map<String, Declared<KernelDecl>> kernels = new LinkedHashMap<>();
        Set<String> brokenTargets = new LinkedHashSet<>();
        Set<String> brokenRouters = new LinkedHashSet<>();

        for (SourceText builtin : library.sources()) {
            SourceParser.Result r = SourceParser.parse(builtin.name(), builtin.text().getBytes(StandardCharsets.UTF_8), diagnostics);
            for (Decl d : r.file().decls()) {
                if (d instanceof TargetDecl t) {
                    targets.put(t.name().text(), new Declared<>(t, r.source()));
                }
            }
        }
        Set<String> userTargets = new LinkedHashSet<>();
        for (SourceParser.Result r : declarationOrder) {
            brokenTargets.addAll(r.broken("target"));
            brokenRouters.addAll(r.broken("router"));
            for (Decl d : r.file().decls()) {
                switch (d) {
                    case TargetDecl t -> {
                        if (userTargets.add(t.name().text())) {
                            targets.put(t.name().text(), new Declared<>(t, r.source()));
                        } else {
                            duplicate(d, targets.get(t.name().text()).decl());
                        }
                    }
                    case RouterDecl rd -> declare(routers, rd, r.source());
                    case KernelDecl k -> declare(kernels, k, r.source());
                }
            }
        }

        // Targets, with 'extends' resolved base first.
        TargetResolver targetResolver = new TargetResolver(diagnostics);
        Map<String, Optional<TargetSpec>> targetSpecs = new LinkedHashMap<>();
        Map<String, PropertyBag> merged = new HashMap<>();
        for (String name : targets.keySet()) {
            resolveTarget(name, targets, targetResolver, targetSpecs, merged, new ArrayList<>());
        }
        brokenTargets.forEach(b -> targetSpecs.putIfAbsent(b, Optional.empty()));

        Optional<TargetSpec> override = Optional.empty();
        if (targetOverride.isPresent()) {
            String name = targetOverride.get();
            if (!targetSpecs.containsKey(name)) {
                throw new InputException("unknown target '" + name + "'" + Suggest.hint(name, targetSpecs.keySet())
                        + " (see 'attnkit targets')");
            }
            override = targetSpecs.get(name);
            if (override.isEmpty() && diagnostics.errorCount() == 0) {
                throw new InputException("target '" + name + "' has errors; fix them first");
            }
            // otherwise its diagnostics say what is wrong, as they do without the override: the result is not ok
        }

        RouterResolver routerResolver = new RouterResolver(diagnostics);
        Map<String, Optional<RouterSpec>> routerSpecs = new LinkedHashMap<>();
        routers.forEach((name, d) -> routerSpecs.put(name, routerResolver.resolve(d.decl(), directories.get(d.file()))));
        brokenRouters.forEach(b -> routerSpecs.putIfAbsent(b, Optional.empty()));

        KernelResolver kernelResolver = new KernelResolver(diagnostics,
                new KernelResolver.Scope(targetSpecs, routerSpecs, override));
        List<KernelSpec> kernelSpecs = new ArrayList<>();
        kernels.forEach((name, d) -> kernelResolver.resolve(d.decl()).ifPresent(kernelSpecs::add));

        List<String> rootKernels = new ArrayList<>();
        if (!files.isEmpty()) {
            for (Decl d : files.getFirst().file().decls()) {
                if (d instanceof KernelDecl k && kernels.get(k.name().text()).decl() == k) {
                    rootKernels.add(k.name().text());
                }
            }
        }
        Program program = new Program(kernelSpecs,
                targetSpecs.values().stream().flatMap(Optional::stream).toList(),
                routerSpecs.values().stream().flatMap(Optional::stream).toList());
        return new Result(program, rootKernels, diagnostics, List.copyOf(files));
    }

    private <D extends Decl> void declare(Map<String, Declared<D>> scope, D decl, SourceFile file) {
        Declared<D> first = scope.putIfAbsent(decl.name().text(), new Declared<>(decl, file));
        if (first != null) {
            duplicate(decl, first.decl());
        }
    }

    private void duplicate(Decl decl, Decl first) {
        diagnostics.error(ErrorCode.E011, decl.name().span(), "duplicate " + decl.keyword() + " "
                + DiagnosticRenderer.quote(decl.name().text()), "first declared at " + first.name().span().location());
    }

    private Optional<PropertyBag> resolveTarget(String name, Map<String, Declared<TargetDecl>> targets,
                                                TargetResolver resolver, Map<String, Optional<TargetSpec>> specs,
                                                Map<String, PropertyBag> merged, List<String> chain) {
        if (merged.containsKey(name)) {
            return Optional.of(merged.get(name));
        }
        if (specs.containsKey(name)) {
            return Optional.empty(); // resolved before, with errors
        }
        TargetDecl decl = targets.get(name).decl();
        chain.add(name);
        PropertyBag own = resolver.bag(decl);
        PropertyBag bag = own;
        if (decl.base().isPresent()) {
            String base = decl.base().get().text();
            Span at = decl.base().get().span();
            if (chain.contains(base)) {
                List<String> cycle = new ArrayList<>(chain.subList(chain.indexOf(base), chain.size()));
                cycle.add(base);
                diagnostics.error(ErrorCode.E051, at, "cyclic 'extends': " + String.join(" extends ",
                        cycle.stream().map(DiagnosticRenderer::clip).toList()), "a target cannot be its own base");
                specs.put(name, Optional.empty());
                return Optional.empty();
            }
            if (!targets.containsKey(base)) {
                diagnostics.error(ErrorCode.E010, at, "undefined target " + DiagnosticRenderer.quote(base)
                        + Suggest.hint(base, targets.keySet()));
                specs.put(name, Optional.empty());
                return Optional.empty();
            }
            Optional<PropertyBag> baseBag = resolveTarget(base, targets, resolver, specs, merged, chain);
            if (baseBag.isEmpty()) {
                specs.put(name, Optional.empty());
                return Optional.empty();
            }
            bag = new PropertyBag(baseBag.get(), base, own);
        }
        chain.removeLast();
        Optional<TargetSpec> spec = resolver.resolve(decl, bag,
                decl.base().flatMap(b -> specs.getOrDefault(b.text(), Optional.empty())));
        specs.put(name, spec);
        if (spec.isPresent()) {
            merged.put(name, bag);
            return Optional.of(bag);
        }
        return Optional.empty();
    }
}
