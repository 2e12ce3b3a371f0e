package io.attnkit.dsl.reference;

import io.attnkit.dsl.model.DType;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import io.attnkit.dsl.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * NumPy's {@code .npy} format for the tensors AttnKit reads and writes: rank 4
 * ({@code [batch, heads, length, dim]}), C order, {@code float32} or {@code float16} in either byte
 * order. Format versions 1.0, 2.0 and 3.0 are read; 1.0 is written (2.0 when the header needs
 * it). Other dtypes, Fortran order and other ranks are refused with a one-line
 * {@link NpyException}.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int CHUNK = 1 << 16;

    private Npy() {
    }

    /** Reads a rank-4 float32 or float16 array; float16 values are widened exactly. */
    public static Tensor read(Path file) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new IOException(name + ": is a directory, not a .npy file");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
            return read(in, name);
        } catch (NoSuchFileException e) {
            throw new IOException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IOException(name + ": permission denied");
        } catch (EOFException e) {
            throw new NpyException(name + ": truncated file");
        }
    }

    /**
     * Writes {@code tensor} as {@code float32} ({@link DType#F32}) or {@code float16}
     * ({@link DType#F16}, rounded to nearest even), little-endian, C order. The file is written
     * next to its destination and moved into place, so a failed write leaves nothing half-written.
     */
    public static void write(Path file, Tensor tensor, DType type) throws IOException {
        AtomicFiles.write(file, writer(tensor, type));
    }

    /** What writes {@code tensor} as a .npy file, for {@link AtomicFiles#writeAll(java.util.Map)} with other files. */
    public static AtomicFiles.Writer writer(Tensor tensor, DType type) {
        if (type != DType.F32 && type != DType.F16) {
            throw new IllegalArgumentException(".npy output is float32 or float16, not " + type);
        }
        return out -> write(out, tensor, type);
    }

    static Tensor read(InputStream in, String name) throws IOException {
        byte[] prefix = in.readNBytes(8);
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix.length < 8 || prefix[i] != MAGIC[i]) {
                throw new NpyException(name + ": not a .npy file (no \\x93NUMPY magic)");
            }
        }
        int major = prefix[6];
        int headerLength;
        if (major == 1) {
            headerLength = ByteBuffer.wrap(in.readNBytes(2)).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
        } else if (major == 2 || major == 3) {
            long n = ByteBuffer.wrap(in.readNBytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            if (n > 1 << 20) {
                throw new NpyException(name + ": header of " + n + " bytes is implausibly long");
            }
            headerLength = (int) n;
        } else {
            throw new NpyException(name + ": unsupported .npy format version " + major + "." + prefix[7]);
        }
        byte[] headerBytes = in.readNBytes(headerLength);
        if (headerBytes.length != headerLength) {
            throw new NpyException(name + ": truncated header");
        }
        Header h = Header.parse(new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1), name);
        return readData(in, h, name);
    }

    private static Tensor readData(InputStream in, Header h, String name) throws IOException {
        long count = 1;
        for (long d : h.shape) {
            count *= d;
            if (count > Integer.MAX_VALUE - 8) {
                throw new NpyException(name + ": shape " + h.shapeText() + " has too many elements for one tensor");
            }
        }
        float[] data = new float[(int) count];
        int size = h.float16 ? 2 : 4;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(h.order);
        int done = 0;
        while (done < data.length) {
            int n = Math.min(CHUNK / size, data.length - done);
            byte[] bytes = in.readNBytes(n * size);
            if (bytes.length != n * size) {
                throw new NpyException(name + ": data ends after " + (done + bytes.length / size) + " of the "
                        + data.length + " elements of shape " + h.shapeText());
            }
            buf.clear();
            buf.put(bytes).flip();
            for (int i = 0; i < n; i++) {
                data[done + i] = h.float16 ? Float.float16ToFloat(buf.getShort()) : buf.getFloat();
            }
            done += n;
        }
        if (in.read() != -1) {
            throw new NpyException(name + ": more data than the " + data.length + " elements of shape " + h.shapeText());
        }
        return new Tensor((int) h.shape[0], (int) h.shape[1], (int) h.shape[2], (int) h.shape[3], data);
    }

    static void write(OutputStream out, Tensor t, DType type) throws IOException {
        String dict = String.format(Locale.ROOT, "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d, %d, %d), }",
                type == DType.F16 ? "<f2" : "<f4", t.batch(), t.heads(), t.length(), t.dim());
        // Pad with spaces and a newline so that the data starts on a 64-byte boundary, as NumPy does.
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        int major = total - MAGIC.length - 4 > 0xffff ? 2 : 1;
        if (major == 2) {
            total = (unpadded + 2 + 63) / 64 * 64;
        }
        int headerLength = total - MAGIC.length - 2 - (major == 1 ? 2 : 4);
        String header = dict + " ".repeat(headerLength - dict.length() - 1) + "\n";
        out.write(MAGIC);
        out.write(major);
        out.write(0);
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            len.putShort((short) headerLength);
        } else {
            len.putInt(headerLength);
        }
        out.write(len.array());
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        int size = type == DType.F16 ? 2 : 4;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        float[] data = t.data();
        for (int i = 0; i < data.length; i++) {
            if (buf.remaining() < size) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            if (type == DType.F16) {
                buf.putShort(Float.floatToFloat16(data[i]));
            } else {
                buf.putFloat(data[i]);
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    /** The header dictionary, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 5), }}. */
    private record Header(boolean float16, ByteOrder order, long[] shape) {

        String shapeText() {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) {
                b.append(i == 0 ? "" : ", ").append(shape[i]);
            }
            return b.append(shape.length == 1 ? ",)" : ")").toString();
        }

        static Header parse(String text, String name) throws NpyException {
            DictReader r = new DictReader(text.strip(), name);
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            r.expect('{');
            while (!r.peek('}')) {
                String key = r.string();
                r.expect(':');
                switch (key) {
                    case "descr" -> descr = r.string();
                    case "fortran_order" -> fortran = r.bool();
                    case "shape" -> shape = r.tuple();
                    default -> throw new NpyException(name + ": unexpected header key '" + key + "'");
                }
                if (!r.peek('}')) {
                    r.expect(',');
                }
            }
            r.expect('}');
            if (descr == null || fortran == null || shape == null) {
                throw new NpyException(name + ": header lacks 'descr', 'fortran_order' or 'shape'");
            }
            boolean half = descr.endsWith("f2");
            if (!(descr.length() == 3 && "<>=|".indexOf(descr.charAt(0)) >= 0 && (half || descr.endsWith("f4")))) {
                throw new NpyException(name + ": dtype '" + descr + "' is not supported; save the array as float32 or float16");
            }
            if (fortran) {
                throw new NpyException(name + ": Fortran-ordered arrays are not supported; save a C-ordered array "
                        + "(numpy.ascontiguousarray)");
            }
            Header h = new Header(half, descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, shape);
            if (shape.length != 4) {
                throw new NpyException(name + ": shape " + h.shapeText() + " has rank " + shape.length
                        + "; expected [batch, heads, length, dim]");
            }
            for (long d : shape) {
                if (d < 1) {
                    throw new NpyException(name + ": shape " + h.shapeText() + " has an empty dimension");
                }
            }
            return h;
        }
    }

    /** Reads the Python literal of a {@code .npy} header: strings, booleans, tuples of integers. */
    private static final class DictReader {
        private final String text;
        private final String name;
        private int at;

        DictReader(String text, String name) {
            this.text = text;
            this.name = name;
        }

        private void skipSpaces() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        boolean peek(char c) {
            skipSpaces();
            return at < text.length() && text.charAt(at) == c;
        }

        void expect(char c) throws NpyException {
            if (!peek(c)) {
                throw bad("'" + c + "'");
            }
            at++;
        }

        String string() throws NpyException {
            skipSpaces();
            if (at >= text.length() || (text.charAt(at) != '\'' && text.charAt(at) != '"')) {
                throw bad("a quoted string");
            }
            char quote = text.charAt(at++);
            int end = text.indexOf(quote, at);
            if (end < 0) {
                throw bad("a closing quote");
            }
            String s = text.substring(at, end);
            at = end + 1;
            return s;
        }

        boolean bool() throws NpyException {
            skipSpaces();
            for (String word : new String[] {"True", "False"}) {
                if (text.startsWith(word, at)) {
                    at += word.length();
                    return word.equals("True");
                }
            }
            throw bad("True or False");
        }

        long[] tuple() throws NpyException {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (!peek(')')) {
                skipSpaces();
                int start = at;
                while (at < text.length() && Character.isDigit(text.charAt(at))) {
                    at++;
                }
                if (start == at || at - start > 12) {
                    throw bad("a dimension");
                }
                dims.add(Long.parseLong(text.substring(start, at)));
                if (!peek(')')) {
                    expect(',');
                }
            }
            expect(')');
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private NpyException bad(String expected) {
            return new NpyException(name + ": malformed header: expected " + expected + " at offset " + at);
        }
    }
}
