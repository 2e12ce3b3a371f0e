package io.attnkit.dsl.blocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.select.Selector;
import io.attnkit.dsl.select.WeightsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden block maps: each {@code blockmaps/NAME.attn} renders to exactly {@code NAME.txt}. Run with
 * {@code -Dattnkit.updateGoldens=true} to rewrite the expected files after a deliberate change,
 * then review the diff.
 */
class BlockMapGoldenTest {
    private static final Path DIR = Path.of("src/test/resources/blockmaps");

    static Stream<String> goldens() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".attn"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList().stream();
        }
    }

    /**
     * The input data-dependent kernels are decided on: every query is (1, 0, 0, ...); key j is
     * (1, 0, ...) in key blocks of 4 whose index is a multiple of 3, and zero elsewhere.
     */
    private static BlockMap blockMap(KernelSpec kernel) throws WeightsException {
        if (kernel.isStatic()) {
            return BlockMap.of(kernel);
        }
        Shape s = kernel.shape();
        Tensor q = Tensor.zeros(s.batch(), s.heads(), s.qLen(), s.headDim());
        for (int i = 0; i < q.data().length; i += s.headDim()) {
            q.data()[i] = 1;
        }
        Tensor k = Tensor.zeros(s.batch(), s.kvHeads(), s.kvLen(), s.headDim());
        for (int row = 0; row < k.data().length / s.headDim(); row++) {
            k.data()[row * s.headDim()] = (row % s.kvLen()) / 4 % 3 == 0 ? 1 : 0;
        }
        return Selector.decide(kernel, q, k).blockMap();
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void rendersExactlyTheGolden(String name) throws IOException, WeightsException {
        String source = Files.readString(DIR.resolve(name + ".attn"));
        Frontend.Result result = Frontend.checkText(name + ".attn", source, Frontend.Library.EMPTY);
        assertTrue(result.ok(), result.diagnostics().toString());
        StringBuilder actual = new StringBuilder();
        for (KernelSpec kernel : result.kernelsOfRoot()) {
            actual.append(actual.isEmpty() ? "" : "\n").append("kernel ").append(kernel.name()).append('\n')
                    .append(BlockMapRenderer.standard().render(blockMap(kernel)));
        }
        Path golden = DIR.resolve(name + ".txt");
        if (Boolean.getBoolean("attnkit.updateGoldens")) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.exists(golden) ? Files.readString(golden) : "(no golden file " + golden + ")", actual.toString());
    }
}
