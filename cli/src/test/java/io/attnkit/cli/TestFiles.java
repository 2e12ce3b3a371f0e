package io.attnkit.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The .attn files under src/test/resources/kernels, and router weights as PyTorch's safetensors writes them. */
final class TestFiles {
    private TestFiles() {
    }

    static Path kernel(String name) {
        try {
            return Path.of(TestFiles.class.getResource("/kernels/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes F32 router weights w1 [hidden, inputs], b1 [hidden], w2 [1, hidden], b2 [1], every
     * value {@code value(tensor, i)} for element i of that tensor, row-major.
     */
    static void routerWeights(Path file, int inputs, int hidden, WeightValue value) throws IOException {
        String[] names = {"w1", "b1", "w2", "b2"};
        String[] shapes = {"[" + hidden + ", " + inputs + "]", "[" + hidden + "]", "[1, " + hidden + "]", "[1]"};
        int[] counts = {hidden * inputs, hidden, hidden, 1};
        ByteBuffer data = ByteBuffer.allocate(4 * (hidden * inputs + 2 * hidden + 1)).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder header = new StringBuilder("{");
        for (int t = 0; t < names.length; t++) {
            int begin = data.position();
            for (int i = 0; i < counts[t]; i++) {
                data.putFloat((float) value.of(names[t], i));
            }
            header.append(t == 0 ? "" : ", ").append('"').append(names[t]).append("\": {\"dtype\": \"F32\", \"shape\": ")
                    .append(shapes[t]).append(", \"data_offsets\": [").append(begin).append(", ").append(data.position()).append("]}");
        }
        byte[] head = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + head.length + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(head.length).put(head).put(data.array());
        Files.write(file, out.array());
    }

    /** A weight's value by tensor name and row-major element. */
    @FunctionalInterface
    interface WeightValue {
        double of(String tensor, int element);
    }
}
