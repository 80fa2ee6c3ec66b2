import Foundation
import SwarmTopology
import SwarmCore
import SwarmCrypto
import SwarmEvents
import SwarmMonitorCore
import SwarmWire
import ZeroMQ

/// The replica's defences, run by its owner thread: equivocation evidence (seen by the
/// core, or handed over by anyone on the ROUTER) verified here before the offender is
/// quarantined; signed control commands from admins and the monitor; the flooding
/// detector and per-peer rate limits; randomised timeouts. What each does at each
/// protection level is `ReplicaProtection`.
extension ReplicaNode {
    var quarantinePath: String { dataDirectory + "/quarantine.json" }

    func startDefenses() throws {
        try security.record(ReplicaEvents.started(topology, replica: id, configuration: configuration, protection: protection, misbehavior: misbehavior))
        // Quarantines outlive restarts: each was verified (or ordered by an admin) before.
        if let data = FileManager.default.contents(atPath: quarantinePath), let saved = try? JSONDecoder().decode([ReplicaID].self, from: data) {
            for offender in saved { try perform(replica.quarantine(offender).directives) }
        }
        drawTimeoutJitter()
    }

    func defensesTick() throws {
        publishSecurityEvents()
        if replica.now % 100 == 0 { drawTimeoutJitter() }
    }

    func publishSecurityEvents() {
        do {
            for event in try security.tick() { tap.publishEvent(event) }
        } catch {
            logger.error("security log: \(error)")
        }
    }

    /// Against a primary that times its proposals to just under a known timeout.
    func drawTimeoutJitter() {
        guard protection.timeoutJitterFraction > 0 else { return }
        let most = Int(Double(configuration.requestTimeoutTicks) * protection.timeoutJitterFraction)
        replica.setTimeoutJitter(ticks: Int.random(in: 0 ... most))
    }

    func observeForFlooding(_ message: SignedMessage) throws {
        for case let .flooding(peer, count) in flooding.observe(message) {
            try security.record(ReplicaEvents.flooding(peer, farFutureMessages: count))
            if let penalty = protection.floodingPenaltyPerSecond {
                rateLimiter.limit(peer, toPerSecond: penalty, nowMilliseconds: monotonicMilliseconds())
                try security.record(ReplicaEvents.rateLimited(peer, perSecond: penalty, reason: "\(count) validly signed messages far beyond the window"))
            }
            logger.warning("replica \(peer) is flooding: \(count) far-future messages")
        }
    }

    /// Verifies equivocation evidence itself, then quarantines the offender if the
    /// protection level says so. Returns the core's directives (a view change when the
    /// offender was the primary).
    func onEvidence(_ evidence: Evidence, source: String) throws -> [Directive] {
        let slot: SignedSlot
        switch EvidenceCheck.verify(evidence, crypto: crypto) {
        case let .success(verified): slot = verified
        case let .failure(error): throw ControlRefusal("the evidence does not prove equivocation: \(error)")
        }
        guard !replica.quarantined.contains(slot.signer) else { return [] }
        try security.record(ReplicaEvents.evidenceVerified(slot.signer, phase: slot.kind.description, view: slot.view, sequence: slot.sequence, source: source))
        guard protection.quarantineOnEvidence else {
            try security.record(ReplicaEvents.recordedOnly(slot.signer, level: protection.level))
            return []
        }
        return try quarantine(slot.signer, reason: "verified equivocation evidence (\(source))")
    }

    func quarantine(_ offender: ReplicaID, reason: String) throws -> [Directive] {
        let (outcome, directives) = replica.quarantine(offender)
        guard outcome != .alreadyQuarantined else { return [] }
        try security.record(ReplicaEvents.quarantine(offender, outcome: outcome, reason: reason))
        if outcome == .quarantined {
            logger.warning("quarantined replica \(offender): \(reason)")
            saveQuarantine()
        }
        return directives
    }

    func saveQuarantine() {
        guard let data = try? JSONEncoder().encode(replica.quarantined.sorted()) else { return }
        try? data.write(to: URL(fileURLWithPath: quarantinePath + ".tmp"))
        _ = rename(quarantinePath + ".tmp", quarantinePath)
    }

    /// `EVIDENCE first second` and `CONTROL command` on the ROUTER; false if the frames are
    /// neither (they are then handled as protocol frames).
    func handleControlFrames(_ frames: [[UInt8]]) throws -> Bool {
        let identity = frames[0]
        func answer(_ accepted: Bool, _ text: String) {
            _ = try? router.send([identity, accepted ? ControlFrames.accepted : ControlFrames.refused, Array(text.utf8)], flags: .dontWait)
        }
        if frames[1] == ControlFrames.evidence, frames.count == 4 {
            guard let first = try? WireCodec.decode(frames[2], limits: configuration.wireLimits), let second = try? WireCodec.decode(frames[3], limits: configuration.wireLimits) else {
                counters.malformedFrames += 1
                answer(false, "the evidence frames do not decode")
                return true
            }
            do {
                try perform(onEvidence(Evidence(reporter: .max, first: first, second: second), source: "handed over on the ROUTER"))
                try flush()
                answer(true, replica.quarantined.contains(SignedSlot(first.payload)?.signer ?? .max) ? "verified; the offender is quarantined" : "verified; recorded (protection level \(protection.level))")
            } catch let refusal as ControlRefusal {
                answer(false, refusal.description)
            }
            return true
        }
        guard frames[1] == ControlFrames.control, frames.count == 3 else { return false }
        guard let command = try? ControlCommand.decode(frames[2]) else {
            counters.malformedFrames += 1
            answer(false, "the command does not decode")
            return true
        }
        switch security.authorize(command, nowMicroseconds: ReplicaSecurity.nowMicroseconds()) {
        case let .failure(refusal):
            try security.record(ReplicaEvents.control(command, outcome: refusal.description, accepted: false))
            answer(false, refusal.description)
        case let .success(authority):
            let (applied, outcome) = try apply(command, authority: authority)
            try security.record(ReplicaEvents.control(command, outcome: outcome, accepted: applied))
            try flush()
            answer(applied, outcome)
        }
        return true
    }

    /// Applies an authorised command within the replica's limits; says whether it took effect.
    func apply(_ command: ControlCommand, authority: ReplicaSecurity.Authority) throws -> (applied: Bool, outcome: String) {
        switch command.kind {
        case .quarantine:
            try perform(quarantine(command.target, reason: "ordered by an admin"))
            return replica.quarantined.contains(command.target)
                ? (true, "replica \(command.target) is quarantined")
                : (false, "replica \(command.target) not quarantined (at most f = \(configuration.faultTolerance), never this replica)")
        case .release:
            let released = replica.release(command.target)
            if released {
                saveQuarantine()
                try security.record(ReplicaEvents.released(command.target, by: "an admin"))
            }
            return (true, released ? "replica \(command.target) released" : "replica \(command.target) was not quarantined")
        case .viewChange:
            try perform(replica.requestViewChange())
            return (true, "view change to \(replica.view) started")
        case .suspectPrimary:
            guard authority == .admin || protection.acceptSuspicion else { return (false, "suspicion ignored at protection level \(protection.level)") }
            guard command.view == replica.view else { return (false, "suspicion for view \(command.view) ignored: this replica is in view \(replica.view)") }
            try perform(replica.suspectPrimary(requester: hexString(command.signer)))
            return (true, "suspicion recorded for the primary of view \(command.view)")
        }
    }
}
