import Foundation
import SwarmCore
import SwarmCrypto
import SwarmWire
import Yams

/// Why a topology was refused; the message names the field.
public struct TopologyError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A replica group's topology file (`topology/*.yaml`): who the replicas are, where they
/// listen, their public keys, and the protocol settings they share. Paths are relative to
/// the file.
public struct Topology: Codable, Sendable {
    public struct ReplicaEntry: Codable, Sendable {
        public var id: UInt32
        public var host: String
        public var meshPort: Int
        public var routerPort: Int
        public var monitorPort: Int
        /// Public certificate (`NAME.key`); the secret is `NAME.key_secret` beside it.
        public var certificate: String

        enum CodingKeys: String, CodingKey {
            case id, host, certificate
            case meshPort = "mesh_port", routerPort = "router_port", monitorPort = "monitor_port"
        }

        public init(id: UInt32, host: String, meshPort: Int, routerPort: Int, monitorPort: Int, certificate: String) {
            self.id = id
            self.host = host
            self.meshPort = meshPort
            self.routerPort = routerPort
            self.monitorPort = monitorPort
            self.certificate = certificate
        }
    }

    public struct Timeouts: Codable, Sendable {
        public var tickMilliseconds: Int = 10
        public var requestTicks: Int = 300
        public var viewChangeTicks: Int = 300
        public var maxViewChangeTicks: Int = 2400
        public var retransmitTicks: Int = 50
        public var stateTransferTicks: Int = 100

        enum CodingKeys: String, CodingKey {
            case tickMilliseconds = "tick_ms", requestTicks = "request_ticks", viewChangeTicks = "view_change_ticks"
            case maxViewChangeTicks = "max_view_change_ticks", retransmitTicks = "retransmit_ticks", stateTransferTicks = "state_transfer_ticks"
        }

        public init() {}
    }

    public var swarmID: String
    public var clusterID: String
    public var epoch: UInt64
    public var protectionLevel: ProtectionLevel
    /// Fault injection (`--misbehave`) is refused unless the topology says this is a test.
    public var testMode: Bool
    public var checkpointInterval: UInt64
    public var watermarkWindow: UInt64
    public var maxBatchRequests: Int
    /// The swarm memory's quota (MemoryLimits.maxTotalBytes): keys, values and namespaces.
    public var memoryQuotaBytes: Int
    /// The chunk size of state transfer (Configuration.stateChunkBytes): one value for the
    /// cluster, because it is part of what a checkpoint's state digest means.
    public var stateChunkBytes: Int
    public var timeouts: Timeouts
    /// A directory of public client certificates allowed to reach the replicas' ROUTERs.
    public var clientKeys: String
    /// A directory of public certificates allowed to issue `swarmbft admin` commands.
    public var adminKeys: String
    /// Connections allowed to carry the requests of identities other than their own
    /// (a bench driver, an agent gateway): each names the identities it may carry
    /// (Topology+Access.swift).
    public var gateways: [GatewayEntry]
    /// A directory of public certificates that may read the replicas' taps besides the
    /// monitor (nil: the monitor alone). The tap carries every request's operation.
    public var tapReaders: String?
    /// Where the monitor serves the security event stream.
    public var events: EventsEntry
    public var replicas: [ReplicaEntry]

    /// The security event stream: a PUB socket (`publish_port`) and a ROUTER (`catchup_port`)
    /// that replays events from the security log to late joiners.
    public struct EventsEntry: Codable, Sendable, Equatable {
        public var host: String
        public var publishPort: Int
        public var catchupPort: Int
        /// The monitor's public certificate: it serves the stream (consumers pin its CURVE
        /// key), signs its security log, and may read every replica's tap.
        public var certificate: String

        enum CodingKeys: String, CodingKey {
            case host, publishPort = "publish_port", catchupPort = "catchup_port", certificate
        }

        public init(host: String, publishPort: Int, catchupPort: Int, certificate: String = "keys/monitor.key") {
            self.host = host
            self.publishPort = publishPort
            self.catchupPort = catchupPort
            self.certificate = certificate
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            host = try container.decode(String.self, forKey: .host)
            publishPort = try container.decode(Int.self, forKey: .publishPort)
            catchupPort = try container.decode(Int.self, forKey: .catchupPort)
            certificate = try container.decodeIfPresent(String.self, forKey: .certificate) ?? "keys/monitor.key"
        }

        public var publishEndpoint: String { "tcp://\(host):\(publishPort)" }
        public var catchupEndpoint: String { "tcp://\(host):\(catchupPort)" }
    }

