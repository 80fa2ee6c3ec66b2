import SwarmCore
import SwarmWire

extension Simulation {
    func signAs(_ id: ReplicaID, _ payload: Payload) -> SignedMessage {
        SignedMessage.sign(payload, cluster: configuration.cluster) { keys.crypto(for: id).sign($0) }
    }

    /// Rewrites what a Byzantine replica's honest core wanted to send.
    func byzantine(_ behavior: ByzantineBehavior, node index: Int, _ directives: [Directive]) -> [Directive] {
        let node = nodes[index]
        let peers = (0 ..< ReplicaID(options.replicaCount)).filter { $0 != node.id }
        let firstHalf = Array(peers.prefix(peers.count / 2 + peers.count % 2))
        let secondHalf = Array(peers.dropFirst(firstHalf.count))
        var out: [Directive] = []
        for directive in directives {
            switch (behavior, directive) {
            case (.silent, .broadcast), (.silent, .send), (.silent, .reply):
                continue
            case let (.selective, .broadcast(message)):
                out += firstHalf.map { .send(message, to: $0) }
            case let (.selective, .send(message, target)) where !firstHalf.contains(target):
                _ = message
                continue
            case let (.equivocate, .broadcast(message)), let (.forge, .broadcast(message)):
                guard case let .prePrepare(pp) = message.payload, let conflicting = conflictingBatch(pp.batch) else {
                    out.append(directive)
                    continue
                }
                let other = signAs(node.id, .prePrepare(PrePrepare(sender: node.id, view: pp.view, sequence: pp.sequence, digest: digestOfBatch(conflicting), batch: conflicting)))
                out += firstHalf.map { .send(message, to: $0) }
                out += secondHalf.map { .send(other, to: $0) }
                if behavior == .forge, case let .prePrepare(forged) = other.payload {
                    // Votes in other replicas' names for the conflicting batch, with garbage
                    // signatures: only a replica that skips verification can be fooled.
                    for victim in peers {
                        for phase in [MessageKind.prepare, .commit] {
                            let vote = Vote(sender: victim, view: forged.view, sequence: forged.sequence, digest: forged.digest)
                            let fake = SignedMessage.withSignature(phase == .prepare ? .prepare(vote) : .commit(vote), cluster: configuration.cluster, signature: random.bytes(64))
                            out += secondHalf.map { .send(fake, to: $0) }
                        }
                    }
                    let ownCommit = signAs(node.id, .commit(Vote(sender: node.id, view: forged.view, sequence: forged.sequence, digest: forged.digest)))
                    out += secondHalf.map { .send(ownCommit, to: $0) }
                }
            case let (.doubleVote, .broadcast(message)):
                switch message.payload {
                case let .prepare(vote), let .commit(vote):
                    var other = vote
                    other.digest = Digest(bytes: random.bytes(32))
                    let conflicting = signAs(node.id, message.kind == .prepare ? .prepare(other) : .commit(other))
                    out += firstHalf.map { .send(message, to: $0) }
                    out += secondHalf.map { .send(conflicting, to: $0) }
                default:
                    out.append(directive)
                }
            case let (.delay, .broadcast(message)) where message.kind == .prePrepare:
                // Held back until just under the backups' request timeout.
                let holdBack = configuration.requestTimeoutTicks * tickPeriodBase * 3 / 4
                observe(message, at: index, .outbound, peer: nil)
                for target in nodes.indices where nodes[target].id != node.id {
                    if reach[index][target] { queue.push(.deliver(message, from: index, to: target), at: time + holdBack) }
                }
            default:
                out.append(directive)
            }
        }
        return out
    }

    /// A different valid batch: the requests in another order, or without the last one.
    func conflictingBatch(_ batch: [SignedMessage]) -> [SignedMessage]? {
        if batch.count >= 2 { return Array(batch.reversed()) }
        if batch.count == 1 { return [] }
        return nil
    }

    func digestOfBatch(_ batch: [SignedMessage]) -> Digest {
        batchDigest(of: batch, crypto: keys.verifier)
    }

    /// Extra traffic a Byzantine replica generates on its own clock.
    func byzantineTick(_ index: Int) {
        let node = nodes[index]
        switch node.behavior {
        case .flood:
            let replica = node.replica
            var messages: [SignedMessage] = []
            for _ in 0 ..< 8 {
                let far = replica.highWatermark + UInt64(random.int(1 ... 1_000_000))
                messages.append(signAs(node.id, .prepare(Vote(sender: node.id, view: replica.view, sequence: far, digest: Digest(bytes: random.bytes(32))))))
                messages.append(signAs(node.id, .viewChange(ViewChange(sender: node.id, newView: replica.view + UInt64(random.int(100 ... 100_000)), stableSequence: 0, checkpointProof: [], prepared: []))))
                let checkpointSequence = (far / configuration.checkpointInterval + 1) * configuration.checkpointInterval
                messages.append(signAs(node.id, .checkpoint(Checkpoint(sender: node.id, sequence: checkpointSequence, stateDigest: Digest(bytes: random.bytes(32))))))
            }
            let inWindow = replica.lowWatermark + UInt64(random.int(1 ... Int(configuration.watermarkWindow)))
            messages.append(signAs(node.id, .commit(Vote(sender: node.id, view: replica.view, sequence: inWindow, digest: Digest(bytes: random.bytes(32))))))
            for message in messages {
                observe(message, at: index, .outbound, peer: nil)
                for target in nodes.indices where nodes[target].id != node.id { transmit(message, from: index, to: target) }
            }
        case .replay:
            guard !node.recorded.isEmpty, random.chance(0.3) else { return }
            let old = node.recorded[random.int(0 ... node.recorded.count - 1)]
            observe(old, at: index, .outbound, peer: nil)
            for target in nodes.indices where nodes[target].id != node.id { transmit(old, from: index, to: target) }
        default:
            break
        }
    }
}
