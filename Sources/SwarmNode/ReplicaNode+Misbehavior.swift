import Foundation
import SwarmTopology
import SwarmCore
import SwarmWire

/// The state fault injection needs besides rewriting directives.
struct MisbehaviorState {
    /// PRE-PREPAREs held back by `delay`, with the time to send them.
    var held: [(due: Double, directive: Directive)] = []
    /// Validly signed far-future messages, signed a few per tick and sent round-robin.
    var floodPool: [SignedMessage] = []
    var floodNext = 0
    var floodSigned: UInt64 = 0
}

extension ReplicaNode {
    static let floodPoolSize = 20_000
    static let floodSignedPerTick = 50
    static let floodSentPerTick = 100

    /// Extra traffic of `flood`: about 10,000 messages a second for sequences and views no
    /// correct replica could be at, many digests per slot.
    func misbehaviorTick() throws {
        guard misbehavior == .flood else { return }
        let far = replica.highWatermark + 10 * configuration.watermarkWindow
        for _ in 0 ..< Self.floodSignedPerTick where misbehaviorState.floodPool.count < Self.floodPoolSize {
            let k = misbehaviorState.floodSigned
            misbehaviorState.floodSigned += 1
            var digestBytes = [UInt8](repeating: 0, count: 32)
            withUnsafeBytes(of: k.bigEndian) { digestBytes.replaceSubrange(0 ..< 8, with: $0) }
            let vote = Vote(sender: id, view: replica.view + (k % 3 == 0 ? 1_000 : 0), sequence: far + k % 64, digest: Digest(bytes: digestBytes))
            let payload: Payload = k % 2 == 0 ? .prepare(vote) : .commit(vote)
            misbehaviorState.floodPool.append(SignedMessage.sign(payload, cluster: configuration.cluster) { signer.sign($0).bytes })
        }
        guard !misbehaviorState.floodPool.isEmpty else { return }
        for _ in 0 ..< Self.floodSentPerTick {
            outbox.append(.broadcast(misbehaviorState.floodPool[misbehaviorState.floodNext % misbehaviorState.floodPool.count]))
            misbehaviorState.floodNext += 1
        }
    }

    /// `delay`: this primary's PRE-PREPAREs wait 80 % of the request timeout; others pass.
    func holdBack(_ sending: [Directive]) -> [Directive] {
        guard misbehavior == .delay else { return sending }
        let now = Date().timeIntervalSinceReferenceDate
        let delaySeconds = 0.8 * Double(configuration.requestTimeoutTicks * topology.timeouts.tickMilliseconds) / 1000
        var passing: [Directive] = []
        for directive in sending {
            if case let .broadcast(message) = directive, case let .prePrepare(pp) = message.payload, pp.sender == id {
                misbehaviorState.held.append((now + delaySeconds, directive))
            } else {
                passing.append(directive)
            }
        }
        let due = misbehaviorState.held.filter { $0.due <= now }.map(\.directive)
        misbehaviorState.held.removeAll { $0.due <= now }
        return passing + due
    }
}