    enum CodingKeys: String, CodingKey {
        case swarmID = "swarm_id", clusterID = "cluster_id", epoch, protectionLevel = "protection_level", testMode = "test_mode"
        case checkpointInterval = "checkpoint_interval", watermarkWindow = "watermark_window", maxBatchRequests = "max_batch_requests"
        case memoryQuotaBytes = "memory_quota_bytes", stateChunkBytes = "state_chunk_bytes"
        case timeouts, clientKeys = "client_keys", adminKeys = "admin_keys", gateways, tapReaders = "tap_readers", events, replicas
    }

    /// The directory the topology file lives in; certificate paths are relative to it.
    public var baseDirectory = "."

    public init(
        swarmID: String, clusterID: String, epoch: UInt64 = 1, protectionLevel: ProtectionLevel = .standard, testMode: Bool = false, checkpointInterval: UInt64 = 128,
        watermarkWindow: UInt64 = 512, maxBatchRequests: Int = 256, memoryQuotaBytes: Int = 256 << 20, stateChunkBytes: Int = 1 << 20, timeouts: Timeouts = Timeouts(),
        clientKeys: String = "clients", adminKeys: String = "admins", gateways: [GatewayEntry] = [], tapReaders: String? = nil,
        events: EventsEntry? = nil, replicas: [ReplicaEntry]
    ) {
        self.swarmID = swarmID
        self.clusterID = clusterID
        self.epoch = epoch
        self.protectionLevel = protectionLevel
        self.testMode = testMode
        self.checkpointInterval = checkpointInterval
        self.watermarkWindow = watermarkWindow
        self.maxBatchRequests = maxBatchRequests
        self.memoryQuotaBytes = memoryQuotaBytes
        self.stateChunkBytes = stateChunkBytes
        self.timeouts = timeouts
        self.clientKeys = clientKeys
        self.adminKeys = adminKeys
        self.gateways = gateways
        self.tapReaders = tapReaders
        self.events = events ?? Topology.defaultEvents(replicas)
        self.replicas = replicas
    }

    /// Without an `events` section the stream listens beside replica 0: its monitor port + 100 and + 101.
    static func defaultEvents(_ replicas: [ReplicaEntry]) -> EventsEntry {
        let first = replicas.first
        return EventsEntry(host: first?.host ?? "127.0.0.1", publishPort: (first?.monitorPort ?? 7300) + 100, catchupPort: (first?.monitorPort ?? 7300) + 101)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        swarmID = try container.decode(String.self, forKey: .swarmID)
        clusterID = try container.decode(String.self, forKey: .clusterID)
        epoch = try container.decodeIfPresent(UInt64.self, forKey: .epoch) ?? 1
        let level = try container.decodeIfPresent(String.self, forKey: .protectionLevel) ?? "standard"
        guard let protectionLevel = ProtectionLevel(rawValue: level) else { throw TopologyError("protection_level '\(level)' must be one of \(ProtectionLevel.names)") }
        self.protectionLevel = protectionLevel
        testMode = try container.decodeIfPresent(Bool.self, forKey: .testMode) ?? false
        checkpointInterval = try container.decodeIfPresent(UInt64.self, forKey: .checkpointInterval) ?? 128
        watermarkWindow = try container.decodeIfPresent(UInt64.self, forKey: .watermarkWindow) ?? 512
        maxBatchRequests = try container.decodeIfPresent(Int.self, forKey: .maxBatchRequests) ?? 256
        memoryQuotaBytes = try container.decodeIfPresent(Int.self, forKey: .memoryQuotaBytes) ?? 256 << 20
        stateChunkBytes = try container.decodeIfPresent(Int.self, forKey: .stateChunkBytes) ?? 1 << 20
        timeouts = try container.decodeIfPresent(Timeouts.self, forKey: .timeouts) ?? Timeouts()
        clientKeys = try container.decodeIfPresent(String.self, forKey: .clientKeys) ?? "clients"
        adminKeys = try container.decodeIfPresent(String.self, forKey: .adminKeys) ?? "admins"
        gateways = try container.decodeIfPresent([GatewayEntry].self, forKey: .gateways) ?? []
        tapReaders = try container.decodeIfPresent(String.self, forKey: .tapReaders)
        replicas = try container.decode([ReplicaEntry].self, forKey: .replicas)
        events = try container.decodeIfPresent(EventsEntry.self, forKey: .events) ?? Topology.defaultEvents(replicas)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(swarmID, forKey: .swarmID)
        try container.encode(clusterID, forKey: .clusterID)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(protectionLevel.rawValue, forKey: .protectionLevel)
        try container.encode(testMode, forKey: .testMode)
        try container.encode(checkpointInterval, forKey: .checkpointInterval)
        try container.encode(watermarkWindow, forKey: .watermarkWindow)
        try container.encode(maxBatchRequests, forKey: .maxBatchRequests)
        try container.encode(memoryQuotaBytes, forKey: .memoryQuotaBytes)
        try container.encode(stateChunkBytes, forKey: .stateChunkBytes)
        try container.encode(timeouts, forKey: .timeouts)
        try container.encode(clientKeys, forKey: .clientKeys)
        try container.encode(adminKeys, forKey: .adminKeys)
        if !gateways.isEmpty { try container.encode(gateways, forKey: .gateways) }
        try container.encodeIfPresent(tapReaders, forKey: .tapReaders)
        try container.encode(events, forKey: .events)
        try container.encode(replicas, forKey: .replicas)
    }

