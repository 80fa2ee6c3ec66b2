import Foundation
import SwarmTopology

/// The semantic check of a compose file against its topology, beyond what the compose
/// JSON schema can say: every reference resolves, each replica service is the replica the
/// topology describes, and only the event stream reaches the host. Pure; an empty list
/// means the file is consistent. Each problem is one sentence naming the element.
public enum ComposeCheck {
    public static func problems(composeYAML: String, topology: Topology) -> [String] {
        let document: ComposeDocument
        do { document = try ComposeDocument(yaml: composeYAML) } catch {
            return ["the compose file does not parse: \(error)"]
        }
        let services = document.services
        guard !services.isEmpty else { return ["the compose file has no services"] }
        return references(document) + ports(document, topology: topology) + replicas(document, topology: topology) + addresses(document, topology: topology)
    }

    /// Every network, secret, config, named volume and depends_on target a service names
    /// is defined at the top level (or is a service).
    static func references(_ document: ComposeDocument) -> [String] {
        var problems: [String] = []
        let services = document.services
        for (name, service) in services.sorted(by: { $0.key < $1.key }) {
            for kind in ["networks", "secrets", "configs"] {
                let defined = document.topLevel(kind)
                for reference in ComposeDocument.references(service, kind) where defined[reference] == nil {
                    problems.append("service \(name): \(kind.dropLast()) '\(reference)' is not defined under top-level \(kind)")
                }
            }
            let volumes = document.topLevel("volumes")
            for volume in ComposeDocument.namedVolumes(service) where volumes[volume] == nil {
                problems.append("service \(name): volume '\(volume)' is not defined under top-level volumes")
            }
            for target in ComposeDocument.references(service, "depends_on") where services[target] == nil {
                problems.append("service \(name): depends_on '\(target)' is not a service")
            }
        }
        return problems
    }

    /// Only the event stream is published, and only by the monitor; both its ports are.
    static func ports(_ document: ComposeDocument, topology: Topology) -> [String] {
        var problems: [String] = []
        let eventPorts = [topology.events.publishPort, topology.events.catchupPort]
        var published = Set<Int>()
        for (name, service) in document.services.sorted(by: { $0.key < $1.key }) {
            for port in ComposeDocument.publishedPorts(service) {
                let isEventPort = port.published.map(eventPorts.contains) == true && port.published == port.target
                if isEventPort, name == ComposeLayout.monitorService {
                    published.insert(port.published!)
                } else {
                    problems.append(
                        "service \(name): port '\(port.entry)' is published to the host; only the monitor's event stream (\(eventPorts.map(String.init).joined(separator: ", "))) may be"
                    )
                }
            }
        }
        for (field, port) in [("events.publish_port", topology.events.publishPort), ("events.catchup_port", topology.events.catchupPort)] where !published.contains(port) {
            problems.append("service \(ComposeLayout.monitorService): \(field) \(port) is not published")
        }
        return problems
    }
}
