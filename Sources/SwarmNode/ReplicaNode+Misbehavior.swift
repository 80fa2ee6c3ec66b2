import Foundation
import SwarmCore
import SwarmFaults
import SwarmWire

/// What fault injection needs from the shell besides the pure rewriter (`SwarmFaults`):
/// wall-clock times for held PRE-PREPAREs, and the flood's pool of signed messages.
struct MisbehaviorState {
    /// PRE-PREPAREs held back by `delay`, with the time to send them.
    var held: [(due: Double, message: SignedMessage)] = []
    /// `flood`: signed a few rounds per tick, then sent round-robin.
    var floodPool: [SignedMessage] = []
    var floodNext = 0
    var random = SystemFaultRandomness()
}

extension ReplicaNode {
    static let floodPoolSize = 20_000
    /// Rounds of `ByzantineReplica.tick` signed per tick (25 messages each).
    static let floodRoundsPerTick = 2
    static let floodSentPerTick = 100

    /// The rewriter's lies in place of the core's directives; `delay`'s held PRE-PREPAREs
    /// go out once their hold is over.
    func misbehave(_ sending: [Directive]) -> [Directive] {
        guard let byzantine else { return sending }
        let rewritten = byzantine.rewrite(sending, random: &misbehaviorState.random)
        self.byzantine?.observe(outbound: rewritten.directives, honest: sending)
        let now = Date().timeIntervalSinceReferenceDate
        let holdSeconds = Double(byzantine.holdBack(tickLength: topology.timeouts.tickMilliseconds)) / 1000
        misbehaviorState.held += rewritten.held.map { (due: now + holdSeconds, message: $0) }
        let due = misbehaviorState.held.filter { $0.due <= now }.map { Directive.broadcast($0.message) }
        misbehaviorState.held.removeAll { $0.due <= now }
        return rewritten.directives + due
    }

    /// Extra traffic: `flood` at about 10,000 messages a second (a pool of 20,000 signed
    /// messages, 100 sent per tick), `replay`'s recorded messages now and then.
    func misbehaviorTick() {
        guard let byzantine else { return }
        let extra = { (random: inout SystemFaultRandomness) in
            byzantine.tick(view: self.replica.view, lowWatermark: self.replica.lowWatermark, highWatermark: self.replica.highWatermark, random: &random)
        }
        guard byzantine.misbehavior == .flood else {
            outbox += extra(&misbehaviorState.random).map { .broadcast($0) }
            return
        }
        for _ in 0 ..< Self.floodRoundsPerTick where misbehaviorState.floodPool.count < Self.floodPoolSize {
            misbehaviorState.floodPool += extra(&misbehaviorState.random)
        }
        guard !misbehaviorState.floodPool.isEmpty else { return }
        for _ in 0 ..< Self.floodSentPerTick {
            outbox.append(.broadcast(misbehaviorState.floodPool[misbehaviorState.floodNext % misbehaviorState.floodPool.count]))
            misbehaviorState.floodNext += 1
        }
    }
}
