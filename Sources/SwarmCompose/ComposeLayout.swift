import Foundation
import SwarmTopology

/// Names and paths shared by the compose generator (`ComposeFile`) and the checker
/// (`ComposeCheck`), so the two cannot drift apart.
///
/// How addresses work in compose: libzmq refuses a DNS name on `bind` (only numeric
/// addresses and interface names: `tcp://replica-0:7100` fails with "No such device"),
/// and `ReplicaNode` binds and is dialled on the same `host`. So every container gets
/// its own compose-flavoured topology (a compose `config` with inline content): its own
/// entry (or, for the monitor, `events.host`) says `0.0.0.0`, and every other endpoint
/// is a network-scoped alias — `mesh-replica-N` on the mesh, `bus-replica-N` on the
/// monitor bus, `monitor` on the event network. Network-scoped aliases keep replica
/// traffic on the mesh, so `docker network disconnect` on the mesh really partitions.
public enum ComposeLayout {
    public static let meshNetwork = "mesh"
    public static let monitorBusNetwork = "monitor-bus"
    public static let eventsNetwork = "events"

    public static let monitorService = "monitor"
    public static let sinkService = "event-sink"

    /// Inside every container: the topology, the public keys, the allowlists, the data.
    public static let configDirectory = "/etc/swarmbft"
    public static let topologyPath = configDirectory + "/topology.yaml"
    public static let keysDirectory = configDirectory + "/keys"
    public static let clientsDirectory = configDirectory + "/clients"
    public static let adminsDirectory = configDirectory + "/admins"
    public static let dataDirectory = "/var/lib/swarmbft"
    /// What a container's own listening sockets bind to (see above).
    public static let bindAll = "0.0.0.0"

    public static func replicaService(_ id: UInt32) -> String { "replica-\(id)" }
    public static func meshAlias(_ id: UInt32) -> String { "mesh-replica-\(id)" }
    public static func busAlias(_ id: UInt32) -> String { "bus-replica-\(id)" }
    public static func topologyConfig(service: String) -> String { "topology-\(service)" }
    public static func certificateConfig(_ id: UInt32) -> String { "replica-\(id)-certificate" }
    public static func replicaSecret(_ id: UInt32) -> String { "replica-\(id)-secret" }
    public static func clientSecret(_ name: String) -> String { "\(name)-secret" }
    public static func dataVolume(service: String) -> String { "\(service)-data" }
    public static func certificatePath(_ id: UInt32) -> String { keysDirectory + "/replica-\(id).key" }
    /// The monitor's own certificate (`events.certificate`): it signs its log and serves
    /// the stream, so consumers and replicas need the public half, the monitor the secret.
    public static let monitorCertificateConfig = "monitor-certificate"
    public static let monitorSecret = "monitor-secret"
    public static let monitorCertificatePath = keysDirectory + "/monitor.key"
    public static func clientSecretPath(_ name: String) -> String { "/run/secrets/\(name).key_secret" }

    /// The replica id of a service named `replica-N`, nil for any other name.
    public static func replicaID(ofService name: String) -> UInt32? {
        guard name.hasPrefix("replica-") else { return nil }
        return UInt32(name.dropFirst("replica-".count))
    }
}
