import Foundation
@testable import SwarmCompose
import Testing
import SwarmTopology
import SwarmWire
import SwarmTestKit

@Suite("Docker compose: generator and semantic check")
struct ComposeTests {
    static let repository = TestKit.repositoryRoot.path

    static func topology(_ replicas: Int) throws -> Topology {
        try Topology.load(path: repository + "/topology/\(replicas)-replicas/topology.yaml")
    }

    /// The compose file as the committed example was generated (from docker/examples/N-replicas/).
    static func generated(_ replicas: Int) throws -> String {
        try ComposeFile.yaml(topology(replicas), options: .init(sourceDirectory: "../../../topology/\(replicas)-replicas"))
    }

    /// The generated file with one planted breakage; the edit must hit, or the test would
    /// pass on an unbroken file.
    static func planted(_ text: String, _ target: String, _ replacement: String) throws -> String {
        let range = try #require(text.range(of: target), "planted breakage: '\(target)' is not in the file")
        return text.replacingCharacters(in: range, with: replacement)
    }

    static func expectReported(_ text: String, _ topology: Topology, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = ComposeCheck.problems(composeYAML: text, topology: topology)
        for fragment in fragments where !problems.contains(where: { $0.contains(fragment) }) {
            Issue.record("expected a problem naming '\(fragment)', got \(problems)", sourceLocation: sourceLocation)
        }
    }

    @Test("The generated files for 4 and 9 replicas pass the check and match the committed examples", arguments: [4, 9])
    func generatedPasses(replicas: Int) throws {
        let text = try Self.generated(replicas)
        #expect(ComposeCheck.problems(composeYAML: text, topology: try Self.topology(replicas)) == [])
        let committed = try String(contentsOfFile: Self.repository + "/docker/examples/\(replicas)-replicas/compose.yaml", encoding: .utf8)
        #expect(text == committed, "docker/examples/\(replicas)-replicas/compose.yaml is stale: regenerate it with swarmbft topology compose")
    }

    @Test("Replica services take image and healthcheck from x-replica through the YAML merge key")
    func mergeKeys() throws {
        let document = try ComposeDocument(yaml: try Self.generated(4))
        let replica = try #require(document.services["replica-2"])
        #expect(replica["image"] as? String == "swarmbft:latest")
        let healthcheck = try #require(replica["healthcheck"] as? [String: Any])
        #expect((healthcheck["test"] as? [Any])?.map { "\($0)" }.contains("health") == true)
        #expect(document.services["monitor"]?["healthcheck"] == nil, "the monitor writes no status.json")
    }

    @Test("Each container's topology: its own sockets bind 0.0.0.0, peers by network-scoped alias, same ports")
    func containerTopologies() throws {
        let source = try Self.topology(4)
        let replica1 = ComposeTopologies.topology(source, for: .replica(1))
        #expect(replica1.replicas.map(\.host) == ["mesh-replica-0", "0.0.0.0", "mesh-replica-2", "mesh-replica-3"])
        #expect(replica1.replicas.map(\.routerPort) == source.replicas.map(\.routerPort))
        #expect(replica1.clusterID == source.clusterID && replica1.epoch == source.epoch)
        let monitor = ComposeTopologies.topology(source, for: .monitor)
        #expect(monitor.events.host == "0.0.0.0" && monitor.replicas.allSatisfy { $0.host.hasPrefix("bus-replica-") })
        #expect(ComposeTopologies.topology(source, for: .sink).events.host == "monitor")
        #expect(ComposeTopologies.topology(source, for: .agent).replicas.map(\.host) == (0 ..< 4).map { "mesh-replica-\($0)" })
    }

    @Test("A missing secret, config or volume is reported with the service and the element")
    func missingTopLevel() throws {
        let text = try Self.generated(4), topology = try Self.topology(4)
        Self.expectReported(
            try Self.planted(text, "  replica-2-secret:\n    file: \"../../../topology/4-replicas/keys/replica-2.key_secret\"\n", ""), topology,
            ["service replica-2: secret 'replica-2-secret' is not defined under top-level secrets"])
        Self.expectReported(
            try Self.planted(text, "  replica-1-certificate:\n    file:", "  replica-one-certificate:\n    file:"), topology,
            ["service replica-0: config 'replica-1-certificate' is not defined", "service monitor: config 'replica-1-certificate'"])
        Self.expectReported(
            try Self.planted(text, "  monitor-data: {}\n", ""), topology,
            ["service monitor: volume 'monitor-data' is not defined under top-level volumes"])
    }

    @Test("An unknown network and an unknown depends_on target are reported")
    func unknownReferences() throws {
        let text = try Self.generated(4), topology = try Self.topology(4)
        Self.expectReported(
            try Self.planted(text, "      monitor-bus:\n        aliases: [\"bus-replica-1\"]", "      backplane:\n        aliases: [\"bus-replica-1\"]"), topology,
            ["service replica-1: network 'backplane' is not defined under top-level networks", "service monitor: host 'bus-replica-1' of replica 1 does not resolve"])
        Self.expectReported(
            try Self.planted(text, "      replica-3:\n        condition: service_healthy", "      replica-7:\n        condition: service_healthy"), topology,
            ["service monitor: depends_on 'replica-7' is not a service"])
    }

