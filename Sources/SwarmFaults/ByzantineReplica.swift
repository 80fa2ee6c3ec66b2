import SwarmCore
import SwarmMemory
import SwarmWire

/// A Byzantine replica's lies, pure: what its honest core wanted to send goes in, what it
/// sends comes out; its extra traffic comes from `tick`. The simulator and the daemon run
/// this one rewriter, so a behaviour the simulator's seeds survive is the behaviour a test
/// bed's `--misbehave` shows. Signatures are real (it holds a valid key); choices come
/// from the caller's `FaultRandomness`.
public struct ByzantineReplica: Sendable {
    /// What a rewrite produces.
    public struct Rewritten: Sendable {
        /// To perform now, in order, in place of the core's directives.
        public var directives: [Directive] = []
        /// To broadcast after `holdBack(tickLength:)` (`delay`).
        public var held: [SignedMessage] = []
    }

    public let misbehavior: Misbehavior
    public let id: ReplicaID
    public let configuration: Configuration
    /// This replica's signer (and the digest of a conflicting batch).
    let crypto: any ProtocolCrypto
    /// `replay`: the last 64 messages it received, of every kind (issue 14: replays of
    /// every message kind, not only VIEW-CHANGE and NEW-VIEW), in a ring; for the lies in
    /// view changes, the last 64 VIEW-CHANGEs.
    public internal(set) var recorded: [SignedMessage] = []
    public static let recordedLimit = 64
    var observed = 0
    /// `double-vote`: the batches of the last PRE-PREPAREs it received, by sequence (at most
    /// `recordedLimit`), so that its second vote is for a real batch.
    var batches: [SequenceNumber: [SignedMessage]] = [:]
    /// `stale-reads`: the operation of each read-only request received (at most
    /// `recordedLimit`), and per operation the last two results its honest core gave.
    var readOperations: [RequestKey: [UInt8]] = [:]
    var readResults: [[UInt8]: (previous: [UInt8]?, current: [UInt8])] = [:]
    /// `new-view-lies`: the O digests each peer was told in the liar's latest NEW-VIEW.
    var toldInNewView: [ReplicaID: (view: ViewNumber, digests: [SequenceNumber: Digest])] = [:]

    public init(_ misbehavior: Misbehavior, id: ReplicaID, configuration: Configuration, crypto: any ProtocolCrypto) {
        precondition(configuration.isReplica(id), "replica \(id) is not in a cluster of \(configuration.replicaCount)")
        self.misbehavior = misbehavior
        self.id = id
        self.configuration = configuration
        self.crypto = crypto
    }

    var peers: [ReplicaID] { (0 ..< ReplicaID(configuration.replicaCount)).filter { $0 != id } }
    /// The first half of the peers, rounded up: those a selective or equivocating replica
    /// tells one story; the others hear another or nothing.
    var firstHalf: [ReplicaID] { Array(peers.prefix(peers.count / 2 + peers.count % 2)) }
    var secondHalf: [ReplicaID] { Array(peers.dropFirst(firstHalf.count)) }

    func sign(_ payload: Payload) -> SignedMessage {
        SignedMessage.sign(payload, cluster: configuration.cluster) { crypto.sign($0) }
    }

    /// How long `delay` holds a PRE-PREPARE, in the caller's time unit given the length of
    /// one core tick in it: 3/4 of the request timeout, just under what would replace it.
    public func holdBack(tickLength: Int) -> Int {
        configuration.requestTimeoutTicks * tickLength * 3 / 4
    }

    /// A message this replica received (kept for `replay`).
    public mutating func observe(inbound message: SignedMessage) {
        switch misbehavior {
        case .replay:
            if recorded.count < Self.recordedLimit { recorded.append(message) } else { recorded[observed % Self.recordedLimit] = message }
            observed &+= 1
        case .viewChangeLies, .newViewLies:
            recordViewChange(message)
        case .staleReads:
            guard case let .request(request) = message.payload, request.readOnly else { return }
            if readOperations.count >= Self.recordedLimit { readOperations.removeAll() }
            readOperations[RequestKey(client: request.client, requestID: request.requestID)] = request.operation
        case .doubleVote:
            guard case let .prePrepare(pp) = message.payload else { return }
            if batches.count >= Self.recordedLimit, let oldest = batches.keys.min() { batches[oldest] = nil }
            batches[pp.sequence] = pp.batch
        default:
            return
        }
    }

    /// `double-vote`'s second digest: that of a real batch — the one it saw proposed for the
    /// slot, reordered or short of a request, which a colluding primary could propose — or
    /// of an empty batch; random only when the proposal itself was the empty batch.
    func conflictingDigest(_ vote: Vote, random: inout some FaultRandomness) -> Digest {
        let real = batches[vote.sequence].flatMap(Self.conflictingBatch) ?? []
        let digest = batchDigest(of: real, crypto: crypto)
        return digest == vote.digest ? Digest(bytes: random.bytes(32)) : digest
    }

