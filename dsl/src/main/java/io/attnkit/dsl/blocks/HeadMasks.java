package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;

/**
 * The mask each (batch, head) computes once routing is decided: the kernel-wide mask and-ed
 * with the head's fixed pattern, or with the routed pattern its KV head was sent to.
 */
public final class HeadMasks {
    private final KernelSpec kernel;
    private final Routing routing;

    private HeadMasks(KernelSpec kernel, Routing routing) {
        this.kernel = kernel;
        this.routing = routing;
    }

    /** Masks for a kernel whose routing, if any, does not need the data. */
    public static HeadMasks of(KernelSpec kernel) {
        return new HeadMasks(kernel, Routing.fixed(kernel));
    }

    public static HeadMasks of(KernelSpec kernel, Routing routing) {
        return new HeadMasks(kernel, routing);
    }

    public KernelSpec kernel() {
        return kernel;
    }

    public Routing routing() {
        return routing;
    }

    public Mask maskOf(int batch, int head) {
        Mask own = switch (kernel.groupOf(head).mode()) {
            case HeadMode.Fixed f -> f.mask();
            case HeadMode.Routed r -> routing.sparse(batch, kernel.shape().kvHeadOf(head)) ? r.sparse() : r.full();
        };
        return Mask.and(kernel.mask(), own);
    }

    /** True when the masks are the same for every batch element and need no selection. */
    public boolean isStatic() {
        if (!routing.isStatic()) {
            return false;
        }
        for (int h = 0; h < kernel.shape().heads(); h++) {
            if (!maskOf(0, h).isStatic()) {
                return false;
            }
        }
        return true;
    }
}
