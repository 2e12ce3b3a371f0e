package io.attnkit.dsl.check;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a number measures, and the units it may be written in. Counts take binary suffixes
 * ({@code 128K} is 131072 tokens, as context lengths are quoted); bytes take both SI
 * ({@code KB}, 1000) and binary ({@code KiB}, 1024) units, as datasheets mix them.
 */
enum Dimension {
    COUNT("a count", units("", 1, "K", 1024, "Ki", 1024, "M", 1 << 20, "Mi", 1 << 20, "G", 1L << 30, "Gi", 1L << 30)),
    RATIO("a number", units("", 1, "x", 1, "%", 0.01)),
    BYTES("a size", units("B", 1, "KB", 1e3, "KiB", 1024, "MB", 1e6, "MiB", 1 << 20, "GB", 1e9, "GiB", 1L << 30,
            "TB", 1e12, "TiB", 1L << 40)),
    BANDWIDTH("a bandwidth", units("B/s", 1, "KB/s", 1e3, "MB/s", 1e6, "GB/s", 1e9, "TB/s", 1e12, "KiB/s", 1024,
            "MiB/s", 1 << 20, "GiB/s", 1L << 30, "TiB/s", 1L << 40)),
    FREQUENCY("a frequency", units("Hz", 1, "kHz", 1e3, "MHz", 1e6, "GHz", 1e9)),
    /** Seconds; latencies may also be given in {@code cycles}, which the target converts with its clock. */
    TIME("a time", units("s", 1, "ms", 1e-3, "us", 1e-6, "ns", 1e-9)),
    BITS("a width in bits", units("bit", 1, "bits", 1, "b", 1));

    private final String description;
    private final Map<String, BigDecimal> units;

    Dimension(String description, Map<String, BigDecimal> units) {
        this.description = description;
        this.units = units;
    }

    private static Map<String, BigDecimal> units(Object... pairs) {
        Map<String, BigDecimal> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], new BigDecimal(pairs[i + 1].toString()));
        }
        return m;
    }

    String description() {
        return description;
    }

    /** The factor that turns a number in {@code unit} into the base unit; empty when unknown. */
    Optional<BigDecimal> factor(String unit) {
        return Optional.ofNullable(units.get(unit));
    }

    /** The units this dimension accepts, for messages: "(none)" for a plain number. */
    List<String> units() {
        return units.keySet().stream().map(u -> u.isEmpty() ? "(none)" : u).toList();
    }
}
