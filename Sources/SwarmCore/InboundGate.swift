import SwarmWire

/// What a replica's shell does with one multipart message from a socket, before the core
/// sees anything: the frame shape, the decode under the wire limits, and which connection
/// may carry what (issue 15, findings 1, 3, 5 and 10). Pure, so that the receive-path
/// fuzzer (`Fuzz/build.sh node`) drives the very rule the node runs.
///
/// - A peer's SUB carries one frame per message, whatever it is: the peer's own
///   broadcasts and the COMMITs it relays.
/// - The ROUTER carries `[route, frame]` (a REQUEST from a client, a point-to-point message
///   from a replica's DEALER), `[route, "STATUS"]`, and control messages of three or more
///   frames (`ControlFrames`), which the node answers itself.
/// - A client's connection carries REQUESTs only, and only for identities it may carry
///   (`mayCarry`, the topology's `ClientBinding`); anything else is dropped unverified.
public struct InboundGate: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// For the core: the message, the route of a client's reply, and the replica
        /// whose connection carried it (nil for a client's), which the rate limit charges.
        case message(SignedMessage, route: [UInt8]?, channel: ReplicaID?)
        case status(route: [UInt8])
        /// Evidence or a control command, for the node's control path.
        case control
        case drop(Drop)
    }

    public enum Drop: String, Sendable, Equatable, CaseIterable {
        /// A frame count or a frame the wire codec refuses.
        case malformed
        /// A replica's message on a client's connection.
        case wrongChannel
        /// A REQUEST signed by an identity the connection may not carry.
        case unboundRequest
    }

    public let limits: WireLimits
    /// The ZAP user id (Z85 CURVE key) of each replica's connection.
    public let replicaByConnection: [String: ReplicaID]
    /// Whether the connection with this ZAP user id may carry this client identity.
    public let mayCarry: @Sendable (ClientKey, String?) -> Bool

    public init(limits: WireLimits, replicaByConnection: [String: ReplicaID], mayCarry: @escaping @Sendable (ClientKey, String?) -> Bool) {
        self.limits = limits
        self.replicaByConnection = replicaByConnection
        self.mayCarry = mayCarry
    }

    /// A message on the SUB connected to `peer`'s PUB.
    public func fromSubscriber(_ frames: [[UInt8]], peer: ReplicaID) -> Verdict {
        guard frames.count == 1, let message = decode(frames[0]) else { return .drop(.malformed) }
        return .message(message, route: nil, channel: peer)
    }

    /// A message on the ROUTER from the connection whose ZAP user id is `userID`.
    public func fromRouter(_ frames: [[UInt8]], userID: String?) -> Verdict {
        if frames.count >= 3 { return .control }
        guard frames.count == 2 else { return .drop(.malformed) }
        if frames[1] == ControlFrames.statusRequest { return .status(route: frames[0]) }
        guard let message = decode(frames[1]) else { return .drop(.malformed) }
        // A request forwarded by a backup arrives on that replica's connection: it must
        // not become the client's route, or the replies would go to the backup's DEALER.
        let replica = userID.flatMap { replicaByConnection[$0] }
        guard replica == nil else { return .message(message, route: nil, channel: replica) }
        switch message.payload {
        case let .request(request):
            // Fresh identities by the thousand, or another client's request resent to take
            // over its replies: dropped before any cost; the route stays the owner's.
            guard mayCarry(request.client, userID) else { return .drop(.unboundRequest) }
            return .message(message, route: frames[0], channel: nil)
        default:
            // A client's connection carries requests only; a replica's message on it is a
            // forgery or a replay.
            return .drop(.wrongChannel)
        }
    }

    func decode(_ frame: [UInt8]) -> SignedMessage? { try? WireCodec.decode(frame, limits: limits) }
}
