import SwarmCore
import SwarmFaults
import SwarmWire

/// The simulator's seeded generator is where simulated lies get their choices.
extension SeededRandom: FaultRandomness {}

extension Simulation {
    /// A message signed with replica `id`'s key (planted faults re-sign with it).
    func signAs(_ id: ReplicaID, _ payload: Payload) -> SignedMessage {
        SignedMessage.sign(payload, cluster: configuration.cluster) { keys.crypto(for: id).sign($0) }
    }

    /// Rewrites what a Byzantine replica's honest core wanted to send (`SwarmFaults`, the
    /// rewriter `node --misbehave` runs). A held PRE-PREPARE (`delay`) is delivered to
    /// every peer reachable now, once its hold is over.
    func byzantine(node index: Int, _ directives: [Directive]) -> [Directive] {
        guard let lies = nodes[index].byzantine else { return directives }
        let rewritten = lies.rewrite(directives, random: &random)
        nodes[index].byzantine?.observe(outbound: rewritten.directives, honest: directives)
        let holdBack = lies.holdBack(tickLength: tickPeriodBase)
        for message in rewritten.held {
            observe(message, at: index, .outbound, peer: nil)
            for target in nodes.indices where nodes[target].id != nodes[index].id {
                if reach[index][target] { queue.push(.deliver(message, from: index, to: target), at: time + holdBack) }
            }
        }
        return rewritten.directives
    }

    /// Extra traffic a Byzantine replica generates on its own clock.
    func byzantineTick(_ index: Int) {
        guard let lies = nodes[index].byzantine else { return }
        let replica = nodes[index].replica
        for message in lies.tick(view: replica.view, lowWatermark: replica.lowWatermark, highWatermark: replica.highWatermark, random: &random) {
            observe(message, at: index, .outbound, peer: nil)
            for target in nodes.indices where nodes[target].id != nodes[index].id { transmit(message, from: index, to: target) }
        }
    }
}
