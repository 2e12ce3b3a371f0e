package io.attnkit.dsl.select;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attnkit.dsl.model.Bf16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes small safetensors files for the router tests, the way PyTorch's safetensors package lays them out. */
final class SafetensorsWriter {
    private final Map<String, Object[]> tensors = new LinkedHashMap<>();

    /** Adds a tensor of dtype F32, F16 or BF16. */
    SafetensorsWriter add(String name, String dtype, long[] shape, double... values) {
        tensors.put(name, new Object[] {dtype, shape, values});
        return this;
    }

    void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        ByteBuffer data = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, Object[]> e : tensors.entrySet()) {
            String dtype = (String) e.getValue()[0];
            long[] shape = (long[]) e.getValue()[1];
            double[] values = (double[]) e.getValue()[2];
            int begin = data.position();
            for (double v : values) {
                switch (dtype) {
                    case "F32" -> data.putFloat((float) v);
                    case "F16" -> data.putShort(Float.floatToFloat16((float) v));
                    case "BF16" -> data.putShort(Bf16.fromFloat((float) v));
                    default -> throw new IllegalArgumentException(dtype);
                }
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            shapeOf(t, shape);
            t.putArray("data_offsets").add(begin).add(data.position());
        }
        byte[] head = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + head.length + data.position()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(head.length).put(head).put(data.array(), 0, data.position());
        Files.write(file, out.array());
    }

    private static void shapeOf(ObjectNode t, long[] shape) {
        var array = t.putArray("shape");
        for (long d : shape) {
            array.add(d);
        }
    }

    /** A file with the given raw header text and data bytes. */
    static void writeRaw(Path file, String header, byte[] data) throws IOException {
        byte[] head = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + head.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(head.length).put(head).put(data);
        Files.write(file, out.array());
    }
}
