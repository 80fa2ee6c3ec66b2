// The core fuzzer's run (one replica in a scripted state, driven step by step, checked
// after every step) and its input, shared by the core fuzzer (CoreFuzzMain.swift) and the
// receive-path fuzzer (Fuzz/Node/NodeFuzzMain.swift). See CoreFuzzMain.swift for the checks.

import SwarmWire

/// The fuzz input as a stream of choices; an exhausted input reads zeros.
struct FuzzInput {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isEmpty: Bool { position >= bytes.count }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u64() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0 ..< 8 { value = value << 8 | UInt64(byte()) }
        return value
    }

    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(byte()) % bound }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

    mutating func bytes(max: Int) -> [UInt8] {
        let count = below(max + 1)
        return (0 ..< count).map { _ in byte() }
    }
}

/// One run: the replica under attack and what it has shown so far.
struct CoreFuzzRun {
    let cluster: CoreFuzzCluster
    var replica: Replica<SwarmMemory>
    var view: ViewNumber
    var stableSequence: SequenceNumber
    var lastExecuted: SequenceNumber
    var executed: [SequenceNumber: Digest] = [:]

    init(cluster: CoreFuzzCluster, replica: Replica<SwarmMemory>) {
        self.cluster = cluster
        self.replica = replica
        view = replica.view
        stableSequence = replica.stable.sequence
        lastExecuted = replica.lastExecuted
    }

    static let byzantine: ReplicaID = 3

    mutating func step(_ input: inout FuzzInput) {
        let directives: [Directive]
        switch input.byte() % 16 {
        case 0, 1:
            var out: [Directive] = []
            for _ in 0 ... input.below(40) { out += replica.tick() }
            directives = out
        case 2, 3:
            directives = deliver(input.pick(cluster.genuine))
        case 4:
            directives = deliver(clientRequest(&input))
        case 5:
            guard let evidence = evidence(&input) else { return }
            directives = replica.act(on: evidence).directives
        case 6:
            directives = replica.suspectPrimary(requester: input.pick(["monitor-a", "monitor-b", "agent"]))
        default:
            directives = deliver(crafted(&input))
        }
        record(directives)
    }

    /// What the node does with a frame from a socket: decode it under the standard limits
    /// (a refused frame never reaches the core), then hand it to the replica.
    mutating func deliver(_ message: SignedMessage) -> [Directive] {
        guard let decoded = try? WireCodec.decode(message.frame, limits: cluster.configuration.wireLimits) else { return [] }
        return replica.receive(decoded)
    }

    mutating func record(_ directives: [Directive]) {
        for directive in directives {
            guard case let .executed(batch) = directive else { continue }
            guard let honest = cluster.history[batch.sequence], honest == batch.digest else {
                fail("executed \(batch.digest) at sequence \(batch.sequence), the honest cluster executed \(cluster.history[batch.sequence].map { "\($0)" } ?? "nothing")")
            }
            if let earlier = executed[batch.sequence], earlier != batch.digest { fail("executed two batches at sequence \(batch.sequence)") }
            executed[batch.sequence] = batch.digest
        }
    }

