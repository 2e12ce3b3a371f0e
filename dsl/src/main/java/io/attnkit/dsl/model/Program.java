package io.attnkit.dsl.model;

import java.util.List;
import java.util.Optional;

/** Everything a checked input declares, its imports and the built-in targets included. */
public record Program(List<KernelSpec> kernels, List<TargetSpec> targets, List<RouterSpec> routers) {
    public Program {
        kernels = List.copyOf(kernels);
        targets = List.copyOf(targets);
        routers = List.copyOf(routers);
    }

    public Optional<KernelSpec> kernel(String name) {
        return kernels.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    public Optional<TargetSpec> target(String name) {
        return targets.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
