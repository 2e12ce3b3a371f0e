package io.attnkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attnkit.cli.Main;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.targets.BuiltinTargets;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example whose patterns need no data simulates on its own target through
 * {@code attnkit simulate}, and the JSON charges exactly the block map's tiles. Examples with
 * selectors simulate at full size only with a synthetic selection, 30 to 60 s each on two cores:
 * too slow for the build, so that path is tested on small shapes (SyntheticSelectionTest,
 * SimulateCommandTest) and timed in BENCHMARKS.md.
 */
class ExamplesSimulateTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.attnkit.examples.ExamplesCheckTest#examples")
    void simulatesOnItsTarget(Path example) throws InputException, IOException {
        Frontend.Result r = Frontend.check(example, BuiltinTargets.library(), Optional.empty());
        boolean any = false;
        for (KernelSpec k : r.kernelsOfRoot()) {
            if (!HeadMasks.of(k).isStatic()) {
                continue;
            }
            any = true;
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.execute(new String[] {"simulate", example.toString(), "--kernel", k.name(), "--json", "-"},
                    new PrintWriter(out, true), new PrintWriter(err, true));
            assertEquals(0, code, err.toString());
            JsonNode json = new ObjectMapper().readTree(out.toString());
            JsonNode summary = json.get("summary");
            assertEquals(BlockMap.of(k).visitedTiles(), summary.get("visited_tiles").asLong(), k.name());
            assertTrue(summary.get("time_ms").asDouble() > 0, k.name());
            assertTrue(json.get("metrics").get("dram__bytes_read.sum").asLong() > 0, k.name());
        }
        Assumptions.assumeTrue(any, example + ": every kernel depends on the data (simulated with --synthetic-selection in BENCHMARKS.md, not here)");
    }
}
