package io.attnkit.dsl.select;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.blocks.SelectionTable;
import io.attnkit.dsl.blocks.SelectionTables;
import io.attnkit.dsl.model.Mask;
import java.util.List;
import java.util.Optional;

/**
 * What a kernel computes on one input: the mask of every (batch, head) once routers have
 * decided, and the keys every selector chose. The reference, every backend and the simulator
 * take these two together, so that they agree on the input's pattern.
 */
public record Decision(HeadMasks masks, Selection selection) {

    /** The block map at the kernel's own tiles. */
    public BlockMap blockMap() {
        return blockMap(masks.kernel().tiles().q(), masks.kernel().tiles().kv());
    }

    /** The block map at the given tiles. */
    public BlockMap blockMap(int qTile, int kvTile) {
        return BlockMap.of(masks, selection, qTile, kvTile);
    }

    /** The decisions of every selector, in the order they were met (empty for static kernels). */
    public List<SelectionTable> tables() {
        return selection instanceof SelectionTables t ? t.tables() : List.of();
    }

    /** The decisions of {@code selector}, if some head used it on this input. */
    public Optional<SelectionTable> table(Mask selector) {
        return selection instanceof SelectionTables t ? t.table(selector) : Optional.empty();
    }
}
