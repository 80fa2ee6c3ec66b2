import ZeroMQ

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

    init(peers: [UInt32]) {
        self.peers = peers.map { Peer(id: $0, hearing: false, reaching: false, disconnects: 0) }
    }

    enum Role {
        case subscriber(endpoints: [String: UInt32])
        case dealer(peer: UInt32)
        case router
    }

    mutating func observe(_ event: MonitorEvent, role: Role) {
        switch role {
        case .router:
            switch event.kind {
            case .accepted: routerAccepted += 1
            case .disconnected: routerDisconnects += 1
            case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail: handshakeFailures += 1
            default: break
            }
        case let .subscriber(endpoints):
            guard let peer = endpoints[event.endpoint], let index = peers.firstIndex(where: { $0.id == peer }) else { return }
            update(index, event.kind, \.hearing)
        case let .dealer(peer):
            guard let index = peers.firstIndex(where: { $0.id == peer }) else { return }
            update(index, event.kind, \.reaching)
        }
    }

    private mutating func update(_ index: Int, _ kind: MonitorEventKind, _ field: WritableKeyPath<Peer, Bool>) {
        switch kind {
        case .handshakeSucceeded: peers[index][keyPath: field] = true
        case .disconnected, .closed:
            if peers[index][keyPath: field] { peers[index].disconnects += 1 }
            peers[index][keyPath: field] = false
        case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
            handshakeFailures += 1
        default: break
        }
    }
}