    /// What it sent, once rewritten (`new-view-lies` remembers which O each peer heard),
    /// and what its honest core wanted to send (`stale-reads` remembers its answers).
    public mutating func observe(outbound directives: [Directive], honest: [Directive]) {
        switch misbehavior {
        case .newViewLies: rememberNewViews(directives)
        case .staleReads: rememberReads(honest)
        default: return
        }
    }

    /// Rewrites what the honest core wanted to send.
    public func rewrite(_ directives: [Directive], random: inout some FaultRandomness) -> Rewritten {
        var out = Rewritten()
        for directive in directives {
            switch (misbehavior, directive) {
            case (.silent, .broadcast), (.silent, .send), (.silent, .reply):
                continue
            case let (.selective, .broadcast(message)):
                out.directives += firstHalf.map { .send(message, to: $0) }
            case let (.selective, .send(_, target)) where !firstHalf.contains(target):
                continue
            case let (.equivocate, .broadcast(message)), let (.forge, .broadcast(message)):
                guard case let .prePrepare(pp) = message.payload, let conflicting = Self.conflictingBatch(pp.batch) else {
                    out.directives.append(directive)
                    continue
                }
                let forged = PrePrepare(sender: id, view: pp.view, sequence: pp.sequence, digest: batchDigest(of: conflicting, crypto: crypto), batch: conflicting)
                let other = sign(.prePrepare(forged))
                out.directives += firstHalf.map { .send(message, to: $0) }
                out.directives += secondHalf.map { .send(other, to: $0) }
                if misbehavior == .forge { out.directives += forgedVotes(for: forged, random: &random) }
            case let (.doubleVote, .broadcast(message)):
                switch message.payload {
                case let .prepare(vote), let .commit(vote):
                    var other = vote
                    other.digest = conflictingDigest(vote, random: &random)
                    let conflicting = sign(message.kind == .prepare ? .prepare(other) : .commit(other))
                    out.directives += firstHalf.map { .send(message, to: $0) }
                    out.directives += secondHalf.map { .send(conflicting, to: $0) }
                default:
                    out.directives.append(directive)
                }
            case let (.delay, .broadcast(message)) where message.kind == .prePrepare:
                out.held.append(message)
            case let (.viewChangeLies, .broadcast(message)):
                guard case let .viewChange(m) = message.payload, m.sender == id else {
                    out.directives.append(directive)
                    continue
                }
                out.directives += lieInViewChange(message, m, random: &random)
            case let (.newViewLies, .broadcast(message)):
                switch message.payload {
                case let .newView(m) where m.sender == id: out.directives += lieInNewView(message, m, random: &random)
                case let .commit(vote): out.directives += commitsBackingNewViews(message, vote)
                default: out.directives.append(directive)
                }
            case let (.staleReads, .reply(reply, readOnly)) where readOnly:
                var stale = reply
                stale.result = staleResult(for: reply)
                out.directives.append(.reply(stale, readOnly: readOnly))
            case let (.lyingState, .send(message, target)):
                out.directives.append(.send(lieAboutState(message, random: &random), to: target))
            case let (.wrongResults, .reply(reply, readOnly)):
                var forged = reply
                forged.result = MemoryResult(status: .ok, version: 424_242, value: Array("forged by replica \(id)".utf8)).encoded()
                out.directives.append(.reply(forged, readOnly: readOnly))
            default:
                out.directives.append(directive)
            }
        }
        return out
    }

    /// `lying-state`: one lie per state-transfer answer, chosen at random; other messages
    /// pass unchanged. Every lie is signed with the replica's own key.
    func lieAboutState(_ message: SignedMessage, random: inout some FaultRandomness) -> SignedMessage {
        switch message.payload {
        case var .stateChunk(chunk):
            switch random.int(0 ... 3) {
            case 0 where !chunk.bytes.isEmpty: chunk.bytes[random.int(0 ... chunk.bytes.count - 1)] ^= 0x5A
            case 1 where !chunk.bytes.isEmpty: chunk.bytes.removeLast()
            case 2: chunk.bytes += random.bytes(random.int(1 ... 64))
            default: chunk.index &+= 1
            }
            return sign(.stateChunk(chunk))
        case var .stateResponse(response):
            switch random.int(0 ... 3) {
            case 0:
                guard var manifest = response.manifest, !manifest.chunkDigests.isEmpty else { fallthrough }
                manifest.chunkDigests[random.int(0 ... manifest.chunkDigests.count - 1)] = Digest(bytes: random.bytes(32))
                response.manifest = manifest
            case 1:
                response.manifest = nil
                response.checkpointProof = []
                response.entries = []
            case 2:
                response.checkpointSequence &-= configuration.checkpointInterval
            default:
                response.entries.reverse()
            }
            return sign(.stateResponse(response))
        default:
            return message
        }
    }

