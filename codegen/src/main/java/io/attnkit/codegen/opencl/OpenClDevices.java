package io.attnkit.codegen.opencl;

import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_PLATFORM_NAME;

import io.attnkit.codegen.BackendException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * The OpenCL devices of this machine, every platform's in one list, and the choice of one by
 * index in that list or by a substring of its name. Every failure to reach OpenCL (no loader
 * library, no installed driver, a device that is not there) is one {@link BackendException} line.
 */
final class OpenClDevices {
    /** What to install when there is no OpenCL at all. */
    static final String INSTALL_HINT = "install an OpenCL driver, e.g. the packages ocl-icd-libopencl1 and pocl-opencl-icd";

    /** CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no driver. */
    private static final int PLATFORM_NOT_FOUND = -1001;

    private OpenClDevices() {
    }

    /** One device: {@code index} in the list of every platform's devices. */
    record Device(int index, cl_platform_id platform, cl_device_id id, String platformName, String name) {
        @Override
        public String toString() {
            return index + ": " + name + " (" + platformName + ")";
        }
    }

    /** Every device of every platform; fails when there is none. */
    static List<Device> all() throws BackendException {
        return call(() -> {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            try {
                CL.clGetPlatformIDs(0, null, count);
            } catch (CLException e) {
                if (e.getStatus() == PLATFORM_NOT_FOUND) {
                    count[0] = 0;
                } else {
                    throw e;
                }
            }
            List<Device> out = new ArrayList<>();
            cl_platform_id[] platforms = new cl_platform_id[count[0]];
            if (count[0] > 0) {
                CL.clGetPlatformIDs(count[0], platforms, null);
            }
            for (cl_platform_id platform : platforms) {
                int[] n = new int[1];
                try {
                    CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, n);
                } catch (CLException e) {
                    continue; // CL_DEVICE_NOT_FOUND: a platform without devices
                }
                cl_device_id[] devices = new cl_device_id[n[0]];
                CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, n[0], devices, null);
                String platformName = platformName(platform);
                for (cl_device_id d : devices) {
                    out.add(new Device(out.size(), platform, d, platformName, deviceName(d)));
                }
            }
            return out;
        }, "listing OpenCL devices");
    }

    /**
     * The device {@code choice} names: empty for the first device, a number for that index, or
     * else the device whose name or platform contains it (case-insensitive; the first of several).
     */
    static Device select(String choice) throws BackendException {
        List<Device> devices = all();
        if (devices.isEmpty()) {
            throw new BackendException("no OpenCL platform found; " + INSTALL_HINT);
        }
        String wanted = choice.strip();
        if (wanted.isEmpty()) {
            return devices.getFirst();
        }
        if (wanted.matches("\\d+")) {
            int index = Integer.parseInt(wanted);
            if (index < devices.size()) {
                return devices.get(index);
            }
            throw new BackendException("no OpenCL device " + index + "; devices: " + describe(devices));
        }
        String lower = wanted.toLowerCase(Locale.ROOT);
        for (Device d : devices) {
            if ((d.name() + " " + d.platformName()).toLowerCase(Locale.ROOT).contains(lower)) {
                return d;
            }
        }
        throw new BackendException("no OpenCL device matches '" + wanted + "'; devices: " + describe(devices));
    }

    private static String describe(List<Device> devices) {
        return String.join(", ", devices.stream().map(Device::toString).toList());
    }

    /** A CL call whose failures (status codes, a missing library) become one-line BackendExceptions. */
    static <T> T call(Supplier<T> body, String what) throws BackendException {
        try {
            return body.get();
        } catch (CLException e) {
            throw new BackendException("OpenCL failed while " + what + ": " + e.getMessage(), e);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new BackendException("no OpenCL platform: the OpenCL library cannot be loaded ("
                    + firstLine(e.getMessage()) + "); " + INSTALL_HINT, e);
        }
    }

    static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("").strip();
    }

    private static String platformName(cl_platform_id platform) {
        return text((size, value, sizeOut) -> CL.clGetPlatformInfo(platform, CL_PLATFORM_NAME, size, value, sizeOut));
    }

    private static String deviceName(cl_device_id device) {
        return text((size, value, sizeOut) -> CL.clGetDeviceInfo(device, CL_DEVICE_NAME, size, value, sizeOut));
    }

    /** An OpenCL info query: asked once for the size, once for the value. */
    @FunctionalInterface
    interface InfoQuery {
        void get(long size, Pointer value, long[] sizeOut);
    }

    /** The text an info query returns, without its terminating NUL. */
    static String text(InfoQuery query) {
        long[] size = new long[1];
        query.get(0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        query.get(buffer.length, Pointer.to(buffer), null);
        int n = buffer.length;
        while (n > 0 && buffer[n - 1] == 0) {
            n--;
        }
        return new String(buffer, 0, n, StandardCharsets.UTF_8).strip();
    }
}
