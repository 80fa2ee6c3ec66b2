import Foundation
import SwarmTopology
import SwarmCore
import SwarmFaults
import SwarmCrypto
import SwarmEvents
import SwarmMonitorCore
import SwarmWire
import ZeroMQ

/// The replica's defences as effects. What to do is the core's (Replica+Defenses.swift:
/// evidence checked against this cluster, quarantine as durable state, at most f, timeout
/// jitter from its seeded generator; ReplicaProtection, PeerRateLimiter); the node records
/// each decision in its security log, applies rate limits to the mesh, and answers signed
/// control commands from admins and the monitor.
extension ReplicaNode {
    /// Where wave 1 kept quarantines, outside the write-ahead log; read once and moved in.
    var legacyQuarantinePath: String { dataDirectory + "/quarantine.json" }

    func startDefenses() throws {
        try security.record(ReplicaEvents.started(topology, replica: id, configuration: configuration, protection: protection, misbehavior: misbehavior))
        if let data = readLegacyQuarantines() {
            do {
                for offender in try JSONDecoder().decode([ReplicaID].self, from: data) { try perform(replica.quarantine(offender).directives) }
                try flush()
                try FileManager.default.removeItem(atPath: legacyQuarantinePath)
                logger.notice("moved the quarantines of \(legacyQuarantinePath) into the write-ahead log")
            } catch let error as DecodingError {
                logger.error("\(legacyQuarantinePath) is not a list of replica ids (\(error)); left in place, not applied")
            }
        }
        replica.seedTimeoutJitter(UInt64.random(in: .min ... .max))
    }

    /// The legacy file, if any, bounded: a list of at most n ids is a few bytes, so
    /// anything larger than 64 KiB or not a regular file is refused and left in place,
    /// never read.
    func readLegacyQuarantines() -> Data? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: legacyQuarantinePath) else { return nil }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? .max
        guard attributes[.type] as? FileAttributeType == .typeRegular, size <= 64 << 10 else {
            logger.error("\(legacyQuarantinePath) is not a regular file of at most 64 KiB; left in place, not applied")
            return nil
        }
        return FileManager.default.contents(atPath: legacyQuarantinePath)
    }

    func defensesTick() throws {
        // Penalties decay: a peer whose penalty ran out is forgiven by the flooding
        // detector too, so that it is named (and limited) again if it floods again.
        for peer in rateLimiter.expirePenalties(nowMilliseconds: monotonicMilliseconds()) {
            flooding.forgive(peer)
            try security.record(ReplicaEvents.rateRestored(peer))
        }
        publishSecurityEvents()
    }

    func publishSecurityEvents() {
        do {
            for event in try security.tick() { mesh.tap.publishEvent(event) }
        } catch {
            logger.error("security log: \(error)")
        }
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

    /// Records the core's defence decisions (alerts) in the security log.
    func recordDefence(_ alert: Alert) throws {
        switch alert {
        case let .evidenceVerified(slot, cause):
            try security.record(ReplicaEvents.evidenceVerified(slot.signer, phase: slot.kind.description, view: slot.view, sequence: slot.sequence, source: source(cause)))
        case let .evidenceRecorded(slot):
            try security.record(ReplicaEvents.recordedOnly(slot.signer, level: protection.level))
        case let .quarantine(offender, outcome, cause):
            let reason = cause == .order ? "ordered by an admin" : "verified equivocation evidence (\(source(cause)))"
            try security.record(ReplicaEvents.quarantine(offender, outcome: outcome, reason: reason))
            if outcome == .quarantined { logger.warning("quarantined replica \(offender): \(reason)") }
        case let .released(replica):
            try security.record(ReplicaEvents.released(replica, by: "an admin's order"))
        default:
            return
        }
    }

    func source(_ cause: QuarantineCause) -> String {
        switch cause {
        case .ownEvidence: "seen by replica \(id)"
        case .evidence: "handed over on the ROUTER"
        case .order: "an admin's order"
        }
    }

    /// `EVIDENCE first second` and `CONTROL command` on the ROUTER; false if the frames are
    /// neither (they are then handled as protocol frames).
    func handleControlFrames(_ frames: [[UInt8]]) throws -> Bool {
        let identity = frames[0]
        func answer(_ accepted: Bool, _ text: String) {
            _ = try? mesh.router.send([identity, accepted ? ControlFrames.accepted : ControlFrames.refused, Array(text.utf8)], flags: .dontWait)
        }
        if frames[1] == ControlFrames.evidence, frames.count == 4 {
            guard let first = try? WireCodec.decode(frames[2], limits: configuration.wireLimits), let second = try? WireCodec.decode(frames[3], limits: configuration.wireLimits)
            else {
                counters.malformedFrames += 1
                answer(false, "the evidence frames do not decode")
                return true
            }
            let (outcome, directives) = replica.act(on: Evidence(reporter: .max, first: first, second: second))
            try perform(directives)
            try flush()
            switch outcome {
            case let .refused(error): answer(false, "the evidence does not prove equivocation: \(error)")
            case .alreadyQuarantined, .quarantine(_, .quarantined): answer(true, "verified; the offender is quarantined")
            case .recorded: answer(true, "verified; recorded (protection level \(protection.level))")
            case let .quarantine(_, refused): answer(true, "verified; recorded, not quarantined (\(refused): at most f = \(configuration.faultTolerance), never this replica)")
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
            // Durable before the answer: the record is what refuses a replay after a restart.
            try security.log.flush()
            try flush()
            answer(applied, outcome)
        }
        return true
    }

    /// Applies an authorised command within the replica's limits; says whether it took effect.
    func apply(_ command: ControlCommand, authority: ControlAuthorizer.Authority) throws -> (applied: Bool, outcome: String) {
        switch command.kind {
        case .quarantine, .release:
            // Applied one replica at a time, four such commands quarantined a different
            // replica at each and stalled the cluster (issue 15, finding 7): they are
            // ordered requests now, executed alike by every correct replica.
            return (
                false, "quarantine and release are ordered through consensus: `swarmbft admin \(command.kind == .quarantine ? "quarantine" : "release")` sends them as requests"
            )
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
