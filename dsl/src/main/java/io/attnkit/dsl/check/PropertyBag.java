package io.attnkit.dsl.check;

import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.Property;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The properties of one declaration by key, with duplicates and unknown keys reported. */
final class PropertyBag {
    private final Map<String, Property> byKey = new LinkedHashMap<>();
    /** For each key set by a base rather than by the declaration itself, the name of the base that set it. */
    private final Map<String, String> inherited = new LinkedHashMap<>();

    PropertyBag(List<Property> properties, Collection<String> known, String where, Diagnostics diagnostics) {
        this(properties, known, where, diagnostics, key -> Optional.empty());
    }

    /** {@code misplaced} explains, for an unknown key, where such a setting belongs. */
    PropertyBag(List<Property> properties, Collection<String> known, String where, Diagnostics diagnostics,
                Function<String, Optional<String>> misplaced) {
        for (Property p : properties) {
            String key = p.key().text();
            if (!known.contains(key)) {
                Optional<String> belongs = misplaced.apply(key);
                diagnostics.error(ErrorCode.E013, p.key().span(), "unknown property " + DiagnosticRenderer.quote(key)
                        + " in " + where + (belongs.isPresent() ? "" : Suggest.hint(key, known)),
                        belongs.orElse("known properties: " + String.join(", ", known)));
                continue;
            }
            Property first = byKey.putIfAbsent(key, p);
            if (first != null) {
                diagnostics.error(ErrorCode.E012, p.key().span(), "duplicate property " + DiagnosticRenderer.quote(key) + " in " + where,
                        "first set at " + first.span().location());
            }
        }
    }

    /**
     * A bag whose entries are those of {@code base} (the merged properties of the declaration
     * named {@code baseName}), overridden key by key by {@code overrides}.
     */
    PropertyBag(PropertyBag base, String baseName, PropertyBag overrides) {
        byKey.putAll(base.byKey);
        byKey.putAll(overrides.byKey);
        for (String key : base.byKey.keySet()) {
            if (!overrides.has(key)) {
                inherited.put(key, base.inherited.getOrDefault(key, baseName));
            }
        }
    }

    Optional<Property> get(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    boolean has(String key) {
        return byKey.containsKey(key);
    }

    /** The base that set {@code key}, when the declaration inherits it rather than setting it itself. */
    Optional<String> inheritedFrom(String key) {
        return Optional.ofNullable(inherited.get(key));
    }

    /** Whether the declaration itself sets {@code key}. */
    boolean own(String key) {
        return has(key) && !inherited.containsKey(key);
    }

    /** Reports a missing required property at {@code declSpan}. */
    Optional<Property> require(String key, String where, Span declSpan, String example, Diagnostics diagnostics) {
        Optional<Property> p = get(key);
        if (p.isEmpty()) {
            diagnostics.error(ErrorCode.E014, declSpan, where + " has no '" + key + "'", "add, for example: " + example);
        }
        return p;
    }
}
