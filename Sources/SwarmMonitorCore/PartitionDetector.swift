import SwarmCore
import SwarmWire

/// Partitions: who hears whom. Every inbound tap observation says that its observer
/// heard the signer recently; the shells MAY also report what the sockets' monitors say
/// (`reportConnectivity`), which is faster than waiting for a traffic gap. A link is up
/// when it carried something within `gapMicroseconds` and no socket monitor reported it
/// down since. PBFT makes progress only while some q replicas can all talk to each other
/// (Castro and Liskov, 4.5); the detector asks exactly that, and reports each change.
///
/// A partition accuses nobody: a finding for the operators, not against a replica.
public struct PartitionDetector: Sendable {
    let configuration: Configuration
    let gapMicroseconds: UInt64
    /// lastHeard[receiver][sender]
    var lastHeard: [[UInt64?]]
    var socketDown: [[Bool]]
    var startMicroseconds: UInt64?
    var reported: (unreachable: [ReplicaID], quorumConnected: Bool)?

    public init(configuration: Configuration, gapMicroseconds: UInt64) {
        precondition(configuration.replicaCount <= 64, "links are kept as 64-bit masks")
        self.configuration = configuration
        self.gapMicroseconds = gapMicroseconds
        let n = configuration.replicaCount
        lastHeard = Array(repeating: Array(repeating: nil, count: n), count: n)
        socketDown = Array(repeating: Array(repeating: false, count: n), count: n)
    }

    public mutating func observe(_ observation: Observation) {
        if startMicroseconds == nil { startMicroseconds = observation.timeMicroseconds }
        guard observation.direction == .inbound, let peer = observation.peer,
              configuration.isReplica(peer), configuration.isReplica(observation.observer) else { return }
        lastHeard[Int(observation.observer)][Int(peer)] = observation.timeMicroseconds
        socketDown[Int(observation.observer)][Int(peer)] = false
    }

    /// What a socket monitor saw on the link from `peer` to `observer`.
    public mutating func reportConnectivity(observer: ReplicaID, peer: ReplicaID, connected: Bool, nowMicroseconds: UInt64) {
        guard configuration.isReplica(peer), configuration.isReplica(observer) else { return }
        socketDown[Int(observer)][Int(peer)] = !connected
        if connected { lastHeard[Int(observer)][Int(peer)] = nowMicroseconds }
    }

    func up(_ receiver: Int, _ sender: Int, now: UInt64) -> Bool {
        guard !socketDown[receiver][sender], let heard = lastHeard[receiver][sender] else { return false }
        return now <= heard + gapMicroseconds
    }

    /// The largest set of replicas that all hear each other both ways (a maximum clique;
    /// n is small, so an exhaustive search with pruning is cheap).
    func largestConnectedGroup(now: UInt64) -> UInt64 {
        let n = configuration.replicaCount
        var neighbours = [UInt64](repeating: 0, count: n)
        for a in 0 ..< n { for b in 0 ..< n where a != b && up(a, b, now: now) && up(b, a, now: now) { neighbours[a] |= 1 << UInt64(b) } }
        var best: UInt64 = 0
        func grow(_ clique: UInt64, _ candidates: UInt64) {
            if clique.nonzeroBitCount > best.nonzeroBitCount { best = clique }
            guard clique.nonzeroBitCount + candidates.nonzeroBitCount > best.nonzeroBitCount else { return }
            var rest = candidates
            while rest != 0 {
                let v = rest.trailingZeroBitCount
                rest &= rest - 1
                grow(clique | (1 << UInt64(v)), rest & neighbours[v])
            }
        }
        grow(0, n == 64 ? UInt64.max : (1 << UInt64(n)) - 1)
        return best
    }

    /// Reports the connectivity when it changed; quiet during the first gap, before every
    /// link had the chance to carry something.
    public mutating func tick(nowMicroseconds now: UInt64) -> [Finding] {
        guard let start = startMicroseconds, now >= start + gapMicroseconds else { return [] }
        let group = largestConnectedGroup(now: now)
        let unreachable = (0 ..< configuration.replicaCount).filter { group & (1 << UInt64($0)) == 0 }.map { ReplicaID($0) }
        let quorumConnected = group.nonzeroBitCount >= configuration.quorum
        if let reported, reported.unreachable == unreachable, reported.quorumConnected == quorumConnected { return [] }
        let first = reported == nil
        reported = (unreachable, quorumConnected)
        if first, unreachable.isEmpty { return [] }
        return [.partition(unreachable: unreachable, quorumConnected: quorumConnected)]
    }

    /// The last connectivity reported: whether some q replicas could all talk.
    public var quorumConnected: Bool { reported?.quorumConnected ?? true }
}
