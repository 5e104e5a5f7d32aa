package io.skein.governance.discovery;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An instance source whose list is set by hand: for fixed endpoints (configuration) and tests.
 * {@link #update} replaces the list and notifies listeners.
 */
public final class StaticInstanceSource implements InstanceSource {

    private final String service;
    private final List<Consumer<List<Instance>>> listeners = new CopyOnWriteArrayList<>();
    private volatile List<Instance> instances;

    private StaticInstanceSource(String service, List<Instance> instances) {
        this.service = requireNonNull(service, "service");
        this.instances = List.copyOf(instances);
    }

    /** A source for {@code service} with the given instances. */
    public static StaticInstanceSource of(String service, List<Instance> instances) {
        return new StaticInstanceSource(service, requireNonNull(instances, "instances"));
    }

    @Override
    public String service() {
        return service;
    }

    @Override
    public List<Instance> snapshot() {
        return instances;
    }

    /** Replaces the instances and tells every listener. */
    public void update(List<Instance> newInstances) {
        List<Instance> copy = List.copyOf(requireNonNull(newInstances, "newInstances"));
        synchronized (this) {
            instances = copy;
            listeners.forEach(l -> l.accept(copy));
        }
    }

    @Override
    public AutoCloseable subscribe(Consumer<List<Instance>> listener) {
        requireNonNull(listener, "listener");
        synchronized (this) {
            listeners.add(listener);
            listener.accept(instances);
        }
        return () -> listeners.remove(listener);
    }
}
