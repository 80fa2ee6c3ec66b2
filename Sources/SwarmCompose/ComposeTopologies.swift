import Foundation
import SwarmTopology

/// The compose-flavoured topologies, one per container (see `ComposeLayout` for why one
/// per container). Each keeps the protocol settings and ports of the source topology and
/// rewrites only hosts and paths, so the replicas still agree on everything they sign.
public enum ComposeTopologies {
    /// Whose view of the group a topology is.
    public enum Viewer: Equatable, Sendable {
        case replica(UInt32)
        case monitor
        case sink
        /// Not a service of the generated file: the topology an operator's agent service
        /// mounts (replicas by their mesh aliases), so adding an agent needs no new config.
        case agent

        public var service: String {
            switch self {
            case let .replica(id): ComposeLayout.replicaService(id)
            case .monitor: ComposeLayout.monitorService
            case .sink: ComposeLayout.sinkService
            case .agent: "agent"
            }
        }
    }

    /// The source topology as `viewer` must see it inside its container.
    public static func topology(_ source: Topology, for viewer: Viewer) -> Topology {
        var topology = source
        topology.clientKeys = ComposeLayout.clientsDirectory
        topology.adminKeys = ComposeLayout.adminsDirectory
        topology.baseDirectory = ComposeLayout.configDirectory
        for index in topology.replicas.indices {
            let id = topology.replicas[index].id
            topology.replicas[index].certificate = ComposeLayout.certificatePath(id)
            topology.replicas[index].host =
                switch viewer {
                case .replica(id): ComposeLayout.bindAll
                case .replica, .agent: ComposeLayout.meshAlias(id)
                // The sink never dials a replica; the bus alias at least names the right one.
                case .monitor, .sink: ComposeLayout.busAlias(id)
                }
        }
        topology.events.certificate = ComposeLayout.monitorCertificatePath
        topology.events.host = viewer == .monitor ? ComposeLayout.bindAll : ComposeLayout.monitorService
        return topology
    }

    /// Every viewer of a topology: its replicas, the monitor, the sink and agents.
    public static func viewers(of source: Topology) -> [Viewer] {
        source.replicas.map { .replica($0.id) } + [.monitor, .sink, .agent]
    }
}
