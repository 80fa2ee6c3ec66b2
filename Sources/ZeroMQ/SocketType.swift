import CZeroMQ

/// The ZeroMQ socket patterns SwarmBFT uses. Draft types (SERVER, CLIENT, RADIO, DISH…)
/// are absent because the system libzmq 4.3.4 is built without the draft API.
public enum SocketType: Sendable, CaseIterable {
    case pub, sub, xpub, xsub
    case router, dealer
    case push, pull
    case pair
    case req, rep

    /// The `ZMQ_*` constant passed to `zmq_socket`.
    var rawValue: Int32 {
        switch self {
        case .pub: return ZMQ_PUB
        case .sub: return ZMQ_SUB
        case .xpub: return ZMQ_XPUB
        case .xsub: return ZMQ_XSUB
        case .router: return ZMQ_ROUTER
        case .dealer: return ZMQ_DEALER
        case .push: return ZMQ_PUSH
        case .pull: return ZMQ_PULL
        case .pair: return ZMQ_PAIR
        case .req: return ZMQ_REQ
        case .rep: return ZMQ_REP
        }
    }
}
