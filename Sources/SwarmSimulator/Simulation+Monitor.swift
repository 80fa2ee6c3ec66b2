import SwarmCore
import SwarmMonitorCore
import SwarmWire

/// A monitor finding and when (in simulated time units) it was made.
public struct TimedFinding: Sendable, Equatable {
    public var time: Int
    public var finding: Finding
}

extension Simulation {
    /// One simulated time unit is a millisecond: a tick is 10 units, as a replica ticks
    /// every 10 ms (docs/simulator.md).
    static let microsecondsPerTimeUnit: UInt64 = 1000
    /// Time units from a monitor's finding to its evidence reaching a replica.
    static let handOverDelay = 5

    var nowMicroseconds: UInt64 { UInt64(time) * Simulation.microsecondsPerTimeUnit }

    /// The monitoring bus: every replica's tap reports each message it sends (peer nil for
    /// a broadcast) and receives, with the observer's time, as `MonitorTap` does; one
    /// `SecurityMonitor` sees every tap.
    func observe(_ message: SignedMessage, at index: Int, _ direction: Observation.Direction, peer: ReplicaID?) {
        let observation = Observation(observer: nodes[index].id, direction: direction, peer: peer, timeMicroseconds: nowMicroseconds, message: message)
        record(security.observe(observation))
    }

    /// The monitor's periodic tick, driven by replica 0's tick events so that no new
    /// events (and no new random draws) enter the run: traces stay as they were.
    func monitorTick() {
        record(security.tick(nowMicroseconds: nowMicroseconds))
    }

    func record(_ findings: [Finding]) {
        for finding in findings {
            monitorFindings.append(TimedFinding(time: time, finding: finding))
            switch finding {
            case let .flooding(replica, _):
                monitorFlooders.insert(replica)
            case let .equivocation(evidence):
                guard let slot = SignedSlot(evidence.first.payload), monitorNamed[slot.signer] == nil else { continue }
                let highestCorrectView = nodes.filter(\.correct).map(\.replica.view).max() ?? 0
                monitorNamed[slot.signer] = highestCorrectView <= slot.view + 1
                if options.trace { trace.append("t=\(time) monitor: replica \(slot.signer) equivocated at \(slot.kind) v=\(slot.view) n=\(slot.sequence)") }
            default:
                if options.trace { trace.append("t=\(time) monitor: \(finding.certainty.rawValue) \(finding)") }
            }
        }
        let responses = security.takeResponses()
        monitorResponses += responses
        // The monitor's quarantine response hands its evidence to every replica, which
        // verifies it itself (MonitorService+Responses.swift); a fixed delay, so that no
        // random draw enters the run.
        for case let .quarantine(_, evidence) in responses {
            for node in nodes.indices { queue.push(.handOver(evidence, to: node), at: time + Simulation.handOverDelay) }
        }
        highestThreat = max(highestThreat, security.threatLevel)
    }
}
