import SwarmSimulator
import SwarmWire

/// Generates random but well-formed messages of every kind, nested ones included, from a
/// seeded generator so that a failing case can be replayed.
struct MessageGenerator {
    var random: SeededRandom
    let cluster = ClusterBinding(clusterName: "generated", epoch: 7)

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func digest() -> Digest { Digest(bytes: random.bytes(32)) }
    mutating func signature() -> [UInt8] { random.bytes(64) }
    mutating func replica() -> ReplicaID { ReplicaID(random.int(0 ... 12)) }
    mutating func small() -> UInt64 { UInt64(random.int(0 ... 1000)) }
    mutating func large() -> UInt64 { random.next() }

    mutating func sign(_ payload: Payload) -> SignedMessage {
        SignedMessage.withSignature(payload, cluster: cluster, signature: signature())
    }

    mutating func request() -> SignedMessage {
        sign(.request(ClientRequest(client: ClientKey(bytes: random.bytes(32)), requestID: large(), readOnly: random.chance(0.3), operation: random.bytes(random.int(0 ... 64)))))
    }

    mutating func prePrepare(depthLeft: Int) -> SignedMessage {
        let batch = depthLeft > 0 ? (0 ..< random.int(0 ... 3)).map { _ in request() } : []
        return sign(.prePrepare(PrePrepare(sender: replica(), view: small(), sequence: large(), digest: digest(), batch: batch)))
    }

    mutating func vote(_ kind: MessageKind) -> SignedMessage {
        let vote = Vote(sender: replica(), view: large(), sequence: large(), digest: digest())
        return sign(kind == .prepare ? .prepare(vote) : .commit(vote))
    }

    mutating func checkpoint() -> SignedMessage {
        sign(.checkpoint(Checkpoint(sender: replica(), sequence: large(), stateDigest: digest())))
    }

    mutating func viewChange() -> SignedMessage {
        let proof = (0 ..< random.int(0 ... 3)).map { _ in checkpoint() }
        let prepared = (0 ..< random.int(0 ... 2)).map { _ in
            PreparedCertificate(prePrepare: prePrepare(depthLeft: 1), prepares: (0 ..< random.int(0 ... 3)).map { _ in vote(.prepare) })
        }
        return sign(.viewChange(ViewChange(sender: replica(), newView: large(), stableSequence: large(), checkpointProof: proof, prepared: prepared)))
    }

    mutating func message(kind: MessageKind) -> SignedMessage {
        switch kind {
        case .request: request()
        case .prePrepare: prePrepare(depthLeft: 1)
        case .prepare, .commit: vote(kind)
        case .checkpoint: checkpoint()
        case .viewChange: viewChange()
        case .newView:
            sign(
                .newView(
                    NewView(
                        sender: replica(), view: large(), viewChanges: (0 ..< random.int(0 ... 2)).map { _ in viewChange() },
                        prePrepares: (0 ..< random.int(0 ... 2)).map { _ in prePrepare(depthLeft: 1) })))
        case .stateRequest:
            sign(.stateRequest(StateRequest(sender: replica(), lastExecuted: large(), nonce: large())))
        case .stateResponse:
            sign(
                .stateResponse(
                    StateResponse(
                        sender: replica(), nonce: large(), checkpointSequence: large(), checkpointProof: (0 ..< random.int(0 ... 2)).map { _ in checkpoint() },
                        manifest: random.chance(0.3) ? nil : manifest(),
                        entries: (0 ..< random.int(0 ... 2)).map { _ in
                            CommittedEntry(prePrepare: prePrepare(depthLeft: 1), commits: (0 ..< random.int(0 ... 3)).map { _ in vote(.commit) })
                        })))
        case .reply:
            sign(.reply(Reply(sender: replica(), view: large(), client: ClientKey(bytes: random.bytes(32)), requestID: large(), result: random.bytes(random.int(0 ... 64)))))
        case .evidence:
            sign(.evidence(Evidence(reporter: replica(), first: vote(.prepare), second: vote(.prepare))))
        case .stateChunkRequest:
            sign(.stateChunkRequest(StateChunkRequest(sender: replica(), nonce: large(), checkpointSequence: large(), index: UInt32(truncatingIfNeeded: large()))))
        case .stateChunk:
            sign(
                .stateChunk(
                    StateChunk(sender: replica(), nonce: large(), checkpointSequence: large(), index: UInt32(random.int(0 ... 9)), bytes: random.bytes(random.int(0 ... 128)))))
        }
    }

    /// A well-formed manifest: one digest per started chunk.
    mutating func manifest() -> StateManifest {
        let chunkBytes = UInt32(random.int(1 ... 64))
        let totalBytes = UInt64(random.int(0 ... 300))
        let count = Int((totalBytes + UInt64(chunkBytes) - 1) / UInt64(chunkBytes))
        return StateManifest(totalBytes: totalBytes, chunkBytes: chunkBytes, chunkDigests: (0 ..< count).map { _ in digest() })
    }
}
