/// Connectivity of a replica to its peers, from libzmq socket-monitor events: whether its
/// SUB hears each peer's PUB and its DEALER reaches each peer's ROUTER, and what its own
/// ROUTER saw (connections refused by the allowlist, disconnects — libzmq disconnects a
/// peer that sends a frame over MAXMSGSIZE).
public struct PeerConnectivity: Codable, Sendable, Equatable {
    public struct Peer: Codable, Sendable, Equatable {
        public var id: UInt32
        /// Our SUB completed a CURVE handshake with the peer's PUB and is connected.
        public var hearing: Bool
        /// Our DEALER completed a handshake with the peer's ROUTER and is connected.
        public var reaching: Bool
        public var disconnects: Int
    }

    public var peers: [Peer]
    public var routerAccepted = 0
    public var routerDisconnects = 0
    public var handshakeFailures = 0

    enum CodingKeys: String, CodingKey {
        case peers
        case routerAccepted = "router_accepted", routerDisconnects = "router_disconnects", handshakeFailures = "handshake_failures"
    }

    public init(peers: [UInt32]) {
        self.peers = peers.map { Peer(id: $0, hearing: false, reaching: false, disconnects: 0) }
    }
}
