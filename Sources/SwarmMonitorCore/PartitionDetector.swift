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
    /// Each observer's own clock: the first and the latest time its tap reported
    /// anything. A link is judged against its receiver's clock, never the monitor's: a
    /// monitor that falls behind its taps, or a receiver whose tap is slow, would otherwise
    /// read its own backlog as silence on every link (a false partition under load).
    var firstSeen: [UInt64?]
    var latest: [UInt64?]
    var startMicroseconds: UInt64?
    var reported: (unreachable: [ReplicaID], quorumConnected: Bool)?

    public init(configuration: Configuration, gapMicroseconds: UInt64) {
        precondition(configuration.replicaCount <= 64, "links are kept as 64-bit masks")
        self.configuration = configuration
        self.gapMicroseconds = gapMicroseconds
        let n = configuration.replicaCount
        lastHeard = Array(repeating: Array(repeating: nil, count: n), count: n)
        socketDown = Array(repeating: Array(repeating: false, count: n), count: n)
        firstSeen = Array(repeating: nil, count: n)
        latest = Array(repeating: nil, count: n)
    }

    public mutating func observe(_ observation: Observation) {
        if startMicroseconds == nil { startMicroseconds = observation.timeMicroseconds }
        guard configuration.isReplica(observation.observer) else { return }
        let observer = Int(observation.observer)
        if firstSeen[observer] == nil { firstSeen[observer] = observation.timeMicroseconds }
        latest[observer] = max(latest[observer] ?? 0, observation.timeMicroseconds)
        guard observation.direction == .inbound, let peer = observation.peer, configuration.isReplica(peer) else { return }
        lastHeard[observer][Int(peer)] = max(lastHeard[observer][Int(peer)] ?? 0, observation.timeMicroseconds)
        socketDown[observer][Int(peer)] = false
    }

    /// What a socket monitor saw on the link from `peer` to `observer`.
    public mutating func reportConnectivity(observer: ReplicaID, peer: ReplicaID, connected: Bool, nowMicroseconds: UInt64) {
        guard configuration.isReplica(peer), configuration.isReplica(observer) else { return }
        socketDown[Int(observer)][Int(peer)] = !connected
        // On the receiver's clock where its tap gave one (see `latest`).
        if connected { lastHeard[Int(observer)][Int(peer)] = latest[Int(observer)] ?? nowMicroseconds }
    }

    /// Whether `receiver` heard `sender` within the gap, by the receiver's own clock. A
    /// receiver whose tap has not yet run for a gap is not judged (its links count as
    /// up): silence is evidence only once the tap could have carried something. A replica
    /// that is really down still shows, through the other receivers' taps.
    func up(_ receiver: Int, _ sender: Int) -> Bool {
        guard !socketDown[receiver][sender] else { return false }
        guard let first = firstSeen[receiver], let clock = latest[receiver], clock >= first + gapMicroseconds else { return true }
        guard let heard = lastHeard[receiver][sender] else { return false }
        return clock <= heard + gapMicroseconds
    }

    /// The largest set of replicas that all hear each other both ways (a maximum clique;
    /// n is small, so an exhaustive search with pruning is cheap).
    func largestConnectedGroup() -> UInt64 {
        let n = configuration.replicaCount
        var neighbours = [UInt64](repeating: 0, count: n)
        for a in 0 ..< n { for b in 0 ..< n where a != b && up(a, b) && up(b, a) { neighbours[a] |= 1 << UInt64(b) } }
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
        let group = largestConnectedGroup()
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
