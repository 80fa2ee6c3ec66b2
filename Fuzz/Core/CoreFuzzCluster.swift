// The honest cluster behind the core fuzzer (CoreFuzzMain.swift): four replicas run a
// scripted history once per process, and what they sent, executed and certified is the
// material the attacker replays and the reference the checks compare against.

import SwarmWire

/// A cheap deterministic signer for fuzzing (libsodium is not linked into the fuzzer): a
/// keyed 256-bit FNV-style digest stands in for Ed25519. It only has to be deterministic
/// and to tell keys apart; the fuzzer tests the core's rules, not the cryptography.
struct FuzzCrypto: ProtocolCrypto {
    let signer: [UInt8]?

    static func replicaSecret(_ id: ReplicaID) -> [UInt8] { Array("replica-\(id)".utf8) }
    static func clientSecret(_ key: ClientKey) -> [UInt8] { Array("client-".utf8) + key.bytes }

    static func hash(_ secret: [UInt8], _ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var lanes: [UInt64] = [0xcbf2_9ce4_8422_2325, 0x8422_2325_cbf2_9ce4, 0x9e37_79b9_7f4a_7c15, 0x2545_f491_4f6c_dd1d]
        func mix(_ byte: UInt8) {
            for lane in lanes.indices { lanes[lane] = (lanes[lane] ^ UInt64(byte) &+ UInt64(lane)) &* 0x0000_0100_0000_01b3 }
        }
        for byte in secret { mix(byte) }
        mix(0xFF)
        for byte in bytes { mix(byte) }
        return lanes.flatMap { lane in (0 ..< 8).map { UInt8(truncatingIfNeeded: lane >> (8 * $0)) } }
    }

    func digest(_ bytes: UnsafeRawBufferPointer) -> Digest { Digest(bytes: Self.hash([], bytes)) }

    func sign(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        guard let signer else { preconditionFailure("a verifier cannot sign") }
        return Self.hash(signer, bytes) + [UInt8](repeating: 0x5A, count: 32)
    }

    func verify(_ message: SignedMessage) -> Bool {
        let secret: [UInt8]
        if case let .request(request) = message.payload {
            secret = Self.clientSecret(request.client)
        } else if let sender = message.payload.replicaSender, sender < 4 {
            secret = Self.replicaSecret(sender)
        } else {
            return false
        }
        return message.withSignedBytes { Self.hash(secret, $0) } + [UInt8](repeating: 0x5A, count: 32) == Array(message.signature)
    }
}

final class CoreFuzzCluster: Sendable {
    enum Scenario: CaseIterable {
        /// Replica 1, a backup in view 0, everything executed.
        case backup
        /// Replica 0, the primary of view 0.
        case primary
        /// Replica 1 with a pending request the primary never ordered: mid view change.
        case changingView
        /// Replica 2, which saw nothing, learned of a stable checkpoint and is fetching it.
        case stateTransfer
    }

    static let clientCount = 2
    static let shared = CoreFuzzCluster()

    let configuration: Configuration
    let verifier: FuzzCrypto
    /// Digest of the batch the honest cluster executed at each sequence, 1 … historyEnd.
    let history: [SequenceNumber: Digest]
    let historyEnd: SequenceNumber
    /// Everything the honest replicas sent, by kind.
    let genuine: [SignedMessage]
    let requests: [SignedMessage]
    let prePrepares: [SignedMessage]
    let prepares: [SignedMessage]
    let commits: [SignedMessage]
    let checkpoints: [SignedMessage]
    let viewChanges: [SignedMessage]
    let committed: [CommittedEntry]
    let digests: [Digest]
    /// The highest stable checkpoint: its q certificate, manifest and state.
    let checkpointSequence: SequenceNumber
    let certificate: [SignedMessage]
    let manifest: StateManifest
    let snapshot: [UInt8]
    let backup: Replica<SwarmMemory>
    let primary: Replica<SwarmMemory>
    let changing: Replica<SwarmMemory>
    let transferring: Replica<SwarmMemory>

    static func clientKey(_ index: Int) -> ClientKey {
        let label = [UInt8(truncatingIfNeeded: index), UInt8(truncatingIfNeeded: index >> 8)]
        return ClientKey(bytes: label.withUnsafeBytes { FuzzCrypto.hash(Array("client-key".utf8), $0) })
    }

    func crypto(for id: ReplicaID) -> FuzzCrypto { FuzzCrypto(signer: FuzzCrypto.replicaSecret(id)) }

    func signRequest(_ request: ClientRequest, client: Int) -> SignedMessage {
        SignedMessage.sign(.request(request), cluster: configuration.cluster) { bytes in
            FuzzCrypto.hash(FuzzCrypto.clientSecret(request.client), bytes) + [UInt8](repeating: 0x5A, count: 32)
        }
    }

    func chunk(_ index: Int) -> [UInt8] {
        guard let range = manifest.range(of: index), range.upperBound <= snapshot.count else { return [] }
        return Array(snapshot[range])
    }

