import SwarmCore
import SwarmWire

/// Selective participation: a replica that votes, but not to everyone. In PBFT a correct
/// replica multicasts its PREPARE and COMMIT to all replicas (Castro and Liskov, 4.2); a
/// replica that withholds them from some peers can starve those peers of quorums while
/// looking alive to the rest. Two signals, both counted per committed slot (q COMMITs
/// seen for one (view, sequence)), once the slot has settled:
///
/// - in the receivers' taps: replica s voted in the slot, receiver r heard the votes of
///   q − 1 other replicas, but not s's — r was reachable, so s's silence towards r was
///   not r's fault;
/// - in s's own tap: s sent its votes as point-to-point sends that together miss a peer
///   (a correct replica's own votes always go out as one broadcast).
///
/// A replica is suspected after `missStreak` consecutive slots of the second kind, or
/// twice as many of the first kind for one victim. Only suspected: a one-way link
/// failure from s to r looks like the first kind for as long as it lasts, which is why a
/// streak, not a single miss, makes the finding (and a Byzantine replica can lie on its
/// own tap, which is why the first kind exists at all).
public struct SelectiveParticipationDetector: Sendable {
    struct SlotKey: Hashable, Comparable {
        var view: ViewNumber
        var sequence: SequenceNumber
        static func < (a: SlotKey, b: SlotKey) -> Bool { (a.sequence, a.view) < (b.sequence, b.view) }
    }

    struct Slot {
        var firstSeenMicroseconds: UInt64
        /// receiver → senders whose votes for the slot it received directly.
        var heard: [ReplicaID: Set<ReplicaID>] = [:]
        var voters = Set<ReplicaID>()
        var committers = Set<ReplicaID>()
        /// Senders whose own tap showed a vote of the slot going out as a broadcast.
        var broadcasters = Set<ReplicaID>()
        /// sender → the peers its own point-to-point votes of the slot went to.
        var pointToPoint: [ReplicaID: Set<ReplicaID>] = [:]
    }

    struct Pair: Hashable {
        var sender: ReplicaID
        var victim: ReplicaID?
    }

    let configuration: Configuration
    let missStreak: Int
    let settleMicroseconds: UInt64
    let capacity: Int
    var slots: [SlotKey: Slot] = [:]
    var streaks: [Pair: Int] = [:]
    var named = Set<ReplicaID>()
    /// A link is judged only once it could have carried the slot's votes: after the
    /// receiver heard the sender directly once before the slot began, or after
    /// `linkGraceMicroseconds` of both taps running. While a swarm starts, links come up
    /// one by one (ZeroMQ's slow joiner), and a sender's first votes miss receivers it is
    /// not yet connected to — which an honest sender cannot help (bounded: n² pairs).
    let linkGraceMicroseconds: UInt64
    var tapStart: [ReplicaID: UInt64] = [:]
    var firstHeard: [Pair: UInt64] = [:]

    /// `settleMicroseconds` SHOULD cover a few retransmission periods, so that a vote lost
    /// once and retransmitted is not counted as withheld.
    public init(configuration: Configuration, missStreak: Int, settleMicroseconds: UInt64, linkGraceMicroseconds: UInt64 = 0, capacity: Int = 1024) {
        precondition(missStreak > 0)
        self.configuration = configuration
        self.linkGraceMicroseconds = linkGraceMicroseconds
        self.missStreak = missStreak
        self.settleMicroseconds = settleMicroseconds
        self.capacity = capacity
    }

    public mutating func observe(_ observation: Observation) {
        if configuration.isReplica(observation.observer), tapStart[observation.observer] == nil { tapStart[observation.observer] = observation.timeMicroseconds }
        let vote: Vote
        switch observation.message.payload {
        case let .prepare(m), let .commit(m): vote = m
        default: return
        }
        guard configuration.isReplica(vote.sender) else { return }
        let key = SlotKey(view: vote.view, sequence: vote.sequence)
        if slots[key] == nil {
            guard slots.count < capacity else { return }
            slots[key] = Slot(firstSeenMicroseconds: observation.timeMicroseconds)
        }
        slots[key]!.voters.insert(vote.sender)
        if observation.message.kind == .commit { slots[key]!.committers.insert(vote.sender) }
        switch observation.direction {
        case .inbound:
            guard observation.peer == vote.sender else { return }
            let link = Pair(sender: vote.sender, victim: observation.observer)
            if firstHeard[link] == nil { firstHeard[link] = observation.timeMicroseconds }
            slots[key]!.heard[observation.observer, default: []].insert(vote.sender)
        case .outbound:
            guard observation.observer == vote.sender else { return }
            if let peer = observation.peer {
                slots[key]!.pointToPoint[vote.sender, default: []].insert(peer)
            } else {
                slots[key]!.broadcasters.insert(vote.sender)
            }
        }
    }

    /// Evaluates every slot that has settled, in sequence order; returns the findings and
    /// one anomaly per miss.
    public mutating func tick(nowMicroseconds now: UInt64) -> (findings: [Finding], anomalies: [Anomaly]) {
        var findings: [Finding] = []
        var anomalies: [Anomaly] = []
        let settled = slots.filter { now >= $0.value.firstSeenMicroseconds + settleMicroseconds }.keys.sorted()
        for key in settled {
            let slot = slots.removeValue(forKey: key)!
            guard slot.committers.count >= configuration.quorum else { continue }
            for (pair, missed) in evaluate(slot) {
                guard missed else { streaks[pair] = 0; continue }
                streaks[pair, default: 0] += 1
                anomalies.append(Anomaly(replica: pair.sender, timeMicroseconds: now, weight: 2))
                // The receivers' side needs twice the streak: a one-way link failure from
                // the sender looks the same for as long as it lasts. The sender's own tap
                // showing point-to-point votes is a choice the sender made, not the network.
                let needed = pair.victim == nil ? missStreak : 2 * missStreak
                if streaks[pair]! >= needed, named.insert(pair.sender).inserted {
                    findings.append(.selectiveParticipation(replica: pair.sender, victim: pair.victim, missedSlots: streaks[pair]!))
                }
            }
        }
        return (findings, anomalies)
    }

    /// Whether the link from `sender` to `receiver` was up, as far as the taps can tell,
    /// when a slot first seen at `time` began (see `linkGraceMicroseconds`).
    func established(_ sender: ReplicaID, _ receiver: ReplicaID, before time: UInt64) -> Bool {
        if let heard = firstHeard[Pair(sender: sender, victim: receiver)], heard <= time { return true }
        guard let a = tapStart[sender], let b = tapStart[receiver] else { return false }
        return time >= max(a, b) + linkGraceMicroseconds
    }

    /// For each (sender, victim) pair the slot says something about: whether it was a miss.
    func evaluate(_ slot: Slot) -> [(Pair, Bool)] {
        var out: [(Pair, Bool)] = []
        let replicas = (0 ..< ReplicaID(configuration.replicaCount))
        for sender in slot.voters.sorted() {
            for receiver in replicas where receiver != sender {
                let heard = slot.heard[receiver] ?? []
                let others = heard.subtracting([sender, receiver]).count
                // The receiver must have been reachable by a quorum of the others.
                guard others >= configuration.quorum - 1, established(sender, receiver, before: slot.firstSeenMicroseconds) else { continue }
                out.append((Pair(sender: sender, victim: receiver), !heard.contains(sender)))
            }
            if !slot.broadcasters.contains(sender), let covered = slot.pointToPoint[sender] {
                let all = Set(replicas).subtracting([sender])
                out.append((Pair(sender: sender, victim: nil), !all.isSubset(of: covered)))
            }
        }
        return out
    }
}
