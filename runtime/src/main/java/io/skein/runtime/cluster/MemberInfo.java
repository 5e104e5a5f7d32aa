package io.skein.runtime.cluster;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.Address;

/**
 * One cluster member as the registry sees it.
 *
 * @param address   the member's cluster address
 * @param status    its membership status ({@code Joining}, {@code Up}, {@code Leaving}, ...)
 * @param roles     its roles ({@code client} for members that only call)
 * @param reachable whether this node's failure detector currently reaches it
 * @param nodeId    the Skein node id it published, empty if it published none
 * @param services  the services it serves (as published; empty for clients)
 */
public record MemberInfo(Address address, String status, Set<String> roles, boolean reachable, String nodeId,
        List<String> services) {

    public MemberInfo {
        requireNonNull(address, "address");
        requireNonNull(status, "status");
        roles = Set.copyOf(roles);
        requireNonNull(nodeId, "nodeId");
        services = List.copyOf(services);
    }

    /** One line for humans: address, status, reachability, roles, node id and services. */
    @Override
    public String toString() {
        return address + " " + status + (reachable ? "" : " UNREACHABLE") + " roles=" + new java.util.TreeSet<>(roles)
                + (nodeId.isEmpty() ? "" : " node=" + nodeId) + " services=" + services;
    }
}