    private init() {
        let configuration = try! Configuration(
            replicaCount: 4,
            cluster: ClusterBinding(clusterName: "fuzz", epoch: 1),
            checkpointInterval: 4,
            watermarkWindow: 8,
            maxBatchRequests: 2,
            requestTimeoutTicks: 10,
            viewChangeTimeoutTicks: 10,
            stateTransferTimeoutTicks: 10,
            stateChunkBytes: 64,
            maxPendingRequests: 64,
            maxViewsAhead: 8,
            wireLimits: WireLimits(maxSnapshotBytes: 64 << 10)
        )
        self.configuration = configuration
        verifier = FuzzCrypto(signer: nil)
        var replicas = (0 ..< 4).map { Replica(configuration: configuration, id: ReplicaID($0), crypto: FuzzCrypto(signer: FuzzCrypto.replicaSecret(ReplicaID($0))), service: SwarmMemory()) }
        var sent: [SignedMessage] = []
        var history: [SequenceNumber: Digest] = [:]
        var committed: [CommittedEntry] = []

        // Delivers every message until quiet; replica 2 is cut off (it will need state).
        func settle(_ initial: [(ReplicaID, [Directive])]) {
            var pending = initial
            for _ in 0 ..< 64 where !pending.isEmpty {
                var next: [(ReplicaID, [Directive])] = []
                for (from, directives) in pending {
                    for directive in directives {
                        var targets: [(ReplicaID, SignedMessage)] = []
                        switch directive {
                        case let .broadcast(message): targets = (0 ..< 4).filter { $0 != from }.map { ($0, message) }
                        case let .send(message, to): targets = [(to, message)]
                        case let .executed(batch) where from == 0: history[batch.sequence] = batch.digest
                        case let .persist(.committed(entry)) where from == 0: committed.append(entry)
                        default: break
                        }
                        for (target, message) in targets {
                            sent.append(message)
                            guard target != 2 else { continue }
                            next.append((target, replicas[Int(target)].receive(message)))
                        }
                    }
                }
                pending = next
            }
        }

        var requests: [SignedMessage] = []
        for index in 1 ... 10 {
            let client = index % Self.clientCount
            let operation = MemoryOperation.put(namespace: Array("ns".utf8), key: [UInt8(index)], value: [UInt8](repeating: UInt8(index), count: 40)).encoded()
            let key = Self.clientKey(client)
            let request = SignedMessage.sign(.request(ClientRequest(client: key, requestID: UInt64(index), operation: operation)), cluster: configuration.cluster) { bytes in
                FuzzCrypto.hash(FuzzCrypto.clientSecret(key), bytes) + [UInt8](repeating: 0x5A, count: 32)
            }
            requests.append(request)
            settle([(0, replicas[0].receive(request))])
        }
        precondition(replicas[0].lastExecuted >= 9 && replicas[0].stable.sequence >= 8, "the scripted history did not reach a stable checkpoint")
        self.history = history
        historyEnd = replicas[0].lastExecuted
        checkpointSequence = replicas[0].stable.sequence
        certificate = replicas[0].stable.proof
        manifest = replicas[0].stableManifest
        snapshot = replicas[0].stable.snapshot
        backup = replicas[1]
        primary = replicas[0]

        // Mid view change: a request only replica 1 sees, and its timer runs out.
        var changing = replicas[1]
        let orphan = SignedMessage.sign(
            .request(ClientRequest(client: Self.clientKey(0), requestID: 99, operation: MemoryOperation.put(namespace: Array("ns".utf8), key: [99], value: [1]).encoded())),
            cluster: configuration.cluster
        ) { FuzzCrypto.hash(FuzzCrypto.clientSecret(Self.clientKey(0)), $0) + [UInt8](repeating: 0x5A, count: 32) }
        requests.append(orphan)
        _ = changing.receive(orphan)
        for _ in 0 ..< 40 where changing.status == .normal {
            for directive in changing.tick() { if case let .broadcast(message) = directive { sent.append(message) } }
        }
        precondition(changing.status == .changingView, "the scripted view change did not start")
        self.changing = changing

        // Mid state transfer: replica 2 sees the stable checkpoint's certificate, asks for
        // state, and gets a genuine answer from replica 0; its chunk requests go unanswered.
        var transferring = replicas[2]
        var request: SignedMessage?
        for message in certificate {
            for directive in transferring.receive(message) { if case let .send(m, _) = directive, m.kind == .stateRequest { request = m } }
        }
        for _ in 0 ..< 40 where request == nil {
            for directive in transferring.tick() { if case let .send(m, _) = directive, m.kind == .stateRequest { request = m } }
        }
        precondition(request != nil, "the scripted lagging replica never asked for state")
        sent.append(request!)
        for directive in replicas[0].receive(request!) {
            guard case let .send(response, to: 2) = directive else { continue }
            sent.append(response)
            for directive in transferring.receive(response) { if case let .send(m, _) = directive { sent.append(m) } }
        }
        precondition(transferring.stateTransfer?.fetch != nil, "the scripted lagging replica is not fetching chunks")
        self.transferring = transferring

        genuine = sent
        self.requests = requests
        prePrepares = sent.filter { $0.kind == .prePrepare }
        prepares = sent.filter { $0.kind == .prepare }
        commits = sent.filter { $0.kind == .commit }
        checkpoints = sent.filter { $0.kind == .checkpoint }
        viewChanges = sent.filter { $0.kind == .viewChange }
        self.committed = committed
        digests = Array(Set(history.values)).sorted() + [replicas[0].stable.stateDigest]
        precondition(!prePrepares.isEmpty && !prepares.isEmpty && !commits.isEmpty && !checkpoints.isEmpty && !viewChanges.isEmpty && !committed.isEmpty)
    }

    func start(_ scenario: Scenario) -> Replica<SwarmMemory> {
        switch scenario {
        case .backup: backup
        case .primary: primary
        case .changingView: changing
        case .stateTransfer: transferring
        }
    }
}
