import Foundation
import SwarmTopology
import SwarmCrypto
import SwarmEvents
import SwarmSecurityLog
import SwarmWire

/// A replica's own security record: every security event it takes part in (its start and
/// configuration, view changes, evidence it verified, quarantines, rate limits, control
/// commands applied or refused) goes into its tamper-evident log (`DATA_DIR/security-log`,
/// signed with its key) and, once durable, onto its monitor tap, from where monitors relay
/// it to the security event stream. It also decides who may send control commands.
final class ReplicaSecurity {
    let log: SecurityLog
    let swarmID: String
    let node: String
    let cluster: ClusterBinding
    let adminKeys: [Ed25519.PublicKey]
    let monitorKey: Ed25519.PublicKey
    /// Nonces of commands accepted within the replay window, with their issue times.
    var seenNonces: [[UInt8]: UInt64] = [:]
    static let replayWindowMicroseconds: UInt64 = 300 * 1_000_000
    static let maxRememberedNonces = 10_000

    init(log: SecurityLog, swarmID: String, replica: ReplicaID, cluster: ClusterBinding, adminKeys: [Ed25519.PublicKey], monitorKey: Ed25519.PublicKey) {
        self.log = log
        self.swarmID = swarmID
        node = "replica-\(replica)"
        self.cluster = cluster
        self.adminKeys = adminKeys
        self.monitorKey = monitorKey
    }

    static func nowMicroseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }

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

    enum Authority { case admin, monitor }

    /// Checks a command's signature, its signer's authority, its binding and its freshness.
    func authorize(_ command: ControlCommand, nowMicroseconds now: UInt64) -> Result<Authority, ControlRefusal> {
        guard command.cluster == cluster else { return .failure(ControlRefusal("the command is for another cluster or epoch")) }
        let authority: Authority
        if adminKeys.contains(where: { $0.bytes == command.signer }) {
            authority = .admin
        } else if command.signer == monitorKey.bytes, command.kind == .suspectPrimary {
            authority = .monitor
        } else {
            return .failure(ControlRefusal("the signer is not an admin key\(command.signer == monitorKey.bytes ? " (the monitor may only suspect the primary)" : "")"))
        }
        guard let key = try? Ed25519.PublicKey(bytes: command.signer), Ed25519.verify(signatureBytes: command.signature, of: command.signedBytes, by: key) else {
            return .failure(ControlRefusal("the signature does not verify"))
        }
        let skew = now > command.issuedAtMicroseconds ? now - command.issuedAtMicroseconds : command.issuedAtMicroseconds - now
        guard skew <= Self.replayWindowMicroseconds else { return .failure(ControlRefusal("issued \(skew / 1_000_000) s away from this replica's clock (the window is 300 s)")) }
        seenNonces = seenNonces.filter { now < $0.value + 2 * Self.replayWindowMicroseconds }
        guard seenNonces[command.nonce] == nil else { return .failure(ControlRefusal("a replay: this nonce was used")) }
        guard seenNonces.count < Self.maxRememberedNonces else { return .failure(ControlRefusal("too many commands in the replay window")) }
        seenNonces[command.nonce] = command.issuedAtMicroseconds
        return .success(authority)
    }
}

struct ControlRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
