import SwarmTopology
import ZeroMQ

/// How the node's socket monitors keep a `PeerConnectivity` (the status schema) current.
extension PeerConnectivity {
    enum Role {
        case subscriber(peer: UInt32)
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
        case let .subscriber(peer):
            guard let index = peers.firstIndex(where: { $0.id == peer }) else { return }
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
