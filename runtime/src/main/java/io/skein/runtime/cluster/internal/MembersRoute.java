package io.skein.runtime.cluster.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.skein.runtime.cluster.ClusterRegistry;
import io.skein.runtime.cluster.MemberInfo;
import io.skein.runtime.cluster.members.Member;
import io.skein.runtime.cluster.members.MemberList;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /skein/members} on a clustered node's pekko-management endpoint: the cluster's members as
 * this node sees them (status, reachability, roles) with the Skein node id and services each published,
 * as proto3 JSON ({@code skein/runtime/members.proto}), or as one line per member ({@link MemberInfo#toString()})
 * to a request that accepts {@code text/plain}, which is how {@code skein.jar members} asks a contact point
 * instead of joining the cluster itself. {@code 503} while the node is not a cluster member yet. Read only.
 *
 * <p>Registered in the runtime's {@code reference.conf} ({@code pekko.management.http.routes.skein-members});
 * pekko-management creates it with the node's actor system when management starts. Requests are answered
 * on pekko-http's threads from the registry's published view ({@link ClusterRegistry#members()}); nothing
 * here blocks or keeps state.
 */
public final class MembersRoute implements ManagementRouteProvider {

    private static final Logger log = LoggerFactory.getLogger(MembersRoute.class);

    private final ExtendedActorSystem system;

    /** Created by pekko-management with the node's actor system. */
    public MembersRoute(ExtendedActorSystem system) {
        this.system = system;
    }

    @Override
    public Route routes(ManagementRouteProviderSettings settings) {
        return Directives.path(PathMatchers.segment("skein").slash("members"), () ->
                Directives.get(() -> Directives.extractRequest(request -> answer(
                        request.getHeader("Accept").map(h -> h.value().contains("text/plain")).orElse(false)))));
    }

    /** JSON, or with {@code text} the lines {@code skein.jar members} prints (it asks with Accept: text/plain). */
    private Route answer(boolean text) {
        List<MemberInfo> members;
        try {
            members = ClusterRegistry.get(Adapter.toTyped(system)).members().stream()
                    .sorted(Comparator.comparing(m -> m.address().toString())).toList();
        } catch (RuntimeException e) {
            log.warn("cannot list the cluster's members for /skein/members: {}", e.toString());
            return Directives.complete(StatusCodes.SERVICE_UNAVAILABLE, "members unknown: " + e.getMessage());
        }
        if (members.isEmpty()) {
            return Directives.complete(StatusCodes.SERVICE_UNAVAILABLE, "not a member of a cluster yet");
        }
        if (text) {
            StringBuilder lines = new StringBuilder();
            members.forEach(m -> lines.append(m).append('\n'));
            return Directives.complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, lines.toString()));
        }
        try {
            return Directives.complete(HttpEntities.create(ContentTypes.APPLICATION_JSON,
                    JsonFormat.printer().print(memberList(members))));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e); // every field is a plain proto3 field: cannot happen
        }
    }

    private MemberList memberList(List<MemberInfo> members) {
        MemberList.Builder list = MemberList.newBuilder().setSelf(Cluster.get(system).selfAddress().toString());
        members.forEach(m -> list.addMembers(
                Member.newBuilder()
                        .setAddress(m.address().toString())
                        .setStatus(m.status())
                        .setReachable(m.reachable())
                        .addAllRoles(m.roles().stream().sorted().toList())
                        .setNodeId(m.nodeId())
                        .addAllServices(m.services())));
        return list.build();
    }
}