    mutating func check(after step: Int) {
        let configuration = cluster.configuration
        guard replica.view >= view else { fail("view went back from \(view) to \(replica.view)") }
        guard replica.stable.sequence >= stableSequence else { fail("stable checkpoint went back from \(stableSequence) to \(replica.stable.sequence)") }
        guard replica.lastExecuted >= lastExecuted else { fail("lastExecuted went back from \(lastExecuted) to \(replica.lastExecuted)") }
        guard replica.lastExecuted >= replica.stable.sequence else { fail("lastExecuted \(replica.lastExecuted) below h = \(replica.stable.sequence)") }
        guard replica.lastExecuted <= cluster.historyEnd else { fail("lastExecuted \(replica.lastExecuted) beyond what the honest cluster executed (\(cluster.historyEnd))") }
        guard replica.quarantined.isSubset(of: [Self.byzantine]) else { fail("quarantined honest replicas: \(replica.quarantined.sorted())") }
        let h = replica.stable.sequence
        for sequence in replica.slots.keys where sequence <= h || sequence > h + configuration.watermarkWindow {
            fail("slot \(sequence) outside (h, h + L] = (\(h), \(h + configuration.watermarkWindow)]")
        }
        guard replica.pool.count <= configuration.maxPendingRequests else { fail("\(replica.pool.count) pending requests") }
        guard replica.viewChangeMessages.values.allSatisfy({ $0.count <= 2 }), replica.viewChangeMessages.count <= configuration.replicaCount else {
            fail("VIEW-CHANGEs kept: \(replica.viewChangeMessages.mapValues(\.count))")
        }
        guard replica.checkpointVotes.keys.allSatisfy({ $0 > h && $0 <= h + 2 * configuration.watermarkWindow }) else {
            fail("checkpoint votes kept for \(replica.checkpointVotes.keys.sorted()) with h = \(h)")
        }
        if let fetch = replica.stateTransfer?.fetch {
            guard fetch.outstanding.count <= Replica<SwarmMemory>.maxChunksInFlight, fetch.chunks.count <= fetch.manifest.chunkDigests.count else {
                fail("chunk fetch holds \(fetch.chunks.count) chunks, \(fetch.outstanding.count) outstanding")
            }
        }
        view = replica.view
        stableSequence = replica.stable.sequence
        lastExecuted = replica.lastExecuted
    }

    // MARK: Field values

    /// A sequence number near the edges of this replica's windows, or anywhere.
    mutating func sequence(_ input: inout FuzzInput) -> SequenceNumber {
        let h = replica.stable.sequence
        let L = cluster.configuration.watermarkWindow
        let K = cluster.configuration.checkpointInterval
        let executed = replica.lastExecuted
        switch input.below(18) {
        case 0: return 0
        case 1: return 1
        case 2: return .max
        case 3: return .max - 1
        case 4: return .max / 2
        case 5: return 1 << 32
        case 6: return h
        case 7: return h &+ 1
        case 8: return h &+ L
        case 9: return h &+ L &+ 1
        case 10: return h &+ K
        case 11: return executed
        case 12: return executed &+ 1
        case 13: return executed &- 1
        case 14: return h &+ 2 &* L
        case 15: return input.u64()
        default: return UInt64(input.below(3 * Int(L)))
        }
    }

    /// A view near the current one, at and past `maxViewsAhead`, or anywhere.
    mutating func viewNumber(_ input: inout FuzzInput) -> ViewNumber {
        let v = replica.view
        let ahead = cluster.configuration.maxViewsAhead
        switch input.below(13) {
        case 0: return 0
        case 1: return v
        case 2: return v &+ 1
        case 3: return v &+ 2
        case 4: return v &+ ahead
        case 5: return v &+ ahead &+ 1
        case 6: return v &- 1
        case 7: return .max
        case 8: return .max - 1
        case 9: return .max / 2
        case 10: return .max / 2 + 1
        case 11: return input.u64()
        default: return UInt64(input.below(8))
        }
    }

    mutating func sender(_ input: inout FuzzInput) -> ReplicaID {
        // Mostly the attacker's own id (its signature verifies); sometimes an honest id it
        // cannot sign for, this replica's own id, or no replica at all.
        switch input.below(8) {
        case 0: return replica.id
        case 1: return ReplicaID(input.below(cluster.configuration.replicaCount))
        case 2: return ReplicaID(cluster.configuration.replicaCount)
        case 3: return .max
        default: return Self.byzantine
        }
    }

    mutating func digest(_ input: inout FuzzInput) -> Digest {
        switch input.below(4) {
        case 0: return input.pick(cluster.digests)
        case 1: return Digest(bytes: [UInt8](repeating: input.byte(), count: Digest.byteCount))
        default: return input.pick(cluster.digests)
        }
    }

    mutating func nonce(_ input: inout FuzzInput) -> UInt64 {
        switch input.below(4) {
        case 0, 1: return replica.stateTransfer?.nonce ?? 1
        case 2: return input.u64()
        default: return UInt64(input.below(4))
        }
    }

