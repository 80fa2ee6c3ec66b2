import Foundation
import SwarmTopology
import Yams

extension ComposeCheck {
    /// Each container's own topology (the inline config mounted at the topology path)
    /// agrees with the source topology on ids, ports and the cluster it signs for, binds
    /// its own sockets to 0.0.0.0 (libzmq cannot bind a DNS name), and names every peer
    /// by an address that compose resolves, from this container, to that peer's service.
    static func addresses(_ document: ComposeDocument, topology: Topology) -> [String] {
        var problems: [String] = []
        let services = document.services
        let configs = document.topLevel("configs")
        for (name, service) in services.sorted(by: { $0.key < $1.key }) {
            let viewer: ComposeTopologies.Viewer
            if let id = ComposeLayout.replicaID(ofService: name), topology.replicas.contains(where: { $0.id == id }) {
                viewer = .replica(id)
            } else if name == ComposeLayout.monitorService {
                viewer = .monitor
            } else if name == ComposeLayout.sinkService {
                viewer = .sink
            } else {
                continue
            }
            guard let mount = ComposeDocument.mounts(service, "configs").first(where: { $0.target == ComposeLayout.topologyPath }) else {
                problems.append("service \(name): no config is mounted at \(ComposeLayout.topologyPath)")
                continue
            }
            // A missing top-level config is reported by `references`.
            guard let definition = configs[mount.source] as? [String: Any] else { continue }
            guard let content = definition["content"] as? String else {
                problems.append("service \(name): config '\(mount.source)' has no inline content, so its addresses cannot be checked")
                continue
            }
            let seen: Topology
            do { seen = try YAMLDecoder().decode(Topology.self, from: content.replacingOccurrences(of: "$$", with: "$")) } catch {
                problems.append("service \(name): config '\(mount.source)' is not a topology: \(error)")
                continue
            }
            problems += agreement(name, seen: seen, source: topology)
            problems += certificatesMounted(name, service, seen: seen)
            problems += hosts(name, viewer: viewer, seen: seen, services: services)
        }
        return problems
    }

    /// Loading a topology refuses a certificate path that does not exist, so every one
    /// the container's topology names must be mounted (a config or a secret).
    static func certificatesMounted(_ name: String, _ service: [String: Any], seen: Topology) -> [String] {
        let mounted = Set((ComposeDocument.mounts(service, "configs") + ComposeDocument.mounts(service, "secrets")).compactMap(\.target))
        let named = seen.replicas.map { seen.resolve($0.certificate) } + [seen.resolve(seen.events.certificate)]
        return named.filter { !mounted.contains($0) }.map { "service \(name): its topology names \($0), which nothing mounts" }
    }

    static func agreement(_ name: String, seen: Topology, source: Topology) -> [String] {
        var problems: [String] = []
        if seen.clusterID != source.clusterID || seen.epoch != source.epoch || seen.swarmID != source.swarmID {
            problems.append(
                "service \(name): its topology is for \(seen.swarmID) \(seen.clusterID) epoch \(seen.epoch), not \(source.swarmID) \(source.clusterID) epoch \(source.epoch)")
        }
        if seen.events.publishPort != source.events.publishPort || seen.events.catchupPort != source.events.catchupPort {
            problems.append(
                "service \(name): its topology has event ports \(seen.events.publishPort)/\(seen.events.catchupPort), the topology says \(source.events.publishPort)/\(source.events.catchupPort)"
            )
        }
        if seen.replicas.map(\.id).sorted() != source.replicas.map(\.id).sorted() {
            problems.append("service \(name): its topology lists replicas \(seen.replicas.map(\.id).sorted()), the topology \(source.replicas.map(\.id).sorted())")
        }
        for replica in source.replicas {
            guard let entry = seen.replicas.first(where: { $0.id == replica.id }) else { continue }
            for (field, mine, theirs) in [
                ("mesh_port", entry.meshPort, replica.meshPort), ("router_port", entry.routerPort, replica.routerPort), ("monitor_port", entry.monitorPort, replica.monitorPort),
            ] where mine != theirs {
                problems.append("service \(name): its topology gives replica \(replica.id) \(field) \(mine), the topology says \(theirs)")
            }
        }
        return problems
    }

    static func hosts(_ name: String, viewer: ComposeTopologies.Viewer, seen: Topology, services: [String: [String: Any]]) -> [String] {
        var problems: [String] = []
        for entry in seen.replicas {
            let peer = ComposeLayout.replicaService(entry.id)
            switch viewer {
            case .replica(entry.id):
                if entry.host != ComposeLayout.bindAll {
                    problems.append("service \(name): its own host is '\(entry.host)'; it must be \(ComposeLayout.bindAll), since libzmq binds only numeric addresses")
                }
            case .replica, .monitor:
                // Replicas talk over the mesh only, so disconnecting the mesh partitions
                // them; the monitor reads the taps over its bus.
                let network = viewer == .monitor ? ComposeLayout.monitorBusNetwork : ComposeLayout.meshNetwork
                if !resolves(entry.host, from: name, to: peer, on: network, services: services) {
                    problems.append("service \(name): host '\(entry.host)' of replica \(entry.id) does not resolve to service \(peer) on network \(network)")
                }
            case .sink, .agent:
                continue  // the sink never dials a replica; agents are not in the file
            }
        }
        switch viewer {
        case .monitor where seen.events.host != ComposeLayout.bindAll:
            problems.append("service \(name): events.host is '\(seen.events.host)'; the monitor must bind \(ComposeLayout.bindAll)")
        case .sink where !resolves(seen.events.host, from: name, to: ComposeLayout.monitorService, on: ComposeLayout.eventsNetwork, services: services):
            problems.append(
                "service \(name): events.host '\(seen.events.host)' does not resolve to service \(ComposeLayout.monitorService) on network \(ComposeLayout.eventsNetwork)")
        default: break
        }
        return problems
    }

    /// Whether `host`, looked up from `client`, names `target` on `network` and only
    /// there: compose's DNS answers an alias only on its own network, but a service name
    /// on every network the two share, which could carry the traffic elsewhere.
    static func resolves(_ host: String, from client: String, to target: String, on network: String, services: [String: [String: Any]]) -> Bool {
        guard let from = services[client], let to = services[target] else { return false }
        let shared = Set(ComposeDocument.references(from, "networks")).intersection(ComposeDocument.references(to, "networks"))
        guard shared.contains(network) else { return false }
        return ComposeDocument.aliases(to, network: network).contains(host) || (host == target && shared == [network])
    }
}
