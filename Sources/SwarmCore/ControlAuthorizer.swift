import SwarmWire

/// Who may send a replica control commands, and the refusal of replays: a pure rule, so
/// that the simulator and the unit tests run the one the daemon runs. The signature check
/// itself is the shell's (Ed25519 over the command's signed bytes), injected per call.
public struct ControlAuthorizer: Sendable {
    public enum Authority: Sendable, Equatable { case admin, monitor }

    public let cluster: ClusterBinding
    /// The admin keys of the topology: every command.
    public let adminKeys: [[UInt8]]
    /// The monitor's key: suspect-primary only (it cannot depose a primary by itself;
    /// `Replica.suspectPrimary` needs f + 1 requesters).
    public let monitorKey: [UInt8]?
    public static let replayWindowMicroseconds: UInt64 = 300 * 1_000_000
    /// Bounded: accepted nonces are remembered for two windows, at most this many.
    public static let maxRememberedNonces = 10_000
    /// Nonces of commands accepted, with their issue times.
    public private(set) var seenNonces: [[UInt8]: UInt64] = [:]

    public init(cluster: ClusterBinding, adminKeys: [[UInt8]], monitorKey: [UInt8]?) {
        self.cluster = cluster
        self.adminKeys = adminKeys
        self.monitorKey = monitorKey
    }

    /// Checks a command's binding, its signer's authority, its signature, its freshness and
    /// its nonce, in that order (the cheap checks first: a stranger's flood costs no
    /// verification). Only an accepted command's nonce is remembered.
    public mutating func authorize(_ command: ControlCommand, nowMicroseconds now: UInt64, signatureValid: (ControlCommand) -> Bool) -> Result<Authority, ControlRefusal> {
        guard command.cluster == cluster else { return .failure(ControlRefusal("the command is for another cluster or epoch")) }
        let authority: Authority
        if adminKeys.contains(command.signer) {
            authority = .admin
        } else if command.signer == monitorKey, command.kind == .suspectPrimary {
            authority = .monitor
        } else {
            return .failure(ControlRefusal("the signer is not an admin key\(command.signer == monitorKey ? " (the monitor may only suspect the primary)" : "")"))
        }
        guard signatureValid(command) else { return .failure(ControlRefusal("the signature does not verify")) }
        // No overflow on a hostile issue time: the distance is taken the safe way round.
        let skew = now > command.issuedAtMicroseconds ? now - command.issuedAtMicroseconds : command.issuedAtMicroseconds - now
        guard skew <= Self.replayWindowMicroseconds else {
            return .failure(ControlRefusal("issued \(skew / 1_000_000) s away from this replica's clock (the window is \(Self.replayWindowMicroseconds / 1_000_000) s)"))
        }
        // Past the window a replay is refused by its time; until then by its nonce.
        seenNonces = seenNonces.filter { now - min(now, $0.value) < 2 * Self.replayWindowMicroseconds }
        guard seenNonces[command.nonce] == nil else { return .failure(ControlRefusal("a replay: this nonce was used")) }
        guard seenNonces.count < Self.maxRememberedNonces else { return .failure(ControlRefusal("too many commands in the replay window")) }
        seenNonces[command.nonce] = command.issuedAtMicroseconds
        return .success(authority)
    }
}

extension ControlAuthorizer {
    /// Remembers a nonce accepted before a restart (read back from the security log), so
    /// that its command replayed now is refused (issue 15, finding 10: nonces were kept in
    /// memory only). Bounded like the nonces accepted in this run.
    public mutating func remember(nonce: [UInt8], issuedAtMicroseconds: UInt64) {
        guard seenNonces.count < Self.maxRememberedNonces || seenNonces[nonce] != nil else { return }
        seenNonces[nonce] = issuedAtMicroseconds
    }
}

/// Why a control command was refused, in words for the security log and the reply.
public struct ControlRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
