package io.attnkit.dsl.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.model.DType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    /** A .npy file as NumPy would write it, with the given header dictionary and raw data. */
    private static byte[] npy(int major, String dict, byte[] data) {
        byte[] header = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(6 + 2 + (major == 1 ? 2 : 4) + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) header.length);
        } else {
            b.putInt(header.length);
        }
        return b.put(header).put(data).array();
    }

    private static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(order);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static String error(byte[] file) {
        NpyException e = assertThrows(NpyException.class, () -> Npy.read(new ByteArrayInputStream(file), "x.npy"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("x.npy: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void float32RoundTripsExactlyThroughAFile() throws IOException {
        Tensor t = Tensor.random(2, 3, 5, 7, 42);
        Path f = dir.resolve("q.npy");
        Npy.write(f, t, DType.F32);
        assertEquals(t, Npy.read(f));
        assertEquals(0, (Files.size(f) - 2L * 3 * 5 * 7 * 4) % 64, "data starts on a 64-byte boundary");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void float16IsWrittenRoundedToNearestEvenAndReadBackExactly() throws IOException {
        Tensor t = new Tensor(1, 1, 1, 4, new float[] {1f, 1.0004883f, 65504f, -2.5e-8f});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, t, DType.F16);
        Tensor back = Npy.read(new ByteArrayInputStream(out.toByteArray()), "x.npy");
        assertArrayEquals(new float[] {1f, Float.float16ToFloat(Float.floatToFloat16(1.0004883f)), 65504f, -0f}, back.data());
        assertTrue(new String(out.toByteArray(), 0, 80, StandardCharsets.ISO_8859_1).contains("'descr': '<f2'"));
    }

    @Test
    void readsBigEndianAndVersion2Headers() throws IOException {
        byte[] big = npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1, 1, 2), }", floats(ByteOrder.BIG_ENDIAN, 1.5f, -2f));
        assertArrayEquals(new float[] {1.5f, -2f}, Npy.read(new ByteArrayInputStream(big), "x.npy").data());
        byte[] v2 = npy(2, "{\"descr\": \"<f4\", \"shape\": (1, 2, 1, 1), \"fortran_order\": False}", floats(ByteOrder.LITTLE_ENDIAN, 3f, 4f));
        Tensor t = Npy.read(new ByteArrayInputStream(v2), "x.npy");
        assertArrayEquals(new int[] {1, 2, 1, 1}, t.shape());
        assertArrayEquals(new float[] {3f, 4f}, t.data());
    }

    @Test
    void refusesWhatItCannotReadInOneLine() {
        byte[] two = floats(ByteOrder.LITTLE_ENDIAN, 1, 2);
        assertTrue(error("PK\3\4 not numpy".getBytes(StandardCharsets.ISO_8859_1)).contains("not a .npy file"));
        assertTrue(error(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1, 1), }", new byte[8]))
                .contains("dtype '<f8' is not supported; save the array as float32 or float16"));
        assertTrue(error(npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (1, 1, 1, 1), }", new byte[1]))
                .contains("dtype '|b1' is not supported"));
        assertTrue(error(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 1, 2), }", two))
                .contains("Fortran-ordered arrays are not supported"));
        assertTrue(error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", two))
                .contains("shape (2,) has rank 1; expected [batch, heads, length, dim]"));
        assertTrue(error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 0, 2), }", new byte[0]))
                .contains("has an empty dimension"));
        assertTrue(error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 2), }", two))
                .contains("data ends after 2 of the 4 elements of shape (1, 1, 2, 2)"));
        assertTrue(error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1), }", two))
                .contains("more data than the 1 elements"));
        assertTrue(error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1)", two))
                .contains("malformed header"));
        assertTrue(error(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999, 99999, 99999, 9), }", two))
                .contains("too many elements"));
        assertTrue(error(npy(7, "{}", two)).contains("unsupported .npy format version 7.0"));
    }

    @Test
    void aMissingFileIsAnIoErrorNotAFormatError() {
        IOException e = assertThrows(IOException.class, () -> Npy.read(dir.resolve("none.npy")));
        assertFalse(e instanceof NpyException);
        assertEquals(dir.resolve("none.npy") + ": no such file", e.getMessage());
        IOException directory = assertThrows(IOException.class, () -> Npy.read(dir));
        assertFalse(directory instanceof NpyException);
        assertEquals(dir + ": is a directory, not a .npy file", directory.getMessage());
        assertInstanceOf(NpyException.class, assertThrows(IOException.class, () -> {
            Files.write(dir.resolve("short.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 100, 0});
            Npy.read(dir.resolve("short.npy"));
        }));
    }
}