    /// Signed with replica 3's key whatever sender the payload names (so a claimed honest
    /// sender fails verification), bound to this cluster or, rarely, another.
    mutating func sign(_ payload: Payload, _ input: inout FuzzInput) -> SignedMessage {
        let binding = input.below(16) == 0 ? ClusterBinding(clusterName: "other", epoch: input.pick([1, 2, .max])) : cluster.configuration.cluster
        return SignedMessage.sign(payload, cluster: binding) { cluster.crypto(for: Self.byzantine).sign($0) }
    }

    // MARK: Messages

    mutating func clientRequest(_ input: inout FuzzInput) -> SignedMessage {
        let client = input.below(4) == 0 ? input.below(CoreFuzzCluster.clientCount) : CoreFuzzCluster.clientCount + Int(input.byte())
        let operation: [UInt8]
        if input.bool() {
            let value = input.bytes(max: 24)
            operation = MemoryOperation.put(namespace: Array("ns".utf8), key: [input.byte()], value: value).encoded()
        } else {
            operation = input.bytes(max: 48)
        }
        let request = ClientRequest(client: CoreFuzzCluster.clientKey(client), requestID: sequence(&input), readOnly: input.below(4) == 0, operation: operation)
        return cluster.signRequest(request, client: client)
    }

    mutating func vote(_ input: inout FuzzInput) -> Vote {
        Vote(sender: sender(&input), view: viewNumber(&input), sequence: sequence(&input), digest: digest(&input))
    }

    mutating func prePrepare(_ input: inout FuzzInput, view: ViewNumber? = nil) -> SignedMessage {
        let batch = (0 ..< input.below(3)).map { _ in input.bool() ? input.pick(cluster.requests) : clientRequest(&input) }
        let digest = input.below(4) == 0 ? self.digest(&input) : batchDigest(of: batch, crypto: cluster.verifier)
        let payload = PrePrepare(sender: sender(&input), view: view ?? viewNumber(&input), sequence: sequence(&input), digest: digest, batch: batch)
        return sign(.prePrepare(payload), &input)
    }

    mutating func checkpointProof(_ input: inout FuzzInput) -> [SignedMessage] {
        (0 ..< input.below(5)).map { _ in
            input.bool() ? input.pick(cluster.checkpoints) : sign(.checkpoint(Checkpoint(sender: sender(&input), sequence: sequence(&input), stateDigest: digest(&input))), &input)
        }
    }

    mutating func viewChange(_ input: inout FuzzInput, view: ViewNumber? = nil) -> SignedMessage {
        let prepared = (0 ..< input.below(3)).map { _ -> PreparedCertificate in
            let prePrepare = input.bool() ? input.pick(cluster.prePrepares) : self.prePrepare(&input)
            let prepares = (0 ..< input.below(4)).map { _ in input.bool() ? input.pick(cluster.prepares) : sign(.prepare(vote(&input)), &input) }
            return PreparedCertificate(prePrepare: prePrepare, prepares: prepares)
        }
        let payload = ViewChange(
            sender: sender(&input), newView: view ?? viewNumber(&input), stableSequence: sequence(&input), checkpointProof: checkpointProof(&input), prepared: prepared)
        return sign(.viewChange(payload), &input)
    }

