package io.attnkit.codegen.opencl;

import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_WRITE_ONLY;
import static org.jocl.CL.CL_PROFILING_COMMAND_END;
import static org.jocl.CL.CL_PROFILING_COMMAND_START;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.CL_QUEUE_PROFILING_ENABLE;
import static org.jocl.CL.CL_TRUE;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.Runner;
import io.attnkit.codegen.Storage;
import io.attnkit.codegen.c.CKernelModel;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.util.Optional;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * Runs kernels on an OpenCL device through JOCL: generates the {@code .cl} source, builds it
 * for the device chosen by {@link RunOptions#device()} and launches one work-group per
 * (q-block, head, batch). The time reported is the kernel's own, from OpenCL's profiling
 * events; the K/V tiles are those the work-groups counted.
 */
public final class OpenClRunner implements Runner {
    @Override
    public String backend() {
        return "opencl";
    }

    @Override
    public boolean usesThreads() {
        return false; // one work-group per tile of rows, on the device
    }

    @Override
    public CompiledKernel compile(KernelSpec kernel, RunOptions options) throws BackendException {
        CKernelModel model = CKernelModel.of(kernel, new Origin("<in memory>", "-"), backend());
        String source = OpenClEmitter.source(model);
        OpenClDevices.Device device = OpenClDevices.select(options.device());
        cl_context context = OpenClDevices.call(() -> CL.clCreateContext(null, 1, new cl_device_id[] {device.id()},
                null, null, null), "creating a context on " + device.name());
        cl_command_queue queue = null;
        cl_program program = null;
        OpenClKernel compiled;
        try {
            queue = OpenClDevices.call(() -> CL.clCreateCommandQueue(context, device.id(), CL_QUEUE_PROFILING_ENABLE, null),
                    "creating a command queue");
            cl_program built = build(context, device, source, kernel.name());
            program = built;
            cl_kernel entry = OpenClDevices.call(() -> CL.clCreateKernel(built, model.function(), null),
                    "creating kernel " + model.function());
            compiled = new OpenClKernel(kernel, model, device, context, queue, program, entry);
        } catch (BackendException | RuntimeException e) {
            if (program != null) {
                CL.clReleaseProgram(program);
            }
            if (queue != null) {
                CL.clReleaseCommandQueue(queue);
            }
            CL.clReleaseContext(context);
            throw e;
        }
        try {
            compiled.requireFits();
        } catch (BackendException e) {
            compiled.close();
            throw e;
        }
        return compiled;
    }

    /**
     * Why this machine cannot run OpenCL kernels (no loader library, no platform, no device),
     * or empty when it can.
     */
    public static Optional<String> unavailable() {
        try {
            return OpenClDevices.all().isEmpty()
                    ? Optional.of("no OpenCL platform found; " + OpenClDevices.INSTALL_HINT) : Optional.empty();
        } catch (BackendException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Builds {@code source} on the device {@code device} selects, and releases it: compiler errors as {@link #build} reports them. */
    static void buildAndRelease(String device, String source, String name) throws BackendException {
        OpenClDevices.Device d = OpenClDevices.select(device);
        cl_context context = OpenClDevices.call(() -> CL.clCreateContext(null, 1, new cl_device_id[] {d.id()},
                null, null, null), "creating a context on " + d.name());
        try {
            CL.clReleaseProgram(build(context, d, source, name));
        } finally {
            CL.clReleaseContext(context);
        }
    }

    /** Builds the program; a compiler error becomes one line: the first error line of the build log. */
    private static cl_program build(cl_context context, OpenClDevices.Device device, String source, String kernelName)
            throws BackendException {
        cl_program program = OpenClDevices.call(() -> CL.clCreateProgramWithSource(context, 1, new String[] {source},
                null, null), "creating the program");
        try {
            CL.clBuildProgram(program, 1, new cl_device_id[] {device.id()}, "-cl-std=CL1.2", null, null);
            return program;
        } catch (CLException e) {
            String log = buildLog(program, device.id());
            String first = log.lines().filter(l -> l.contains("error")).findFirst()
                    .orElse(OpenClDevices.firstLine(log));
            throw new BackendException("kernel '" + kernelName + "' does not build on " + device.name() + ": "
                    + (first.isEmpty() ? e.getMessage() : first.strip()), e);
        }
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        return OpenClDevices.text((size, value, sizeOut) ->
                CL.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, value, sizeOut));
    }

    /** A built kernel and the OpenCL objects it owns; released by {@link #close()}. */
    private static final class OpenClKernel implements CompiledKernel {
        private final KernelSpec kernel;
        private final CKernelModel model;
        private final OpenClDevices.Device device;
        private final cl_context context;
        private final cl_command_queue queue;
        private final cl_program program;
        private final cl_kernel entry;

        OpenClKernel(KernelSpec kernel, CKernelModel model, OpenClDevices.Device device, cl_context context,
                     cl_command_queue queue, cl_program program, cl_kernel entry) {
            this.kernel = kernel;
            this.model = model;
            this.device = device;
            this.context = context;
            this.queue = queue;
            this.program = program;
            this.entry = entry;
        }

        @Override
        public KernelSpec kernel() {
            return kernel;
        }

        @Override
        public String device() {
            return device.toString();
        }

        /** Refuses a q tile larger than a work-group of this device, or K/V tiles beyond its local memory. */
        void requireFits() throws BackendException {
            long[] groupSize = new long[1];
            long[] localMem = new long[1];
            OpenClDevices.call(() -> {
                CL.clGetKernelWorkGroupInfo(entry, device.id(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                        Pointer.to(groupSize), null);
                CL.clGetDeviceInfo(device.id(), CL_DEVICE_LOCAL_MEM_SIZE, Sizeof.cl_ulong, Pointer.to(localMem), null);
                return null;
            }, "querying the device's limits");
            if (model.qTile() > groupSize[0]) {
                throw new BackendException("kernel '" + kernel.name() + "': tile q " + model.qTile() + " needs work-groups of "
                        + model.qTile() + " threads, " + device.name() + " runs at most " + groupSize[0]);
            }
            long tileBytes = 4L * model.kvTile() * model.tileDim();
            if (tileBytes > localMem[0]) {
                throw new BackendException("kernel '" + kernel.name() + "': a K/V tile takes " + tileBytes
                        + " bytes of local memory, " + device.name() + " has " + localMem[0]);
            }
        }

        @Override
        public Execution run(Inputs inputs) throws BackendException {
            Shape s = kernel.shape();
            check("q", inputs.q(), s.batch(), s.heads(), s.qLen(), s.headDim());
            check("k", inputs.k(), s.batch(), s.kvHeads(), s.kvLen(), s.headDim());
            check("v", inputs.v(), s.batch(), s.kvHeads(), s.kvLen(), s.vDim());
            if (!inputs.masks().isStatic()) {
                throw new BackendException("kernel '" + kernel.name() + "': the opencl backend runs static masks only");
            }
            Object out = Storage.newOutput(kernel.dtype(), Math.toIntExact((long) s.batch() * s.heads() * s.qLen() * s.vDim()));
            int[] tiles = new int[s.batch() * s.heads() * model.qBlocks()];
            cl_mem[] buffers = new cl_mem[5];
            cl_event event = new cl_event();
            try {
                long nanos = OpenClDevices.call(() -> {
                    buffers[0] = input(Storage.encode(inputs.q(), kernel.dtype()));
                    buffers[1] = input(Storage.encode(inputs.k(), kernel.dtype()));
                    buffers[2] = input(Storage.encode(inputs.v(), kernel.dtype()));
                    buffers[3] = CL.clCreateBuffer(context, CL_MEM_WRITE_ONLY, bytes(out), null, null);
                    buffers[4] = CL.clCreateBuffer(context, CL_MEM_WRITE_ONLY, 4L * tiles.length, null, null);
                    for (int i = 0; i < buffers.length; i++) {
                        CL.clSetKernelArg(entry, i, Sizeof.cl_mem, Pointer.to(buffers[i]));
                    }
                    CL.clEnqueueNDRangeKernel(queue, entry, 3, null, OpenClEmitter.globalSize(model),
                            OpenClEmitter.localSize(model), 0, null, event);
                    CL.clWaitForEvents(1, new cl_event[] {event});
                    CL.clEnqueueReadBuffer(queue, buffers[3], CL_TRUE, 0, bytes(out), pointer(out), 0, null, null);
                    CL.clEnqueueReadBuffer(queue, buffers[4], CL_TRUE, 0, 4L * tiles.length, Pointer.to(tiles), 0, null, null);
                    long[] start = new long[1];
                    long[] end = new long[1];
                    CL.clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
                    CL.clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
                    return end[0] - start[0];
                }, "running kernel " + model.function() + " on " + device.name());
                long loaded = 0;
                for (int t : tiles) {
                    loaded += Integer.toUnsignedLong(t);
                }
                return new Execution(Storage.decode(out, kernel.dtype(), s.batch(), s.heads(), s.qLen(), s.vDim()), loaded, nanos);
            } finally {
                for (cl_mem b : buffers) {
                    if (b != null) {
                        CL.clReleaseMemObject(b);
                    }
                }
                CL.clReleaseEvent(event);
            }
        }

        private cl_mem input(Object storage) {
            return CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes(storage), pointer(storage), null);
        }

        private static long bytes(Object storage) {
            return switch (storage) {
                case float[] f -> 4L * f.length;
                case short[] h -> 2L * h.length;
                default -> throw new IllegalStateException("no OpenCL storage for " + storage.getClass());
            };
        }

        private static Pointer pointer(Object storage) {
            return switch (storage) {
                case float[] f -> Pointer.to(f);
                case short[] h -> Pointer.to(h);
                default -> throw new IllegalStateException("no OpenCL storage for " + storage.getClass());
            };
        }

        private static void check(String name, Tensor t, int batch, int heads, int length, int dim) throws BackendException {
            try {
                t.requireShape(name, batch, heads, length, dim);
            } catch (IllegalArgumentException e) {
                throw new BackendException(e.getMessage());
            }
        }

        @Override
        public void close() {
            CL.clReleaseKernel(entry);
            CL.clReleaseProgram(program);
            CL.clReleaseCommandQueue(queue);
            CL.clReleaseContext(context);
        }
    }
}
