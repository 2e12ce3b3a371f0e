package io.attnkit.codegen.cuda;

/**
 * What ptxas reports for one compiled kernel, plus the dynamic shared memory it is launched with.
 *
 * @param staticSmem  {@code __shared__} arrays declared in the kernel (ptxas's "bytes smem")
 * @param dynamicSmem the {@code ATTN_SMEM_BYTES} the launch asks for
 * @param stackFrame  local memory per thread (arrays indexed at run time, spills)
 * @param spillStores bytes of registers spilled to local memory per thread
 */
public record KernelResources(String function, String arch, int registers, long staticSmem, long dynamicSmem,
                              long stackFrame, long spillStores, long spillLoads) {

    /** Shared memory per block, static and dynamic. */
    public long sharedMemory() {
        return staticSmem + dynamicSmem;
    }

    public boolean spills() {
        return spillStores > 0 || spillLoads > 0;
    }

    /** One line: "sm_90 llama8b_prefill: 254 registers, 104448 B smem, 0 B stack, 0/0 B spill stores/loads". */
    public String describe() {
        return arch + " " + function + ": " + registers + " registers, " + sharedMemory() + " B smem, " + stackFrame
                + " B stack, " + spillStores + "/" + spillLoads + " B spill stores/loads";
    }
}
