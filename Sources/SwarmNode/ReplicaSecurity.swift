import Foundation
import SwarmTopology
import SwarmCrypto
import SwarmEvents
import SwarmSecurityLog
import SwarmCore
import SwarmWire

/// A replica's own security record: every security event it takes part in (its start and
/// configuration, view changes, evidence it verified, quarantines, rate limits, control
/// commands applied or refused) goes into its tamper-evident log (`DATA_DIR/security-log`,
/// signed with its key) and, once durable, onto its monitor tap, from where monitors relay
/// it to the security event stream. Who may send control commands is the core's
/// `ControlAuthorizer`; this shell only verifies the Ed25519 signature.
final class ReplicaSecurity {
    let log: SecurityLog
    let swarmID: String
    let node: String
    let cluster: ClusterBinding
    var authorizer: ControlAuthorizer

    init(log: SecurityLog, swarmID: String, replica: ReplicaID, cluster: ClusterBinding, adminKeys: [Ed25519.PublicKey], monitorKey: Ed25519.PublicKey) {
        self.log = log
        self.swarmID = swarmID
        node = "replica-\(replica)"
        self.cluster = cluster
        authorizer = ControlAuthorizer(cluster: cluster, adminKeys: adminKeys.map(\.bytes), monitorKey: monitorKey.bytes)
    }

    static func nowMicroseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }

    /// Reads back the nonces of the control commands this replica accepted within the
    /// replay window (two windows, to be safe with clocks), from the end of its log: at
    /// most `maxRememberedNonces` × 2 entries are read, so a long log costs no more.
    func restoreNonces(nowMicroseconds now: UInt64) throws {
        let limit = UInt64(ControlAuthorizer.maxRememberedNonces * 2)
        var index = log.nextIndex > limit ? log.nextIndex - limit : 0
        while index < log.nextIndex {
            let entries = try log.entries(from: index, limit: 1_000)
            guard let last = entries.last else { break }
            for entry in entries {
                guard let event = try? CloudEvent.decode(entry.event), event.shortType == "control_applied",
                    case let .string(nonceHex)? = event.data["nonce"], case let .int(issued)? = event.data["issued_at_us"], issued >= 0,
                    let nonce = try? bytes(fromHex: nonceHex), now - min(now, UInt64(issued)) < 2 * ControlAuthorizer.replayWindowMicroseconds
                else { continue }
                authorizer.remember(nonce: nonce, issuedAtMicroseconds: UInt64(issued))
            }
            index = last.index + 1
        }
    }

    func record(_ event: SecurityEvent) throws {
        let now = Self.nowMicroseconds()
        try log.append(CloudEvent(event, sequence: log.nextIndex, swarmID: swarmID, node: node, timeMicroseconds: now).encoded(), timeMicroseconds: now)
    }

    /// Closes a batch whose time is up and returns the events that became durable, to
    /// publish on the tap.
    func tick() throws -> [[UInt8]] {
        try log.tick()
        return log.takeDurable().map(\.event)
    }

    /// Checks a command with the core's rule; the Ed25519 check is this shell's.
    func authorize(_ command: ControlCommand, nowMicroseconds now: UInt64) -> Result<ControlAuthorizer.Authority, ControlRefusal> {
        authorizer.authorize(command, nowMicroseconds: now) { command in
            guard let key = try? Ed25519.PublicKey(bytes: command.signer) else { return false }
            return Ed25519.verify(signatureBytes: command.signature, of: command.signedBytes, by: key)
        }
    }
}