    // MARK: Loading

    public static func load(path: String) throws -> Topology {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TopologyError("cannot read topology \(path): \(error.localizedDescription)")
        }
        var topology: Topology
        do { topology = try YAMLDecoder().decode(Topology.self, from: text) } catch {
            throw TopologyError("topology \(path) is malformed: \(error)")
        }
        topology.baseDirectory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        try topology.validate()
        return topology
    }

    public func yaml() throws -> String { try YAMLEncoder().encode(self) }

    public func resolve(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : baseDirectory + "/" + relative
    }

    /// Refuses bad arithmetic, duplicate ids or ports, missing keys; names the field.
    public func validate() throws {
        guard Self.validSwarmID(swarmID) else { throw TopologyError("swarm_id '\(swarmID)' must be swarm-<ms>-<rand> or swarm_<ms>_<rand>") }
        guard !clusterID.isEmpty, clusterID.utf8.count <= ClusterBinding.maxClusterIDBytes else {
            throw TopologyError("cluster_id must be 1...\(ClusterBinding.maxClusterIDBytes) bytes")
        }
        // The node's loop waits one tick between turns: 0 spins a core and starves its
        // signal handling (issue 15, finding 10); more than a minute is no longer a tick.
        guard (1 ... 60_000).contains(timeouts.tickMilliseconds) else {
            throw TopologyError("timeouts.tick_ms = \(timeouts.tickMilliseconds) must be 1...60000 milliseconds")
        }
        let ids = replicas.map(\.id)
        guard Set(ids).count == ids.count else { throw TopologyError("replicas: duplicate id") }
        guard ids.sorted() == (0 ..< UInt32(replicas.count)).map({ $0 }) else { throw TopologyError("replicas: ids must be 0..<\(replicas.count)") }
        var endpoints = Set<String>()
        for replica in replicas {
            for (field, port) in [("mesh_port", replica.meshPort), ("router_port", replica.routerPort), ("monitor_port", replica.monitorPort)] {
                guard (1 ... 65535).contains(port) else { throw TopologyError("replicas[\(replica.id)].\(field) = \(port) is not a port") }
                guard endpoints.insert("\(replica.host):\(port)").inserted else { throw TopologyError("replicas[\(replica.id)].\(field): \(replica.host):\(port) is used twice") }
            }
            guard FileManager.default.fileExists(atPath: resolve(replica.certificate)) else {
                throw TopologyError("replicas[\(replica.id)].certificate: \(resolve(replica.certificate)) does not exist")
            }
        }
        for (field, port) in [("events.publish_port", events.publishPort), ("events.catchup_port", events.catchupPort)] {
            guard (1 ... 65535).contains(port) else { throw TopologyError("\(field) = \(port) is not a port") }
            guard endpoints.insert("\(events.host):\(port)").inserted else { throw TopologyError("\(field): \(events.host):\(port) is used twice") }
        }
        guard FileManager.default.fileExists(atPath: resolve(events.certificate)) else {
            throw TopologyError("events.certificate: \(resolve(events.certificate)) does not exist")
        }
        for (index, gateway) in gateways.enumerated() {
            guard FileManager.default.fileExists(atPath: resolve(gateway.certificate)) else {
                throw TopologyError("gateways[\(index)].certificate: \(resolve(gateway.certificate)) does not exist")
            }
        }
        do { _ = try configuration() } catch let error as TopologyError { throw error } catch { throw TopologyError("replicas: \(error)") }
    }

    public static func validSwarmID(_ id: String) -> Bool {
        for separator in ["-", "_"] {
            let parts = id.split(separator: Character(separator), omittingEmptySubsequences: false)
            if parts.count == 3, parts[0] == "swarm", parts[1].allSatisfy(\.isNumber), !parts[1].isEmpty, !parts[2].isEmpty, parts[2].allSatisfy({ $0.isLetter || $0.isNumber }) {
                return true
            }
        }
        return false
    }

    public var cluster: ClusterBinding { ClusterBinding(clusterName: clusterID, epoch: epoch) }

    /// The protocol configuration every replica of this topology runs with.
    public func configuration() throws -> Configuration {
        // The checkpointed state holds the memory and, per entry, its framing; half the
        // snapshot limit leaves room for both and for the client table.
        let limits = WireLimits.standard
        guard memoryQuotaBytes >= 0, memoryQuotaBytes <= limits.maxSnapshotBytes / 2 else {
            throw TopologyError("memory_quota_bytes \(memoryQuotaBytes) must be between 0 and \(limits.maxSnapshotBytes / 2) (half the largest state a replica restores)")
        }
        var configuration = try Configuration(
            replicaCount: replicas.count,
            cluster: cluster,
            checkpointInterval: checkpointInterval,
            watermarkWindow: watermarkWindow,
            maxBatchRequests: maxBatchRequests,
            requestTimeoutTicks: timeouts.requestTicks,
            viewChangeTimeoutTicks: timeouts.viewChangeTicks,
            maxViewChangeTimeoutTicks: timeouts.maxViewChangeTicks,
            retransmitTicks: timeouts.retransmitTicks,
            stateTransferTimeoutTicks: timeouts.stateTransferTicks,
            stateChunkBytes: stateChunkBytes,
            wireLimits: limits,
            protectionLevel: protectionLevel
        )
        configuration.registeredClients = try registeredClients()
        configuration.adminClients = Set(try adminCertificates().map { ClientKey(bytes: $0.ed25519PublicKey.bytes) })
        return configuration
    }

    public func publicCertificate(of replica: UInt32) throws -> PublicCertificate {
        guard let entry = replicas.first(where: { $0.id == replica }) else { throw TopologyError("no replica \(replica)") }
        do { return try CertificateFile.readPublic(path: resolve(entry.certificate)) } catch {
            throw TopologyError("replicas[\(replica)].certificate: \(error)")
        }
    }

    /// Every replica's public certificate, indexed by replica id.
    public func replicaCertificates() throws -> [PublicCertificate] {
        try (0 ..< UInt32(replicas.count)).map { try publicCertificate(of: $0) }
    }

    public func secretCertificate(of replica: UInt32) throws -> SecretCertificate {
        guard let entry = replicas.first(where: { $0.id == replica }) else { throw TopologyError("no replica \(replica)") }
        let path = resolve(entry.certificate) + "_secret"
        do { return try CertificateFile.readSecret(path: path) } catch {
            throw TopologyError("replicas[\(replica)] secret certificate: \(error)")
        }
    }

    /// The monitor's public certificate (`events.certificate`).
    public func monitorCertificate() throws -> PublicCertificate {
        do { return try CertificateFile.readPublic(path: resolve(events.certificate)) } catch {
            throw TopologyError("events.certificate: \(error)")
        }
    }

    /// The monitor's secret certificate, beside its public one.
    public func monitorSecretCertificate() throws -> SecretCertificate {
        do { return try CertificateFile.readSecret(path: resolve(events.certificate) + "_secret") } catch {
            throw TopologyError("events.certificate (secret): \(error)")
        }
    }

    /// Public certificates of the clients allowed to connect.
    public func clientCertificates() throws -> [PublicCertificate] {
        try publicCertificates(in: clientKeys, field: "client_keys")
    }

    /// Everyone who may reach the swarm besides the replicas: clients, gateways, admins
    /// and the monitor. They may read the event stream and reach a replica's ROUTER (what
    /// they may do there is checked per frame and per connection: `ClientBinding`); the
    /// taps are for `tapReaderCertificates()` alone.
    public func observerCertificates() throws -> [PublicCertificate] {
        try clientCertificates() + gatewayCertificates() + adminCertificates() + [monitorCertificate()]
    }

    /// Public certificates of the operators allowed to issue `swarmbft admin` commands.
    public func adminCertificates() throws -> [PublicCertificate] {
        try publicCertificates(in: adminKeys, field: "admin_keys")
    }

    func publicCertificates(in relative: String, field: String) throws -> [PublicCertificate] {
        let directory = resolve(relative)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return try names.filter { $0.hasSuffix(".key") }.sorted().map { name in
            do { return try CertificateFile.readPublic(path: directory + "/" + name) } catch {
                throw TopologyError("\(field): \(directory)/\(name): \(error)")
            }
        }
    }
}
