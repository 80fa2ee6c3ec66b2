import Foundation
import SwarmTopology

extension ComposeCheck {
    /// A `replica-N` service per topology replica and none other; each runs replica N,
    /// exposes its three ports, sits on the mesh under its alias, and holds only its own
    /// certificate's secret (a replica with another's key could sign as it); so does the
    /// monitor (`events.certificate`).
    static func replicas(_ document: ComposeDocument, topology: Topology) -> [String] {
        var problems: [String] = []
        let services = document.services
        let secrets = document.topLevel("secrets")
        for replica in topology.replicas where services[ComposeLayout.replicaService(replica.id)] == nil {
            problems.append("replica \(replica.id) of the topology has no service \(ComposeLayout.replicaService(replica.id))")
        }
        for (name, service) in services.sorted(by: { $0.key < $1.key }) {
            guard let id = ComposeLayout.replicaID(ofService: name) else { continue }
            guard let replica = topology.replicas.first(where: { $0.id == id }) else {
                problems.append("service \(name): the topology has no replica \(id)")
                continue
            }
            let command = ComposeDocument.command(service)
            let runs = command.firstIndex(of: "--replica").flatMap { command.indices.contains($0 + 1) ? command[$0 + 1] : nil }
            if runs != "\(id)" {
                problems.append("service \(name): command runs replica \(runs ?? "(no --replica)"), not \(id)")
            }
            let exposed = Set(ComposeDocument.exposedPorts(service))
            for (field, port) in [("mesh_port", replica.meshPort), ("router_port", replica.routerPort), ("monitor_port", replica.monitorPort)] where !exposed.contains(port) {
                problems.append("service \(name): expose lacks \(field) \(port)")
            }
            for port in exposed.subtracting([replica.meshPort, replica.routerPort, replica.monitorPort]).sorted() {
                problems.append("service \(name): exposes port \(port), which is not one of replica \(id)'s ports")
            }
            if !ComposeDocument.aliases(service, network: ComposeLayout.meshNetwork).contains(ComposeLayout.meshAlias(id)) {
                problems.append("service \(name): network \(ComposeLayout.meshNetwork) lacks alias \(ComposeLayout.meshAlias(id))")
            }
            problems += ownSecret(name, service, certificate: replica.certificate, secrets: secrets)
        }
        // The monitor signs its log and serves the stream with its own key, and no other.
        if let monitor = services[ComposeLayout.monitorService] {
            problems += ownSecret(ComposeLayout.monitorService, monitor, certificate: topology.events.certificate, secrets: secrets)
        }
        return problems
    }

    static func ownSecret(_ name: String, _ service: [String: Any], certificate: String, secrets: [String: Any]) -> [String] {
        let own = (certificate as NSString).lastPathComponent + "_secret"
        let mounted = ComposeDocument.mounts(service, "secrets")
        guard !mounted.isEmpty else { return ["service \(name): has no secret; it needs \(own)"] }
        var problems: [String] = []
        for secret in mounted {
            // A missing top-level secret is reported by `references`.
            guard let definition = secrets[secret.source] as? [String: Any] else { continue }
            let file = definition["file"] as? String ?? ""
            if (file as NSString).lastPathComponent != own {
                problems.append("service \(name): secret '\(secret.source)' is \(file.isEmpty ? "not a file" : file), not its own \(own)")
            }
            if let target = secret.target, (target as NSString).lastPathComponent != own {
                problems.append("service \(name): secret '\(secret.source)' is mounted at \(target); the node reads it beside its certificate as \(own)")
            }
        }
        return problems
    }
}
