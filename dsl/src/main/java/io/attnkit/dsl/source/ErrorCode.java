package io.attnkit.dsl.source;

/**
 * Stable diagnostic codes: {@code E} for errors, {@code W} for warnings. A code never changes
 * meaning once released; tests and users match on it. {@code docs/language.md} lists them with
 * examples.
 */
public enum ErrorCode {
    E001("syntax error"),
    E002("invalid UTF-8"),
    E003("forbidden character"),
    E004("nesting too deep"),
    E005("too many errors"),
    E010("undefined name"),
    E011("duplicate declaration"),
    E012("duplicate property"),
    E013("unknown property"),
    E014("missing property"),
    E015("malformed value"),
    E016("unknown unit"),
    E017("value out of range"),
    E018("64-bit overflow"),
    E020("overlapping head assignment"),
    E021("unassigned heads"),
    E022("head index out of range"),
    E023("heads not a multiple of kv_heads"),
    E024("routed heads split a GQA group"),
    E030("tile working set exceeds shared memory"),
    E040("unknown mask or selector"),
    E041("bad mask arguments"),
    E042("selector does not fit the shape"),
    E043("selector under negation"),
    E044("document lengths do not cover kv_len"),
    E045("mask too large"),
    E050("import failed"),
    E051("cyclic definition"),
    /** A warning: the file still checks. */
    W001("inherited bandwidth of a per-unit level no longer matches the units or the clock"),
    W002("router weights file not found"),
    W003("sparse_ratio rounds to all or none of a routed set");

    private final String title;

    ErrorCode(String title) {
        this.title = title;
    }

    public String title() {
        return title;
    }
}