    mutating func crafted(_ input: inout FuzzInput) -> SignedMessage {
        switch input.below(12) {
        case 0:
            return prePrepare(&input)
        case 1:
            return sign(.prepare(vote(&input)), &input)
        case 2:
            return sign(.commit(vote(&input)), &input)
        case 3:
            return sign(.checkpoint(Checkpoint(sender: sender(&input), sequence: sequence(&input), stateDigest: digest(&input))), &input)
        case 4:
            return viewChange(&input)
        case 5:
            let view = viewNumber(&input)
            let viewChanges = (0 ..< input.below(5)).map { _ in input.bool() ? input.pick(cluster.viewChanges) : viewChange(&input, view: view) }
            let prePrepares = (0 ..< input.below(3)).map { _ in prePrepare(&input, view: view) }
            return sign(.newView(NewView(sender: sender(&input), view: view, viewChanges: viewChanges, prePrepares: prePrepares)), &input)
        case 6:
            return sign(.stateRequest(StateRequest(sender: sender(&input), lastExecuted: sequence(&input), nonce: nonce(&input))), &input)
        case 7:
            return sign(.stateResponse(stateResponse(&input)), &input)
        case 8:
            let index: UInt32 = input.pick([0, 1, 2, UInt32(cluster.manifest.chunkDigests.count), .max, .max - 1, UInt32(input.byte())])
            return sign(.stateChunkRequest(StateChunkRequest(sender: sender(&input), nonce: nonce(&input), checkpointSequence: sequence(&input), index: index)), &input)
        case 9:
            let index = UInt32(input.below(cluster.manifest.chunkDigests.count + 2))
            let bytes = input.bool() ? cluster.chunk(Int(index)) : input.bytes(max: 96)
            let sequence = input.bool() ? cluster.checkpointSequence : sequence(&input)
            return sign(.stateChunk(StateChunk(sender: sender(&input), nonce: nonce(&input), checkpointSequence: sequence, index: index, bytes: bytes)), &input)
        case 10:
            let reply = Reply(sender: sender(&input), view: viewNumber(&input), client: CoreFuzzCluster.clientKey(input.below(8)), requestID: sequence(&input), result: input.bytes(max: 16))
            return sign(.reply(reply), &input)
        default:
            guard let evidence = evidence(&input) else { return prePrepare(&input) }
            return sign(.evidence(evidence), &input)
        }
    }

    mutating func stateResponse(_ input: inout FuzzInput) -> StateResponse {
        var manifest: StateManifest? = input.below(3) == 0 ? nil : cluster.manifest
        if manifest != nil, input.bool() {
            switch input.below(4) {
            case 0: manifest!.totalBytes = input.pick([0, 1, .max, .max / 2, manifest!.totalBytes + 1])
            case 1: manifest!.chunkBytes = input.pick([0, 1, .max, manifest!.chunkBytes / 2])
            case 2: manifest!.chunkDigests = Array(manifest!.chunkDigests.prefix(input.below(manifest!.chunkDigests.count + 1)))
            default: manifest!.chunkDigests.append(digest(&input))
            }
        }
        let entries = (0 ..< input.below(3)).map { _ -> CommittedEntry in
            if input.bool(), let genuine = cluster.committed.randomElement(using: &input) { return genuine }
            let commits = (0 ..< input.below(4)).map { _ in input.bool() ? input.pick(cluster.commits) : sign(.commit(vote(&input)), &input) }
            return CommittedEntry(prePrepare: input.bool() ? input.pick(cluster.prePrepares) : prePrepare(&input), commits: commits)
        }
        let sequence = input.below(3) == 0 ? self.sequence(&input) : cluster.checkpointSequence
        return StateResponse(
            sender: sender(&input), nonce: nonce(&input), checkpointSequence: sequence, checkpointProof: input.below(4) == 0 ? checkpointProof(&input) : cluster.certificate,
            manifest: manifest, entries: entries)
    }

    /// Evidence as the monitor hands it over: two genuine or crafted votes, of replica 3
    /// (which may really conflict) or of an honest replica (which must never be proven).
    mutating func evidence(_ input: inout FuzzInput) -> Evidence? {
        let kind = input.below(3)
        func one(_ input: inout FuzzInput) -> SignedMessage {
            switch kind {
            case 0: return input.bool() ? input.pick(cluster.prepares) : sign(.prepare(vote(&input)), &input)
            case 1: return input.bool() ? input.pick(cluster.commits) : sign(.commit(vote(&input)), &input)
            default: return input.bool() ? input.pick(cluster.prePrepares) : prePrepare(&input)
            }
        }
        return Evidence(reporter: sender(&input), first: one(&input), second: one(&input))
    }

    func fail(_ what: String) -> Never {
        fatalError("FUZZ: replica \(replica.id) (view \(replica.view), h \(replica.stable.sequence), executed \(replica.lastExecuted)): \(what)")
    }
}

extension Array {
    /// An element chosen by the fuzz input (nil when empty).
    func randomElement(using input: inout FuzzInput) -> Element? {
        isEmpty ? nil : self[input.below(count)]
    }
}
