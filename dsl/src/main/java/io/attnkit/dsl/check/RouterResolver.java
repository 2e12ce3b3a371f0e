package io.attnkit.dsl.check;

import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.syntax.Decl.RouterDecl;
import io.attnkit.dsl.syntax.Property;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/** Checks a {@code router} declaration. */
final class RouterResolver {
    static final List<String> KEYS = List.of("pool", "hidden", "weights", "sparse_ratio");
    private static final Set<String> NONE = Set.of("");
    private static final String POLICIES = "'weights \"router.safetensors\";' routes by a trained MLP; "
            + "'sparse_ratio 0.5;' makes a fixed share of the KV heads sparse";

    private final Diagnostics diagnostics;
    private final Values values;

    RouterResolver(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
        this.values = new Values(diagnostics);
    }

    Optional<RouterSpec> resolve(RouterDecl decl, Path directory) {
        int before = diagnostics.errorCount();
        String where = "router " + DiagnosticRenderer.quote(decl.name().text());
        PropertyBag props = new PropertyBag(decl.properties(), KEYS, where, diagnostics);
        int pool = (int) props.get("pool").map(p -> one(p).flatMap(i -> values.quantity(i, "a number of keys"))
                        .map(q -> values.count(q, "pool", 1, Integer.MAX_VALUE, NONE)).orElse(OptionalLong.empty()))
                .orElse(OptionalLong.of(RouterSpec.DEFAULT_POOL)).orElse(0);
        double hidden = props.get("hidden").map(p -> one(p).flatMap(i -> values.quantity(i, "a multiplier such as 4x"))
                        .map(q -> values.positive(q, Dimension.RATIO, "hidden", NONE)).orElse(OptionalDouble.empty()))
                .orElse(OptionalDouble.of(RouterSpec.DEFAULT_HIDDEN)).orElse(0);
        Optional<String> weights = props.get("weights").flatMap(p -> one(p).flatMap(i -> values.string(i, "a file name in quotes"))
                .map(s -> {
                    Path file = directory.resolve(s.value()).normalize();
                    // Only a warning: the file may be written later; run and simulate read it and refuse it then.
                    if (!Files.isRegularFile(file)) {
                        diagnostics.warning(ErrorCode.W002, s.span(), "router weights " + DiagnosticRenderer.quote(s.value())
                                        + (Files.isDirectory(file) ? " is a directory" : " do not exist")
                                        + "; run and simulate read them, relative to this file",
                                "looked for " + DiagnosticRenderer.clip(file.toAbsolutePath().toString(), 200));
                    }
                    return file.toString();
                }));
        OptionalDouble ratio = props.get("sparse_ratio").map(p -> one(p).flatMap(i -> values.quantity(i, "a fraction"))
                .map(q -> {
                    OptionalDouble v = values.measure(q, Dimension.RATIO, "sparse_ratio", NONE);
                    if (v.isPresent() && (v.getAsDouble() < 0 || v.getAsDouble() > 1)) {
                        diagnostics.error(ErrorCode.E017, q.span(), "sparse_ratio must be in [0, 1], got " + Values.shown(q));
                        return OptionalDouble.empty();
                    }
                    return v;
                }).orElse(OptionalDouble.empty())).orElse(OptionalDouble.empty());
        if (!props.has("weights") && !props.has("sparse_ratio")) {
            diagnostics.error(ErrorCode.E014, decl.name().span(), where + " needs 'weights' or 'sparse_ratio'", POLICIES);
        } else if (props.has("weights") && props.has("sparse_ratio")) {
            diagnostics.error(ErrorCode.E015, props.get("sparse_ratio").get().key().span(), where
                    + " has both 'weights' and 'sparse_ratio'; give one", POLICIES);
        }
        if (diagnostics.errorCount() != before) {
            return Optional.empty();
        }
        return Optional.of(new RouterSpec(decl.name().text(), pool, hidden, weights, ratio, decl.span()));
    }

    private Optional<Property.Item> one(Property p) {
        if (p.items().size() != 1) {
            diagnostics.error(ErrorCode.E015, p.span(), "'" + p.key().text() + "' takes one value");
            return Optional.empty();
        }
        return Optional.of(p.items().getFirst());
    }
}
