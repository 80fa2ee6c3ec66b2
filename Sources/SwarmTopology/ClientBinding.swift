import SwarmCrypto
import SwarmWire

/// Which client identities a CURVE connection may sign requests for (issue 15, findings
/// 3 and 5). A client's certificate holds both keys, so its connection carries its own
/// identity; a gateway the topology lists carries the identities listed for it. Without
/// this, one allowlisted connection could sign with unlimited fresh identities (3,000/s
/// left a second client at 0.9 ops/s) and resend another client's request from the tap to
/// take over its replies (18,441 replies stolen in one run).
public struct ClientBinding: Sendable, Equatable {
    /// Z85 CURVE public key (the ZAP user id) → the identities that connection may carry.
    public private(set) var carried: [String: Set<ClientKey>] = [:]

    public init() {}

    public mutating func allow(connection curvePublicKey: [UInt8], toCarry client: ClientKey) throws {
        carried[try Z85.encode(curvePublicKey), default: []].insert(client)
    }

    /// Whether a request signed by `client` may arrive on the connection whose ZAP user id
    /// is `userID`. No user id (no CURVE) carries nothing.
    public func mayCarry(_ client: ClientKey, onConnection userID: String?) -> Bool {
        guard let userID else { return false }
        return carried[userID]?.contains(client) ?? false
    }

    /// Every identity some connection may carry.
    public var registered: Set<ClientKey> { carried.values.reduce(into: Set()) { $0.formUnion($1) } }
}
