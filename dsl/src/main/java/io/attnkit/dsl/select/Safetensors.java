package io.attnkit.dsl.select;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attnkit.dsl.model.Bf16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@code .safetensors} file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the
 * header), then the little-endian data. Tensors of type {@code F32}, {@code F16} and
 * {@code BF16} can be read; every problem is a one-line {@link WeightsException}.
 */
public final class Safetensors {
    /** Files larger than this are refused: router weights are a few megabytes at most. */
    public static final long MAX_BYTES = 256L << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private record Entry(String dtype, long[] shape, int begin, int end) {
    }

    private final String name;
    private final ByteBuffer data;
    private final Map<String, Entry> entries;

    private Safetensors(String name, ByteBuffer data, Map<String, Entry> entries) {
        this.name = name;
        this.data = data;
        this.entries = entries;
    }

    /** Reads and validates the header of {@code file}; tensor data is decoded on demand. */
    public static Safetensors read(Path file) throws WeightsException {
        String name = file.toString();
        byte[] bytes = readBytes(file, name);
        if (bytes.length < 8) {
            throw new WeightsException(name + ": not a safetensors file (" + bytes.length + " bytes, the header length alone takes 8)");
        }
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > bytes.length - 8L) {
            throw new WeightsException(name + ": not a safetensors file (header length " + Long.toUnsignedString(headerLength)
                    + " does not fit in its " + bytes.length + " bytes)");
        }
        JsonNode header;
        try {
            header = JSON.readTree(bytes, 8, (int) headerLength);
        } catch (JsonProcessingException e) {
            throw new WeightsException(name + ": malformed JSON header: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new WeightsException(name + ": unreadable JSON header: " + e.getMessage());
        }
        if (header == null || !header.isObject()) {
            throw new WeightsException(name + ": the JSON header is not an object");
        }
        int dataStart = 8 + (int) headerLength;
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, bytes.length - dataStart).slice().order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().equals("__metadata__")) {
                entries.put(field.getKey(), entry(name, field.getKey(), field.getValue(), data.capacity()));
            }
        }
        return new Safetensors(name, data, entries);
    }

    /** The names of the tensors, in header order. */
    public Set<String> names() {
        return entries.keySet();
    }

    /** The shape of tensor {@code tensor}. */
    public long[] shape(String tensor) throws WeightsException {
        return require(tensor).shape().clone();
    }

    /** The elements of tensor {@code tensor}, row-major, widened to float64. */
    public double[] values(String tensor) throws WeightsException {
        Entry e = require(tensor);
        int count = (int) product(e.shape());
        double[] out = new double[count];
        switch (e.dtype()) {
            case "F32" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = data.getFloat(e.begin() + 4 * i);
                }
            }
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.float16ToFloat(data.getShort(e.begin() + 2 * i));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Bf16.toFloat(data.getShort(e.begin() + 2 * i));
                }
            }
            default -> throw new WeightsException(name + ": tensor '" + tensor + "' has dtype " + e.dtype()
                    + "; only F32, F16 and BF16 can be read");
        }
        return out;
    }

    private Entry require(String tensor) throws WeightsException {
        Entry e = entries.get(tensor);
        if (e == null) {
            throw new WeightsException(name + ": no tensor '" + tensor + "' (the file has "
                    + (entries.isEmpty() ? "none" : String.join(", ", entries.keySet())) + ")");
        }
        return e;
    }

    private static Entry entry(String file, String tensor, JsonNode node, int dataBytes) throws WeightsException {
        String where = file + ": tensor '" + tensor + "'";
        if (!node.isObject() || !node.path("dtype").isTextual() || !node.path("shape").isArray()
                || !node.path("data_offsets").isArray() || node.path("data_offsets").size() != 2) {
            throw new WeightsException(where + " needs \"dtype\", \"shape\" and two \"data_offsets\"");
        }
        long[] shape = new long[node.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode dim = node.get("shape").get(i);
            if (!dim.canConvertToLong() || !dim.isIntegralNumber() || dim.asLong() < 0) {
                throw new WeightsException(where + " has a bad shape " + node.get("shape"));
            }
            shape[i] = dim.asLong();
        }
        JsonNode offsets = node.get("data_offsets");
        if (!offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw new WeightsException(where + " has bad data_offsets " + offsets);
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new WeightsException(where + " has data_offsets [" + begin + ", " + end + "] outside the "
                    + dataBytes + " bytes of data");
        }
        String dtype = node.get("dtype").asText();
        int size = switch (dtype) {
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "F64", "I64", "U64" -> 8;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> throw new WeightsException(where + " has an unknown dtype '" + dtype + "'");
        };
        long elements = product(shape);
        if (elements < 0 || elements * size != end - begin) {
            throw new WeightsException(where + " of dtype " + dtype + " and shape " + Arrays.toString(shape)
                    + " needs " + (elements < 0 ? "too many" : String.valueOf(elements * size)) + " bytes, its data_offsets give "
                    + (end - begin));
        }
        return new Entry(dtype, shape, (int) begin, (int) end);
    }

    /** The number of elements, or -1 past {@code Integer.MAX_VALUE}. */
    private static long product(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d != 0 && n > Integer.MAX_VALUE / d) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    private static byte[] readBytes(Path file, String name) throws WeightsException {
        try {
            if (Files.isDirectory(file)) {
                throw new WeightsException(name + ": is a directory, not a weights file");
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new WeightsException(name + ": " + size + " bytes, more than the " + MAX_BYTES + " a router's weights may take");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new WeightsException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new WeightsException(name + ": permission denied");
        } catch (IOException e) {
            throw new WeightsException(name + ": cannot read: " + e.getMessage());
        }
    }
}
