import SwarmCore
import SwarmMemory
import SwarmSimulator
import SwarmWire

/// A tiny synchronous harness for unit tests of single rules: n replicas with the test
/// signer, clients that sign requests, and helpers to pick directives apart.
struct Harness {
    let configuration: Configuration
    let keys: SimulatedKeys
    var replicas: [Replica<SwarmMemory>]

    /// `registeredClients`: the indices of the clients the configuration registers (nil: any).
    init(
        replicaCount: Int = 4, checkpointInterval: UInt64 = 4, watermarkWindow: UInt64 = 8, stateChunkBytes: Int = 1 << 20, protectionLevel: ProtectionLevel = .standard,
        registeredClients: [Int]? = nil
    ) throws {
        var configuration = try Configuration(
            replicaCount: replicaCount,
            cluster: ClusterBinding(clusterName: "unit", epoch: 1),
            checkpointInterval: checkpointInterval,
            watermarkWindow: watermarkWindow,
            maxBatchRequests: 1,
            requestTimeoutTicks: 10,
            viewChangeTimeoutTicks: 10,
            stateChunkBytes: stateChunkBytes,
            // Small chunks name a small state: the manifest's chunk count stays in its limit.
            wireLimits: WireLimits(maxSnapshotBytes: min(1 << 30, stateChunkBytes << 16)),
            protectionLevel: protectionLevel
        )
        let keys = SimulatedKeys(scheme: .test, replicaCount: replicaCount, clientCount: 4)
        configuration.registeredClients = registeredClients.map { Set($0.map { keys.clientKeys[$0] }) }
        self.configuration = configuration
        self.keys = keys
        replicas = (0 ..< replicaCount).map { Replica(configuration: configuration, id: ReplicaID($0), crypto: keys.crypto(for: ReplicaID($0)), service: SwarmMemory()) }
    }

    func request(client: Int = 0, id: UInt64, value: UInt8 = 1) -> SignedMessage {
        let operation = MemoryOperation.put(namespace: Array("ns".utf8), key: [UInt8(client)], value: [value]).encoded()
        return keys.signRequest(ClientRequest(client: keys.clientKeys[client], requestID: id, operation: operation), client: client, cluster: configuration.cluster)
    }

    /// A put of `value` under `key`: requests that grow the state by chosen amounts.
    func put(client: Int = 0, id: UInt64, key: String, value: [UInt8]) -> SignedMessage {
        let operation = MemoryOperation.put(namespace: Array("ns".utf8), key: Array(key.utf8), value: value).encoded()
        return keys.signRequest(ClientRequest(client: keys.clientKeys[client], requestID: id, operation: operation), client: client, cluster: configuration.cluster)
    }

    func sign(_ payload: Payload, as replica: ReplicaID) -> SignedMessage {
        SignedMessage.sign(payload, cluster: configuration.cluster) { keys.crypto(for: replica).sign($0) }
    }

    func batchDigest(_ batch: [SignedMessage]) -> Digest {
        SwarmCore.batchDigest(of: batch, crypto: keys.verifier)
    }

    /// Delivers every message sent by anyone until the network is quiet; returns all
    /// directives produced, per replica.
    /// Replicas in `down` receive nothing (crashed, or cut off); a message for which
    /// `lost(from, to, message)` holds is lost on the way.
    mutating func settle(
        _ initial: [(from: ReplicaID, [Directive])], rounds: Int = 50, down: Set<Int> = [], lost: (ReplicaID, ReplicaID, SignedMessage) -> Bool = { _, _, _ in false }
    ) -> [ReplicaID: [Directive]] {
        var produced: [ReplicaID: [Directive]] = [:]
        var pending = initial
        for (from, directives) in initial { produced[from, default: []] += directives }
        for _ in 0 ..< rounds where !pending.isEmpty {
            var next: [(from: ReplicaID, [Directive])] = []
            for (from, directives) in pending {
                for directive in directives {
                    var targets: [(ReplicaID, SignedMessage)] = []
                    switch directive {
                    case let .broadcast(message): targets = replicas.indices.filter { $0 != Int(from) }.map { (ReplicaID($0), message) }
                    case let .send(message, to): targets = [(to, message)]
                    default: break
                    }
                    for (target, message) in targets where !down.contains(Int(target)) && !lost(from, target, message) {
                        let out = replicas[Int(target)].receive(message)
                        produced[target, default: []] += out
                        next.append((target, out))
                    }
                }
            }
            pending = next
        }
        return produced
    }
}

extension Array where Element == Directive {
    var broadcasts: [SignedMessage] {
        compactMap { if case let .broadcast(message) = $0 { message } else { nil } }
    }

    func broadcasts(of kind: MessageKind) -> [SignedMessage] { broadcasts.filter { $0.kind == kind } }

    var executed: [ExecutedBatch] {
        compactMap { if case let .executed(batch) = $0 { batch } else { nil } }
    }

    var replies: [Reply] {
        compactMap { if case let .reply(reply, _) = $0 { reply } else { nil } }
    }

    var evidence: [Evidence] {
        compactMap { if case let .alert(.equivocation(evidence)) = $0 { evidence } else { nil } }
    }

    /// The index of the first directive matching `predicate`.
    func index(where predicate: (Directive) -> Bool) -> Int? { firstIndex(where: predicate) }
}