    /// `forge`: PREPAREs and COMMITs in every peer's name for the conflicting batch, with
    /// garbage signatures, and its own COMMIT for it, all to the second half.
    func forgedVotes(for forged: PrePrepare, random: inout some FaultRandomness) -> [Directive] {
        var out: [Directive] = []
        for victim in peers {
            for phase in [MessageKind.prepare, .commit] {
                let vote = Vote(sender: victim, view: forged.view, sequence: forged.sequence, digest: forged.digest)
                let fake = SignedMessage.withSignature(phase == .prepare ? .prepare(vote) : .commit(vote), cluster: configuration.cluster, signature: random.bytes(64))
                out += secondHalf.map { .send(fake, to: $0) }
            }
        }
        let ownCommit = sign(.commit(Vote(sender: id, view: forged.view, sequence: forged.sequence, digest: forged.digest)))
        out += secondHalf.map { .send(ownCommit, to: $0) }
        return out
    }

    /// A different valid batch: the requests in another order, or without the last one.
    static func conflictingBatch(_ batch: [SignedMessage]) -> [SignedMessage]? {
        if batch.count >= 2 { return Array(batch.reversed()) }
        if batch.count == 1 { return [] }
        return nil
    }

    /// Extra traffic on the replica's own clock, to broadcast: one round of `flood`, or
    /// now and then a recorded message (`replay`). `view` and the watermarks are the
    /// replica's own, so that the flood lands where the others' windows end.
    public func tick(view: ViewNumber, lowWatermark: SequenceNumber, highWatermark: SequenceNumber, random: inout some FaultRandomness) -> [SignedMessage] {
        switch misbehavior {
        case .flood:
            var messages: [SignedMessage] = []
            for _ in 0 ..< 8 {
                let far = highWatermark &+ UInt64(random.int(1 ... 1_000_000))
                messages.append(sign(.prepare(Vote(sender: id, view: view, sequence: far, digest: Digest(bytes: random.bytes(32))))))
                messages.append(
                    sign(.viewChange(ViewChange(sender: id, newView: view &+ UInt64(random.int(100 ... 100_000)), stableSequence: 0, checkpointProof: [], prepared: []))))
                let checkpointSequence = (far / configuration.checkpointInterval &+ 1) &* configuration.checkpointInterval
                messages.append(sign(.checkpoint(Checkpoint(sender: id, sequence: checkpointSequence, stateDigest: Digest(bytes: random.bytes(32))))))
            }
            let inWindow = lowWatermark &+ UInt64(random.int(1 ... Int(configuration.watermarkWindow)))
            messages.append(sign(.commit(Vote(sender: id, view: view, sequence: inWindow, digest: Digest(bytes: random.bytes(32))))))
            // Inside the windows too (issue 14: a flood that is all dropped at the first
            // check tests nothing): votes for slots in (h, h + L] of views up to
            // maxViewsAhead, VIEW-CHANGEs for those views, CHECKPOINTs up to h + 2L.
            for _ in 0 ..< 2 {
                let sequence = lowWatermark &+ UInt64(random.int(1 ... Int(configuration.watermarkWindow)))
                let near = view &+ UInt64(random.int(0 ... Int(configuration.maxViewsAhead)))
                let vote = Vote(sender: id, view: near, sequence: sequence, digest: Digest(bytes: random.bytes(32)))
                messages.append(sign(random.chance(0.5) ? .prepare(vote) : .commit(vote)))
                let nextView = view &+ UInt64(random.int(1 ... Int(configuration.maxViewsAhead)))
                messages.append(sign(.viewChange(ViewChange(sender: id, newView: nextView, stableSequence: lowWatermark, checkpointProof: [], prepared: []))))
                let intervals = Int(2 * configuration.watermarkWindow / configuration.checkpointInterval)
                let base = lowWatermark / configuration.checkpointInterval &* configuration.checkpointInterval
                let checkpointSequence = base &+ UInt64(random.int(1 ... intervals)) &* configuration.checkpointInterval
                messages.append(sign(.checkpoint(Checkpoint(sender: id, sequence: checkpointSequence, stateDigest: Digest(bytes: random.bytes(32))))))
            }
            return messages
        case .replay:
            // Signed by whoever signed them: replays of others' messages as they were.
            guard !recorded.isEmpty, random.chance(0.3) else { return [] }
            return [recorded[random.int(0 ... recorded.count - 1)]]
        case .lyingState:
            guard random.chance(0.2) else { return [] }
            // Everyone answers a requester claiming nothing with its whole manifest, and
            // chunk requests name indices no manifest has and checkpoints it might hold.
            return [
                sign(.stateRequest(StateRequest(sender: id, lastExecuted: 0, nonce: UInt64(random.int(0 ... 1 << 40))))),
                sign(.stateChunkRequest(StateChunkRequest(sender: id, nonce: 1, checkpointSequence: lowWatermark, index: UInt32(random.int(0 ... Int(UInt32.max)))))),
            ]
        default:
            return []
        }
    }
}