    @Test("A wrong port is reported: in expose, in a container's topology, and on the host")
    func wrongPorts() throws {
        let text = try Self.generated(4), topology = try Self.topology(4)
        Self.expectReported(
            try Self.planted(text, "expose: [\"7101\", \"7201\", \"7301\"]", "expose: [\"7101\", \"7299\", \"7301\"]"), topology,
            ["service replica-1: expose lacks router_port 7201", "service replica-1: exposes port 7299"])
        Self.expectReported(
            try Self.planted(text, "        mesh_port: 7102\n        router_port: 7202", "        mesh_port: 7102\n        router_port: 7292"), topology,
            ["service replica-0: its topology gives replica 2 router_port 7292, the topology says 7202"])
        Self.expectReported(
            try Self.planted(text, "    expose: [\"7100\", \"7200\", \"7300\"]\n", "    expose: [\"7100\", \"7200\", \"7300\"]\n    ports: [\"7200:7200\"]\n"), topology,
            ["service replica-0: port '7200:7200' is published to the host"])
        Self.expectReported(
            try Self.planted(text, "      - \"7401:7401\"\n", ""), topology,
            ["service monitor: events.catchup_port 7401 is not published"])
    }

    @Test("Replica services must match the topology: all present, right id, own secret only, bindable own host")
    func replicaMismatches() throws {
        let text = try Self.generated(4), topology = try Self.topology(4)
        let withoutReplica3 = try Self.planted(text, text[text.range(of: "  replica-3:\n")!.lowerBound ..< text.range(of: "  monitor:\n")!.lowerBound].description, "")
        Self.expectReported(withoutReplica3, topology, ["replica 3 of the topology has no service replica-3"])
        Self.expectReported(
            try Self.planted(text, "\"--replica\", \"2\"", "\"--replica\", \"1\""), topology,
            ["service replica-2: command runs replica 1, not 2"])
        Self.expectReported(
            try Self.planted(text, "      - source: replica-1-secret\n", "      - source: replica-0-secret\n"), topology,
            ["service replica-1: secret 'replica-0-secret' is ../../../topology/4-replicas/keys/replica-0.key_secret, not its own replica-1.key_secret"])
        Self.expectReported(
            try Self.planted(text, "      - id: 2\n        host: 0.0.0.0", "      - id: 2\n        host: replica-2"), topology,
            ["service replica-2: its own host is 'replica-2'"])
        Self.expectReported(
            try Self.planted(text, "      - id: 3\n        host: mesh-replica-3", "      - id: 3\n        host: bus-replica-3"), topology,
            ["service replica-0: host 'bus-replica-3' of replica 3 does not resolve to service replica-3 on network mesh"])
        // A service name resolves on every shared network, the monitor bus included.
        Self.expectReported(
            try Self.planted(text, "      - id: 3\n        host: mesh-replica-3", "      - id: 3\n        host: replica-3"), topology,
            ["service replica-0: host 'replica-3' of replica 3 does not resolve to service replica-3 on network mesh"])
        Self.expectReported(
            try Self.planted(text, "  replica-3:\n    <<: *replica", "  replica-4:\n    <<: *replica"), topology,
            ["service replica-4: the topology has no replica 4"])
    }

    @Test("The monitor holds its own key only, and every certificate a container's topology names is mounted")
    func monitorKeyAndMounts() throws {
        let text = try Self.generated(4), topology = try Self.topology(4)
        Self.expectReported(
            try Self.planted(text, "      - source: monitor-secret\n", "      - source: client-0-secret\n"), topology,
            ["service monitor: secret 'client-0-secret' is ../../../topology/4-replicas/keys/client-0.key_secret, not its own monitor.key_secret"])
        // The sink's last config mount is the monitor's certificate, which it pins.
        let sink = try #require(text.range(of: "  event-sink:\n"))
        let mount = try #require(
            text.range(of: "      - source: monitor-certificate\n        target: \"/etc/swarmbft/keys/monitor.key\"\n", range: sink.upperBound ..< text.endIndex))
        Self.expectReported(
            text.replacingCharacters(in: mount, with: ""), topology,
            ["service event-sink: its topology names /etc/swarmbft/keys/monitor.key, which nothing mounts"])
    }

    @Test("Input that is not a compose file gives a problem, not a crash")
    func badInput() throws {
        let topology = try Self.topology(4)
        #expect(ComposeCheck.problems(composeYAML: "services: [unclosed", topology: topology).first?.contains("does not parse") == true)
        #expect(ComposeCheck.problems(composeYAML: "- a list", topology: topology).first?.contains("not a YAML mapping") == true)
        #expect(ComposeCheck.problems(composeYAML: "name: x\n", topology: topology) == ["the compose file has no services"])
        Self.expectReported(
            try Self.planted(try Self.generated(4), "    content: |\n      swarm_id", "    content: |\n      swarm_idd"), topology,
            ["service replica-0: config 'topology-replica-0' is not a topology"])
    }
}
