package io.attnkit.codegen.java;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.TypeName;
import io.attnkit.dsl.model.Mask;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Element masks of static patterns as Vector API code. A predicate is evaluated for one key
 * {@code key} against a vector {@code p} of query positions ({@code IntVector}), giving a
 * {@code VectorMask<Integer>} of the queries that see the key. It follows the Javadoc of each
 * {@link Mask} record, the language's definition.
 */
final class MaskCode {
    /** Above this many documents the bounds table is written as text and parsed when the class loads. */
    private static final int LITERAL_LIMIT = 1024;
    /** Characters per string constant of a document table written as text. */
    static final int CHUNK_CHARS = 16_384;

    private final List<FieldSpec> fields = new ArrayList<>();

    /** Statements run once per key (table lookups), and the mask expression. */
    record Predicate(CodeBlock perKey, String expression) {
    }

    /** Constant tables the predicates read (document bounds). */
    List<FieldSpec> fields() {
        return fields;
    }

    Predicate of(Mask mask) {
        CodeBlock.Builder perKey = CodeBlock.builder();
        String expr = expression(mask, perKey);
        return new Predicate(perKey.build(), expr);
    }

    private String expression(Mask mask, CodeBlock.Builder perKey) {
        return switch (mask) {
            case Mask.Dense d -> "ALL";
            case Mask.Causal c -> "p.compare(GE, key)";
            // 0 <= p - key < size, as one unsigned comparison
            case Mask.Window w -> "p.sub(key).compare(ULT, " + w.size() + ")";
            case Mask.Sink s -> "(key < " + s.count() + " ? ALL : NONE)";
            case Mask.Prefix x -> "(key < " + x.length() + " ? p.compare(LT, " + x.length() + ") : NONE)";
            case Mask.Document d -> document(d, perKey);
            case Mask.And a -> a.operands().stream().map(o -> expression(o, perKey))
                    .reduce((l, r) -> l + ".and(" + r + ")").orElseThrow();
            case Mask.Or o -> o.operands().stream().map(x -> expression(x, perKey))
                    .reduce((l, r) -> l + ".or(" + r + ")").orElseThrow();
            case Mask.Not n -> expression(n.operand(), perKey) + ".not()";
            case Mask.TopKBlocks t -> throw notStatic(mask);
            case Mask.XAttention x -> throw notStatic(mask);
            case Mask.Nsa n -> throw notStatic(mask);
        };
    }

    /** doc(p) == doc(key): p lies in the bounds of the key's document. */
    private String document(Mask.Document d, CodeBlock.Builder perKey) {
        String table = "DOC_" + fields.size();
        String index = "doc" + fields.size();
        long[] bounds = new long[d.lengths().size() + 1];
        for (int i = 0; i < d.lengths().size(); i++) {
            bounds[i + 1] = bounds[i] + d.lengths().get(i);
        }
        String values = java.util.Arrays.stream(bounds).mapToObj(Long::toString).collect(Collectors.joining(", "));
        FieldSpec.Builder field = FieldSpec.builder(ArrayTypeName.of(TypeName.INT), table,
                Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL).addJavadoc("Document bounds of {@code $L}.\n",
                        d.lengths().size() <= 16 ? "document(" + d.lengths().stream().map(String::valueOf)
                                .collect(Collectors.joining(", ")) + ")" : "document(...)");
        if (bounds.length <= LITERAL_LIMIT) {
            field.initializer("{$L}", values);
        } else {
            field.initializer("ints($L)", textChunks(values.replace(",", "")).stream().map(c -> CodeBlock.of("$S", c))
                    .collect(CodeBlock.joining(", ")));
        }
        fields.add(field.build());
        perKey.addStatement("int $L = document($L, key)", index, table);
        return "p.sub(" + table + "[" + index + "]).compare(ULT, " + table + "[" + index + " + 1] - "
                + table + "[" + index + "])";
    }

    /**
     * {@code text} cut at spaces into pieces of at most {@link #CHUNK_CHARS}: a class constant
     * holds at most 65535 bytes, and a million tokens of short documents take more.
     */
    static List<String> textChunks(String text) {
        List<String> chunks = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + CHUNK_CHARS);
            if (end < text.length()) {
                end = text.lastIndexOf(' ', end);
            }
            chunks.add(text.substring(start, end));
            start = end + 1;
        }
        return chunks;
    }

    /** True when some document table is written as text. */
    boolean needsIntParser() {
        return fields.stream().anyMatch(f -> f.initializer().toString().startsWith("ints("));
    }

    boolean hasDocuments() {
        return !fields.isEmpty();
    }

    private static IllegalArgumentException notStatic(Mask m) {
        return new IllegalArgumentException("mask " + m + " depends on the data; it has no compiled predicate");
    }
}
