package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.Mask;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link Selection} backed by one {@link SelectionTable} per selector. Selectors are matched
 * by value: two {@code topk_blocks(64, 4)} in different head groups are one selector, whose
 * decisions depend only on the (batch, head) asking.
 */
public final class SelectionTables implements Selection {
    private final Map<Mask, SelectionTable> tables = new LinkedHashMap<>();

    public SelectionTables(Collection<SelectionTable> tables) {
        for (SelectionTable t : tables) {
            if (this.tables.putIfAbsent(t.selector(), t) != null) {
                throw new IllegalArgumentException("two tables for " + t.selector());
            }
        }
    }

    /** The decisions of {@code selector}, if it was decided. */
    public Optional<SelectionTable> table(Mask selector) {
        return Optional.ofNullable(tables.get(selector));
    }

    /** Every table, in the order the selectors were first met. */
    public List<SelectionTable> tables() {
        return List.copyOf(tables.values());
    }

    @Override
    public IntervalSet visible(Mask selector, int batch, int head, int row) {
        SelectionTable table = tables.get(selector);
        if (table == null) {
            throw new IllegalStateException("no decisions for " + selector + "; it was not part of the decided kernel");
        }
        return table.visible(batch, head, row);
    }
}
